import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qualityScores, reportAgentDays, reportAgentSlots, reportMarks, reportQueueDays, reportQueueSlots, surveys } from '../../db/schema.ts';
import type { Database } from '../../src/database.ts';
import { rows } from '../../src/database.ts';
import type { Hotline } from '../../src/hotline.ts';
import { queueFigures } from '../../src/metrics/figures.ts';
import { slotAggregate, slotOf } from '../../src/reports/aggregate.ts';
import { historyReport, type Report, type ReportRow } from '../../src/reports/history.ts';
import { marks, materialiseClosedSlots, materialisedUntil, materialiseRange, reportsDue } from '../../src/reports/materialise.ts';
import { testDatabase } from '../support/database.ts';
import { hotlineWithoutCarrier, testConfig } from '../support/hotline.ts';
import { CHINESE_QUEUE, halloween, sh, TICKETS_WRAP_UP, type Halloween } from './fixtures.ts';

/**
 * The history report against a hand-computed day (fixtures.ts): the figures of metrics.md per day, week and
 * month in the hotline's time zone, per queue and per agent, the same whether read live from the calls or
 * from the materialised 30-minute slots, and the slots rewritten when a late fact arrives.
 */

let database: Database;
let shanghai: Hotline;
let newYork: Hotline;
let fixture: Halloween;
let now = sh('2026-11-02', '09:00:00');

beforeAll(async () => {
  database = await testDatabase();
  shanghai = hotlineWithoutCarrier(testConfig({ HOTLINE_TIME_ZONE: 'Asia/Shanghai' }), database, () => now);
  newYork = hotlineWithoutCarrier(testConfig({ HOTLINE_TIME_ZONE: 'America/New_York' }), database, () => now);
  fixture = await halloween(database.db);
});

afterAll(async () => {
  await database?.close();
});

const row = (report: Report, period: string, who: string | 'total') =>
  report.rows.find((r: ReportRow) => r.period === period && (who === 'total' ? r.total : r.queue === who || r.agent?.employeeNo === who));

