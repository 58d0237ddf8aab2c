import { z } from 'zod';
import { refusing, unstorable } from '../input.ts';
import type { IvrInput } from '../ivr/types.ts';

/**
 * The Twilio parameters the hotline reads, validated at the boundary. Twilio adds parameters over time, so
 * unknown ones pass through untouched.
 */

const callSid = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') })
  .regex(/^CA[0-9a-zA-Z]{32}$/, 'must be CA followed by 32 letters or digits');

/** A parameter Twilio sends as text. Twilio's own never hold a NUL, so a request with one is not Twilio's. */
const text = () => z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be text') }).check(refusing(unstorable));

/** The largest whole number the database's `integer` columns hold. */
export const INT4_MAX = 2_147_483_647;

/**
 * A count Twilio sends as digits (seconds, a queue position). Anything else, or more than an `integer`
 * column holds, is refused naming the field: Twilio never sends it, and coercing it (`1e3`, `' '`, `0x10`)
 * would store a number nobody sent.
 */
const count = (what: string) => {
  const message = `must be a whole number of ${what} from 0 to ${INT4_MAX}`;
  return z
    .string({ error: message })
    .regex(/^\d{1,10}$/, message)
    .transform(Number)
    .refine((n) => n <= INT4_MAX, message);
};

/** The years a call handled by this hotline can have happened in; any other stamp is not the call's time. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

/**
 * A callback's `Timestamp` (RFC 2822 from Twilio), or undefined when it cannot be the call's time. Such a
 * stamp is ignored rather than refused: the callback's news (the caller hung up, the agent's phone rang)
 * must still be recorded, and the arrival time is then the best measure of when it happened. A 400 would
 * lose the news, and a stamp PostgreSQL cannot hold would fail it for ever.
 */
const timestamp = z
  .string()
  .optional()
  .catch(undefined)
  .transform((stamp) => {
    const at = stamp === undefined ? Number.NaN : Date.parse(stamp);
    return at >= EARLIEST && at < LATEST ? new Date(at) : undefined;
  });

const call = z.looseObject({
  CallSid: callSid,
  From: text().default(''),
  To: text().default(''),
});

export const voiceParams = call;

const CONFIDENCE = 'must be a number from 0 to 1';

export const gatherParams = call.extend({
  Digits: text().optional(),
  SpeechResult: text().optional(),
  Confidence: z.coerce.number(CONFIDENCE).min(0, CONFIDENCE).max(1, CONFIDENCE).optional(),
});

/** What a Gather heard, as the IVR engine takes it: keys, words, or nothing. */
export function inputOf(p: { Digits?: string | undefined; SpeechResult?: string | undefined; Confidence?: number | undefined }): IvrInput {
  if (p.Digits) return { kind: 'digits', digits: p.Digits };
  if (p.SpeechResult) return { kind: 'speech', text: p.SpeechResult, ...(p.Confidence !== undefined ? { confidence: p.Confidence } : {}) };
  return { kind: 'silence' };
}

/** A caller held at the door comes back to /voice with `since`: when they first rang, in ms since 1970. */
export const doorQuery = z.looseObject({
  since: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a time in milliseconds')
    .transform(Number)
    .optional(),
});

export const stepQuery = z.looseObject({
  seq: z
    .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a whole number') })
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number),
});

/** A leg's status report: the caller's (`/status`) or an agent's (`/agent-leg`). */
export const statusParams = call.extend({
  CallStatus: text().min(1, 'is required'),
  CallDuration: count('seconds').optional(),
  Timestamp: timestamp,
});

export const queueWaitParams = call.extend({
  QueuePosition: count('places').optional(),
  QueueTime: count('seconds').optional(),
});

export const queueExitParams = call.extend({
  QueueResult: text().default('error'),
  QueueTime: count('seconds').optional(),
});

/** A conversation room's Dial action: the room is over, and the offer says how it went. */
export const dialParams = call.extend({
  /** The caller's own leg: `completed` when they hung up (Twilio still tells the action; nobody listens). */
  CallStatus: text().optional(),
});

/** A conference room's event (its `statusCallback`): who joined, left, was held or muted. */
export const conferenceParams = z.looseObject({
  ConferenceSid: text().regex(/^CF[0-9a-zA-Z]{32}$/, 'must be CF followed by 32 letters or digits'),
  FriendlyName: text().min(1, 'is required'),
  StatusCallbackEvent: text().min(1, 'is required'),
  CallSid: callSid.optional(),
  ParticipantLabel: text().optional(),
});

/** A placed call's TwiML request: who answered it (answering-machine detection), when asked for. */
export const answeredParams = call.extend({
  AnsweredBy: text().optional(),
});

/** A query parameter naming one of our rows by number (`?offer=12`, `?attempt=3`), as our TwiML links carry it. */
export function numberQuery<K extends string>(key: K, what: string) {
  return z.looseObject({
    [key]: z
      .string({ error: (i) => (i.input === undefined ? 'is required' : `must be ${what}`) })
      .regex(/^\d{1,9}$/, `must be ${what}`)
      .transform(Number),
  } as Record<K, z.ZodPipe<z.ZodString, z.ZodTransform<number, string>>>);
}

/** Statuses after which the caller's leg is over. */
export const FINAL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** Parse or say exactly which field is wrong: "CallSid is required". */
export function parseParams<T extends z.ZodType>(schema: T, data: unknown): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new BadRequest(`${issue.path.join('.') || 'request'} ${issue.message}`);
}

/** Input that names its own mistake; answered as 400 with the message. */
export class BadRequest extends Error {
  readonly status = 400;
}
