import { sql, type SQL } from 'drizzle-orm';
import type { Queues } from '../acd/queues.ts';
import { DEFAULT_SERVICE_LEVEL_SECONDS, SHORT_ABANDON_SECONDS } from '../metrics/figures.ts';
import { SUM_COLUMNS, SUM_NAMES, type SumName } from './sums.ts';

/**
 * The definitions of the report figures (metrics.md), as the SQL that sums the facts of a window of
 * 30-minute slots into one row per slot and queue, or per slot and agent. The materialiser stores these rows
 * (materialise.ts) and a report adds the still-open slots to them live (history.ts): the same statement both
 * ways, so a stored slot is exactly what a fresh aggregate gives.
 *
 * Each fact counts in the slot of the moment that makes it a fact of that kind:
 * - a call, by when it entered the queue (queued_at): offered = calls that entered the queue; answered = of
 *   those, answered by an agent; abandoned = hung up before an agent answered (end reason
 *   abandoned-in-queue), with how long they waited (abandoned_at − queued_at) in buckets of (0,5], (5,15],
 *   (15,30], (30,60], (60,120] and over 120 s; short abandons = abandoned within 5 s (inclusive);
 *   answered in time = wait (answered_at − queued_at, rings included) ≤ 20 s; wait seconds = the sum of the
 *   answered calls' waits (ASA = wait seconds / answered).
 * - an offer (an agent's phone ringing), by when it rang (offered_at): missed = not answered by the agent
 *   (ring limit, rejected); rings measured / within standard / total rings = of answered offers, those with a
 *   ring count, those within three rings, and their rings; handled = conversations ended, with their talk
 *   (answered → ended, less hold), hold, and wrap-up time (the queue's wrap-up time: the hotline keeps no
 *   record of a wrap-up ended early), so AHT = (talk + hold + wrap-up) / handled.
 *   Per agent, an offer is also what the agent was offered: offered = offers rung, answered = offers answered,
 *   abandoned = callers who hung up while the agent's phone rang, and the waits of the calls answered.
 * - a survey, by when it began (started_at): ratings, their total and the 4s and 5s (CSAT mean =
 *   (total / ratings − 1) / 4 × 100, top-2-box = top two / ratings × 100). Partial surveys count for the
 *   questions answered.
 * - a callback case, by when it was resolved as "answered" (the passenger reached): completed, and within
 *   promise = its resolve clock met no later than its due time. Per agent: the agent of the attempt that
 *   reached the passenger.
 * - a reply commitment (first-reply and resolve clocks), by when it fell due: due = the clocks due in the slot
 *   that are met or already past due, in time = met no later than due. By due time rather than by reply, a
 *   commitment counts once, in the period it was owed, and a late reply cannot move it. Per agent: the
 *   case's owner (0: a department's); per queue: under the empty queue name '' (cases are no queue's), which
 *   counts in the totals and is not listed.
 */

export const SLOT_MINUTES = 30;
export const SLOT_MS = SLOT_MINUTES * 60_000;
export const REPORT_SERVICE_LEVEL_SECONDS = DEFAULT_SERVICE_LEVEL_SECONDS;

export type SlotKey = 'queue' | 'agent';
export type Window = { from: Date; to: Date; now: Date };

/** The start of the slot `at` is in. */
export const slotOf = (at: Date): Date => new Date(Math.floor(at.getTime() / SLOT_MS) * SLOT_MS);

const slot = (column: SQL) => sql`to_timestamp(floor(extract(epoch from ${column}) / ${sql.raw(String(SLOT_MINUTES * 60))}) * ${sql.raw(String(SLOT_MINUTES * 60))})`;
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const n = (v: number) => sql.raw(String(v));
const count = (condition: SQL) => sql`count(*) filter (where ${condition})`;

/** One source of facts: its sums by name (the rest are 0), keyed by slot and key. */
function source(slotStart: SQL, key: SQL, sums: Partial<Record<SumName, SQL>>, rest: SQL): SQL {
  const columns = SUM_NAMES.map((name) => sql`(${sums[name] ?? sql`0`})::float8 as ${sql.identifier(SUM_COLUMNS[name])}`);
  return sql`select ${slotStart} as slot_start, ${key} as key, ${sql.join(columns, sql`, `)} ${rest} group by 1, 2`;
}

/** The queue's configured wrap-up, per offer row `o`. */
function wrapUp(queues: Queues): SQL {
  const whens = [...queues.values()].map((q) => sql`when ${q.name} then ${n(q.wrapUpSeconds)}`);
  return whens.length ? sql`(case o.queue ${sql.join(whens, sql` `)} else 0 end)` : sql`0`;
}

function callSums(now: Date): Partial<Record<SumName, SQL>> {
  const abandoned = sql`c.end_reason = 'abandoned-in-queue'`;
  const waited = sql`extract(epoch from coalesce(c.ended_at, ${ts(now)}) - c.queued_at)`;
  const wait = sql`extract(epoch from c.answered_at - c.queued_at)`;
  const after = (above: number, upTo?: number) => count(sql`${abandoned} and ${waited} > ${n(above)}${upTo === undefined ? sql`` : sql` and ${waited} <= ${n(upTo)}`}`);
  return {
    offered: sql`count(*)`,
    answered: sql`count(c.answered_at)`,
    abandoned: count(abandoned),
    shortAbandons: count(sql`${abandoned} and ${waited} <= ${n(SHORT_ABANDON_SECONDS)}`),
    abandoned5: count(sql`${abandoned} and ${waited} <= 5`),
    abandoned15: after(5, 15),
    abandoned30: after(15, 30),
    abandoned60: after(30, 60),
    abandoned120: after(60, 120),
    abandonedOver120: after(120),
    answeredInTime: count(sql`${wait} <= ${n(REPORT_SERVICE_LEVEL_SECONDS)}`),
    waitSeconds: sql`coalesce(sum(${wait}), 0)`,
  };
}

