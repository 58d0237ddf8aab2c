import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { beforeEach, describe, expect, it } from 'vitest';
import { agents, calls, offers, reportAgentDays, reportAgentSlots, reportMarks, reportQueueDays, reportQueueSlots, surveys } from '../../db/schema.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import { agentsNeeded } from '../../src/metrics/erlang.ts';
import type { StaffingAdvice } from '../../src/metrics/staffing.ts';
import type { Goals } from '../../src/reports/goals.ts';
import type { Report } from '../../src/reports/history.ts';
import { materialisedUntil } from '../../src/reports/materialise.ts';
import { addStaff } from '../../src/staff/staff.ts';
import { staffToken } from '../support/agents.ts';
import { hotlinePerFile } from '../support/running.ts';
import { CHINESE_QUEUE, halloween, sh } from './fixtures.ts';

/**
 * The reports' API over a running hotline: who may read it, how a wrong query is told, the exports read back
 * with exceljs (Chinese intact), the staffing advice against Erlang C's published figures, and the goals
 * with their trend.
 */

const running = hotlinePerFile();
const tokens: Record<string, string> = {};

beforeEach(async () => {
  const { hotline, url } = running();
  const db = hotline.database.db;
  await db.delete(reportQueueSlots);
  await db.delete(reportAgentSlots);
  await db.delete(reportMarks);
  await db.delete(reportQueueDays);
  await db.delete(reportAgentDays);
  for (const [no, role] of [
    ['9001', 'agent'],
    ['9002', 'supervisor'],
    ['9003', 'manager'],
    ['9004', 'trainer'],
  ] as const) {
    await addStaff(db, { employeeNo: no, name: `${role} ${no}`, role, skills: role === 'agent' ? { tickets: 1 } : {}, password: 'sanling-test' });
    tokens[role] = await staffToken(url, no);
  }
});

const get = (path: string, role?: string) => fetch(`${running().url}${path}`, { headers: role ? { authorization: `Bearer ${tokens[role]}` } : {} });
const RANGE = 'from=2026-10-31&to=2026-11-01';

describe('who may read the reports', () => {
  const routes = [`/api/reports/history?${RANGE}`, `/api/reports/history.csv?${RANGE}`, `/api/reports/history.xlsx?${RANGE}`, '/api/reports/staffing', '/api/reports/goals'];
  it.each(routes)('%s: supervisors and managers; 401 without a login, 403 for agents and trainers', async (path) => {
    expect((await get(path)).status).toBe(401);
    expect((await get(path, 'agent')).status).toBe(403);
    expect((await get(path, 'trainer')).status).toBe(403);
    expect((await get(path, 'supervisor')).status).toBe(200);
    expect((await get(path, 'manager')).status).toBe(200);
  });
});

describe('a wrong query', () => {
  it.each([
    ['from=2026-02-30&to=2026-03-01', 'from', /from must be a date YYYY-MM-DD/],
    ['from=2026-03-01', 'to', /to must be a date/],
    ['from=2026-03-02&to=2026-03-01', 'from', /must not be after to/],
    ['from=2025-01-01&to=2026-03-01', 'from', /range too long/],
    [`${RANGE}&period=year`, 'period', /must be day, week or month/],
    [`${RANGE}&by=agent&queue=tickets`, 'queue', /per-queue report only/],
    [`${RANGE}&agent=x&by=agent`, 'agent', /must be a staff id/],
    [`${RANGE}&colour=red`, 'colour', /not a known field/],
  ])('%s → 400 naming %s', async (query, field, message) => {
    for (const path of ['/api/reports/history', '/api/reports/history.csv']) {
      const res = await get(`${path}?${query}`, 'manager');
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; field: string };
      expect(body.field).toBe(field);
      expect(body.error).toMatch(message);
    }
  });
});

