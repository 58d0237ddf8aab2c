import { and, eq, gte, inArray, isNotNull, lte, ne, sql } from 'drizzle-orm';
import { agents, calls, offers, staff, type Presence } from '../../db/schema.ts';
import type { Queues } from '../acd/queues.ts';
import type { Db } from '../database.ts';
import { wallClock } from '../ivr/hours.ts';
import { DEFAULT_SERVICE_LEVEL_SECONDS, SHORT_ABANDON_SECONDS } from './figures.ts';

/**
 * The managers' live board: who waits in each queue now, the agents who could answer them, and today's
 * figures so far. Four aggregate queries over the current tables (calls, offers, agents, staff), whatever
 * the number of calls; the definitions are those of metrics.md (and figures.ts), restated where SQL
 * computes them.
 */

export type AgentCounts = { available: number; ringing: number; onCall: number; wrapUp: number; break: number };
export type QueueLive = { name: string; waiting: number; longestWaitSeconds: number; agents: AgentCounts };
export type TodayFigures = {
  offered: number;
  answered: number;
  abandoned: number;
  answeredWithinStandard: number;
  averageRings: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  serviceLevel: number | null;
};
export type LiveMetrics = { at: string; queues: QueueLive[]; today: TodayFigures };

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

const presenceCount: Record<Exclude<Presence, 'offline'>, keyof AgentCounts> = {
  available: 'available',
  ringing: 'ringing',
  'on-call': 'onCall',
  'wrap-up': 'wrapUp',
  break: 'break',
};

export async function liveMetrics(db: Db, { now, timeZone, queues }: LiveOptions): Promise<LiveMetrics> {
  const since = startOfLocalDay(now, timeZone);
  const [waiting, staffed, today] = await Promise.all([waitingNow(db, now), agentsNow(db), todaySoFar(db, since, now)]);
  return {
    at: now.toISOString(),
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
    today,
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

async function todaySoFar(db: Db, since: Date, now: Date): Promise<TodayFigures> {
  const wait = sql`extract(epoch from ${calls.answeredAt} - ${calls.queuedAt})`;
  const abandoned = sql`${calls.endReason} = 'abandoned-in-queue'`;
  const abandonedAfter = sql`extract(epoch from coalesce(${calls.endedAt}, ${now.toISOString()}::timestamptz) - ${calls.queuedAt})`;
  const answeredOffer = inArray(offers.status, ['connected', 'completed']);
  const [[c], [o]] = await Promise.all([
    db
      .select({
        // offered = calls that entered a queue today; answered = of those, answered by an agent.
        offered: sql<number>`count(*)::int`,
        answered: sql<number>`count(${calls.answeredAt})::int`,
        // abandoned = hung up before an agent answered (the call's end reason says so).
        abandoned: sql<number>`(count(*) filter (where ${abandoned}))::int`,
        answeredInTime: sql<number>`(count(*) filter (where ${wait} <= ${LIVE_SERVICE_LEVEL_SECONDS}))::int`,
        // Short abandons (within 5 s of queueing) are left out of the service level.
        longAbandons: sql<number>`(count(*) filter (where ${abandoned} and ${abandonedAfter} > ${SHORT_ABANDON_SECONDS}))::int`,
        // ASA = mean wait (answered_at − queued_at) of answered calls.
        averageSpeedOfAnswerSeconds: sql<number | null>`(avg(${wait}))::float8`,
      })
      .from(calls)
      .where(and(isNotNull(calls.queue), gte(calls.queuedAt, since), lte(calls.queuedAt, now))),
    db
      .select({
        answeredWithinStandard: sql<number>`(count(*) filter (where ${offers.withinStandard}))::int`,
        averageRings: sql<number | null>`(avg(${offers.rings}))::float8`,
      })
      .from(offers)
      .where(and(answeredOffer, gte(offers.offeredAt, since), lte(offers.offeredAt, now))),
  ]);
  const slWhole = c!.answered + c!.longAbandons;
  return {
    offered: c!.offered,
    answered: c!.answered,
    abandoned: c!.abandoned,
    answeredWithinStandard: o!.answeredWithinStandard,
    averageRings: o!.averageRings,
    averageSpeedOfAnswerSeconds: c!.averageSpeedOfAnswerSeconds,
    // service level = answered within T / (answered + abandoned after the short-abandon threshold).
    serviceLevel: slWhole === 0 ? null : c!.answeredInTime / slWhole,
  };
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
