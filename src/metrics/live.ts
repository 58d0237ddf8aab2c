import { and, eq, gte, inArray, isNotNull, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import { agents, calls, offers, staff, surveys, type Presence } from '../../db/schema.ts';
import type { Queues } from '../acd/queues.ts';
import type { Db } from '../database.ts';
import { wallClock } from '../ivr/hours.ts';
import { csatOfMeanRating, DEFAULT_SERVICE_LEVEL_SECONDS, SHORT_ABANDON_SECONDS } from './figures.ts';
import { THREE_RING_STANDARD } from './rings.ts';

/**
 * The managers' live board: who waits in each queue now, the agents who could answer them, the agent board,
 * and today's figures so far. Six aggregate queries over the current tables (calls, offers, surveys, agents,
 * staff), whatever the number of calls: today's calls are summed per 15-minute slot and today's offers and
 * surveys per agent, and the day's totals are the sums of those rows. The definitions are those of
 * metrics.md (and figures.ts), restated where SQL and the sums compute them.
 *
 * Rates (service level, resolved rate) are between 0 and 1 as in figures.ts; shares (…Share, top-2-box)
 * and CSAT are on a 0–100 scale, as the board shows them.
 */

export type AgentCounts = { available: number; ringing: number; onCall: number; wrapUp: number; break: number };
export type QueueLive = { name: string; waiting: number; longestWaitSeconds: number; agents: AgentCounts };
export type Csat = {
  /** CSAT (mean, 0–100) = (mean rating − 1) / 4 × 100. */
  mean: number | null;
  /** CSAT (top-2-box) = share of 4s and 5s × 100: what the operator's goal "90+" reads. */
  topTwoBox: number | null;
  /** Share (0–1) of "yes" to "was your problem solved" among those who answered it. */
  resolvedRate: number | null;
  /** Surveys with at least one answer (partial ones count for the questions answered). */
  responses: number;
};
export type TodayFigures = {
  offered: number;
  answered: number;
  abandoned: number;
  answeredWithinStandard: number;
  /** answered within three rings / answered offers (with rings measured) × 100. */
  answeredWithinStandardShare: number | null;
  averageRings: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  serviceLevel: number | null;
  /** The T of the service level, for the board to say "within T s". */
  serviceLevelSeconds: number;
  csat: Csat;
};
export type AgentLive = {
  staffId: number;
  employeeNo: string;
  name: string;
  presence: Presence;
  /** When the agent entered this presence (ISO), so the page counts the time in it up live; null if never logged in. */
  presenceSince: string | null;
  breakReason: string | null;
  /** Offers the agent answered today. */
  callsToday: number;
  /** Of those, answered within three rings, × 100; null when none. */
  withinStandardShare: number | null;
  /** CSAT mean (0–100) of today's surveys of the agent's calls; null when none. */
  csat: number | null;
  csatTopTwoBox: number | null;
};
export type Slot = { start: string; offered: number; answered: number; abandoned: number };
export type RingsHistogram = { '1': number; '2': number; '3': number; '4+': number };
export type LiveMetrics = {
  at: string;
  /** The hotline's time zone, in which "today" and the 15-minute slots are read. */
  timeZone: string;
  queues: QueueLive[];
  today: TodayFigures;
  agents: AgentLive[];
  /** Today's calls by the 15 minutes they entered a queue in, from local midnight to now. */
  per15Minutes: Slot[];
  /** Today's answered offers by rings to answer. */
  ringsHistogram: RingsHistogram;
};

export type LiveOptions = {
  now: Date;
  /** The hotline's wall clock: "today" starts at its midnight. */
  timeZone: string;
  /** Listed in this order (queues.yaml's). */
  queues: Queues;
  /** Offers store their rings when answered, so today's figures do not need it. */
  ringCycleSeconds: number;
};

/**
 * Today's service level uses one T for all queues (20 s, the common default) rather than each queue's own
 * `serviceLevelSeconds`: the board shows a single figure, and says "within 20 s".
 */
export const LIVE_SERVICE_LEVEL_SECONDS = DEFAULT_SERVICE_LEVEL_SECONDS;
export const SLOT_SECONDS = 15 * 60;

const presenceCount: Record<Exclude<Presence, 'offline'>, keyof AgentCounts> = {
  available: 'available',
  ringing: 'ringing',
  'on-call': 'onCall',
  'wrap-up': 'wrapUp',
  break: 'break',
};

export async function liveMetrics(db: Db, { now, timeZone, queues }: LiveOptions): Promise<LiveMetrics> {
  const since = startOfLocalDay(now, timeZone);
  const [waiting, staffed, slots, offered, surveyed, roster] = await Promise.all([
    waitingNow(db, now),
    agentsNow(db),
    callsPerSlot(db, since, now),
    offersPerAgent(db, since, now),
    surveysPerAgent(db, since, now),
    rosterToday(db, since, now),
  ]);
  const offerTotals = sumRows(offered, NO_OFFERS);
  const offersOf = new Map(offered.map((row) => [row.staffId, row]));
  const surveysOf = new Map(surveyed.map((row) => [row.staffId, row]));
  return {
    at: now.toISOString(),
    timeZone,
    queues: [...queues.values()].map((q) => {
      const w = waiting.find((row) => row.queue === q.name);
      const counts: AgentCounts = { available: 0, ringing: 0, onCall: 0, wrapUp: 0, break: 0 };
      // An agent counts in every queue whose skill they have, so the same agent may appear under several.
      for (const row of staffed) {
        const presence = presenceCount[row.presence as keyof typeof presenceCount];
        if (presence && Object.hasOwn(row.skills, q.skill)) counts[presence] += row.count;
      }
      return { name: q.name, waiting: w?.waiting ?? 0, longestWaitSeconds: w?.longestWaitSeconds ?? 0, agents: counts };
    }),
    today: todayFigures(sumRows(slots, NO_CALLS), offerTotals, csatOf(sumRows(surveyed, NO_SURVEYS))),
    agents: roster.map((a) => {
      const o = offersOf.get(a.staffId);
      const s = csatOf(surveysOf.get(a.staffId) ?? NO_SURVEYS);
      return {
        staffId: a.staffId,
        employeeNo: a.employeeNo,
        name: a.name,
        presence: a.presence ?? 'offline',
        presenceSince: a.since?.toISOString() ?? null,
        breakReason: a.breakReason,
        callsToday: o?.answered ?? 0,
        withinStandardShare: percent(o?.withinStandard ?? 0, o?.measured ?? 0),
        csat: s.mean,
        csatTopTwoBox: s.topTwoBox,
      };
    }),
    per15Minutes: slotsOfDay(since, now, slots),
    ringsHistogram: { '1': offerTotals.rings1, '2': offerTotals.rings2, '3': offerTotals.rings3, '4+': offerTotals.rings4Plus },
  };
}

/**
 * waiting = calls queued or offered (an agent's phone rings, but the caller still waits);
 * longest wait now = now − queued_at of the oldest of them.
 */
function waitingNow(db: Db, now: Date) {
  return db
    .select({
      queue: calls.queue,
      waiting: sql<number>`count(*)::int`,
      longestWaitSeconds: sql<number>`greatest(0, extract(epoch from ${now.toISOString()}::timestamptz - min(${calls.queuedAt})))::float8`,
    })
    .from(calls)
    .where(inArray(calls.status, ['queued', 'offered']))
    .groupBy(calls.queue);
}

/** Logged-in agents of enabled staff, counted per skill set and presence (a handful of rows). */
function agentsNow(db: Db) {
  return db
    .select({ skills: staff.skills, presence: agents.presence, count: sql<number>`count(*)::int` })
    .from(agents)
    .innerJoin(staff, eq(staff.id, agents.staffId))
    .where(and(ne(agents.presence, 'offline'), eq(staff.disabled, false)))
    .groupBy(staff.skills, agents.presence);
}

/** Today's calls that entered a queue, summed per 15-minute slot since local midnight (at most 100 rows). */
function callsPerSlot(db: Db, since: Date, now: Date) {
  const wait = sql`extract(epoch from ${calls.answeredAt} - ${calls.queuedAt})`;
  const abandoned = sql`${calls.endReason} = 'abandoned-in-queue'`;
  const abandonedAfter = sql`extract(epoch from coalesce(${calls.endedAt}, ${now.toISOString()}::timestamptz) - ${calls.queuedAt})`;
  const slot = sql<number>`floor(extract(epoch from ${calls.queuedAt} - ${since.toISOString()}::timestamptz) / ${sql.raw(String(SLOT_SECONDS))})::int`;
  return db
    .select({
      slot,
      // offered = calls that entered a queue; answered = of those, answered by an agent.
      offered: sql<number>`count(*)::int`,
      answered: sql<number>`count(${calls.answeredAt})::int`,
      // abandoned = hung up before an agent answered (the call's end reason says so).
      abandoned: sql<number>`(count(*) filter (where ${abandoned}))::int`,
      answeredInTime: sql<number>`(count(*) filter (where ${wait} <= ${LIVE_SERVICE_LEVEL_SECONDS}))::int`,
      // Short abandons (within 5 s of queueing) are left out of the service level.
      longAbandons: sql<number>`(count(*) filter (where ${abandoned} and ${abandonedAfter} > ${SHORT_ABANDON_SECONDS}))::int`,
      totalWaitSeconds: sql<number>`coalesce(sum(${wait}), 0)::float8`,
    })
    .from(calls)
    .where(and(isNotNull(calls.queue), gte(calls.queuedAt, since), lte(calls.queuedAt, now)))
    // By position: the slot's expression binds its own parameters, which Postgres would not see as the same.
    .groupBy(sql`1`);
}

const answeredOffer = inArray(offers.status, ['connected', 'completed']);
const offeredToday = (since: Date, now: Date) => and(gte(offers.offeredAt, since), lte(offers.offeredAt, now));

/** Today's answered offers summed per agent: how many, their rings, within the standard, by rings. */
function offersPerAgent(db: Db, since: Date, now: Date) {
  const rings = (condition: SQL) => sql<number>`(count(*) filter (where ${condition}))::int`;
  return db
    .select({
      staffId: offers.staffId,
      answered: sql<number>`count(*)::int`,
      // Answered offers whose rings were measured: the whole of the three-ring share and of average rings.
      measured: sql<number>`count(${offers.rings})::int`,
      totalRings: sql<number>`coalesce(sum(${offers.rings}), 0)::int`,
      withinStandard: sql<number>`(count(*) filter (where ${offers.withinStandard}))::int`,
      rings1: rings(sql`${offers.rings} = 1`),
      rings2: rings(sql`${offers.rings} = 2`),
      rings3: rings(sql`${offers.rings} = 3`),
      rings4Plus: rings(sql`${offers.rings} > ${THREE_RING_STANDARD}`),
    })
    .from(offers)
    .where(and(answeredOffer, offeredToday(since, now)))
    .groupBy(offers.staffId);
}

/**
 * Today's surveys (by when they began) summed per agent rated, in counts from which figures.ts's survey
 * definitions follow. A partial survey counts for the questions answered: its rating without its "solved",
 * or neither (then it is no response).
 */
function surveysPerAgent(db: Db, since: Date, now: Date) {
  return db
    .select({
      staffId: surveys.staffId,
      responses: sql<number>`(count(*) filter (where ${surveys.rating} is not null or ${surveys.solved} is not null))::int`,
      ratings: sql<number>`count(${surveys.rating})::int`,
      totalRating: sql<number>`coalesce(sum(${surveys.rating}), 0)::int`,
      topTwo: sql<number>`(count(*) filter (where ${surveys.rating} >= 4))::int`,
      solvedAnswers: sql<number>`count(${surveys.solved})::int`,
      solved: sql<number>`(count(*) filter (where ${surveys.solved}))::int`,
    })
    .from(surveys)
    .where(and(gte(surveys.startedAt, since), lte(surveys.startedAt, now)))
    .groupBy(surveys.staffId);
}

/**
 * The agent board: agents and supervisors of enabled staff who have logged in (an agents row) or answered a
 * call today, in employee-number order.
 */
function rosterToday(db: Db, since: Date, now: Date) {
  const answeredToday = db.select({ staffId: offers.staffId }).from(offers).where(and(answeredOffer, offeredToday(since, now)));
  return db
    .select({
      staffId: staff.id,
      employeeNo: staff.employeeNo,
      name: staff.name,
      presence: agents.presence,
      since: agents.since,
      breakReason: agents.breakReason,
    })
    .from(staff)
    .leftJoin(agents, eq(agents.staffId, staff.id))
    .where(
      and(
        inArray(staff.role, ['agent', 'supervisor']),
        eq(staff.disabled, false),
        or(isNotNull(agents.staffId), inArray(staff.id, answeredToday)),
      ),
    )
    .orderBy(staff.employeeNo);
}

/** A row's counts: its numeric columns but the keys it is grouped by. */
type Counts<T> = { [K in keyof T as T[K] extends number ? (K extends 'slot' | 'staffId' ? never : K) : never]: number };

/** Adds up the columns named in `zero` of per-slot or per-agent rows into the day's. */
function sumRows<T extends object>(rows: T[], zero: Counts<T>): Counts<T> {
  const total = { ...zero } as Record<string, number>;
  for (const row of rows) for (const key of Object.keys(total)) total[key]! += (row as Record<string, number>)[key] ?? 0;
  return total as Counts<T>;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const percent = (part: number, whole: number): number | null => (whole === 0 ? null : (part / whole) * 100);

type CallSums = Counts<Awaited<ReturnType<typeof callsPerSlot>>[number]>;
type OfferSums = Counts<Awaited<ReturnType<typeof offersPerAgent>>[number]>;
type SurveySums = Counts<Awaited<ReturnType<typeof surveysPerAgent>>[number]>;

const NO_CALLS: CallSums = { offered: 0, answered: 0, abandoned: 0, answeredInTime: 0, longAbandons: 0, totalWaitSeconds: 0 };
const NO_OFFERS: OfferSums = { answered: 0, measured: 0, totalRings: 0, withinStandard: 0, rings1: 0, rings2: 0, rings3: 0, rings4Plus: 0 };
const NO_SURVEYS: SurveySums = { responses: 0, ratings: 0, totalRating: 0, topTwo: 0, solvedAnswers: 0, solved: 0 };

function todayFigures(c: CallSums, o: OfferSums, csat: Csat): TodayFigures {
  return {
    offered: c.offered,
    answered: c.answered,
    abandoned: c.abandoned,
    answeredWithinStandard: o.withinStandard,
    // three-ring compliance = offers answered within three rings / offers answered.
    answeredWithinStandardShare: percent(o.withinStandard, o.measured),
    // average rings = mean rings of answered offers.
    averageRings: ratio(o.totalRings, o.measured),
    // ASA = mean wait (answered_at − queued_at) of answered calls.
    averageSpeedOfAnswerSeconds: ratio(c.totalWaitSeconds, c.answered),
    // service level = answered within T / (answered + abandoned after the short-abandon threshold).
    serviceLevel: ratio(c.answeredInTime, c.answered + c.longAbandons),
    serviceLevelSeconds: LIVE_SERVICE_LEVEL_SECONDS,
    csat,
  };
}

/** figures.ts's csatMean, csatTopTwoBox and resolvedRate, over counts instead of responses. */
function csatOf(s: SurveySums): Csat {
  return {
    mean: csatOfMeanRating(ratio(s.totalRating, s.ratings)),
    topTwoBox: percent(s.topTwo, s.ratings),
    resolvedRate: ratio(s.solved, s.solvedAnswers),
    responses: s.responses,
  };
}

/** Every 15-minute slot from local midnight to the one `now` is in, with the calls that entered a queue in it. */
function slotsOfDay(since: Date, now: Date, rows: Awaited<ReturnType<typeof callsPerSlot>>): Slot[] {
  const count = Math.floor((now.getTime() - since.getTime()) / (SLOT_SECONDS * 1000)) + 1;
  const bySlot = new Map(rows.map((r) => [r.slot, r]));
  return Array.from({ length: count }, (_, i) => {
    const row = bySlot.get(i);
    return {
      start: new Date(since.getTime() + i * SLOT_SECONDS * 1000).toISOString(),
      offered: row?.offered ?? 0,
      answered: row?.answered ?? 0,
      abandoned: row?.abandoned ?? 0,
    };
  });
}

/**
 * The instant the local day of `now` began in `timeZone`. Local midnight is W − offset, where W is
 * midnight read as if UTC; the offset in force may differ across the day (daylight saving), so each offset
 * seen around that day is tried and the earliest instant that is already on that local date wins. Where a
 * clock change skips midnight, that is the moment of the change.
 */
export function startOfLocalDay(now: Date, timeZone: string): Date {
  const date = wallClock(now, timeZone).date;
  const w = Date.parse(`${date}T00:00:00Z`);
  const day = 86_400_000;
  const candidates = [w - day, w, w + day]
    .map((t) => w - offsetMs(new Date(t), timeZone))
    .filter((t) => wallClock(new Date(t), timeZone).date === date);
  return new Date(Math.min(...candidates));
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** How far the wall clock in `timeZone` is ahead of UTC at `at`, in ms (Shanghai: +8 h). */
function offsetMs(at: Date, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) offsetFormatters.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })));
  const name = f.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT([+-])(\d\d):(\d\d)(?::(\d\d))?$/.exec(name);
  if (!m) return 0; // plain "GMT": UTC itself
  const [, sign, h, min, s] = m;
  return (sign === '-' ? -1 : 1) * ((Number(h) * 60 + Number(min)) * 60 + Number(s ?? 0)) * 1000;
}
