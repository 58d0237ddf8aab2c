import { and, asc, desc, eq, isNull, lte, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { agents, calls, cases, offers, staff } from '../../db/schema.ts';
import { rows, type Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { bestCallback, dialable } from '../callbacks/line.ts';
import { callbackOffered, offerCallback } from '../callbacks/offers.ts';
import { screenPop } from './screen-pop.ts';
import { byQueueJson } from './queues.ts';
import { withdrawOffer } from './offers.ts';
import { endLostCall } from './reconcile.ts';
import { within } from '../deadline.ts';
import { CallGone } from '../telephony/carrier/carrier.ts';

/** Seconds an offer may take from the redirect to the agent leg's first ring before it is withdrawn. */
export const SETUP_SECONDS = 10;

type Made = { offerId: number; callSid: string; staffId: number } | { offerId: number; caseId: number; staffId: number };

/**
 * Match waiting callers with free agents: the caller with the highest priority, then the longest wait, goes
 * to the available agent with the queue's skill who has been idle longest. A callback waiting to be dialled
 * is ranked among the callers as one still holding (src/callbacks/line.ts) and wins only where no caller of
 * equal or higher priority has waited longer. Each pair is locked, offered and the agent moved to ringing in
 * a transaction of its own (`FOR UPDATE SKIP LOCKED`, one row at a time, and at most one live offer per
 * call, callback and agent in the schema), so several passes or processes routing at once never
 * double-offer, and each still takes the best caller the others have not.
 */
export async function route(h: Hotline): Promise<number> {
  const rung: Array<Promise<void>> = [];
  // Each caller is offered at most once per pass: a caller whose ring fails at once must not be matched
  // again with the agent that failure freed, over and over, in one pass that never yields.
  const offered = { calls: new Set<string>(), cases: new Set<number>() };
  const matchers: Array<Promise<void>> = [];
  let failed: { err: unknown } | undefined;
  const matching = async () => {
    let made = 0;
    for (let misses = 0; misses < 3; ) {
      const match = await matchOne(h, offered);
      if (match === 'none') break;
      if (match === 'raced') {
        // The callers this agent could take, or the free agents, were locked by others (another process, or
        // this pass's other matchers): look again, after a moment for their transactions to end.
        misses++;
        await new Promise((later) => setTimeout(later, RACED_PAUSE_MS * misses));
        continue;
      }
      if (++made > 1) widen();
      if ('caseId' in match) {
        offered.cases.add(match.caseId);
        rung.push(offerCallback(h, match).catch((err: unknown) => h.log.error({ err, caseId: match.caseId, offerId: match.offerId }, 'could not offer the callback')));
        continue;
      }
      offered.calls.add(match.callSid);
      // Caught here, not at the end of the pass: a ring that fails while the pass goes on matching must not be
      // a rejection nobody handles.
      rung.push(ring(h, match).catch((err: unknown) => h.log.error({ err, callSid: match.callSid, offerId: match.offerId }, 'could not ring the agent')));
    }
  };
  // One match is a few round trips: one after another, a pass made at most a few dozen offers a second however
  // many agents were free. A matcher that finds a second pair starts another beside it (as another process
  // would route), up to MATCHERS; a pass with one agent or one caller to place stays one matcher, not several
  // finding each other's rows locked.
  const widen = () => {
    if (matchers.length < MATCHERS) matchers.push(matching().catch((err: unknown) => void (failed ??= { err })));
  };
  widen();
  for (let i = 0; i < matchers.length; i++) await matchers[i];
  await Promise.all(rung);
  if (rung.length) h.bus.emit('changed');
  if (failed) throw failed.err;
  return rung.length;
}

/** Matches a routing pass makes at once (each a transaction, so at most this many of the pool's connections). */
const MATCHERS = 4;

async function matchOne(h: Hotline, offered: { calls: Set<string>; cases: Set<number> }): Promise<Made | 'none' | 'raced'> {
  const now = h.now();
  const skills = byQueueJson(h.queues, (q) => q.skill);
  const skillOf = (queue: SQL) => sql`coalesce(${skills}::jsonb ->> ${queue}, ${queue})`;
  const callSkill = skillOf(sql`${calls.queue}`);
  // Waiting, not offered already in this pass, and not held back after the carrier failed to move them.
  const routable = and(
    // Literal, as the partial index calls_waiting_idx states it.
    sql`${calls.status} = 'queued'`,
    or(isNull(calls.routeAfter), lte(calls.routeAfter, now)),
    offered.calls.size ? notInArray(calls.sid, [...offered.calls]) : undefined,
  );
  const callbacks = dialable(now, offered.cases);
  // The skills someone waiting needs, found once per statement (an InitPlan) rather than asked of every free
  // agent in turn: with 2,000 agents free and nobody waiting, that was 2,000 subqueries (10 ms) a pass.
  const wanted = sql`(select coalesce(array_agg(distinct skill), '{}') from (
    select ${callSkill} as skill from ${calls} where ${routable}
    union all select ${skillOf(sql`${cases.queue}`)} from ${cases} where ${callbacks}) waiting)`;
  // Each free agent's staff row is looked up by its key, idlest agent first, until one can take someone: as a
  // join, the planner (guessing how many have a wanted skill) read the whole staff table and compared it with
  // each agent in turn (EXPLAIN ANALYZE with 2,000 agents: 7.5 ms, against 1.6 ms this way).
  const free = and(
    sql`${agents.presence} = 'available'`,
    // An agent whose softphone connection is gone (in the grace before offline) is not rung.
    isNull(agents.goneAt),
    sql`(select not ${staff.disabled} and ${staff.skills} ?| ${wanted}::text[] from ${staff} where ${staff.id} = ${agents.staffId})`,
  );
  // The usual match, a caller for the idlest free agent, is one statement: the agent and the caller locked
  // (`SKIP LOCKED`: several passes each take a different pair), the offer made, the agent ringing, the caller
  // offered and the event logged, in one round trip. As a probe and a transaction of four statements it took
  // 272 ms p50 at 25 calls a second, nearly all of it waiting for the loop between round trips. It also says
  // whether anyone was free at all (nobody to place: 'none') and whether a callback waits to be dialled (then
  // ranked in a transaction).
  const callbacksWaiting = sql`exists (select 1 from ${cases} where ${callbacks})`;
  const [found] = await rows<{ id: number | null; call_sid: string | null; staff_id: number | null; anyone_free: boolean; callbacks_waiting: boolean }>(h.database.db, sql`
    with agent as (
      select ${agents.staffId} as staff_id, (select ${staff.skills} from ${staff} where ${staff.id} = ${agents.staffId}) as skills
      from ${agents} where ${free} and not ${callbacksWaiting}
      order by ${agents.idleSince}, ${agents.staffId} limit 1 for update of ${agents} skip locked
    ), caller as (
      select ${calls.sid} as sid, ${calls.queue} as queue from ${calls}, agent
      where ${routable} and (agent.skills ->> ${callSkill}) is not null
      order by ${calls.priority} desc, ${calls.queuedAt} limit 1 for update of ${calls} skip locked
    ), pair as (
      select caller.sid, agent.staff_id, coalesce(caller.queue, '') as queue from caller, agent
    ), ${offerForPair(h, now)}
    select offer.id, offer.call_sid, offer.staff_id,
      exists (select 1 from ${agents} where ${free}) as anyone_free, ${callbacksWaiting} as callbacks_waiting
    from (select) one left join offer on true`);
  if (found?.id != null) return { offerId: Number(found.id), callSid: found.call_sid!, staffId: Number(found.staff_id) };
  if (!found?.anyone_free) return 'none';
  if (!found.callbacks_waiting) return 'raced';
  return h.database.db.transaction(async (tx) => {
    // The agent first: passes running at once each hold a different agent, and each then takes the best
    // caller the others have not locked, so priority and wait order hold even when agents run out.
    const [agent] = await tx
      .select({ staffId: agents.staffId, skills: sql`(select ${staff.skills} from ${staff} where ${staff.id} = ${agents.staffId})`.mapWith(staff.skills) })
      .from(agents)
      .where(free)
      .orderBy(asc(agents.idleSince), asc(agents.staffId))
      .limit(1)
      .for('update', { of: agents, skipLocked: true });
    // A free agent seen a moment ago but locked now (by another pass, or a write that is not routing, such as
    // the softphone's socket being recorded as it connects): look again shortly rather than leave them idle.
    if (!agent) return 'raced';
    const [call] = await tx
      .select({ sid: calls.sid, queue: calls.queue, priority: calls.priority, queuedAt: calls.queuedAt })
      .from(calls)
      .where(and(routable, sql`(${JSON.stringify(agent.skills)}::jsonb ->> ${callSkill}) is not null`))
      .orderBy(desc(calls.priority), asc(calls.queuedAt))
      .limit(1)
      .for('update', { skipLocked: true });
    const callback = await bestCallback(tx, agent.skills, skillOf, now, offered.cases);
    if (callback && (!call || aheadOf(callback, call))) return offerToAgent(tx, h, { caseId: callback.id, queue: callback.queue ?? '' }, agent.staffId, now);
    if (!call) return 'raced';
    return offerToAgent(tx, h, { callSid: call.sid, queue: call.queue ?? '' }, agent.staffId, now);
  });
}

/** A callback goes before a caller only with a higher priority, or the same and an earlier place in line. */
function aheadOf(callback: { priority: number | null; placeAt: Date | null }, call: { priority: number | null; queuedAt: Date | null }): boolean {
  const [b, c] = [callback.priority ?? 0, call.priority ?? 0];
  if (b !== c) return b > c;
  return (callback.placeAt?.getTime() ?? Infinity) < (call.queuedAt?.getTime() ?? Infinity);
}

async function offerToAgent(tx: Tx, h: Hotline, what: { callSid: string; queue: string } | { caseId: number; queue: string }, staffId: number, now: Date): Promise<Made> {
  if ('caseId' in what) {
    // A callback rings on the agent's page at once (no carrier leg to set up first).
    const deadlineAt = new Date(now.getTime() + ringSeconds(h) * 1000);
    const [offer] = await tx
      .insert(offers)
      .values({ ...what, staffId, status: 'ringing', offeredAt: now, ringStartedAt: now, deadlineAt })
      .returning({ id: offers.id });
    await tx.update(agents).set({ presence: 'ringing', breakReason: null, since: now }).where(eq(agents.staffId, staffId));
    await callbackOffered(tx, what.caseId, offer!.id, staffId, now);
    return { offerId: offer!.id, caseId: what.caseId, staffId };
  }
  const [offer] = await rows<{ id: number }>(tx, sql`
    with pair as (select ${what.callSid}::text as sid, ${staffId}::int as staff_id, ${what.queue}::text as queue), ${offerForPair(h, now)}
    select id from offer`);
  return { offerId: Number(offer!.id), callSid: what.callSid, staffId };
}

/** How long an offer may ring before it is withdrawn. */
const ringSeconds = (h: Hotline) => h.config.offerRingLimit * h.config.ringCycleSeconds;

/**
 * The offer to the agent of the CTE `pair` (sid, staff_id, queue), the agent ringing, the caller offered and
 * the call's event: CTEs of one statement, so the pair stays locked no longer than one round trip.
 */
function offerForPair(h: Hotline, now: Date): SQL {
  const at = now.toISOString();
  const deadlineAt = new Date(now.getTime() + (SETUP_SECONDS + ringSeconds(h)) * 1000).toISOString();
  return sql`offer as (
      insert into offers (call_sid, staff_id, queue, status, offered_at, deadline_at)
      select sid, staff_id, queue, 'ringing', ${at}::timestamptz, ${deadlineAt}::timestamptz from pair
      returning id, call_sid, staff_id, queue
    ), ringing as (
      update agents set presence = 'ringing', break_reason = null, since = ${at}::timestamptz from offer where agents.staff_id = offer.staff_id
    ), offered as (
      update calls set status = 'offered' from offer where calls.sid = offer.call_sid
    ), logged as (
      insert into call_events (call_sid, at, type, data)
      select call_sid, ${at}::timestamptz, 'offer.made', jsonb_build_object('offerId', id, 'staffId', staff_id, 'queue', queue) from offer
    )`;
}

/** Pop the agent's screen, and take the caller out of the carrier's queue into the room the agent is dialled into. */
async function ring(h: Hotline, m: { offerId: number; callSid: string; staffId: number }): Promise<void> {
  let pop;
  try {
    pop = await screenPop(h.database.db, m.callSid, m.offerId, h.now());
  } catch (err) {
    // Without its screen-pop the agent cannot take the call: the offer is withdrawn at once (if the database
    // lets it; else at its deadline), not left ringing with the caller still waiting in the carrier's queue.
    h.log.warn({ callSid: m.callSid, offerId: m.offerId, err: (err as Error).message }, 'could not pop the agent\'s screen; offer withdrawn');
    await withdrawOffer(h, m.offerId, { status: 'withdrawn', reason: 'screen-pop-failed', agent: 'available' });
    return;
  }
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
    h.log.warn({ callSid: m.callSid, offerId: m.offerId, err: (err as Error).message }, 'could not ring the agent for this caller');
    await carrierFailed(h, m.offerId, m.callSid);
  }
}

/**
 * The carrier failed to bring caller and agent together (down, refused, timed out): the offer is withdrawn,
 * the agent free at once, and the caller keeps their place but waits a moment before being tried again, so
 * a failing carrier is not hammered. `takeBack` takes the caller out of the room where they waited.
 */
export async function carrierFailed(h: Hotline, offerId: number, callSid: string, options: { takeBack?: boolean } = {}): Promise<void> {
  await h.database.db.update(calls).set({ routeAfter: new Date(h.now().getTime() + RETRY_AFTER_SECONDS * 1000) }).where(eq(calls.sid, callSid));
  await withdrawOffer(h, offerId, { status: 'withdrawn', reason: 'carrier-failed', agent: 'available' }, options);
}

/** A pass that found what it wanted locked looks again after this, then twice that, then three times. */
const RACED_PAUSE_MS = 5;

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
