import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agents, calls, offers, staff, surveys, type OfferStatus, type Presence } from '../../db/schema.ts';
import { loadQueues } from '../../src/acd/queues.ts';
import type { Database } from '../../src/database.ts';
import { csatMean, csatTopTwoBox, resolvedRate, type SurveyResponse } from '../../src/metrics/figures.ts';
import { liveMetrics, startOfLocalDay, type QueueLive } from '../../src/metrics/live.ts';
import { testDatabase } from '../support/database.ts';

/** Hotline wall-clock time in Shanghai (UTC+8, no daylight saving). */
const sh = (date: string, time: string) => new Date(`${date}T${time}+08:00`);
const today = (time: string) => sh('2026-11-25', time);
const yesterday = (time: string) => sh('2026-11-24', time);
const NOW = today('10:00:00');

const queues = loadQueues('ivr-flows');
const options = (now = NOW) => ({ now, timeZone: 'Asia/Shanghai', queues, ringCycleSeconds: 5 });

let database: Database;

/**
 * The floor at 10:00 in Shanghai.
 *
 * Agents (presence, skills):
 *   1001 available  tickets general          1005 break      tickets general
 *   1002 on-call    tickets luggage general  1006 offline    tickets general       (not counted: offline)
 *   1003 wrap-up    complaints general       1007 available  tickets general       (not counted: disabled)
 *   1004 ringing    tickets luggage general  1008 available  (no skills: a supervisor, in no queue)
 *
 * Callers waiting now:
 *   W1 tickets     queued 09:58:20, waiting        → 100 s
 *   W2 tickets     queued 09:59:30, 1004 ringing   →  30 s
 *   W3 complaints  queued 09:59:50, waiting        →  10 s
 *
 * Earlier today (answered offers: rings, within three rings):
 *   T6 general     queued 00:00:00 (midnight exactly), answered 00:00:40 → wait 40   1 ring  yes
 *   T1 tickets     queued 08:00:00, answered 08:00:12 → wait 12 (after a missed offer)  3 rings yes
 *   T2 luggage     queued 08:10:00, answered 08:10:25 → wait 25                         4 rings no
 *   T3 general     queued 08:20:00, answered 08:20:20 → wait 20, still talking to 1002  2 rings yes
 *   T4 tickets     queued 08:30:00, hung up 08:30:04 → a short abandon
 *   T5 complaints  queued 08:40:00, hung up 08:41:00 while an agent's phone rang → an abandon
 *   I1             never queued: hung up in the IVR at 09:00
 *
 * Yesterday (not today): Y1 queued 23:59:59, answered 00:00:09 today (its offer rang yesterday, 2 rings);
 * Y2 queued 12:00:00, hung up 12:01:00.
 *
 * Surveys (agent, rating, solved, status, begun):
 *   T6  1001  5  yes  complete  00:05:10
 *   T1  1001  4  no   complete  08:04:10
 *   T2  1001  2  –    partial   08:15:10   hung up before "was it solved"
 *   Z1  1003  –  –    partial   09:10:00   hung up at the first question: no response
 *   Z2  1003  3  –    asking    09:59:30   rated, still being asked
 *   Y0  1001  1  no   complete  yesterday 15:00:00 (not today)
 *
 * Also on the roster: 3001, a manager logged in (not on the agent board), 2001 a supervisor who never logged
 * in nor took a call (not on it either).
 */
