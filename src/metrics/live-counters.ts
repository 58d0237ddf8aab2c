import { and, gt, gte, lte, sql } from 'drizzle-orm';
import { liveCallCounts, liveOfferCounts, liveSurveyCounts } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import { SLOT_SECONDS, type DaySums } from './live-board.ts';
import { rosterToday } from './live-now.ts';

/**
 * The day's sums from the counters the database keeps in the transactions that change calls, offers and
 * surveys (db/migrations/0006_live_counters.sql): a range of each counter table's primary key, one row per
 * 15-minute slot and queue (at most 96 × queues) or per slot and agent (at most 96 × agents on shift, each
 * row an agent's alone). The cost follows the number of slots, queues and agents, never the calls: not the
 * history, nor how busy today has been.
 *
 * A slot counts whole, so this reads the same as live-fresh.ts when `since` is a slot's start (live.ts
 * checks) and no row is stamped later than `now` in now's own slot (the hotline stamps rows with its clock).
 */
export async function counterDaySums(db: Db, since: Date, now: Date): Promise<DaySums> {
  const answeredToday = db
    .select({ staffId: liveOfferCounts.staffId })
    .from(liveOfferCounts)
    .where(and(gte(liveOfferCounts.slotStart, since), lte(liveOfferCounts.slotStart, now), gt(liveOfferCounts.answered, 0)));
  const [slots, offered, surveyed, roster] = await Promise.all([
    callsPerSlot(db, since, now),
    offersPerAgent(db, since, now),
    surveysPerAgent(db, since, now),
    rosterToday(db, sql`${answeredToday}`),
  ]);
  // Surveys with no agent are kept under 0 (a key cannot be null); the aggregate calls them null.
  return { slots, offers: offered, surveys: surveyed.map((s) => (s.staffId === 0 ? { ...s, staffId: null } : s)), roster };
}

const sum = (column: unknown) => sql<number>`sum(${column})::int`;

/** The queues' counters summed per slot; the slot as its number since local midnight. */
function callsPerSlot(db: Db, since: Date, now: Date) {
  const c = liveCallCounts;
  return db
    .select({
      slot: sql<number>`(extract(epoch from ${c.slotStart} - ${since.toISOString()}::timestamptz) / ${sql.raw(String(SLOT_SECONDS))})::int`,
      offered: sum(c.offered),
      answered: sum(c.answered),
      abandoned: sum(c.abandoned),
      answeredInTime: sum(c.answeredInTime),
      longAbandons: sum(c.longAbandons),
      // Exact microseconds to seconds in numeric, so the result is the double the aggregate's sum gives.
      totalWaitSeconds: sql<number>`(sum(${c.waitMicros}) / 1000000.0)::float8`,
    })
    .from(c)
    .where(and(gte(c.slotStart, since), lte(c.slotStart, now)))
    .groupBy(sql`1`);
}

function offersPerAgent(db: Db, since: Date, now: Date) {
  const o = liveOfferCounts;
  return db
    .select({
      staffId: o.staffId,
      answered: sum(o.answered),
      measured: sum(o.measured),
      totalRings: sum(o.totalRings),
      withinStandard: sum(o.withinStandard),
      rings1: sum(o.rings1),
      rings2: sum(o.rings2),
      rings3: sum(o.rings3),
      rings4Plus: sum(o.rings4Plus),
    })
    .from(o)
    .where(and(gte(o.slotStart, since), lte(o.slotStart, now)))
    .groupBy(o.staffId);
}

function surveysPerAgent(db: Db, since: Date, now: Date) {
  const s = liveSurveyCounts;
  return db
    .select({
      staffId: s.staffId,
      responses: sum(s.responses),
      ratings: sum(s.ratings),
      totalRating: sum(s.totalRating),
      topTwo: sum(s.topTwo),
      solvedAnswers: sum(s.solvedAnswers),
      solved: sum(s.solved),
    })
    .from(s)
    .where(and(gte(s.slotStart, since), lte(s.slotStart, now)))
    .groupBy(s.staffId);
}
