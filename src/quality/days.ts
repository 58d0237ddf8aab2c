import { DateTime } from 'luxon';

/** The hotline's local days (HOTLINE_TIME_ZONE): a trainer's "Monday" is the floor's Monday, not UTC's. */

/** [start, end) of the local day `day` (YYYY-MM-DD). */
export function dayBounds(day: string, timeZone: string): { start: Date; end: Date } {
  const start = DateTime.fromISO(day, { zone: timeZone }).startOf('day');
  return { start: start.toJSDate(), end: start.plus({ days: 1 }).toJSDate() };
}

/** The local day (YYYY-MM-DD) of a moment. */
export function dayOf(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: timeZone }).toISODate()!;
}