describe('exports', () => {
  beforeEach(async () => {
    await halloween(running().hotline.database.db);
  });

  it('CSV: UTF-8 with a byte-order mark, the table’s rows, the Chinese queue name intact (read back by exceljs)', async () => {
    const json = (await (await get(`/api/reports/history?${RANGE}`, 'manager')).json()) as Report;
    const res = await get(`/api/reports/history.csv?${RANGE}&lang=zh-TW`, 'manager');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="?sanling-queue-day-2026-10-31-2026-11-01.csv/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const book = new ExcelJS.Workbook();
    const sheet = await book.csv.read(Readable.from([bytes.subarray(3)]));
    // exceljs (as Excel) reads the period's first day as a date.
    const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v);
    const lines = sheet.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1).map(day));
    expect(lines[0]!.slice(0, 6)).toEqual(['期間起日', '佇列', '進線', '接聽', '放棄', '短放棄（≤ 5 秒）']);
    expect(lines.length).toBe(1 + json.rows.length);
    const chinese = lines.find((l) => l[1] === CHINESE_QUEUE && l[0] === '2026-10-31');
    expect(chinese!.slice(2, 5)).toEqual([1, 0, 1]);
    expect(lines.filter((l) => l[1] === '合計').map((l) => l[2])).toEqual([4, 1]);
  });

  it('XLSX: a workbook whose cells are the table’s rows, headings in the chosen language', async () => {
    const res = await get(`/api/reports/history.xlsx?from=2026-10-31&to=2026-10-31&by=agent&lang=zh-CN`, 'supervisor');
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const rows = sheet.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(rows[0]!.slice(0, 4)).toEqual(['期间起日', '工号', '姓名', '进线']);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
      ['2026-10-31', '1001', '王小明', 1],
      ['2026-10-31', '1002', 'Li Hua', 1],
      ['2026-10-31', '合计', undefined, 2],
    ]);
    const headings = rows[0] as string[];
    // A figure without data is an empty cell, not 0: nobody was scored for quality.
    expect(rows[1]![headings.indexOf('质量分数')]).toBeUndefined();
    expect(rows[1]![headings.indexOf('服务水平 %（20 秒内）')]).toBe(100);
    const perQueue = new ExcelJS.Workbook();
    await perQueue.xlsx.load(Buffer.from(await (await get(`/api/reports/history.xlsx?${RANGE}`, 'manager')).arrayBuffer()) as unknown as ArrayBuffer);
    const queues = perQueue.worksheets[0]!.getColumn(2).values.filter(Boolean);
    expect(queues).toEqual(['Queue', 'tickets', CHINESE_QUEUE, 'Total', CHINESE_QUEUE, 'Total']);
  });
});

describe('staffing advice', () => {
  it('now: 100 calls in the last 30 minutes at 180 s of handling need 14 agents for 80 % in 20 s, against those logged in', async () => {
    const { hotline, clock } = running();
    const db = hotline.database.db;
    const now = clock.now;
    const ago = (s: number) => new Date(now.getTime() - s * 1000);
    const ivr = { flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] };
    // 100 calls, one every 18 s over the last half hour (50 of them in the last quarter).
    await db.insert(calls).values(Array.from({ length: 100 }, (_, i) => ({ sid: `CA${String(i).padStart(32, '0')}`, from: '+8613800138000', to: '+864001234567', status: 'ended', ivr, queue: 'tickets', queuedAt: ago(i * 18 + 1), startedAt: ago(i * 18 + 1) })));
    // Conversations of 150 s ending in the last 10 minutes; tickets' wrap-up is 30 s: 180 s of handling each.
    const agent = (await db.select().from(agents)).length; // none yet
    expect(agent).toBe(0);
    const ids = await Promise.all(['8001', '8002', '8003'].map((no) => addStaff(db, { employeeNo: no, name: no, role: 'agent', skills: { tickets: 1 }, password: 'sanling-test' })));
    await db.insert(offers).values(Array.from({ length: 10 }, (_, i) => ({ callSid: `CA${String(i).padStart(32, '0')}`, staffId: ids[0]!.id, queue: 'tickets', status: 'completed' as const, offeredAt: ago(i * 60 + 160), answeredAt: ago(i * 60 + 150), endedAt: ago(i * 60) })));
    await db.insert(agents).values([
      { staffId: ids[0]!.id, presence: 'on-call' },
      { staffId: ids[1]!.id, presence: 'available' },
      { staffId: ids[2]!.id, presence: 'break', breakReason: 'lunch' },
    ]);

    const advice = (await (await get('/api/reports/staffing', 'manager')).json()) as StaffingAdvice;
    const window = (m: number) => advice.now.find((w) => w.minutes === m)!.queues.find((q) => q.queue === 'tickets')!;
    expect(window(30)).toMatchObject({ offered: 100, arrivalsPerHour: 200, ahtSeconds: 180, traffic: 10, needed: 14, loggedIn: 3, onBreak: 1, targetSeconds: 20 });
    expect(window(15)).toMatchObject({ offered: 50, arrivalsPerHour: 200, needed: 14 });
    // The last hour: the same 100 calls over 60 minutes, 5 Erlangs.
    expect(window(60)).toMatchObject({ offered: 100, arrivalsPerHour: 100, traffic: 5, needed: agentsNeeded({ traffic: 5, ahtSeconds: 180, targetSeconds: 20, goal: 0.8 }) });
    // Two agents answering 10 Erlangs cannot keep up: no call is answered in time by the model.
    expect(window(30).serviceLevelWithLoggedIn).toBe(0);
    expect(advice.now[0]!.queues.find((q) => q.queue === 'luggage')).toMatchObject({ offered: 0, needed: 0 });
  });

  it('tomorrow: per half hour, from the same weekday of the last four weeks', async () => {
    const { hotline, clock } = running();
    const db = hotline.database.db;
    // The clock is Wednesday 25 November (Shanghai); tomorrow is Thursday. Four Thursdays of history at 10:00,
    // 90 to 110 calls (100 on average) at 180 s each; a Wednesday's calls do not count.
    const thursdays = ['2026-10-29', '2026-11-05', '2026-11-12', '2026-11-19'];
    await db.insert(reportQueueSlots).values(
      thursdays.map((d, i) => ({ slotStart: sh(d, '10:00:00'), queue: 'tickets', offered: [90, 110, 95, 105][i]!, handled: 100, talkSeconds: 15_000, wrapSeconds: 3_000 })),
    );
    await db.insert(reportQueueSlots).values({ slotStart: sh('2026-11-18', '10:00:00'), queue: 'tickets', offered: 1000, handled: 1000, talkSeconds: 180_000 });
    expect(clock.now.toISOString()).toBe('2026-11-25T04:00:00.000Z');
    const advice = (await (await get('/api/reports/staffing', 'supervisor')).json()) as StaffingAdvice;
    expect(advice.tomorrow).toMatchObject({ date: '2026-11-26', weeks: 4 });
    expect(advice.tomorrow.slots).toHaveLength(48);
    const ten = advice.tomorrow.slots.find((s) => s.start === '10:00')!;
    expect(ten.queues.find((q) => q.queue === 'tickets')).toMatchObject({ offered: 100, arrivalsPerHour: 200, ahtSeconds: 180, traffic: 10, needed: 14 });
    expect(ten.needed).toBe(14);
    expect(advice.tomorrow.slots.find((s) => s.start === '03:00')!.needed).toBe(0);
  });
});