describe('a day per queue, in Shanghai', () => {
  let report: Report;
  beforeAll(async () => {
    report = await historyReport(shanghai, { from: '2026-10-31', to: '2026-11-01', period: 'day', by: 'queue' });
  });

  it('counts the 31st’s tickets calls: offered, answered, abandoned (short ones apart), waits, rings, handling, surveys', () => {
    const f = row(report, '2026-10-31', 'tickets')!.figures;
    expect(f).toMatchObject({ offered: 3, answered: 2, abandoned: 1, shortAbandons: 1, withinStandard: 1, surveys: 2, callbacksCompleted: 1 });
    expect(f.abandonedAfter).toEqual({ '0-5': 1, '5-15': 0, '15-30': 0, '30-60': 0, '60-120': 0, '120+': 0 });
    expect(f.averageSpeedOfAnswerSeconds).toBe(26); // (12 + 40) / 2
    expect(f.serviceLevel).toBe(0.5); // 12 s within 20 s; 40 s not; the short abandon left out
    expect(f.abandonRate).toBe(0); // the only abandon was short: 0 / (3 − 1)
    expect(f.withinStandardShare).toBe(50);
    expect(f.averageRings).toBe(3);
    // (270 talk + 30 hold + 30 wrap-up) and (120 + 0 + 30), over two conversations.
    expect(f.averageHandleTimeSeconds).toBe(240);
    expect(f.averageHoldSeconds).toBe(15);
    expect(f.csatTopTwoBox).toBe(50);
    expect(f.csatMean).toBe(75); // mean rating 4: (4 − 1) / 4 × 100
    expect(f.callbacksWithinPromise).toBe(1);
    expect(f.repliesWithinCommitment).toBeNull(); // reply commitments are no queue's
  });

  it('keeps a call at 23:50 on the 31st in October’s last day, and one at 00:05 in November’s first', () => {
    expect(row(report, '2026-10-31', CHINESE_QUEUE)!.figures).toMatchObject({ offered: 1, answered: 0, abandoned: 1, serviceLevel: 0, abandonRate: 1 });
    expect(row(report, '2026-10-31', CHINESE_QUEUE)!.figures.abandonedAfter['30-60']).toBe(1);
    expect(row(report, '2026-11-01', CHINESE_QUEUE)!.figures).toMatchObject({ offered: 1, answered: 1, averageSpeedOfAnswerSeconds: 10, serviceLevel: 1, csatTopTwoBox: 100 });
    expect(row(report, '2026-11-01', 'tickets')).toBeUndefined();
  });

  it('totals each day over its queues, with the hotline’s reply commitments', () => {
    const f = row(report, '2026-10-31', 'total')!.figures;
    // Three commitments fell due: the callback's resolve clock (kept), the complaint's first replies (one kept).
    expect(f).toMatchObject({ offered: 4, answered: 2, abandoned: 2, shortAbandons: 1, repliesDue: 3 });
    expect(f.repliesWithinCommitment).toBeCloseTo(2 / 3, 10);
    expect(f.serviceLevel).toBeCloseTo(1 / 3, 10);
    expect(f.abandonRate).toBeCloseTo(1 / 3, 10);
  });

  it('agrees with figures.ts’s definitions over the same calls', () => {
    const tickets = Object.values(fixture.calls).filter((c) => c.queue === 'tickets');
    const expected = queueFigures(tickets.map((c) => ({ ...c, wrapUpSeconds: TICKETS_WRAP_UP })));
    const f = row(report, '2026-10-31', 'tickets')!.figures;
    expect({ offered: f.offered, answered: f.answered, abandoned: f.abandoned, shortAbandons: f.shortAbandons, asa: f.averageSpeedOfAnswerSeconds, sl: f.serviceLevel, ar: f.abandonRate, aht: f.averageHandleTimeSeconds }).toEqual({
      offered: expected.offered,
      answered: expected.answered,
      abandoned: expected.abandoned,
      shortAbandons: expected.shortAbandons,
      asa: expected.averageSpeedOfAnswerSeconds,
      sl: expected.serviceLevel,
      ar: expected.abandonRate,
      aht: expected.averageHandleTimeSeconds,
    });
  });
});

