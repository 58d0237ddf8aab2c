import { sql, type SQL } from 'drizzle-orm';
import { reportMarks } from '../../db/schema.ts';
import { rows, type Db, type Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { SUM_COLUMNS, SUM_NAMES } from './sums.ts';
import { slotAggregate, slotOf, SLOT_MS, type SlotKey } from './aggregate.ts';

/**
 * The slot rows are written once a slot is over, by the deadline sweep (src/acd/deadlines.ts asks
 * `reportsDue` first, one indexed look at one row), and written again while late facts may still arrive:
 * each pass re-aggregates the last RESETTLE_HOURS of slots as well as those just closed. Why a window rather
 * than tracking each late fact: the late facts are many small things (a survey rated after the call, a long
 * conversation or a hold ending, a caller abandoning after a long wait, a commitment falling due), none of
 * which is marked as late, while re-aggregating eight slots costs a few thousand rows per half hour even on
 * a busy hotline. Facts later than that window (a callback case reopened days later) are the exception;
 * `materialiseRange` rewrites any range on demand.
 *
 * Two processes sweeping at once: the mark moves in the same transaction as the rows, by a conditional
 * update (until = what this pass read), so only one of them writes a given pass.
 */

export const RESETTLE_HOURS = 4;
/** A backfill (a first start on a database with history) goes a day at a time, so one sweep stays short. */
const MAX_SLOTS_PER_PASS = 48;

const MARK_ID = 1;

/** Whether a slot has closed since the last pass (or nothing was ever materialised): one row, by its key. */
export function reportsDue(db: Db, now: Date): SQL {
  return sql`select 1 where not exists (select 1 from ${reportMarks} where ${reportMarks.id} = ${MARK_ID} and ${reportMarks.until} >= ${slotOf(now).toISOString()}::timestamptz)`;
}

/** How far the slots are materialised (every slot starting before it), or undefined before the first pass. */
export async function materialisedUntil(db: Db): Promise<Date | undefined> {
  return (await marks(db))?.until;
}

export type Marks = { until: Date; daysUntil: string | null; timeZone: string | null };

/** The mark row: slots before `until`, days before `daysUntil` (local dates in `timeZone`). */
export async function marks(db: Db | Tx): Promise<Marks | undefined> {
  const [row] = await db.select({ until: reportMarks.until, daysUntil: reportMarks.daysUntil, timeZone: reportMarks.timeZone }).from(reportMarks).where(sql`${reportMarks.id} = ${MARK_ID}`);
  return row;
}

/**
 * The sweep's step: the slots closed since the mark (at most a day of them per pass), and the last
 * RESETTLE_HOURS before the mark again. A first pass starts at the earliest call (a database with history is
 * filled in a day per pass) or, on an empty one, at the current slot. Returns the slots written.
 */
export async function materialiseClosedSlots(h: Hotline): Promise<number> {
  const db = h.database.db;
  const now = h.now();
  const current = slotOf(now);
  let mark = await materialisedUntil(db);
  if (!mark) {
    const [first] = await rows<{ first: Date | string | null }>(db, sql`select min(queued_at) as first from calls`);
    const start = first?.first ? slotOf(new Date(first.first)) : current;
    await db.insert(reportMarks).values({ id: MARK_ID, until: start }).onConflictDoNothing();
    mark = (await materialisedUntil(db))!;
  }
  if (mark >= current) return 0;
  const until = new Date(Math.min(current.getTime(), mark.getTime() + MAX_SLOTS_PER_PASS * SLOT_MS));
  const from = new Date(mark.getTime() - RESETTLE_HOURS * 3_600_000);
  const moved = await db.transaction(async (tx) => {
    const claimed = await tx
      .update(reportMarks)
      .set({ until })
      .where(sql`${reportMarks.id} = ${MARK_ID} and ${reportMarks.until} = ${mark.toISOString()}::timestamptz`)
      .returning({ id: reportMarks.id });
    if (!claimed.length) return false; // another process took this pass
    await writeSlots(tx, h, from, until, now);
    // Days whose every slot is before the window the next pass re-aggregates are settled: rolled up once.
    await rollUpDays(tx, h.config.timeZone, new Date(until.getTime() - RESETTLE_HOURS * 3_600_000));
    return true;
  });
  return moved ? (until.getTime() - mark.getTime()) / SLOT_MS : 0;
}

/** Rewrites the slot rows of [from, to) (slot-aligned) from the facts: the backfill and the tests' tool. */
export async function materialiseRange(h: Hotline, from: Date, to: Date): Promise<void> {
  await h.database.db.transaction(async (tx) => {
    await writeSlots(tx, h, slotOf(from), slotOf(to), h.now());
    // The days already rolled up that the range touches are summed again.
    const m = await marks(tx);
    const tz = h.config.timeZone;
    if (!m?.daysUntil || m.timeZone !== tz) return;
    const [range] = await rows<{ first: string; last: string }>(
      tx,
      sql`select (${slotOf(from).toISOString()}::timestamptz at time zone ${tz})::date::text as first,
        least(${m.daysUntil}::date, ((${slotOf(to).toISOString()}::timestamptz - interval '1 microsecond') at time zone ${tz})::date + 1)::text as last`,
    );
    if (range && range.first < range.last) await writeDays(tx, tz, range.first, range.last);
  });
}

/**
 * Rolls the slots up into day rows for the local days that ended by `settled` and are not rolled up yet. A
 * first roll-up (or one after the hotline's time zone changed, whose days are other days) starts at the
 * first slot stored.
 */
export async function rollUpDays(db: Db | Tx, timeZone: string, settled: Date): Promise<void> {
  const m = await marks(db);
  if (!m) return;
  const [row] = await rows<{ last: string; first: string | null }>(
    db,
    sql`select (${settled.toISOString()}::timestamptz at time zone ${timeZone})::date::text as last,
      (select (min(slot_start) at time zone ${timeZone})::date::text from report_queue_slots) as first`,
  );
  const last = row!.last;
  let first = m.timeZone === timeZone ? m.daysUntil : null;
  if (first === null) {
    await db.execute(sql`delete from report_queue_days`);
    await db.execute(sql`delete from report_agent_days`);
    first = row!.first ?? last;
  }
  if (first < last) await writeDays(db, timeZone, first, last);
  if (first <= last) await db.update(reportMarks).set({ daysUntil: last, timeZone }).where(sql`${reportMarks.id} = ${MARK_ID}`);
}

/** Days rolled up per statement: a year after a change of zone is a dozen statements, each well within the timeout. */
const DAYS_PER_STATEMENT = 31;
const plusDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** The day rows of the local dates [first, last), each the sum of its slots. */
async function writeDays(db: Db | Tx, timeZone: string, first: string, last: string): Promise<void> {
  for (let from = first; from < last; ) {
    const to = plusDays(from, DAYS_PER_STATEMENT) < last ? plusDays(from, DAYS_PER_STATEMENT) : last;
    await writeDayChunk(db, timeZone, from, to);
    from = to;
  }
}

async function writeDayChunk(db: Db | Tx, timeZone: string, first: string, last: string): Promise<void> {
  const columns = sql.join(
    SUM_NAMES.map((n) => sql.identifier(SUM_COLUMNS[n])),
    sql`, `,
  );
  const sums = sql.join(
    SUM_NAMES.map((n) => sql`sum(${sql.identifier(SUM_COLUMNS[n])})`),
    sql`, `,
  );
  const lo = sql`(${first}::date::timestamp at time zone ${timeZone})`;
  const hi = sql`(${last}::date::timestamp at time zone ${timeZone})`;
  for (const [days, slots, key] of [
    ['report_queue_days', 'report_queue_slots', 'queue'],
    ['report_agent_days', 'report_agent_slots', 'staff_id'],
  ] as const) {
    await db.execute(sql`delete from ${sql.identifier(days)} where day >= ${first}::date and day < ${last}::date`);
    await db.execute(
      sql`insert into ${sql.identifier(days)} (day, ${sql.identifier(key)}, ${columns})
        select (slot_start at time zone ${timeZone})::date, ${sql.identifier(key)}, ${sums} from ${sql.identifier(slots)}
        where slot_start >= ${lo} and slot_start < ${hi} group by 1, 2`,
    );
  }
}

async function writeSlots(db: Db | Tx, h: Hotline, from: Date, to: Date, now: Date): Promise<void> {
  const window = { from, to, now };
  const columns = sql.join(
    SUM_NAMES.map((n) => sql.identifier(SUM_COLUMNS[n])),
    sql`, `,
  );
  for (const [by, table, key] of [
    ['queue', 'report_queue_slots', sql`key`],
    ['agent', 'report_agent_slots', sql`key::int`],
  ] as Array<[SlotKey, string, SQL]>) {
    const keyColumn = sql.identifier(by === 'queue' ? 'queue' : 'staff_id');
    await db.execute(sql`delete from ${sql.identifier(table)} where slot_start >= ${from.toISOString()}::timestamptz and slot_start < ${to.toISOString()}::timestamptz`);
    await db.execute(
      sql`insert into ${sql.identifier(table)} (slot_start, ${keyColumn}, ${columns}) select slot_start, ${key}, ${columns} from (${slotAggregate(by, window, h.queues)}) fresh`,
    );
  }
}