beforeAll(async () => {
  database = await testDatabase();
  const db = database.db;

  const people: Array<[string, Presence, Record<string, number>, boolean?]> = [
    ['1001', 'available', { tickets: 3, general: 1 }],
    ['1002', 'on-call', { tickets: 2, luggage: 4, general: 1 }],
    ['1003', 'wrap-up', { complaints: 5, general: 2 }],
    ['1004', 'ringing', { tickets: 3, luggage: 3, general: 1 }],
    ['1005', 'break', { tickets: 1, general: 1 }],
    ['1006', 'offline', { tickets: 5, general: 5 }],
    ['1007', 'available', { tickets: 4, general: 1 }, true],
    ['1008', 'available', {}],
  ];
  const ids = new Map<string, number>();
  for (const [employeeNo, presence, skills, disabled] of people) {
    const [row] = await db
      .insert(staff)
      .values({ employeeNo, name: `Agent ${employeeNo}`, role: 'agent', skills, passwordHash: 'not-a-real-hash', disabled: disabled ?? false })
      .returning({ id: staff.id });
    await db.insert(agents).values({ staffId: row!.id, presence, since: yesterday('23:00:00'), breakReason: presence === 'break' ? 'meal' : null });
    ids.set(employeeNo, row!.id);
  }
  const [manager] = await db
    .insert(staff)
    .values({ employeeNo: '3001', name: 'Manager', role: 'manager', passwordHash: 'not-a-real-hash' })
    .returning({ id: staff.id });
  await db.insert(agents).values({ staffId: manager!.id, presence: 'available', since: today('09:00:00') });
  await db.insert(staff).values({ employeeNo: '2001', name: 'Supervisor', role: 'supervisor', passwordHash: 'not-a-real-hash' });

  type Row = { queue?: string; status: string; queuedAt?: Date; answeredAt?: Date; endedAt?: Date; endReason?: string; startedAt: Date };
  const call = (sid: string, r: Row) => ({
    sid,
    from: '+8613800138000',
    to: '+864001234567',
    ivr: { flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] },
    priority: r.queue ? 0 : null,
    ...r,
  });
  const queued = (queue: string, status: string, at: Date) => ({ queue, status, queuedAt: at, startedAt: new Date(at.getTime() - 60_000) });
  await db.insert(calls).values([
    call('W1', queued('tickets', 'queued', today('09:58:20'))),
    call('W2', queued('tickets', 'offered', today('09:59:30'))),
    call('W3', queued('complaints', 'queued', today('09:59:50'))),
    call('T6', { ...queued('general', 'ended', today('00:00:00')), answeredAt: today('00:00:40'), endedAt: today('00:05:00'), endReason: 'completed' }),
    call('T1', { ...queued('tickets', 'ended', today('08:00:00')), answeredAt: today('08:00:12'), endedAt: today('08:04:00'), endReason: 'completed' }),
    call('T2', { ...queued('luggage', 'ended', today('08:10:00')), answeredAt: today('08:10:25'), endedAt: today('08:15:00'), endReason: 'completed' }),
    call('T3', { ...queued('general', 'connected', today('08:20:00')), answeredAt: today('08:20:20') }),
    call('T4', { ...queued('tickets', 'ended', today('08:30:00')), endedAt: today('08:30:04'), endReason: 'abandoned-in-queue' }),
    call('T5', { ...queued('complaints', 'ended', today('08:40:00')), endedAt: today('08:41:00'), endReason: 'abandoned-in-queue' }),
    call('I1', { status: 'ended', startedAt: today('08:58:00'), endedAt: today('09:00:00'), endReason: 'abandoned-in-ivr' }),
    call('Y1', { ...queued('tickets', 'ended', yesterday('23:59:59')), answeredAt: today('00:00:09'), endedAt: today('00:03:00'), endReason: 'completed' }),
    call('Y2', { ...queued('general', 'ended', yesterday('12:00:00')), endedAt: yesterday('12:01:00'), endReason: 'abandoned-in-queue' }),
  ]);

  const offer = (callSid: string, queue: string, status: OfferStatus, offeredAt: Date, rings?: number, agent = '1001') => ({
    callSid,
    staffId: ids.get(agent)!,
    queue,
    status,
    offeredAt,
    ...(rings === undefined ? {} : { rings, withinStandard: rings <= 3, answeredAt: offeredAt }),
  });
  await db.insert(offers).values([
    offer('W2', 'tickets', 'ringing', today('09:59:40'), undefined, '1004'),
    offer('T6', 'general', 'completed', today('00:00:30'), 1),
    offer('T1', 'tickets', 'missed', today('08:00:00')),
    offer('T1', 'tickets', 'completed', today('08:00:05'), 3),
    offer('T2', 'luggage', 'completed', today('08:10:05'), 4),
    offer('T3', 'general', 'connected', today('08:20:10'), 2, '1002'),
    offer('T5', 'complaints', 'abandoned', today('08:40:30')),
    offer('Y1', 'tickets', 'completed', yesterday('23:59:59'), 2),
  ]);

  await db.insert(surveys).values(
    SURVEYS.map(([callSid, agent, rating, solved, status, startedAt]) => ({
      callSid,
      staffId: ids.get(agent)!,
      queue: 'tickets',
      language: 'zh-CN',
      state: { flow: 'survey', node: 'rating', language: 'zh-CN', attempt: 0, answers: {}, path: [] },
      rating,
      solved,
      status,
      startedAt,
    })),
  );
});

