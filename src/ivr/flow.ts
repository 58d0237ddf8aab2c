import { z } from 'zod';

/**
 * The shape of an IVR flow file (ivr-flows/*.yaml). Every prompt is given per language; a flow names the
 * languages it speaks and how each is voiced, so language and voice live in the files, not in code.
 */

const languageCode = z.string().regex(/^[a-z]{2,3}-[A-Z]{2}$/, 'must be a language tag such as zh-CN or en-US');
const nodeId = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'must be a lower-case node id (letters, digits, - and _)');
const answerKey = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, 'must be an identifier such as trainNumber');

/**
 * One thing said: text in the caller's language, text in another of the flow's languages (a bilingual
 * welcome voices "For English, press 2" in English), or a recording to play.
 */
const utterance = z.union([
  z.string().min(1),
  z.strictObject({ say: z.string().min(1), language: languageCode }),
  z.strictObject({ play: z.url() }),
]);
/** A prompt: per language, one utterance or several in a row. */
export const prompt = z.record(languageCode, z.union([utterance, z.array(utterance).min(1)]));

/** Where to go next: a node of this flow, or `flow:node` in another. */
const target = z.string().regex(/^([a-z][a-z0-9_-]*:)?[a-z][a-z0-9_-]*$/, 'must be a node id or flow:node');

