import { and, gte, inArray, isNotNull, lte, sql, type SQL } from 'drizzle-orm';
import { calls, offers, surveys } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import { SHORT_ABANDON_SECONDS } from './figures.ts';
import { LIVE_SERVICE_LEVEL_SECONDS, SLOT_SECONDS, type DaySums } from './live-board.ts';
import { rosterToday } from './live-now.ts';
import { THREE_RING_STANDARD } from './rings.ts';

/**
 * The day's sums aggregated afresh from the day's calls, offers and surveys: the definitions of metrics.md
 * (and figures.ts) as SQL computes them. Their cost grows with the day's volume, so the board reads the
 * counters the database keeps (live-counters.ts) instead; this stays as the definition the counters are held
 * to (test/metrics/live-counters.test.ts), and serves a day whose midnight is not on a quarter hour.
 */
export async function freshDaySums(db: Db, since: Date, now: Date): Promise<DaySums> {
  const answeredToday = db.select({ staffId: offers.staffId }).from(offers).where(and(answeredOffer, offeredToday(since, now)));
  const [slots, offered, surveyed, roster] = await Promise.all([
    callsPerSlot(db, since, now),
    offersPerAgent(db, since, now),
    surveysPerAgent(db, since, now),
    rosterToday(db, sql`${answeredToday}`),
  ]);
  return { slots, offers: offered, surveys: surveyed, roster };
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
