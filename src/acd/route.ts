import { and, asc, desc, eq, isNull, lte, notInArray, or, sql } from 'drizzle-orm';
import { agents, calls, offers, staff } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents } from '../calls/events.ts';
import { screenPop } from './screen-pop.ts';
import { withdrawOffer } from './offers.ts';
import { endLostCall } from './reconcile.ts';
import { within } from '../deadline.ts';
import { CallGone } from '../telephony/carrier/carrier.ts';

/** Seconds an offer may take from the redirect to the agent leg's first ring before it is withdrawn. */
export const SETUP_SECONDS = 10;

type Made = { offerId: number; callSid: string; staffId: number };

/**
 * Match waiting callers with free agents: the caller with the highest priority, then the longest wait, goes
 * to the available agent with the queue's skill who has been idle longest. Each pair is locked, offered and
 * the agent moved to ringing in a transaction of its own (`FOR UPDATE SKIP LOCKED`, one row at a time, and
 * at most one live offer per call and per agent in the schema), so several passes or processes routing at
 * once never double-offer, and each still takes the best caller the others have not.
 */
export async function route(h: Hotline): Promise<number> {
  const rung: Array<Promise<void>> = [];
  // Each caller is offered at most once per pass: a caller whose ring fails at once must not be matched
  // again with the agent that failure freed, over and over, in one pass that never yields.
  const offered = new Set<string>();
  for (let misses = 0; misses < 3; ) {
    const match = await matchOne(h, offered);
    if (match === 'none') break;
    if (match === 'raced') {
      misses++; // the callers this agent could take were all locked by other passes: look again
      continue;
    }
    offered.add(match.callSid);
    // Caught here, not at the end of the pass: a ring that fails while the pass goes on matching must not be
    // a rejection nobody handles.
    rung.push(ring(h, match).catch((err: unknown) => h.log.error({ err, callSid: match.callSid, offerId: match.offerId }, 'could not ring the agent')));
  }
  await Promise.all(rung);
  if (rung.length) h.bus.emit('changed');
  return rung.length;
}

async function matchOne(h: Hotline, offered: Set<string>): Promise<Made | 'none' | 'raced'> {
  const now = h.now();
  const skills = JSON.stringify(Object.fromEntries([...h.queues.values()].map((q) => [q.name, q.skill])));
  const skillOf = sql`coalesce(${skills}::jsonb ->> ${calls.queue}, ${calls.queue})`;
  // Waiting, not offered already in this pass, and not held back after the carrier failed to move them.
  const routable = and(
    eq(calls.status, 'queued'),
    or(isNull(calls.routeAfter), lte(calls.routeAfter, now)),
    offered.size ? notInArray(calls.sid, [...offered]) : undefined,
  );
  return h.database.db.transaction(async (tx) => {
    // The agent first: passes running at once each hold a different agent, and each then takes the best
    // caller the others have not locked, so priority and wait order hold even when agents run out.
    const [agent] = await tx
      .select({ staffId: agents.staffId, skills: staff.skills })
      .from(agents)
      .innerJoin(staff, eq(staff.id, agents.staffId))
      .where(
        and(
          eq(agents.presence, 'available'),
          eq(staff.disabled, false),
          // An agent whose softphone connection is gone (in the grace before offline) is not rung.
          isNull(agents.goneAt),
          sql`exists (select 1 from ${calls} where ${routable} and (${staff.skills} ->> ${skillOf}) is not null)`,
        ),
      )
      .orderBy(asc(agents.idleSince), asc(agents.staffId))
      .limit(1)
      .for('update', { of: agents, skipLocked: true });
    if (!agent) return 'none';
    const [call] = await tx
      .select({ sid: calls.sid, queue: calls.queue })
      .from(calls)
      .where(and(routable, sql`(${JSON.stringify(agent.skills)}::jsonb ->> ${skillOf}) is not null`))
      .orderBy(desc(calls.priority), asc(calls.queuedAt))
      .limit(1)
      .for('update', { skipLocked: true });
    if (!call) return 'raced';
    const ringWindow = SETUP_SECONDS + h.config.offerRingLimit * h.config.ringCycleSeconds;
    const [offer] = await tx
      .insert(offers)
      .values({
        callSid: call.sid,
        staffId: agent.staffId,
        queue: call.queue ?? '',
        status: 'ringing',
        offeredAt: now,
        deadlineAt: new Date(now.getTime() + ringWindow * 1000),
      })
      .returning({ id: offers.id });
    await tx.update(agents).set({ presence: 'ringing', breakReason: null, since: now }).where(eq(agents.staffId, agent.staffId));
    await tx.update(calls).set({ status: 'offered' }).where(eq(calls.sid, call.sid));
    await appendEvents(tx, call.sid, [{ type: 'offer.made', data: { offerId: offer!.id, staffId: agent.staffId, queue: call.queue } }], now);
    return { offerId: offer!.id, callSid: call.sid, staffId: agent.staffId };
  });
}

/** Pop the agent's screen, and take the caller out of the carrier's queue into a Dial to the agent. */
async function ring(h: Hotline, m: Made): Promise<void> {
  const pop = await screenPop(h.database.db, m.callSid, m.offerId, h.now());
  if (pop) h.bus.emit('offer', { staffId: m.staffId, offerId: m.offerId, screenPop: pop });
  try {
    await h.carrier.redirect(m.callSid, `${h.config.publicUrl}/twilio/connect?offer=${m.offerId}`);
  } catch (err) {
    // Not the agent's fault either way, so the agent is free again at once.
    if (err instanceof CallGone) {
      // The caller is gone: ended as lost, never put back in the queue.
      h.log.warn({ callSid: m.callSid, offerId: m.offerId, why: err.why }, 'the caller is gone; ending the call');
      await endLostCall(h, m.callSid, err);
      return;
    }
    // The carrier failed (down, refused, timed out): the caller keeps their place but waits a moment before
    // being tried again, so a failing carrier is not hammered.
    h.log.warn({ callSid: m.callSid, offerId: m.offerId, err: (err as Error).message }, 'could not ring the agent for this caller');
    await h.database.db.update(calls).set({ routeAfter: new Date(h.now().getTime() + RETRY_AFTER_SECONDS * 1000) }).where(eq(calls.sid, m.callSid));
    await withdrawOffer(h, m.offerId, { status: 'withdrawn', reason: 'carrier-failed', agent: 'available' });
  }
}

/** Seconds a caller whose carrier request failed is left before being offered again. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Run `route` soon, once: calls that come while a pass runs are folded into one more pass after it, so a
 * burst of arrivals does not queue a burst of transactions.
 */
export function routeSoon(h: Hotline): void {
  const state = passes.get(h) ?? { running: false, again: false };
  passes.set(h, state);
  if (state.running) {
    state.again = true;
    return;
  }
  state.running = true;
  void (async () => {
    do {
      state.again = false;
      try {
        await within(PASS_LIMIT_MS, route(h), 'routing pass');
      } catch (err) {
        h.log.error({ err }, 'routing failed');
      }
      // On the embedded database a pass may never leave the microtask queue: let requests in between passes.
      await new Promise((next) => setImmediate(next));
    } while (state.again);
    state.running = false;
  })();
}

/** A pass stuck longer than this (on a hung database) no longer holds up the passes after it. */
const PASS_LIMIT_MS = 30_000;

const passes = new WeakMap<Hotline, { running: boolean; again: boolean }>();
