import { callbackAttempts, calls, caseClocks, cases, offers, staff, surveys } from '../../db/schema.ts';
import type { Db } from '../../src/database.ts';
import type { QueuedCall } from '../../src/metrics/figures.ts';

/**
 * A hand-computed Halloween on the hotline (Shanghai, +08:00), written straight into the tables the hotline
 * keeps, as its transitions would leave them. The last day of October runs into the first of November, so a
 * call at 23:50 local on the 31st is October's, and one at 00:05 is November's (while in New York, 12 hours
 * behind, both are the afternoon of the 31st).
 *
 * Queue 票務查詢 (tickets, by a Chinese name: the report must carry it intact into CSV and XLSX) and tickets:
 *   c1 tickets  10:00:00 queued, offered to A 10:00:02, answered 10:00:12 (wait 12 s, 2 rings), talked to
 *               10:05:12 with 30 s on hold; survey 5.
 *   c2 tickets  10:10:00, offered to B, answered 10:10:40 (wait 40 s, 4 rings), talked to 10:12:40; survey 3.
 *   c3 tickets  10:20:00, abandoned 10:20:03 (a short abandon).
 *   c4 票務查詢 23:50:00 on the 31st, abandoned at 23:50:50 (waited 50 s).
 *   c5 票務查詢 00:05:00 on 1 November, offered to A, answered 00:05:10 (1 ring), talked to 00:07:10; survey 4.
 * A's callback case resolved (reached) at 11:00 on the 31st within its promise; a complaint owned by B with a
 * first reply due 12:00 on the 31st, met at 11:30 (in time), and one due 14:00, never met (late).
 */
export const sh = (date: string, time: string) => new Date(`${date}T${time}+08:00`);
export const CHINESE_QUEUE = '票務查詢';
/** The tickets queue's wrap-up (ivr-flows/queues.yaml). */
export const TICKETS_WRAP_UP = 30;

const ivr = { flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] };
let sids = 0;
const sid = () => `CA${String(++sids).padStart(32, '0')}`;

export type Halloween = { a: number; b: number; calls: Record<string, QueuedCall & { queue: string }> };

export async function halloween(db: Db): Promise<Halloween> {
  const [a, b] = await db
    .insert(staff)
    .values([
      { employeeNo: '1001', name: '王小明', role: 'agent', passwordHash: 'x' },
      { employeeNo: '1002', name: 'Li Hua', role: 'agent', passwordHash: 'x' },
    ])
    .returning({ id: staff.id });
  const A = a!.id;
  const B = b!.id;
  const answered = async (o: { queue: string; queued: Date; offered: Date; answered: Date; ended: Date; staffId: number; rings: number; hold: number; rating: number }) => {
    const s = sid();
    await db.insert(calls).values({ sid: s, from: '+8613800138000', to: '+864001234567', status: 'ended', ivr, queue: o.queue, queuedAt: o.queued, answeredAt: o.answered, agentId: o.staffId, startedAt: o.queued, endedAt: o.ended, endReason: 'completed' });
    await db.insert(offers).values({ callSid: s, staffId: o.staffId, queue: o.queue, status: 'completed', offeredAt: o.offered, ringStartedAt: o.offered, answeredAt: o.answered, endedAt: o.ended, rings: o.rings, withinStandard: o.rings <= 3, holdSeconds: o.hold });
    await db.insert(surveys).values({ callSid: s, staffId: o.staffId, queue: o.queue, language: 'zh-CN', state: ivr, rating: o.rating, status: 'complete', startedAt: new Date(o.ended.getTime() + 3000) });
    return { queue: o.queue, queuedAt: o.queued, answeredAt: o.answered, rings: o.rings, talkSeconds: (o.ended.getTime() - o.answered.getTime()) / 1000 - o.hold, holdSeconds: o.hold };
  };
  const abandoned = async (queue: string, queued: Date, gone: Date) => {
    await db.insert(calls).values({ sid: sid(), from: '+8613800138000', to: '+864001234567', status: 'ended', ivr, queue, queuedAt: queued, startedAt: queued, endedAt: gone, endReason: 'abandoned-in-queue' });
    return { queue, queuedAt: queued, abandonedAt: gone };
  };
  const d = '2026-10-31';
  const c1 = await answered({ queue: 'tickets', queued: sh(d, '10:00:00'), offered: sh(d, '10:00:02'), answered: sh(d, '10:00:12'), ended: sh(d, '10:05:12'), staffId: A, rings: 2, hold: 30, rating: 5 });
  const c2 = await answered({ queue: 'tickets', queued: sh(d, '10:10:00'), offered: sh(d, '10:10:02'), answered: sh(d, '10:10:40'), ended: sh(d, '10:12:40'), staffId: B, rings: 4, hold: 0, rating: 3 });
  const c3 = await abandoned('tickets', sh(d, '10:20:00'), sh(d, '10:20:03'));
  const c4 = await abandoned(CHINESE_QUEUE, sh(d, '23:50:00'), sh(d, '23:50:50'));
  const c5 = await answered({ queue: CHINESE_QUEUE, queued: sh('2026-11-01', '00:05:00'), offered: sh('2026-11-01', '00:05:01'), answered: sh('2026-11-01', '00:05:10'), ended: sh('2026-11-01', '00:07:10'), staffId: A, rings: 1, hold: 0, rating: 4 });

  const caseRow = (type: 'callback' | 'complaint', ref: string, extra: Partial<typeof cases.$inferInsert>) =>
    db
      .insert(cases)
      .values({ reference: ref, type, channel: 'phone', language: 'zh-CN', createdAt: sh(d, '09:00:00'), updatedAt: sh(d, '09:00:00'), ...extra })
      .returning({ id: cases.id });
  const clock = (caseId: number, kind: 'resolve' | 'first-reply', due: Date, met: Date | null) => ({
    caseId,
    kind,
    span: '4h',
    working: false,
    calendar: 'hotline',
    startedAt: sh(d, '09:00:00'),
    dueAt: due,
    remindAt: due,
    managerAt: due,
    metAt: met,
  });
  const [callback] = await caseRow('callback', 'CB2345', { status: 'resolved', queue: 'tickets', resolvedAt: sh(d, '11:00:00'), resolution: { reason: 'answered', answer: 'told' }, ownerStaffId: A });
  await db.insert(caseClocks).values(clock(callback!.id, 'resolve', sh(d, '13:00:00'), sh(d, '11:00:00')));
  await db.insert(callbackAttempts).values({ caseId: callback!.id, offerId: 999, staffId: A, number: '+8613800138000', outcome: 'answered', startedAt: sh(d, '10:59:00') });
  const [complaint] = await caseRow('complaint', 'CP2345', { ownerStaffId: B });
  const [late] = await caseRow('complaint', 'CP2346', { ownerStaffId: B });
  await db.insert(caseClocks).values([clock(complaint!.id, 'first-reply', sh(d, '12:00:00'), sh(d, '11:30:00')), clock(late!.id, 'first-reply', sh(d, '14:00:00'), null)]);
  return { a: A, b: B, calls: { c1, c2, c3, c4, c5 } };
}
