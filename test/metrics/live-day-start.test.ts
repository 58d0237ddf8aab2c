import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, offers, staff } from '../../db/schema.ts';
import { loadQueues } from '../../src/acd/queues.ts';
import type { Database } from '../../src/database.ts';
import { liveMetrics } from '../../src/metrics/live.ts';
import { testDatabase } from '../support/database.ts';

/**
 * The live board just after midnight in Shanghai: the 15-minute slots begin at local midnight (so the same
 * calls fall in other slots for a hotline in UTC), rings of 4 and more share one bar, and a supervisor who
 * answered calls without ever setting a presence is on the agent board.
 *
 * Calls (queued, Shanghai):
 *   Y  23:59:59 the day before       yesterday's
 *   A  00:00:00 answered, 1 ring     slot 00:00
 *   B  00:14:59 answered, 5 rings    slot 00:00 (its last second)
 *   C  00:15:00 answered, 4 rings    slot 00:15
 *   D  00:16:00 answered, 9 rings    slot 00:15
 *   E  00:31:00 answered, 3 rings    slot 00:30
 *   F  00:32:00 hung up at 00:33     slot 00:30
 *   G  00:33:00 answered, no rings measured (counts as a call, not in the histogram)
 * Now: 00:40.
 */

const sh = (date: string, time: string) => new Date(`${date}T${time}+08:00`);
const today = (time: string) => sh('2026-11-25', time);
const NOW = today('00:40:00');
const queues = loadQueues('ivr-flows');

let database: Database;

beforeAll(async () => {
  database = await testDatabase();
  const db = database.db;
  const [supervisor] = await db
    .insert(staff)
    .values({ employeeNo: '2001', name: 'Supervisor 2001', role: 'supervisor', passwordHash: 'not-a-real-hash' })
    .returning({ id: staff.id });
  const call = (sid: string, queuedAt: Date, answered: boolean) => ({
    sid,
    from: '+8613800138000',
    to: '+864001234567',
    ivr: { flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] },
    queue: 'tickets',
    priority: 0,
    queuedAt,
    startedAt: queuedAt,
    status: 'ended',
    ...(answered
      ? { answeredAt: new Date(queuedAt.getTime() + 10_000), endReason: 'completed' }
      : { endedAt: new Date(queuedAt.getTime() + 60_000), endReason: 'abandoned-in-queue' }),
  });
  await db.insert(calls).values([
    call('Y', sh('2026-11-24', '23:59:59'), true),
    call('A', today('00:00:00'), true),
    call('B', today('00:14:59'), true),
    call('C', today('00:15:00'), true),
    call('D', today('00:16:00'), true),
    call('E', today('00:31:00'), true),
    call('F', today('00:32:00'), false),
    call('G', today('00:33:00'), true),
  ]);
  const offer = (callSid: string, offeredAt: Date, rings: number | null) => ({
    callSid,
    staffId: supervisor!.id,
    queue: 'tickets',
    status: 'completed' as const,
    offeredAt,
    answeredAt: offeredAt,
    rings,
    withinStandard: rings === null ? null : rings <= 3,
  });
  await db.insert(offers).values([
    offer('Y', sh('2026-11-24', '23:59:59'), 2),
    offer('A', today('00:00:01'), 1),
    offer('B', today('00:14:59'), 5),
    offer('C', today('00:15:01'), 4),
    offer('D', today('00:16:01'), 9),
    offer('E', today('00:31:01'), 3),
    offer('G', today('00:33:01'), null),
  ]);
});

afterAll(async () => {
  await database?.close();
});

const board = (timeZone = 'Asia/Shanghai') => liveMetrics(database.db, { now: NOW, timeZone, queues, ringCycleSeconds: 5 });

describe('the 15-minute slots', () => {
  it('start at midnight in the hotline’s time zone and run to the slot now is in', async () => {
    expect((await board()).per15Minutes).toEqual([
      { start: '2026-11-24T16:00:00.000Z', offered: 2, answered: 2, abandoned: 0 }, // A, B
      { start: '2026-11-24T16:15:00.000Z', offered: 2, answered: 2, abandoned: 0 }, // C, D
      { start: '2026-11-24T16:30:00.000Z', offered: 3, answered: 2, abandoned: 1 }, // E, F, G
    ]);
  });

  it('follow the time zone: in UTC the day began eight hours later, with yesterday’s last call in it', async () => {
    const slots = (await board('UTC')).per15Minutes;
    // 00:00 UTC … 16:40 UTC: 67 slots
    expect(slots).toHaveLength(67);
    expect(slots[0]!.start).toBe('2026-11-24T00:00:00.000Z');
    expect(slots[63]).toEqual({ start: '2026-11-24T15:45:00.000Z', offered: 1, answered: 1, abandoned: 0 }); // Y at 15:59:59 UTC
    expect(slots[64]).toEqual({ start: '2026-11-24T16:00:00.000Z', offered: 2, answered: 2, abandoned: 0 });
    expect(slots.reduce((n, s) => n + s.offered, 0)).toBe(8);
  });
});

describe('rings to answer', () => {
  it('puts 4 rings and more in one bar, and leaves out answers whose rings were not measured and yesterday’s', async () => {
    const { ringsHistogram, today } = await board();
    expect(ringsHistogram).toEqual({ '1': 1, '2': 0, '3': 1, '4+': 3 }); // A; E; B (5), C (4), D (9)
    expect(today.answeredWithinStandard).toBe(2);
    expect(today.answeredWithinStandardShare).toBe(40); // 2 of the 5 measured
    expect(today.averageRings).toBe(4.4); // (1 + 5 + 4 + 9 + 3) / 5
  });
});

describe('the agent board', () => {
  it('shows a supervisor who answered calls today without ever setting a presence, as offline', async () => {
    expect((await board()).agents).toEqual([
      {
        staffId: expect.any(Number),
        employeeNo: '2001',
        name: 'Supervisor 2001',
        presence: 'offline',
        presenceSince: null,
        breakReason: null,
        onHold: false,
        monitored: null,
        callsToday: 6, // A B C D E G
        withinStandardShare: 40,
        csat: null,
        csatTopTwoBox: null,
      },
    ]);
  });
});
