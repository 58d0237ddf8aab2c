import fc from 'fast-check';
import { pino, type Logger } from 'pino';

/**
 * What the fuzz specs send: text that has broken the hotline before (NUL, lone surrogates, characters XML
 * cannot carry, numbers past what an `integer` column holds, stamps outside any calendar the database
 * knows), the values the hotline expects (so calls get somewhere), and arbitrary strings around them.
 */

const TROUBLE = [
  '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '\uffff', '\ufffe', '\u0001', '\u001f', '\u007f', '\u0085', '\u202e', '\ufeff',
  '', ' ', '\t\n', '-1', '0', '1', '2147483647', '2147483648', '-2147483649', '9'.repeat(40), '1e309', '1e3', '0x10', 'NaN', 'Infinity',
  '1.5', '-0', '+1', 'null', 'undefined', 'true', '[]', '{}', '%00', '%', '%zz', '../../etc/passwd', '<Say>hi</Say>', ']]>', '&amp;', '"\'',
  "'; drop table calls; --", '-207822', '-010000-01-01T00:00:00Z', '275760-09-13T00:00:00Z', 'Wed, 25 Nov 2026 04:00:12 +0000',
];

/** Values the hotline knows, so that fuzzed calls walk the IVR, queue, ring and end. */
const KNOWN = [
  'completed', 'in-progress', 'ringing', 'initiated', 'queued', 'busy', 'failed', 'no-answer', 'canceled', 'answered', 'bridged', 'hangup',
  'leave', 'redirected', 'queue-full', 'error', 'zh-CN', 'en-US', 'yue-HK', 'general', 'tickets', 'lost-and-found', '2', '0', '9', '#', '*',
  '1234#', '+8613800138000', '3', '5', '12', '30', '0.9',
];

/** Characters the database or XML cannot take, to slip into otherwise good values. */
const BAD_CHARS = ['\u0000', '\ud800', '\udc00', '\uffff', '\u0001', '\u001b'];

/** A value gone wrong: trouble in its place, a bad character slipped into it, or anything at all. */
export function faulty(good: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...TROUBLE), weight: 4 },
    {
      arbitrary: fc.tuple(good, fc.constantFrom(...BAD_CHARS), fc.nat()).map(([value, bad, at]) => {
        const i = at % (value.length + 1);
        return value.slice(0, i) + bad + value.slice(i);
      }),
      weight: 3,
    },
    { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
    { arbitrary: fc.oneof(fc.integer(), fc.bigInt(), fc.double()).map(String), weight: 2 },
    { arbitrary: fc.string({ minLength: 500, maxLength: 3000 }), weight: 1 },
  );
}

/** Any text a request might carry, biased towards trouble. */
export const text: fc.Arbitrary<string> = fc.oneof({ arbitrary: fc.constantFrom(...KNOWN), weight: 1 }, { arbitrary: faulty(fc.constantFrom(...KNOWN)), weight: 2 });

/** A few CallSids that come back again and again (so calls progress), well-formed strangers, and odd ones. */
export const LIVE_SIDS = Array.from({ length: 8 }, (_, i) => `CA${String(i + 1).padStart(32, 'f')}`);
export const callSid: fc.Arbitrary<string | undefined> = fc.oneof(
  { arbitrary: fc.constantFrom(...LIVE_SIDS), weight: 20 },
  { arbitrary: fc.stringMatching(/^CA[0-9a-zA-Z]{32}$/), weight: 2 },
  { arbitrary: text, weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

/**
 * A path segment or query value as it goes on the wire: percent-encoded text (a lone surrogate, which
 * cannot be encoded, as its UTF-8 bytes would be), or raw percent sequences a client might send.
 */
export const onTheWire: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: text.map(encode), weight: 6 },
  { arbitrary: fc.constantFrom('%00', '%', '%zz', '%ED%A0%80', '%C0%80', '%FF', '..', '.', '%2F', ''), weight: 1 },
);

export function encode(value: string): string {
  return encodeURIComponent(value.replace(/\p{Cs}/gu, '\ufffd'));
}

/** Count answers by status, for the report a fuzz spec prints. */
export function tally() {
  const statuses = new Map<number, number>();
  return {
    count(status: number) {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    },
    get cases() {
      return [...statuses.values()].reduce((a, b) => a + b, 0);
    },
    get serverErrors() {
      return [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);
    },
    toString() {
      return [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(' ');
    },
  };
}

/** A logger that keeps every error the hotline logs in `failures`: a fuzzed request that fails quietly fails the spec. */
export function failuresLog(failures: string[]): Logger {
  return pino({ level: 'error' }, {
    write: (line: string) => {
      const { msg, err } = JSON.parse(line) as { msg: string; err?: { message?: string } };
      failures.push(`${msg}: ${err?.message ?? ''}`);
    },
  });
}
