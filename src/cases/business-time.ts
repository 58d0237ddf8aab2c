import { DateTime } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** When the hotline's back office works. Periods are wall-clock 'HH:MM' (24 h, from < to, '24:00' allowed as to), in timeZone. */
export type Calendar = { timeZone: string; open: Array<{ days: Weekday[]; from: string; to: string }>; holidays: string[] /* 'YYYY-MM-DD' local dates with no working time */ };
/** A commitment's length: "8 working hours", "1 working day", "2 working days", "30 days", "1 month", "3 months", "15 minutes", "90 minutes", "24 hours". */
export type Span = { amount: number; unit: 'minutes' | 'hours' | 'days' | 'months'; working: boolean };

const UNITS = ['minutes', 'hours', 'days', 'months'] as const;
const unitMs = { minutes: 60_000, hours: 3_600_000 } as const;
/** How far ahead we look for an opening before deciding the calendar never opens (a typo, not a long holiday). */
const HORIZON_DAYS = 366;
const EXAMPLES = 'e.g. "8 working hours", "2 working days", "30 days", "1 month", "90 minutes"';

/** Parse the text form (amount a positive whole number; singular or plural unit; 'working' optional except it is refused with months). Returns a Span, or an error message string that says what is wrong and what is accepted. */
export function parseSpan(text: string): Span | string {
  const words = text.trim().toLowerCase().split(/\s+/);
  const working = words.length === 3 && words[1] === 'working';
  if (words.length !== (working ? 3 : 2)) {
    return `"${text}" is not a span: write an amount, optionally "working", then a unit (minutes, hours, days or months), ${EXAMPLES}`;
  }
  const count = words[0]!;
  const unitWord = words.at(-1)!;
  const amount = Number(count);
  if (!/^\d+$/.test(count) || amount === 0 || !Number.isSafeInteger(amount)) {
    return `"${text}": the amount must be a positive whole number, not "${count}"; ${EXAMPLES}`;
  }
  const unit = UNITS.find((u) => unitWord === u || unitWord === u.slice(0, -1));
  if (!unit) return `"${text}": unknown unit "${unitWord}"; the units are minutes, hours, days and months (singular or plural)`;
  // A working month has no agreed meaning (20 working days? the same date, pushed to a working day?), so nobody may promise one.
  if (working && unit === 'months') return `"${text}": months are counted in calendar time only; write "${formatSpan({ amount, unit, working: false })}" or a number of working days`;
  return { amount, unit, working };
}

/** Back to text, e.g. "8 working hours"; parseSpan reads it back to the same Span. */
export function formatSpan(span: Span): string {
  return `${span.amount} ${span.working ? 'working ' : ''}${span.amount === 1 ? span.unit.slice(0, -1) : span.unit}`;
}

/** A half-open run of working time [start, end), in epoch ms. */
type Stretch = { start: number; end: number };

/** `at` on the hotline's wall clock; a mistyped zone must fail loudly, not count in UTC. */
function zoned(at: Date | number, cal: Calendar): DateTime {
  const dt = DateTime.fromMillis(+at, { zone: cal.timeZone });
  if (!dt.isValid) throw new RangeError(`calendar time zone "${cal.timeZone}": ${dt.invalidExplanation}`);
  return dt;
}

const localDay = (at: Date | number, cal: Calendar) => zoned(at, cal).startOf('day');

/** 'HH:MM' on the local date `day` as an instant. Luxon places times that a DST change skips or repeats. */
function wallTime(day: DateTime, hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/.exec(hhmm);
  if (!m) throw new RangeError(`calendar period time "${hhmm}" is not 'HH:MM' (00:00 to 24:00)`);
  if (!m[1]) return day.plus({ days: 1 }).toMillis();
  return day.set({ hour: Number(m[1]), minute: Number(m[2]) }).toMillis();
}

/** The working stretches of one local date, in order; overlapping or touching periods merge so no time counts twice. */
function stretchesOn(day: DateTime, cal: Calendar): Stretch[] {
  if (cal.holidays.includes(day.toISODate()!)) return [];
  const weekday = WEEKDAYS[day.weekday - 1]!;
  const periods = cal.open.filter((p) => p.days.includes(weekday)).map((p) => {
    const stretch = { start: wallTime(day, p.from), end: wallTime(day, p.to) };
    if (!(p.from < p.to)) throw new RangeError(`calendar period ${p.from}–${p.to} must start before it ends`);
    return stretch;
  });
  const merged: Stretch[] = [];
  // A period wholly inside a DST gap (01:00–02:00 on London's spring Sunday) is empty that day.
  for (const p of periods.filter((p) => p.end > p.start).sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && p.start <= last.end) last.end = Math.max(last.end, p.end);
    else merged.push(p);
  }
  return merged;
}

