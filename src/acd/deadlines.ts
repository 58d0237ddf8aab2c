import { and, eq, lt, lte, ne, not, notExists, or, sql, type SQL } from 'drizzle-orm';
import { agentSockets, agents, calls, caseClocks, offers, processes } from '../../db/schema.ts';
import { rows } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents } from '../calls/events.ts';
import { HELD_FOR_DISPOSITION, wrapUpDisposed } from '../notes/disposition.ts';
import { withdrawOffer } from './offers.ts';
import { agentGone } from './presence.ts';
import { takeOverLapsed } from './processes.ts';
import { within } from '../deadline.ts';
import { sweepCases } from '../cases/sweep.ts';
import { routeSoon } from './route.ts';
import { giveUpStalledAttempts } from '../callbacks/attempts.ts';
import { deleteExpiredRecordings, dueForDeletion } from '../recordings/recordings.ts';
import { materialiseClosedSlots, reportsDue } from '../reports/materialise.ts';

/**
 * Everything with a deadline is a row: a server process's lease, an offer's ring limit, an agent's wrap-up
 * end, a callback attempt's limit, the grace after an agent's last socket closed, a caller's maximum wait, a case's reminders and escalations, a recording's retention. `sweep` acts on what is due; any process may run it
 * (each change is a conditional UPDATE, so two processes cannot both act on one row), and after a restart
 * it picks up where the last process stopped.
 */
export async function sweep(h: Hotline): Promise<void> {
  const now = h.now();
  const db = h.database.db;
  // Most passes find nothing due: one statement asks, and only what is due is acted on.
  const due = await whatIsDue(h, now);
  if (due.lapsed) await takeOverLapsed(h);

  if (due.rungOut) {
    const unanswered = await db
      .select({ id: offers.id })
      .from(offers)
      .where(and(eq(offers.status, 'ringing'), lte(offers.deadlineAt, now)))
      .limit(100);
    for (const offer of unanswered) {
      await withdrawOffer(h, offer.id, { status: 'missed', reason: 'ring-limit', agent: 'break' }, { takeBack: true });
    }
  }

  // A callback the carrier never reported on (or whose placing process died): given up, not counted, and
  // put back in line; the call, if placed, is ended.
  if (due.stalled) await giveUpStalledAttempts(h, now);

  const [wrapped, held] = due.wrapUp ? await endWrapUps(h, now) : [[], []];
  if (due.gone) {
    const gone = await db.select({ staffId: agents.staffId }).from(agents).where(lte(agents.goneAt, now));
    for (const { staffId } of gone) await agentGone(h, staffId);
  }

  if (due.cases) await sweepCases(h);
  if (due.recordings) await deleteExpiredRecordings(h, now);
  const overflowed = due.overflow ? await overflow(h, now) : 0;
  // The reports' slot rows, once a half hour is over: a failure here must not stop the floor's deadlines.
  if (due.reports) await materialiseClosedSlots(h).catch((err: unknown) => h.log.error({ err }, 'materialising the report slots failed'));
  if (wrapped.length || held.length || overflowed) h.bus.emit('changed');
  // Routing also runs here, so a pass lost to a crash between commit and carrier request is made up.
  routeSoon(h);
}