describe('goals', () => {
  it('CSAT 90+ and ASA under 30 s today, met or not, with the change from yesterday', async () => {
    const { hotline, clock } = running();
    const db = hotline.database.db;
    const ivr = { flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] };
    let n = 0;
    const call = async (day: string, wait: number, rating: number) => {
      const sid = `CA${String(++n).padStart(32, '7')}`;
      const queued = sh(day, '09:00:00');
      await db.insert(calls).values({ sid, from: '+8613800138000', to: '+864001234567', status: 'ended', ivr, queue: 'tickets', queuedAt: queued, startedAt: queued, answeredAt: new Date(queued.getTime() + wait * 1000), endReason: 'completed' });
      await db.insert(surveys).values({ callSid: sid, queue: 'tickets', language: 'zh-CN', state: ivr, rating, status: 'complete', startedAt: new Date(queued.getTime() + 120_000) });
    };
    await call('2026-11-24', 30, 5);
    await call('2026-11-24', 50, 2);
    await call('2026-11-25', 10, 5);
    await call('2026-11-25', 20, 4);
    expect(clock.now.toISOString()).toBe('2026-11-25T04:00:00.000Z');
    const goals = (await (await get('/api/reports/goals', 'manager')).json()) as Goals;
    expect(goals).toMatchObject({ csatGoal: 90, asaGoalSeconds: 30 });
    const today = goals.periods.find((p) => p.period === 'day')!;
    expect(today).toMatchObject({
      current: { start: '2026-11-25', csatTopTwoBox: 100, averageSpeedOfAnswerSeconds: 15 },
      previous: { start: '2026-11-24', csatTopTwoBox: 50, averageSpeedOfAnswerSeconds: 40 },
      csatMet: true,
      asaMet: true,
      csatChange: 50,
      asaChange: -25,
    });
    // The week (from Monday the 23rd) holds both days: top-2-box 3 of 4, ASA 27.5 s.
    expect(goals.periods.find((p) => p.period === 'week')).toMatchObject({ current: { start: '2026-11-23', csatTopTwoBox: 75, averageSpeedOfAnswerSeconds: 27.5 }, csatMet: false, asaMet: true, csatChange: null });
  });
});

describe('the deadline sweep', () => {
  it('materialises the slots once a half hour is over', async () => {
    const { hotline, clock } = running();
    await halloween(hotline.database.db);
    clock.now = sh('2026-11-01', '00:40:00');
    // The first pass starts from the first call's slot (10:00 on the 31st) and goes up to the slot now is in.
    await sweep(hotline);
    expect((await materialisedUntil(hotline.database.db))!.toISOString()).toBe(sh('2026-11-01', '00:30:00').toISOString());
    clock.now = sh('2026-11-01', '01:00:01');
    await sweep(hotline);
    expect((await materialisedUntil(hotline.database.db))!.toISOString()).toBe(sh('2026-11-01', '01:00:00').toISOString());
    const stored = await hotline.database.db.select().from(reportQueueSlots);
    expect(stored.filter((r) => r.queue === CHINESE_QUEUE).map((r) => [r.slotStart.toISOString(), r.offered])).toEqual([
      [sh('2026-10-31', '23:30:00').toISOString(), 1],
      [sh('2026-11-01', '00:00:00').toISOString(), 1],
    ]);
  });
});