describe('weeks, months, agents and another time zone', () => {
  it('puts Saturday the 31st and Sunday the 1st in the week of Monday the 26th, and splits them by month', async () => {
    const week = await historyReport(shanghai, { from: '2026-10-26', to: '2026-11-01', period: 'week', by: 'queue' });
    expect(week.rows.filter((r) => r.total).map((r) => [r.period, r.figures.offered])).toEqual([['2026-10-26', 5]]);
    const month = await historyReport(shanghai, { from: '2026-10-01', to: '2026-11-30', period: 'month', by: 'queue' });
    expect(month.rows.filter((r) => r.total).map((r) => [r.period, r.figures.offered, r.figures.answered])).toEqual([
      ['2026-10-01', 4, 2],
      ['2026-11-01', 1, 1],
    ]);
  });

  it('reads the same calls on New York’s clock: the 31st’s calls fall on the 30th and 31st there, all in October', async () => {
    const days = await historyReport(newYork, { from: '2026-10-30', to: '2026-11-01', period: 'day', by: 'queue' });
    expect(days.rows.filter((r) => r.total).map((r) => [r.period, r.figures.offered])).toEqual([
      ['2026-10-30', 3],
      ['2026-10-31', 2],
    ]);
    expect(row(days, '2026-10-31', CHINESE_QUEUE)!.figures).toMatchObject({ offered: 2, answered: 1, abandoned: 1 });
    const month = await historyReport(newYork, { from: '2026-10-01', to: '2026-11-30', period: 'month', by: 'queue' });
    expect(month.rows.filter((r) => r.total).map((r) => [r.period, r.figures.offered])).toEqual([['2026-10-01', 5]]);
  });

  it('per agent: their offers, answers, waits, rings, callbacks, reply commitments and quality, by employee number', async () => {
    // A trainer scored two of A's calls of the 31st (src/quality): 80 and 90.
    const scored = (callSid: string, score: number) => ({ offerId: score, callSid, staffId: fixture.a, queue: 'tickets', answeredAt: sh('2026-10-31', '10:00:12'), judged: {}, automatic: {}, score, scoredBy: fixture.b, scoredAt: now });
    await database.db.insert(qualityScores).values([scored('CA1', 80), scored('CA2', 90)]);
    const report = await historyReport(shanghai, { from: '2026-10-31', to: '2026-10-31', period: 'day', by: 'agent' });
    const a = row(report, '2026-10-31', '1001')!;
    expect(a.agent).toEqual({ staffId: fixture.a, employeeNo: '1001', name: '王小明' });
    expect(a.figures).toMatchObject({ offered: 1, answered: 1, averageSpeedOfAnswerSeconds: 12, serviceLevel: 1, withinStandardShare: 100, callbacksCompleted: 1, callbacksWithinPromise: 1, csatTopTwoBox: 100, repliesDue: 1, repliesWithinCommitment: 1 });
    expect(row(report, '2026-10-31', '1002')!.figures).toMatchObject({ offered: 1, answered: 1, averageSpeedOfAnswerSeconds: 40, serviceLevel: 0, withinStandardShare: 0, repliesDue: 2, repliesWithinCommitment: 0.5, csatMean: 50 });
    expect(report.rows.filter((r) => !r.total).map((r) => r.agent!.employeeNo)).toEqual(['1001', '1002']);
    expect(row(report, '2026-10-31', 'total')!.figures).toMatchObject({ offered: 2, answered: 2, repliesDue: 3, qualityScore: 85, qualityScored: 2 });
    expect(a.figures).toMatchObject({ qualityScore: 85, qualityScored: 2 });
    expect(row(report, '2026-10-31', '1002')!.figures).toMatchObject({ qualityScore: null, qualityScored: 0 });
  });

  it('filters to one queue or one agent', async () => {
    const q = await historyReport(shanghai, { from: '2026-10-31', to: '2026-11-01', period: 'day', by: 'queue', queue: CHINESE_QUEUE });
    expect(q.rows.map((r) => [r.period, r.queue ?? 'total', r.figures.offered])).toEqual([
      ['2026-10-31', CHINESE_QUEUE, 1],
      ['2026-10-31', 'total', 1],
      ['2026-11-01', CHINESE_QUEUE, 1],
      ['2026-11-01', 'total', 1],
    ]);
    const a = await historyReport(shanghai, { from: '2026-10-31', to: '2026-11-01', period: 'month', by: 'agent', agent: fixture.b });
    expect(a.rows.map((r) => [r.period, r.agent?.employeeNo ?? 'total', r.figures.answered])).toEqual([
      ['2026-10-01', '1002', 1],
      ['2026-10-01', 'total', 1],
    ]);
  });
});

