/**
 * What a report adds up: the sums and counts kept per 30-minute slot (db/schema.ts report_*_slots), in the
 * order of their columns. Never an average: an average of averages is wrong, a sum of sums is not, so any
 * range of slots (a day, a week, a month, a queue or all of them) adds up to the same as one aggregate.
 */
export const SUM_COLUMNS = {
  offered: 'offered',
  answered: 'answered',
  abandoned: 'abandoned',
  shortAbandons: 'short_abandons',
  abandoned5: 'abandoned_5',
  abandoned15: 'abandoned_15',
  abandoned30: 'abandoned_30',
  abandoned60: 'abandoned_60',
  abandoned120: 'abandoned_120',
  abandonedOver120: 'abandoned_over_120',
  answeredInTime: 'answered_in_time',
  waitSeconds: 'wait_seconds',
  missed: 'missed',
  ringsMeasured: 'rings_measured',
  withinStandard: 'within_standard',
  totalRings: 'total_rings',
  handled: 'handled',
  talkSeconds: 'talk_seconds',
  holdSeconds: 'hold_seconds',
  wrapSeconds: 'wrap_seconds',
  ratings: 'ratings',
  ratingTotal: 'rating_total',
  topTwo: 'top_two',
  callbacksCompleted: 'callbacks_completed',
  callbacksInPromise: 'callbacks_in_promise',
  repliesDue: 'replies_due',
  repliesInTime: 'replies_in_time',
} as const;

export type SumName = keyof typeof SUM_COLUMNS;
export type Sums = Record<SumName, number>;
export const SUM_NAMES = Object.keys(SUM_COLUMNS) as SumName[];
/** Kept in seconds as doubles; every other sum is a whole count. */
export const SECONDS_SUMS: ReadonlySet<SumName> = new Set(['waitSeconds', 'talkSeconds', 'holdSeconds', 'wrapSeconds']);

export const noSums = (): Sums => Object.fromEntries(SUM_NAMES.map((n) => [n, 0])) as Sums;

/** `into` plus `more`, column by column. */
export function addSums(into: Sums, more: Partial<Sums>): Sums {
  for (const n of SUM_NAMES) into[n] += Number(more[n] ?? 0);
  return into;
}

/** A row read from SQL (numbers may come back as strings from sum()) as Sums. */
export function sumsOf(row: Record<string, unknown>): Sums {
  return Object.fromEntries(SUM_NAMES.map((n) => [n, Number(row[n] ?? 0)])) as Sums;
}
