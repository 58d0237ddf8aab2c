import type { PageLanguage } from './i18n.ts';

/**
 * A due time in words, in the passenger's own time zone (it is their day the promise falls on): the reply's
 * date ("Friday, December 25, 2026"), and the acknowledgement's with its hour, which is a working hour.
 */
export function dateInWords(iso: string, language: PageLanguage, withTime = false): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'full', ...(withTime ? { timeStyle: 'short' } : {}) }).format(new Date(iso));
}