describe('the materialised slots', () => {
  it('hold what a fresh aggregate gives, and a report from them reads as the live one', async () => {
    const query = { from: '2026-10-30', to: '2026-11-02', period: 'day', by: 'queue' } as const;
    const byAgent = { ...query, by: 'agent' } as const;
    const live = await historyReport(shanghai, query);
    const liveAgents = await historyReport(shanghai, byAgent);
    expect(await materialisedUntil(database.db)).toBeUndefined();
    expect(await due()).toBe(true);
    // The first pass starts at the earliest call and goes a day at a time.
    let passes = 0;
    while ((await materialiseClosedSlots(shanghai)) > 0) passes++;
    expect(passes).toBeGreaterThan(1);
    expect(await materialisedUntil(database.db)).toEqual(slotOf(now));
    expect(await due()).toBe(false);
    // The days whose slots are past the re-aggregated window are rolled up: the 31st and the 1st.
    expect(await marks(database.db)).toMatchObject({ daysUntil: '2026-11-02', timeZone: 'Asia/Shanghai' });
    expect((await database.db.select().from(reportQueueDays)).map((d) => [d.day, d.queue, d.offered]).sort()).toEqual([
      ['2026-10-31', '', 0],
      ['2026-10-31', 'tickets', 3],
      ['2026-10-31', CHINESE_QUEUE, 1],
      ['2026-11-01', CHINESE_QUEUE, 1],
    ]);

    const stored = await database.db.select().from(reportQueueSlots);
    expect(stored.length).toBeGreaterThan(0);
    const fresh = await rows<Record<string, unknown>>(database.db, slotAggregate('queue', { from: sh('2026-10-01', '00:00:00'), to: slotOf(now), now }, shanghai.queues));
    expect(stored.map((r) => [r.slotStart.toISOString(), r.queue, r.offered, r.answered, r.waitSeconds]).sort()).toEqual(
      fresh.map((r) => [new Date(r['slot_start'] as string).toISOString(), r['key'], Number(r['offered']), Number(r['answered']), Number(r['wait_seconds'])]).sort(),
    );
    expect(await historyReport(shanghai, query)).toEqual(live);
    expect(await historyReport(shanghai, byAgent)).toEqual(liveAgents);
    // New York's days are other days: its reports read the slots, and agree as well.
    expect(await historyReport(newYork, query)).toEqual(await historyReport(newYork, query));
    await database.db.update(reportMarks).set({ daysUntil: null });
    expect(await historyReport(shanghai, query)).toEqual(live);
    expect((await database.db.select().from(reportAgentSlots)).length).toBeGreaterThan(0);
  });

  it('rewrites the last hours when a late fact arrives (a survey rated after its slot closed)', async () => {
    // Back to just after the 00:00 slot of 1 November closed, its survey rated 4.
    await database.db.delete(reportMarks);
    await database.db.delete(reportQueueSlots);
    await database.db.delete(reportAgentSlots);
    await database.db.delete(reportQueueDays);
    await database.db.delete(reportAgentDays);
    now = sh('2026-11-01', '00:31:00');
    while ((await materialiseClosedSlots(shanghai)) > 0);
    const csat = async () => row(await historyReport(shanghai, { from: '2026-11-01', to: '2026-11-01', period: 'day', by: 'queue' }), '2026-11-01', CHINESE_QUEUE)!.figures.csatTopTwoBox;
    expect(await csat()).toBe(100);
    // The caller changes the answer to 1 (as a survey finished late would): the stored slot does not know yet…
    await database.db.update(surveys).set({ rating: 1 }).where(eq(surveys.staffId, fixture.a)).execute();
    expect(await csat()).toBe(100);
    // …until the next half hour closes, and the pass writes the last hours again.
    now = sh('2026-11-01', '01:01:00');
    expect(await due()).toBe(true);
    expect(await materialiseClosedSlots(shanghai)).toBe(1);
    expect(await csat()).toBe(0);
  });
});

describe('a range materialised again', () => {
  it('rewrites its slots and the rolled-up days they fall in', async () => {
    now = sh('2026-11-03', '09:00:00');
    while ((await materialiseClosedSlots(shanghai)) > 0);
    expect((await marks(database.db))!.daysUntil).toBe('2026-11-03');
    const day = async () => (await database.db.select().from(reportQueueDays)).find((d) => d.day === '2026-11-01' && d.queue === CHINESE_QUEUE)!;
    expect((await day()).ratingTotal).toBe(1);
    // Days later, the 1 November survey is corrected back to a 4: the range is written again, its day too.
    await database.db.update(surveys).set({ rating: 4 }).where(eq(surveys.staffId, fixture.a)).execute();
    await materialiseRange(shanghai, sh('2026-11-01', '00:00:00'), sh('2026-11-01', '01:00:00'));
    expect((await day()).ratingTotal).toBe(4);
    const report = await historyReport(shanghai, { from: '2026-11-01', to: '2026-11-01', period: 'day', by: 'queue' });
    expect(row(report, '2026-11-01', CHINESE_QUEUE)!.figures.csatTopTwoBox).toBe(100);
  });
});

async function due(): Promise<boolean> {
  const found = await rows(database.db, reportsDue(database.db, now));
  return found.length > 0;
}
