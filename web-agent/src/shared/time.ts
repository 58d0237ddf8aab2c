import type { UiLanguage } from './i18n.ts';

/**
 * Moments on the hotline's wall clock. The hotline says its time zone (GET /api/case-desk answers `timeZone`,
 * e.g. Asia/Shanghai); every staff page shows a case's times (due times, timeline, calls) in it, whatever zone
 * the browser is in, so a manager and an agent read the same hour for the same deadline.
 */

/** The locale each UI language writes dates in (English as in Britain: day before month, a 24-hour clock). */
const LOCALES: Record<UiLanguage, string> = { en: 'en-GB', 'zh-CN': 'zh-CN', 'zh-TW': 'zh-TW' };

/** How much of a moment to say; every style reads the clock 00:00–23:59. */
const STYLES = {
  /** "Wed 25/11, 15:00": the dashboard's case times. */
  weekday: { weekday: 'short', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' },
  /** "25/11/2026, 15:00": the softphone's case times. */
  date: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' },
  /** "15:00". */
  clock: { hour: '2-digit', minute: '2-digit' },
  /** "15:00:05". */
  seconds: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;
export type TimeStyle = keyof typeof STYLES;

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * `iso` in `language`, on the clock of `timeZone` (the hotline's). Without a zone (the hotline's not known yet,
 * or not to be had) it is this computer's clock.
 */
export function hotlineTime(iso: string, language: UiLanguage, timeZone: string | undefined, style: TimeStyle): string {
  const key = `${language}/${timeZone ?? ''}/${style}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[language], { ...STYLES[style], hourCycle: 'h23', ...(timeZone ? { timeZone } : {}) });
    formats.set(key, f);
  }
  return f.format(new Date(iso));
}
