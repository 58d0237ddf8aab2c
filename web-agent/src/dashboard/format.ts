import { hotlineTime } from '../shared/time.ts';

/** How the board writes its figures; a figure with no data is a dash, never 0 or NaN. */

export const NONE = '—';

export const count = (n: number): string => n.toLocaleString('en-US');

export const decimal = (n: number | null, digits = 1): string => (n === null ? NONE : n.toFixed(digits));

/** A share already on the 0–100 scale. */
export const percent = (n: number | null): string => (n === null ? NONE : `${Math.round(n)} %`);

/** A rate between 0 and 1. */
export const rate = (n: number | null): string => (n === null ? NONE : `${Math.round(n * 100)} %`);

/** 7 → "7 s", 75 → "1:15", 3725 → "1:02:05". */
export function duration(seconds: number | null): string {
  if (seconds === null) return NONE;
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** "08:15" on the hotline's wall clock. */
export function wallTime(iso: string, timeZone: string, seconds = false): string {
  return hotlineTime(iso, 'en', timeZone, seconds ? 'seconds' : 'clock');
}