const choice = z.strictObject({
  next: target,
  /** Choosing this option switches the call's language (the welcome menu). */
  language: languageCode.optional(),
});
const key = z.string().regex(/^[0-9*#]$/, 'must be one key: 0-9, * or #');

/**
 * What a node is called on the staff pages, in each of their languages (not the callers': an agent reads the
 * caller's way through the IVR as "Tickets › Agent › Train number" in the page's language). A node without
 * one (the welcome, an hours check) is left out of that worded path; its id stays in the call's path.
 */
export const staffWords = z.strictObject({
  'zh-CN': z.string().min(1).max(40),
  'zh-TW': z.string().min(1).max(40),
  en: z.string().min(1).max(40),
});
const labelled = { label: staffWords.optional() };

const retrying = {
  /** Seconds to wait for the first key press. */
  timeout: z.number().int().min(1).max(60).default(5),
  /** How many times the prompt is replayed after no or invalid input before `fallback`. */
  retries: z.number().int().min(0).max(5).default(2),
  /** Where to go when the retries are used up; default: the flow's `fallback`. */
  fallback: choice.optional(),
};

const menu = z.strictObject({
  ...labelled,
  kind: z.literal('menu'),
  prompt,
  options: z.record(key, choice).refine((o) => Object.keys(o).length > 0, 'needs at least one option'),
  /** Whether the flow's global options (e.g. 0 for an agent) apply here; off for the language menu. */
  globalOptions: z.boolean().default(true),
  ...retrying,
});

const say = z.strictObject({ ...labelled, kind: z.literal('say'), prompt, next: target });

const info = z.strictObject({
  ...labelled,
  kind: z.literal('info'),
  /** A spoken self-service answer (the caller is served without an agent). */
  topic: z.string().min(1),
  prompt,
  /** Where "press * to go back" and silence lead. */
  next: target,
});

const gather = z.strictObject({
  ...labelled,
  kind: z.literal('gather'),
  prompt,
  /** Stored on the call under this name; it travels to the agent's screen-pop. */
  answer: answerKey,
  digits: z
    .strictObject({
      min: z.number().int().min(1).max(30).default(1),
      max: z.number().int().min(1).max(30).default(10),
      finishOnKey: z.enum(['#', '*', '']).default('#'),
    })
    .default({ min: 1, max: 10, finishOnKey: '#' }),
  /** Also listen for speech, in the languages Twilio recognises. */
  speech: z.boolean().default(false),
  /** A regular expression the whole answer must match (after removing spaces). */
  pattern: z.string().optional(),
  next: target,
  ...retrying,
});

const queue = z.strictObject({
  ...labelled,
  kind: z.literal('queue'),
  prompt: prompt.optional(),
  queue: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case queue name'),
  priority: z.number().int().min(0).max(100).default(0),
});

const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const clock = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'must be a time HH:MM');
const hours = z.strictObject({
  ...labelled,
  kind: z.literal('hours'),
  /** Opening periods in the hotline's time zone; a day not listed is closed. */
  open: z.array(z.strictObject({ days: z.array(weekday).min(1), from: clock, to: clock })).min(1),
  /** Dates (YYYY-MM-DD) the hotline is closed all day. */
  closedDates: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')).default([]),
  whenOpen: target,
  whenClosed: target,
});

const announcement = z.strictObject({
  ...labelled,
  kind: z.literal('announcement'),
  /** Plays the announcement a manager set (if any), then goes on. */
  next: target,
});

const goto = z.strictObject({ ...labelled, kind: z.literal('goto'), next: target });

const hangup = z.strictObject({ ...labelled, kind: z.literal('hangup'), prompt: prompt.optional() });

export const node = z.discriminatedUnion('kind', [menu, say, info, gather, queue, hours, announcement, goto, hangup]);

export const flowFile = z.strictObject({
  /** Languages the flow speaks; the first is the default. */
  languages: z.array(languageCode).min(1),
  /** How each language is voiced in <Say>: Twilio's language attribute and optional voice. */
  voices: z.record(languageCode, z.strictObject({ language: z.string().min(2), voice: z.string().optional() })),
  start: nodeId,
  /** Where a caller goes when a menu's retries are used up or something unexpected happens. */
  fallback: target,
  /** Options that work at every menu (e.g. 0 → an agent). */
  globalOptions: z.record(key, choice).default({}),
  /** Phrases the engine needs: what it says on invalid or no input, and after an info answer. */
  messages: z
    .strictObject({
      invalid: prompt,
      noInput: prompt,
      /** Said after a self-service answer; required only in a flow with `info` nodes (the survey has none). */
      afterInfo: prompt.optional(),
      unavailable: prompt,
      /** Said to a new caller held at the door while the hotline is overloaded (once if there is music, else at each try). */
      busy: prompt.optional(),
      /** Said to a waiting caller at each announcement; {position} is their place in line. */
      hold: prompt.optional(),
      /** The expected wait after `hold`, {minutes} rounded up; said only when there is a basis for it. */
      estimatedWait: prompt.optional(),
      /** The expected wait when it is a minute or less. */
      estimatedWaitShort: prompt.optional(),
      /** Offered once the queue's callbackAfterSeconds have passed: press 1 to be called back. */
      callbackOffer: prompt.optional(),
      /** Said after the caller pressed 1, before they leave the queue; {minutes} is the callback's delay. */
      callbackConfirmed: prompt.optional(),
      /** Left on a passenger's answering machine when a callback reaches one; {reference} is the case's. */
      callbackMachine: prompt.optional(),
      /** Said to a passenger who answers a callback the agent could no longer take; they are called again. */
      callbackSorry: prompt.optional(),
      /** Said to a caller the agent passes to another queue, before they wait there. */
      transferring: prompt.optional(),
      /** Said to a caller before they are put through to an agent in a queue that records (queues.yaml `recording`). */
      recordingConsent: prompt.optional(),
      /** Said when the agent has hung up and the call is over. */
      thanks: prompt,
    })
    .superRefine((m, ctx) => {
      // Half a pair would leave a caller with a promise and no words for it.
      for (const [one, other] of [['estimatedWait', 'estimatedWaitShort'], ['callbackOffer', 'callbackConfirmed']] as const) {
        if (m[one] && !m[other]) ctx.addIssue({ code: 'custom', path: [other], message: `is required with ${one}` });
        if (m[other] && !m[one]) ctx.addIssue({ code: 'custom', path: [one], message: `is required with ${other}` });
      }
    }),
  nodes: z.record(nodeId, node),
});

export type Prompt = z.infer<typeof prompt>;
export type StaffWords = z.infer<typeof staffWords>;
export type PromptItem = z.infer<typeof utterance>;
export type Choice = z.infer<typeof choice>;
export type IvrNode = z.infer<typeof node>;
export type NodeOf<K extends IvrNode['kind']> = Extract<IvrNode, { kind: K }>;
export type FlowFile = z.infer<typeof flowFile>;
export type Flow = FlowFile & { name: string };
export type Flows = ReadonlyMap<string, Flow>;