/** Which of the sweep's deadlines have rows due, in one round trip; each is an indexed `exists`. */
async function whatIsDue(h: Hotline, now: Date) {
  const db = h.database.db;
  const exists = (query: SQL) => sql<boolean>`exists (${query})`;
  const one = { one: sql`1` };
  const overflowing = [...h.queues.values()]
    .filter((q) => q.overflow)
    .map((q) => and(eq(calls.queue, q.name), lte(calls.queuedAt, new Date(now.getTime() - q.maxWaitSeconds * 1000))));
  const [due] = await rows<Record<'lapsed' | 'rungOut' | 'stalled' | 'wrapUp' | 'gone' | 'cases' | 'recordings' | 'overflow' | 'reports', boolean>>(db, sql`select
    ${exists(sql`${db.select(one).from(processes).where(and(ne(processes.id, h.processId), lt(processes.leaseUntil, sql`now()`)))}`)}
      or ${exists(sql`${db.select(one).from(agentSockets).where(notExists(db.select(one).from(processes).where(eq(processes.id, agentSockets.processId))))}`)} as "lapsed",
    ${exists(sql`${db.select(one).from(offers).where(and(eq(offers.status, 'ringing'), lte(offers.deadlineAt, now)))}`)} as "rungOut",
    ${exists(sql`${db.select(one).from(offers).where(and(eq(offers.status, 'dialling'), lte(offers.deadlineAt, now)))}`)} as "stalled",
    ${exists(sql`${db.select(one).from(agents).where(and(eq(agents.presence, 'wrap-up'), lte(agents.wrapUpUntil, now)))}`)} as "wrapUp",
    ${exists(sql`${db.select(one).from(agents).where(lte(agents.goneAt, now))}`)} as "gone",
    ${exists(sql`${db.select(one).from(caseClocks).where(lte(caseClocks.nextAt, now))}`)} as "cases",
    ${exists(sql`${dueForDeletion(h, now)}`)} as "recordings",
    ${exists(reportsDue(db, now))} as "reports",
    ${overflowing.length ? exists(sql`${db.select(one).from(calls).where(and(eq(calls.status, 'queued'), or(...overflowing)))}`) : sql`false`} as "overflow"`);
  return due!;
}

/**
 * Wrap-up time is over: available if the call's notes have a disposition, else held until they do
 * (see src/notes/disposition.ts).
 */
async function endWrapUps(h: Hotline, now: Date) {
  const db = h.database.db;
  const wrapped = await db
    .update(agents)
    .set({ presence: 'available', since: now, idleSince: now, wrapUpUntil: null })
    .where(and(eq(agents.presence, 'wrap-up'), lte(agents.wrapUpUntil, now), wrapUpDisposed(agents.staffId)))
    .returning({ staffId: agents.staffId });
  for (const { staffId } of wrapped) {
    h.bus.emit('wrap-up-ended', { staffId });
    h.bus.emit('presence', { staffId, presence: 'available', reason: null });
  }
  const held = await db
    .update(agents)
    .set({ wrapUpUntil: null, breakReason: HELD_FOR_DISPOSITION })
    // A disposition saved since the statement above is left to the next sweep, which frees the agent.
    .where(and(eq(agents.presence, 'wrap-up'), lte(agents.wrapUpUntil, now), not(wrapUpDisposed(agents.staffId))))
    .returning({ staffId: agents.staffId });
  for (const { staffId } of held) h.bus.emit('presence', { staffId, presence: 'wrap-up', reason: HELD_FOR_DISPOSITION });
  return [wrapped, held] as const;
}

/** Callers who waited longer than their queue's maximum move to its overflow queue, keeping their wait. */
async function overflow(h: Hotline, now: Date): Promise<number> {
  let moved = 0;
  for (const queue of h.queues.values()) {
    if (!queue.overflow) continue;
    const since = new Date(now.getTime() - queue.maxWaitSeconds * 1000);
    await h.database.db.transaction(async (tx) => {
      const rows = await tx
        .update(calls)
        .set({ queue: queue.overflow!, priority: sql`greatest(${calls.priority}, ${h.queues.get(queue.overflow!)?.priority ?? 0})` })
        .where(and(eq(calls.status, 'queued'), eq(calls.queue, queue.name), lte(calls.queuedAt, since)))
        .returning({ sid: calls.sid });
      for (const row of rows) await appendEvents(tx, row.sid, [{ type: 'queue.overflowed', data: { from: queue.name, to: queue.overflow } }], now);
      moved += rows.length;
    });
  }
  return moved;
}

/** A sweep stuck longer than this (on a hung database) no longer stops the next one from starting. */
const SWEEP_LIMIT_MS = 30_000;

/** Sweep every `everyMs` until stopped; a sweep still running is not started twice. */
export function startSweeper(h: Hotline, everyMs = 500, timed?: (seconds: number, failed: boolean) => void): () => Promise<void> {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    // `timed` (src/ops) is told each sweep's duration and whether it failed.
    const started = performance.now();
    const took = (failed: boolean) => timed?.((performance.now() - started) / 1000, failed);
    running = within(SWEEP_LIMIT_MS, sweep(h), 'deadline sweep')
      .then(() => took(false), (err: unknown) => {
        took(true);
        h.log.error({ err }, 'deadline sweep failed');
      })
      .finally(() => (running = undefined));
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