/** The working time from `at` (or from the next opening) to the end of that stretch. */
function nextStretch(at: number, cal: Calendar): Stretch {
  let day = localDay(at, cal);
  for (let i = 0; i <= HORIZON_DAYS; i++, day = day.plus({ days: 1 })) {
    const s = stretchesOn(day, cal).find((s) => s.end > at);
    if (s) return { start: Math.max(s.start, at), end: s.end };
  }
  throw new Error(`the calendar has no working time within ${HORIZON_DAYS} days of ${new Date(at).toISOString()}`);
}

export function isWorkingTime(at: Date, cal: Calendar): boolean {
  return stretchesOn(localDay(at, cal), cal).some((s) => s.start <= +at && +at < s.end);
}

/** `at` itself when it is working time, else the start of the next working period (skipping holidays). Throws if the calendar has no working time in the next 366 days. */
export function nextWorkingTime(at: Date, cal: Calendar): Date {
  return new Date(nextStretch(+at, cal).start);
}

/** Working milliseconds in [from, to) (0 when to <= from). */
export function workingMsBetween(from: Date, to: Date, cal: Calendar): number {
  let ms = 0;
  for (let day = localDay(from, cal); day.toMillis() < +to; day = day.plus({ days: 1 })) {
    for (const s of stretchesOn(day, cal)) ms += Math.max(0, Math.min(s.end, +to) - Math.max(s.start, +from));
  }
  return ms;
}

/**
 * The instant after `ms` working milliseconds counted from `start` (start first moved to nextWorkingTime).
 * ms = 0 → nextWorkingTime(start). Work that ends exactly at a closing time is due at that closing time, not at
 * the next opening: the earliest instant that has `ms` working ms behind it.
 */
export function addWorkingMs(start: Date, ms: number, cal: Calendar): Date {
  if (!(ms >= 0 && Number.isFinite(ms))) throw new RangeError(`working time to add must be a finite ms count ≥ 0, not ${ms}`);
  let left = ms;
  for (let s = nextStretch(+start, cal); ; s = nextStretch(s.end, cal)) {
    if (left <= s.end - s.start) return new Date(s.start + left);
    left -= s.end - s.start;
  }
}

/**
 * `amount` working dates after the first working moment, at that moment's wall-clock time. If the target date
 * is closed then, the due time is the end of its last period that started before it (or its first opening):
 * a short Saturday must not push the answer to Monday.
 */
function addWorkingDays(start: Date, amount: number, cal: Calendar): Date {
  const first = zoned(nextStretch(+start, cal).start, cal);
  let day = first.startOf('day');
  // Each step jumps to the next date that has working time, so long holidays count as nothing.
  for (let i = 0; i < amount; i++) day = localDay(nextStretch(day.plus({ days: 1 }).toMillis(), cal).start, cal);
  const wanted = day.set({ hour: first.hour, minute: first.minute, second: first.second, millisecond: first.millisecond }).toMillis();
  const stretches = stretchesOn(day, cal);
  const last = stretches.filter((s) => s.start <= wanted).at(-1);
  return new Date(last ? Math.min(wanted, last.end) : stretches[0]!.start);
}

/** The due time of a commitment of `span` starting at `start`. Working months have no meaning and throw. */
export function addSpan(start: Date, span: Span, cal: Calendar): Date {
  const { amount, unit, working } = span;
  if (unit === 'minutes' || unit === 'hours') {
    const ms = amount * unitMs[unit];
    return working ? addWorkingMs(start, ms, cal) : new Date(+start + ms);
  }
  // Calendar days and months keep the wall-clock time, so "1 day" across a DST change is 23 or 25 hours.
  if (!working) return zoned(start, cal).plus(unit === 'days' ? { days: amount } : { months: amount }).toJSDate();
  if (unit === 'days') return addWorkingDays(start, amount, cal);
  throw new RangeError(`"${formatSpan(span)}": months are counted in calendar time only`);
}

/** Length of a span from start, in the span's own kind of time: working ms if span.working, else calendar ms. */
export function spanMs(start: Date, due: Date, working: boolean, cal: Calendar): number {
  return working ? workingMsBetween(start, due, cal) : +due - +start;
}

/** The instant `share` (e.g. 0.75, or 1.5 past the due time) of the way from start to due, in working time when `working`, else in calendar time. A negative share throws in working time. */
export function shareOf(start: Date, due: Date, share: number, working: boolean, cal: Calendar): Date {
  const ms = Math.round(share * spanMs(start, due, working, cal));
  return working ? addWorkingMs(start, ms, cal) : new Date(+start + ms);
}
