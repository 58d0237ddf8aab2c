import type { RequestHandler } from 'express';
import { z } from 'zod';

/**
 * Text from outside that the hotline keeps or speaks. PostgreSQL refuses NUL in `text` and `jsonb` (a 500
 * deep inside a handler, or a 503 that Twilio retries for ever), and a lone surrogate either fails `jsonb`
 * or is silently replaced on its way to the server. XML 1.0, and so TwiML, cannot carry control characters
 * or U+FFFE/U+FFFF at all. Such input is refused here, at the edge, naming the field, so it never reaches
 * the database or the TwiML builder.
 */

const LONE_SURROGATE = /\p{Cs}/u;
/** C0 and C1 controls other than tab, line feed and carriage return, which text may well hold. */
const CONTROL = /[^\P{Cc}\t\n\r]/u;
const NONCHARACTER = /\p{Noncharacter_Code_Point}/u;

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `text` cannot be stored as it is (as "<field> must not …"), or undefined when it can. */
export function unstorable(text: string): string | undefined {
  if (text.includes('\0')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(text)) return 'must not contain a lone surrogate (half of a UTF-16 pair)';
  return undefined;
}

/** Why a caller could not be read `text` aloud, or undefined when they could. */
export function unspeakable(text: string): string | undefined {
  const stored = unstorable(text);
  if (stored) return stored;
  const control = CONTROL.exec(text)?.[0];
  if (control) return `must not contain the control character ${codePoint(control)}`;
  const nonchar = NONCHARACTER.exec(text)?.[0];
  if (nonchar) return `must not contain the noncharacter ${codePoint(nonchar)}`;
  return undefined;
}

/**
 * A zod check for a string field: `schema.check(refusing(unstorable))`. With `field`, the message names it
 * (for answers that do not add the path themselves).
 */
export function refusing(why: (text: string) => string | undefined, field?: string): z.core.CheckFn<string> {
  return (ctx) => {
    const message = why(ctx.value);
    if (message) ctx.issues.push({ code: 'custom', message: field ? `${field} ${message}` : message, input: ctx.value });
  };
}

/** The first string in `value` (keys included) that cannot be stored, as "<where> must not …". */
function firstUnstorable(value: unknown, where: string[]): string | undefined {
  if (typeof value === 'string') {
    const why = unstorable(value);
    return why && `${where.join('.') || 'request'} ${why}`;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const badKey = unstorable(key);
    if (badKey) return `${[...where, 'names'].join('.') || 'names'} ${badKey}`;
    const found = firstUnstorable(inner, [...where, key]);
    if (found) return found;
  }
  return undefined;
}

/**
 * Refuse with 400, before any route runs, a request whose path or query (or body, when a parser ran before
 * this) holds text the database cannot store. A NUL can reach a path only percent-encoded: a raw one is
 * refused by Node's HTTP parser.
 */
export function refuseUnstorableInput(): RequestHandler {
  return (req, _res, next) => {
    const fault = /%00/.test(req.path) ? 'path must not contain a NUL character (%00)' : (firstUnstorable(req.query, []) ?? firstUnstorable(req.body, []));
    next(fault ? Object.assign(new Error(fault), { status: 400 }) : undefined);
  };
}

/**
 * The first issue of a failed parse as the field at fault (its dotted path; an unknown key is named by its
 * own path) and a sentence that starts with it: "from must be a date YYYY-MM-DD". Every 400 of the API
 * answers with both. `whole` names the input when the issue is about all of it; `notAField` completes the
 * sentence for an unknown key ("is not a field of a case").
 */
export function fieldIssue(error: z.ZodError, { whole = 'request', notAField = 'is not a known field' }: { whole?: string; notAField?: string } = {}): { field: string; message: string } {
  const issue = error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path.map(String), issue.keys[0]!] : issue.path.map(String);
  const field = path.join('.') || whole;
  const message = issue.code === 'unrecognized_keys' ? notAField : issue.message.replace(/^Invalid input: /, '');
  return { field, message: `${field} ${message}` };
}

/** A real calendar day written YYYY-MM-DD (not 2026-02-30), as the reports and quality queries take it. */
const isCalendarDay = (day: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(day) && new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) === day;
export const calendarDay = z.string('must be a date YYYY-MM-DD').refine(isCalendarDay, 'must be a date YYYY-MM-DD');