const SURVEYS: Array<[string, string, number | null, boolean | null, 'asking' | 'complete' | 'partial', Date]> = [
  ['T6', '1001', 5, true, 'complete', today('00:05:10')],
  ['T1', '1001', 4, false, 'complete', today('08:04:10')],
  ['T2', '1001', 2, null, 'partial', today('08:15:10')],
  ['Z1', '1003', null, null, 'partial', today('09:10:00')],
  ['Z2', '1003', 3, null, 'asking', today('09:59:30')],
  ['Y0', '1001', 1, false, 'complete', yesterday('15:00:00')],
];

afterAll(async () => {
  await database?.close();
});

const none = { available: 0, ringing: 0, onCall: 0, wrapUp: 0, break: 0 };

describe('the live board at 10:00', () => {
  it('is stamped with the time it describes, and the time zone its day is read in', async () => {
    expect(await liveMetrics(database.db, options())).toMatchObject({ at: '2026-11-25T02:00:00.000Z', timeZone: 'Asia/Shanghai' });
  });

  it('lists every queue in the order of queues.yaml, with its waiting callers and the longest wait', async () => {
    const board = await liveMetrics(database.db, options());
    expect(board.queues.map(({ name, waiting, longestWaitSeconds }) => ({ name, waiting, longestWaitSeconds }))).toEqual([
      { name: 'tickets', waiting: 2, longestWaitSeconds: 100 }, // W1 and W2 (its agent's phone rings); W1 since 09:58:20
      { name: 'luggage', waiting: 0, longestWaitSeconds: 0 },
      { name: 'lost-and-found', waiting: 0, longestWaitSeconds: 0 },
      { name: 'complaints', waiting: 1, longestWaitSeconds: 10 }, // W3
      { name: 'general', waiting: 0, longestWaitSeconds: 0 },
    ]);
  });

  it('counts each logged-in agent of enabled staff in every queue they have the skill for, by presence', async () => {
    const agentsIn = Object.fromEntries((await liveMetrics(database.db, options())).queues.map((q: QueueLive) => [q.name, q.agents]));
    expect(agentsIn).toEqual({
      tickets: { ...none, available: 1, ringing: 1, onCall: 1, break: 1 }, // 1001, 1004, 1002, 1005
      luggage: { ...none, ringing: 1, onCall: 1 }, // 1004, 1002
      'lost-and-found': none,
      complaints: { ...none, wrapUp: 1 }, // 1003
      general: { available: 1, ringing: 1, onCall: 1, wrapUp: 1, break: 1 }, // 1001, 1004, 1002, 1003, 1005
    });
  });

  it('sums up today since midnight in Shanghai', async () => {
    expect((await liveMetrics(database.db, options())).today).toEqual({
      // W1 W2 W3 T1 T2 T3 T4 T5 T6; not I1 (never queued), Y1, Y2 (yesterday)
      offered: 9,
      // T1 T2 T3 T6
      answered: 4,
      // T4 (short) and T5
      abandoned: 2,
      // answered offers within three rings: T1 (3), T3 (2), T6 (1); not T2 (4), nor Y1's (yesterday)
      answeredWithinStandard: 3,
      // (3 + 4 + 2 + 1) / 4
      averageRings: 2.5,
      // (12 + 25 + 20 + 40) / 4
      averageSpeedOfAnswerSeconds: 24.25,
      // within 20 s: T1 (12), T3 (20) / (4 answered + T5; T4 is a short abandon) = 2 / 5
      serviceLevel: 0.4,
      serviceLevelSeconds: 20,
      // 3 of the 4 answered offers
      answeredWithinStandardShare: 75,
      csat: {
        // ratings 5, 4, 2, 3 (T6 T1 T2 Z2): mean 3.5 → (3.5 − 1) / 4 × 100
        mean: 62.5,
        // 5 and 4 of four ratings
        topTwoBox: 50,
        // yes (T6), no (T1); T2 and Z2 did not answer it
        resolvedRate: 0.5,
        // T6 T1 T2 Z2; not Z1 (answered nothing), nor Y0 (yesterday)
        responses: 4,
      },
    });
  });

  it('computes CSAT as figures.ts defines it, partial surveys counting for the questions they answered', async () => {
    const { csat } = (await liveMetrics(database.db, options())).today;
    const todays: SurveyResponse[] = SURVEYS.filter(([, , , , , at]) => at >= startOfLocalDay(NOW, 'Asia/Shanghai')).map(
      ([, , rating, resolved]) => ({ rating, resolved }),
    );
    expect(csat.mean).toBeCloseTo(csatMean(todays)!, 10);
    expect(csat.topTwoBox).toBeCloseTo(csatTopTwoBox(todays)!, 10);
    expect(csat.resolvedRate).toBeCloseTo(resolvedRate(todays)!, 10);
  });

  it('boards every agent who logged in, with presence and since when, calls answered today, their three-ring share and CSAT', async () => {
    const since = yesterday('23:00:00').toISOString();
    const board = (await liveMetrics(database.db, options())).agents;
    // Not 1007 (disabled), 3001 (a manager), 2001 (never logged in, no calls).
    expect(board.map((a) => a.employeeNo)).toEqual(['1001', '1002', '1003', '1004', '1005', '1006', '1008']);
    const row = (no: string) => board.find((a) => a.employeeNo === no)!;
    expect(row('1001')).toMatchObject({
      name: 'Agent 1001',
      presence: 'available',
      presenceSince: since,
      breakReason: null,
      // T6, T1, T2 (Y1's offer rang yesterday); within three rings: T6 and T1
      callsToday: 3,
      withinStandardShare: (2 / 3) * 100,
      // ratings 5, 4, 2 (not Y0's 1, yesterday's)
      csat: ((11 / 3 - 1) / 4) * 100,
      csatTopTwoBox: (2 / 3) * 100,
    });
    expect(row('1002')).toMatchObject({ presence: 'on-call', callsToday: 1, withinStandardShare: 100, csat: null, csatTopTwoBox: null });
    expect(row('1003')).toMatchObject({ presence: 'wrap-up', callsToday: 0, withinStandardShare: null, csat: 50, csatTopTwoBox: 0 });
    expect(row('1004')).toMatchObject({ presence: 'ringing', callsToday: 0, withinStandardShare: null });
    expect(row('1005')).toMatchObject({ presence: 'break', breakReason: 'meal', presenceSince: since });
    expect(row('1006')).toMatchObject({ presence: 'offline', callsToday: 0, csat: null });
  });

  it('counts answered offers by rings to answer', async () => {
    // T6 1 ring, T3 2, T1 3, T2 4; not Y1's (yesterday) nor the missed and ringing offers
    expect((await liveMetrics(database.db, options())).ringsHistogram).toEqual({ '1': 1, '2': 1, '3': 1, '4+': 1 });
  });

  it('charts today per 15 minutes from midnight in Shanghai to the slot now is in', async () => {
    const slots = (await liveMetrics(database.db, options())).per15Minutes;
    // 00:00 … 10:00 (now is the first instant of the 10:00 slot): 41 slots, the first at midnight Shanghai (16:00 UTC the day before)
    expect(slots).toHaveLength(41);
    expect(slots[0]).toEqual({ start: '2026-11-24T16:00:00.000Z', offered: 1, answered: 1, abandoned: 0 }); // 00:00 T6
    expect(slots[1]).toEqual({ start: '2026-11-24T16:15:00.000Z', offered: 0, answered: 0, abandoned: 0 });
    expect(slots[32]).toEqual({ start: '2026-11-25T00:00:00.000Z', offered: 2, answered: 2, abandoned: 0 }); // 08:00 T1, T2 (08:10)
    expect(slots[33]).toEqual({ start: '2026-11-25T00:15:00.000Z', offered: 1, answered: 1, abandoned: 0 }); // 08:15 T3 (08:20)
    expect(slots[34]).toEqual({ start: '2026-11-25T00:30:00.000Z', offered: 2, answered: 0, abandoned: 2 }); // 08:30 T4, T5 (08:40)
    expect(slots[39]).toEqual({ start: '2026-11-25T01:45:00.000Z', offered: 3, answered: 0, abandoned: 0 }); // 09:45 W1 W2 W3
    expect(slots[40]).toEqual({ start: '2026-11-25T02:00:00.000Z', offered: 0, answered: 0, abandoned: 0 }); // 10:00
    expect(slots.reduce((n, s) => n + s.offered, 0)).toBe(9);
  });
});

