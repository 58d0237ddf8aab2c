import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import { caseClocks, cases } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { addressKey, memoryLoginThrottle, type Counter, type Limit } from '../staff/throttle.ts';
import { CaseError, createCase } from './cases.ts';
import { firstIssue, newCaseInput, type NewCaseInput } from './input.ts';
import { contactKey, isReference, normaliseReference } from './reference.ts';
import { answering } from './routes.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation } from '../api/describe.ts';

/**
 * The passengers' own way in, without an account (mounted at /api/public): file a complaint, a lost-item
 * report or a luggage claim, and later look up its status with the reference and the phone number given.
 * Nobody is logged in, so every request is counted per client address before anything else is done with it,
 * and the body has a small limit of its own.
 */

/** The kinds of case a passenger may file themselves; callbacks and enquiries are the agents'. */
export const ONLINE_TYPES = ['complaint', 'lost-item', 'luggage-claim'] as const;
export type OnlineType = (typeof ONLINE_TYPES)[number];

/**
 * Per client address: a passenger files a case or two and looks one up now and then; a script filing
 * hundreds, or trying phone numbers against a reference, is made to wait.
 */
export const PUBLIC_LIMITS = {
  filing: { points: 10, duration: 3600 },
  lookup: { points: 30, duration: 600 },
  // Per reference, from any address: phone numbers tried against one reference from many addresses run out too.
  reference: { points: 50, duration: 3600 },
} as const satisfies Record<'filing' | 'lookup' | 'reference', Limit>;
export type PublicLimits = Record<keyof typeof PUBLIC_LIMITS, Limit>;

/** Room for the longest description (4000 characters of up to 3 bytes each in UTF-8) and the rest of a case. */
export const PUBLIC_BODY_BYTES = 16 * 1024;

/** The one answer for a reference and phone number that do not make a pair, whether or not the reference exists. */
export const NO_SUCH_CASE = 'no case has this reference and phone number: check both and try again';

type DetailKey = keyof NonNullable<NewCaseInput['details']>;
/** The details each type asks of the passenger (and takes no others). */
const DETAILS: Record<OnlineType, { required: readonly DetailKey[] }> = {
  complaint: { required: [] },
  'lost-item': { required: ['itemKind', 'itemDescription'] },
  'luggage-claim': { required: ['tagNumber', 'claimedAmount'] },
};

const shape = newCaseInput.shape;
/** What a passenger files: the passenger's side of a case, with what each type cannot do without. */
export const onlineCase = newCaseInput
  .pick({ language: true, trainNumber: true, travelDate: true, car: true, seat: true, category: true, details: true })
  .extend({
    type: z.enum(ONLINE_TYPES, `must be one of ${ONLINE_TYPES.join(', ')}`),
    passengerName: shape.passengerName.unwrap().min(1, 'must not be empty'),
    contactNumber: shape.contactNumber.unwrap(),
    description: shape.description.unwrap().min(1, 'must say what happened'),
  })
  .superRefine((c, ctx) => {
    const need = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (c.type === 'complaint' && !c.category) need(['category'], 'is required for a complaint');
    const details = c.details ?? {};
    for (const key of DETAILS[c.type].required) if (details[key] === undefined || details[key] === '') need(['details', key], `is required for a ${c.type}`);
    for (const key of Object.keys(details)) {
      if (!(DETAILS[c.type].required as readonly string[]).includes(key)) need(['details', key], `is not a field of a ${c.type}`);
    }
  });
type OnlineCase = z.output<typeof onlineCase>;

export const statusLookup = z.strictObject({
  reference: z
    .string('must be text')
    .max(40, 'must be at most 40 characters')
    .transform(normaliseReference)
    .refine(isReference, 'must be a case reference such as C7KX4QM (a letter and six letters or digits)'),
  phone: shape.contactNumber.unwrap(),
});

export function onlineRoutes(h: Hotline, limits: PublicLimits = PUBLIC_LIMITS): Router {
  const router = express.Router();
  const throttle = h.loginThrottle ?? memoryLoginThrottle();
  const filings = throttle.counter('public-filing', limits.filing);
  const lookups = throttle.counter('public-lookup', limits.lookup);
  const perReference = throttle.counter('public-lookup-reference', limits.reference);
  // After the count: a flood of bodies, however large or malformed, is refused before any is read.
  const json = express.json({ limit: PUBLIC_BODY_BYTES, strict: true });

  /** The categories each type takes (cases.yaml), for the form's choices. */
  router.get('/case-types', (_req, res) => {
    res.json(Object.fromEntries(ONLINE_TYPES.map((type) => [type, { categories: h.cases.types[type].categories }])));
  });

  router.post(
    '/cases',
    counted(filings, 'cases filed'),
    json,
    answering(async (req, res) => {
      const filed = parsed(onlineCase, bodyOf(req), 'the public form');
      const made = await createCase(h, newCase(filed, h.cases.types[filed.type].categories), { staffId: null, source: 'online' });
      const due = await dueTimes(h.database.db, made.id);
      res.status(201).set('Cache-Control', 'no-store');
      return { reference: made.reference, type: made.type, dueAt: due.resolve, acknowledgeBy: due.acknowledge };
    }),
  );

  router.post(
    '/cases/status',
    counted(lookups, 'status lookups'),
    json,
    answering(async (req, res) => {
      const { reference, phone } = parsed(statusLookup, bodyOf(req), 'a status lookup');
      // Every lookup counts, right or wrong, so the count tells a stranger nothing about the pair.
      const taken = await perReference.take(reference);
      if (!taken.allowed) {
        res.set('Retry-After', String(taken.retryAfterSeconds)).status(429);
        return { error: `this reference has been looked up too often: wait ${howLong(taken.retryAfterSeconds)} and try again` };
      }
      res.set('Cache-Control', 'no-store');
      const found = await caseOfPassenger(h.database.db, reference, contactKey(phone));
      if (!found) throw new CaseError(NO_SUCH_CASE, 404);
      return found;
    }),
  );

  router.use(bodyFaults);
  return router;
}

