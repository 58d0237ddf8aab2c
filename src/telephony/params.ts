import { z } from 'zod';
import type { IvrInput } from '../ivr/types.ts';

/**
 * The Twilio parameters the hotline reads, validated at the boundary. Twilio adds parameters over time, so
 * unknown ones pass through untouched.
 */

const callSid = z
  .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') })
  .regex(/^CA[0-9a-zA-Z]{32}$/, 'must be CA followed by 32 letters or digits');

const call = z.looseObject({
  CallSid: callSid,
  From: z.string().default(''),
  To: z.string().default(''),
});

export const voiceParams = call;

export const gatherParams = call.extend({
  Digits: z.string().optional(),
  SpeechResult: z.string().optional(),
  Confidence: z.coerce.number().min(0).max(1).optional(),
});

/** What a Gather heard, as the IVR engine takes it: keys, words, or nothing. */
export function inputOf(p: { Digits?: string | undefined; SpeechResult?: string | undefined; Confidence?: number | undefined }): IvrInput {
  if (p.Digits) return { kind: 'digits', digits: p.Digits };
  if (p.SpeechResult) return { kind: 'speech', text: p.SpeechResult, ...(p.Confidence !== undefined ? { confidence: p.Confidence } : {}) };
  return { kind: 'silence' };
}

export const stepQuery = z.looseObject({
  seq: z
    .string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a whole number') })
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number),
});

export const statusParams = call.extend({
  CallStatus: z.string({ error: 'is required' }).min(1, 'is required'),
  CallDuration: z.coerce.number().int().min(0).optional(),
  Timestamp: z.string().optional(),
});

export const queueWaitParams = call.extend({
  QueuePosition: z.coerce.number().int().min(0).optional(),
  QueueTime: z.coerce.number().min(0).optional(),
});

export const queueExitParams = call.extend({
  QueueResult: z.string().default('error'),
  QueueTime: z.coerce.number().min(0).optional(),
});

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