describe('a new day', () => {
  it('starts today’s figures from nothing at midnight in Shanghai, while the callers still waiting stay on the board', async () => {
    const board = await liveMetrics(database.db, options(sh('2026-11-26', '00:00:10')));
    expect(board.today).toEqual({
      offered: 0,
      answered: 0,
      abandoned: 0,
      answeredWithinStandard: 0,
      answeredWithinStandardShare: null,
      averageRings: null,
      averageSpeedOfAnswerSeconds: null,
      serviceLevel: null,
      serviceLevelSeconds: 20,
      csat: { mean: null, topTwoBox: null, resolvedRate: null, responses: 0 },
    });
    expect(board.per15Minutes).toEqual([{ start: '2026-11-25T16:00:00.000Z', offered: 0, answered: 0, abandoned: 0 }]);
    expect(board.ringsHistogram).toEqual({ '1': 0, '2': 0, '3': 0, '4+': 0 });
    expect(board.agents.find((a) => a.employeeNo === '1001')).toMatchObject({ callsToday: 0, withinStandardShare: null, csat: null });
    // W1 has waited since 09:58:20 the day before: 14 h 1 min 50 s.
    expect(board.queues[0]).toMatchObject({ name: 'tickets', waiting: 2, longestWaitSeconds: 14 * 3600 + 110 });
  });

  it('one second before midnight is still the day before', async () => {
    const board = await liveMetrics(database.db, options(sh('2026-11-25', '23:59:59')));
    expect(board.today.offered).toBe(9);
  });
});