/** A passenger's filing as the case desk's input: channel online; the owner is the type's department. */
function newCase(filed: OnlineCase, categories: readonly string[]): NewCaseInput {
  const kind = filed.details?.itemKind;
  // A lost item's kind is its category when it is one of them (the form offers those), so the board can sort by it.
  const category = filed.category ?? (filed.type === 'lost-item' && kind && categories.includes(kind) ? kind : undefined);
  return { ...filed, channel: 'online', ...(category !== undefined ? { category } : {}) };
}

/** When the case is to be acknowledged and answered (resolved): its clocks' due times. */
async function dueTimes(db: Db, caseId: number): Promise<{ acknowledge: string | null; resolve: string | null }> {
  const clocks = await db
    .select({ kind: caseClocks.kind, dueAt: caseClocks.dueAt })
    .from(caseClocks)
    .where(and(eq(caseClocks.caseId, caseId), inArray(caseClocks.kind, ['acknowledge', 'resolve'])));
  const at = (kind: string) => clocks.find((c) => c.kind === kind)?.dueAt.toISOString() ?? null;
  return { acknowledge: at('acknowledge'), resolve: at('resolve') };
}

/**
 * What a passenger may know of their case: its status, when it is due and the answer given; nothing else.
 * One query, whether the reference exists or not, so a stranger cannot tell the two apart by the time taken.
 */
async function caseOfPassenger(db: Db, reference: string, key: string) {
  const [row] = await db
    .select({
      reference: cases.reference,
      type: cases.type,
      status: cases.status,
      dueAt: sql<Date | string | null>`(select ${caseClocks.dueAt} from ${caseClocks} where ${caseClocks.caseId} = ${cases.id} and ${caseClocks.kind} = 'resolve')`,
      resolution: cases.resolution,
    })
    .from(cases)
    .where(and(eq(cases.reference, reference), eq(cases.contactKey, key), ne(cases.contactKey, '')));
  if (!row) return undefined;
  // A subquery's value comes back as text from one driver and as a Date from the other.
  const dueAt = row.dueAt === null ? null : new Date(row.dueAt).toISOString();
  return { reference: row.reference, type: row.type, status: row.status, dueAt, answer: row.resolution?.answer ?? null };
}

/** Count the request against its address's limit; past it, 429 with how long to wait. */
function counted(counter: Counter, what: string): RequestHandler {
  return async (req, res, next) => {
    // Behind a proxy, req.ip is the client's address only as far as TRUST_PROXY lets Express believe it.
    const taken = await counter.take(addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown'));
    if (taken.allowed) return next();
    const seconds = taken.retryAfterSeconds;
    res
      .status(429)
      .set('Retry-After', String(seconds))
      .json({ error: `too many ${what} from your address: wait ${howLong(seconds)} and try again` });
  };
}

/** "1 second", "45 seconds", "15 minutes": a wait as a person reads it, rounded up. */
function howLong(seconds: number): string {
  const [count, unit] = seconds < 60 ? [seconds, 'second'] : [Math.ceil(seconds / 60), 'minute'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** The JSON body; without one (no body, or not sent as JSON) the answer says what is expected. */
function bodyOf(req: Request): unknown {
  if (req.body === undefined) throw new CaseError('body must be a JSON object, sent with Content-Type: application/json', 400, 'body');
  return req.body;
}

function parsed<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // An unknown key is named with its path (details.colour); some are a case's fields, yet not the passenger's to set.
  const { field, message } = firstIssue(result.error, what);
  throw new CaseError(message, 400, field);
}

/** The body parser's refusals, as the rest of the API answers: what is wrong, and that it is the body. */
const bodyFaults: ErrorRequestHandler = (err: { type?: string; status?: number; message?: string }, _req, res, next) => {
  if (err.type === 'entity.too.large') {
    res.status(413).json({ error: `body must be at most ${PUBLIC_BODY_BYTES / 1024} kB: shorten the description`, field: 'body' });
  } else if (err.type === 'entity.parse.failed') {
    res.status(400).json({ error: 'body must be a JSON object', field: 'body' });
  } else if (typeof err.type === 'string' && typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
    res.status(err.status).json({ error: `body ${err.message ?? 'cannot be read'}`, field: 'body' });
  } else next(err);
};

const tooMany = { 429: 'Too many from this address (or for this reference): Retry-After says when to try again.' };

/** These routes in /api/openapi.json (src/api/openapi.ts): the passengers' own, without a login. */
export const onlinePaths: ZodOpenApiPathsObject = {
  '/api/public/case-types': { get: operation({ summary: 'The kinds of case a passenger may file, with their categories', tags: ['public'], who: 'public', ok: { schema: described('{ <type>: { categories } }'), description: 'The types.' } }) },
  '/api/public/cases': {
    post: operation({ summary: 'File a complaint, a lost item or a luggage claim', tags: ['public'], who: 'public', body: onlineCase, ok: { status: 201, schema: described('{ reference, type, dueAt, acknowledgeBy }'), description: 'Filed: keep the reference.' }, also: { 413: 'The body is too large.', ...tooMany } }),
  },
  '/api/public/cases/status': {
    post: operation({ summary: "A case's status, by its reference and the passenger's phone number", tags: ['public'], who: 'public', body: statusLookup, ok: { schema: described("The case as the passenger may see it."), description: 'The status.' }, also: { 404: 'No case has this reference and phone number.', ...tooMany } }),
  },
};
