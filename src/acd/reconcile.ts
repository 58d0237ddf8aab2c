import { and, eq, inArray, sql } from 'drizzle-orm';
import { calls, offers } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents } from '../calls/events.ts';
import { endCall } from '../calls/ivr.ts';
import type { Flow } from '../ivr/flow.ts';
import { callerLeft, conversationEnded } from './offers.ts';

/**
 * Bringing the hotline's rows back in line with the carrier's calls after a fault: callers whose calls died
 * (with a crashed process, or while nobody was watching) are ended as lost, never offered again; callers the
 * carrier holds in a queue while the hotline has no row for them (answered by the apology while the database
 * was away) are taken into their queue with the wait they really had.
 */

/** How a call the carrier no longer has is recorded as ended. */
export const CARRIER_GONE = 'carrier-gone';

/** Calls in these states still hang on a live carrier call. */
const LIVE = ['ivr', 'queued', 'offered', 'connected'];
/** Carrier requests at once while checking at start-up (Twilio's REST API takes many, but not without limit). */
const CHECKS_AT_ONCE = 8;

/**
 * At start-up, before anyone is offered them: every call the hotline holds as live is checked with the
 * carrier, and those it no longer has are ended as lost. A carrier that cannot answer leaves the call as it
 * is (routing will learn the truth when it tries to move the caller).
 */
export async function endLostCallers(h: Hotline): Promise<number> {
  const live = await h.database.db.select({ sid: calls.sid }).from(calls).where(inArray(calls.status, LIVE));
  let ended = 0;
  for (let i = 0; i < live.length; i += CHECKS_AT_ONCE) {
    const batch = live.slice(i, i + CHECKS_AT_ONCE);
    const states = await Promise.all(
      batch.map(({ sid }) =>
        h.carrier.callState(sid).catch((err: unknown) => {
          h.log.warn({ callSid: sid, err: (err as Error).message }, 'could not ask the carrier about a call; keeping it');
          return 'live' as const;
        }),
      ),
    );
    for (const [k, { sid }] of batch.entries()) {
      const state = states[k]!;
      if (state !== 'live' && (await endLostCall(h, sid, { why: `${state} to the carrier at start-up`, unknown: state === 'unknown' }))) ended++;
    }
  }
  if (ended) h.log.warn({ ended }, 'ended callers the carrier no longer holds');
  return ended;
}

/**
 * The carrier says the call is over: end it now, whatever it was doing, never to be offered again. A call the
 * carrier does not know at all is ended as lost (`carrier-gone`, with the reason); one it says has completed
 * (the caller hung up, and the status callback is on its way or was lost) ends as a hang-up would. A phone
 * ringing for it stops and that agent is free again (the caller left; the agent did nothing wrong); an agent
 * talking to it goes to wrap-up.
 */
export async function endLostCall(h: Hotline, callSid: string, gone: { why: string; unknown: boolean }): Promise<boolean> {
  const [connected] = await h.database.db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.callSid, callSid), eq(offers.status, 'connected')));
  if (connected) await conversationEnded(h, connected.id, h.now());
  const ended = await endCall(h, callSid, undefined, h.now(), gone.unknown ? { reason: CARRIER_GONE, why: gone.why } : undefined);
  await callerLeft(h, callSid, gone.unknown ? CARRIER_GONE : 'caller-hung-up');
  return ended;
}

/** A caller the carrier is holding in `queue`, as its wait request describes them. */
export type HeldCaller = { sid: string; from: string; to: string; queue: string; queueSeconds: number | undefined };

/**
 * The carrier asks what a caller in its queue should hear, and the hotline does not hold them as waiting:
 * they were answered by the apology while the database was away (no row, or a row still in the IVR). Take
 * them into the queue, their wait counted from when they really joined (the carrier's `QueueTime`), so they
 * are served in arrival order. Exactly once: a row already waiting, or past waiting, is left alone. True
 * when the caller was taken in.
 */
export async function adoptHeldCaller(h: Hotline, flow: Flow, caller: HeldCaller): Promise<boolean> {
  const now = h.now();
  const queuedAt = new Date(now.getTime() - (caller.queueSeconds ?? 0) * 1000);
  const priority = h.queues.get(caller.queue)?.priority ?? 0;
  const target = `${flow.name}:${flow.fallback}`;
  const adopted = await h.database.db.transaction(async (tx) => {
    const state = { flow: flow.name, node: flow.fallback, language: flow.languages[0]!, attempt: 0, answers: {}, path: [target] };
    const inserted = await tx
      .insert(calls)
      .values({ sid: caller.sid, from: caller.from, to: caller.to, status: 'queued', ivr: state, seq: 0, queue: caller.queue, priority, queuedAt, startedAt: queuedAt })
      .onConflictDoNothing()
      .returning({ sid: calls.sid });
    const moved = inserted.length
      ? inserted
      : await tx
          .update(calls)
          .set({ status: 'queued', queue: caller.queue, priority: sql`greatest(coalesce(${calls.priority}, 0), ${priority})`, queuedAt })
          .where(and(eq(calls.sid, caller.sid), eq(calls.status, 'ivr')))
          .returning({ sid: calls.sid });
    if (!moved.length) return false;
    const events = [
      ...(inserted.length ? [{ type: 'call.started', data: { from: caller.from, to: caller.to } }] : []),
      { type: 'queue.joined', data: { queue: caller.queue, priority, reconciled: true, queueSeconds: caller.queueSeconds ?? null } },
    ];
    await appendEvents(tx, caller.sid, events, now);
    return true;
  });
  if (adopted) h.log.info({ callSid: caller.sid, queue: caller.queue }, 'took in a caller held by the carrier without a row');
  return adopted;
}