describe('local midnight', () => {
  it('in Shanghai is 16:00 UTC the day before, from the first second of the day to the last', () => {
    expect(startOfLocalDay(sh('2026-11-25', '00:00:00'), 'Asia/Shanghai').toISOString()).toBe('2026-11-24T16:00:00.000Z');
    expect(startOfLocalDay(sh('2026-11-25', '07:59:59'), 'Asia/Shanghai').toISOString()).toBe('2026-11-24T16:00:00.000Z');
    expect(startOfLocalDay(sh('2026-11-25', '23:59:59'), 'Asia/Shanghai').toISOString()).toBe('2026-11-24T16:00:00.000Z');
    expect(startOfLocalDay(sh('2026-11-24', '23:59:59'), 'Asia/Shanghai').toISOString()).toBe('2026-11-23T16:00:00.000Z');
  });

  it('is UTC midnight in UTC', () => {
    expect(startOfLocalDay(new Date('2026-11-25T23:59:59Z'), 'UTC').toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });

  it('follows daylight saving: the offset of midnight, not of now', () => {
    // New York falls back at 02:00 on 1 November 2026: midnight was still EDT (UTC−4), the evening is EST.
    expect(startOfLocalDay(new Date('2026-11-01T23:00:00-05:00'), 'America/New_York').toISOString()).toBe('2026-11-01T04:00:00.000Z');
    // London springs forward at 01:00 on 29 March 2026: midnight was GMT, the evening is BST.
    expect(startOfLocalDay(new Date('2026-03-29T22:00:00+01:00'), 'Europe/London').toISOString()).toBe('2026-03-29T00:00:00.000Z');
  });

  it('is the moment of the change where the clocks skip midnight', () => {
    // Santiago springs forward at 00:00 on 6 September 2026, straight to 01:00 (UTC−3): the day starts at 04:00 UTC.
    expect(startOfLocalDay(new Date('2026-09-06T12:00:00-03:00'), 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });
});