function offerSums(queues: Queues): Partial<Record<SumName, SQL>> {
  const answered = sql`o.status in ('connected', 'completed')`;
  const completed = sql`o.status = 'completed' and o.answered_at is not null and o.ended_at is not null`;
  return {
    missed: count(sql`o.status in ('missed', 'rejected')`),
    ringsMeasured: count(sql`${answered} and o.rings is not null`),
    withinStandard: count(sql`${answered} and o.within_standard`),
    totalRings: sql`coalesce(sum(o.rings) filter (where ${answered}), 0)`,
    handled: count(completed),
    talkSeconds: sql`coalesce(sum(greatest(0, extract(epoch from o.ended_at - o.answered_at) - o.hold_seconds)) filter (where ${completed}), 0)`,
    holdSeconds: sql`coalesce(sum(o.hold_seconds) filter (where ${completed}), 0)`,
    wrapSeconds: sql`coalesce(sum(${wrapUp(queues)}) filter (where ${completed}), 0)`,
  };
}

/** Per agent, the offers are also the calls: offered to them, answered by them, hung up on while ringing. */
function agentOfferSums(): Partial<Record<SumName, SQL>> {
  const answered = sql`o.status in ('connected', 'completed')`;
  const wait = sql`extract(epoch from o.answered_at - c.queued_at)`;
  return {
    offered: sql`count(*)`,
    answered: count(answered),
    abandoned: count(sql`o.status = 'abandoned'`),
    abandoned5: sql`0`,
    answeredInTime: count(sql`${answered} and ${wait} <= ${n(REPORT_SERVICE_LEVEL_SECONDS)}`),
    waitSeconds: sql`coalesce(sum(${wait}) filter (where ${answered}), 0)`,
  };
}

const surveySums: Partial<Record<SumName, SQL>> = {
  ratings: sql`count(s.rating)`,
  ratingTotal: sql`coalesce(sum(s.rating), 0)`,
  topTwo: count(sql`s.rating >= 4`),
};

const replySums: Partial<Record<SumName, SQL>> = {
  repliesDue: sql`count(*)`,
  repliesInTime: count(sql`r.met_at <= r.due_at`),
};

const callbackSums: Partial<Record<SumName, SQL>> = {
  callbacksCompleted: sql`count(*)`,
  callbacksInPromise: count(sql`k.met_at <= k.due_at`),
};

/**
 * One row per slot and queue (key: the queue's name) or per slot and agent (key: the staff id as text; 0 for
 * no agent) of the window [from, to), with every sum of SUM_COLUMNS. `now` closes what is still open (a
 * caller still waiting has not abandoned; a commitment not yet due is not due).
 */
export function slotAggregate(by: SlotKey, { from, to, now }: Window, queues: Queues): SQL {
  const within = (column: string) => sql`${sql.raw(column)} >= ${ts(from)} and ${sql.raw(column)} < ${ts(to)}`;
  const callback = sql`from cases cb left join case_clocks k on k.case_id = cb.id and k.kind = 'resolve'
    where cb.type = 'callback' and cb.resolution->>'reason' = 'answered' and ${within('cb.resolved_at')}`;
  const replies = sql`from case_clocks r join cases rc on rc.id = r.case_id
    where r.kind in ('first-reply', 'resolve') and ${within('r.due_at')} and (r.met_at is not null or r.due_at <= ${ts(now)})`;
  const sources =
    by === 'queue'
      ? [
          source(slot(sql`c.queued_at`), sql`c.queue`, callSums(now), sql`from calls c where c.queue is not null and ${within('c.queued_at')}`),
          source(slot(sql`o.offered_at`), sql`o.queue`, offerSums(queues), sql`from offers o where ${within('o.offered_at')}`),
          source(slot(sql`s.started_at`), sql`s.queue`, surveySums, sql`from surveys s where s.queue is not null and ${within('s.started_at')}`),
          source(slot(sql`cb.resolved_at`), sql`cb.queue`, callbackSums, sql`${callback} and cb.queue is not null`),
          // Facts of no queue are kept under the empty name: they count in the hotline's totals, not a queue's.
          source(slot(sql`r.due_at`), sql`''`, replySums, replies),
        ]
      : [
          source(slot(sql`o.offered_at`), sql`o.staff_id::text`, { ...offerSums(queues), ...agentOfferSums() }, sql`from offers o left join calls c on c.sid = o.call_sid and o.case_id is null where ${within('o.offered_at')}`),
          source(slot(sql`s.started_at`), sql`coalesce(s.staff_id, 0)::text`, surveySums, sql`from surveys s where ${within('s.started_at')}`),
          source(
            slot(sql`cb.resolved_at`),
            sql`coalesce((select a.staff_id from callback_attempts a where a.case_id = cb.id and a.outcome = 'answered' order by a.id desc limit 1), 0)::text`,
            callbackSums,
            callback,
          ),
          source(slot(sql`r.due_at`), sql`coalesce(rc.owner_staff_id, 0)::text`, replySums, replies),
        ];
  const totals = SUM_NAMES.map((name) => sql`sum(${sql.identifier(SUM_COLUMNS[name])}) as ${sql.identifier(SUM_COLUMNS[name])}`);
  return sql`select slot_start, key, ${sql.join(totals, sql`, `)} from (${sql.join(sources, sql` union all `)}) facts group by slot_start, key`;
}
