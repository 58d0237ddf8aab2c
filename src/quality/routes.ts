import { join } from 'node:path';
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import type { Hotline } from '../hotline.ts';
import { ROOT } from '../root.ts';
import { calendarDay as day, fieldIssue } from '../input.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import { drawSample, workList } from './sample.ts';
import { loadScorecard } from './scorecard.ts';
import { qualityOverTime } from './scores.ts';
import { acknowledge, coachingFor, parseScore, QualityError, scoreCall, scoreInput, scorecardOf } from './scoring.ts';

/**
 * The quality desk under /api/quality (mounted under /api behind express.json()). Trainers score and coach;
 * supervisors may score too and read everything; managers read; an agent reads and acknowledges only their
 * own coaching notes and scorecards.
 *
 * GET  /quality/scorecard                   the items and weights, and the hotline's time zone (everyone)
 * POST /quality/samples {day}               draw the day's sample (trainer, supervisor); again adds nothing
 * GET  /quality/worklist?day=               the day's sampled calls, not yet scored first (trainer, supervisor, manager)
 * GET  /quality/calls/:offerId              one call's scorecard: facts, notes, automatic items, recording, points, coaching
 * PUT  /quality/calls/:offerId/score        score the judged items, with a coaching note (trainer, supervisor)
 * GET  /quality/coaching?all=               my coaching notes, unacknowledged ones (all: the latest of every kind)
 * POST /quality/coaching/:id/acknowledge    I have read it
 * GET  /quality/agents?from=&to=&by=        quality per agent, team (queue) and floor, per day or week, with
 *                                           rings within standard, handle time and CSAT (trainer, supervisor, manager)
 */

const SCORERS = ['trainer', 'supervisor'] as const;
const READERS = ['trainer', 'supervisor', 'manager'] as const;

const id = (what: string) => z.string().regex(/^\d{1,9}$/, `must be ${what}`).transform(Number);
const dayQuery = z.strictObject({ day });
const drawBody = z.strictObject({ day });
const offerParams = z.object({ offerId: id('an offer number (GET /api/quality/worklist lists them)') });
const noteParams = z.object({ id: id('a coaching note number') });
const coachingQuery = z.strictObject({ all: z.enum(['true', 'false'], 'must be true or false').optional() });
const MAX_DAYS = 400;
const agentsQuery = z
  .strictObject({ from: day, to: day, by: z.enum(['day', 'week'], 'must be day or week').default('day') })
  .refine((q) => q.from <= q.to, { message: 'must not be after to', path: ['from'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < MAX_DAYS, { message: `must be less than ${MAX_DAYS} days before to`, path: ['from'] });

/** Parse or answer 400 naming the field: "day must be a date YYYY-MM-DD". */
function parsed<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const { field, message } = fieldIssue(result.error);
  throw new QualityError(message, 400, field);
}

export function qualityRoutes(h: Hotline): Router {
  const router = express.Router();
  const route = (work: (req: express.Request, res: Response) => Promise<unknown>) => async (req: express.Request, res: Response) => {
    try {
      res.set('Cache-Control', 'no-store').json(await work(req, res));
    } catch (err) {
      if (!(err instanceof QualityError)) throw err;
      res.status(err.status).json({ error: err.message, ...(err.field ? { field: err.field } : {}) });
    }
  };

  router.get('/quality/scorecard', requireStaff(h), route(async () => ({ items: h.scorecard.items, sample: h.scorecard.sample, timeZone: h.config.timeZone })));

  router.post(
    '/quality/samples',
    requireStaff(h, SCORERS),
    route(async (req) => drawSample(h, parsed(drawBody, req.body).day)),
  );

  router.get(
    '/quality/worklist',
    requireStaff(h, READERS),
    route(async (req) => ({ calls: await workList(h, parsed(dayQuery, req.query).day) })),
  );

  router.get(
    '/quality/calls/:offerId',
    requireStaff(h),
    route(async (req, res) => scorecardOf(h, parsed(offerParams, req.params).offerId, currentStaff(res))),
  );

  router.put(
    '/quality/calls/:offerId/score',
    requireStaff(h, SCORERS),
    route(async (req, res) => scoreCall(h, parsed(offerParams, req.params).offerId, parseScore(h.scorecard, req.body), currentStaff(res))),
  );

  router.get(
    '/quality/coaching',
    requireStaff(h),
    route(async (req, res) => ({ notes: await coachingFor(h, currentStaff(res).id, parsed(coachingQuery, req.query).all === 'true'), timeZone: h.config.timeZone })),
  );

  router.post(
    '/quality/coaching/:id/acknowledge',
    requireStaff(h),
    route(async (req, res) => acknowledge(h, parsed(noteParams, req.params).id, currentStaff(res).id)),
  );

  router.get(
    '/quality/agents',
    requireStaff(h, READERS),
    route(async (req) => qualityOverTime(h, parsed(agentsQuery, req.query))),
  );

  return router;
}

// ---- OpenAPI: the same schemas, and what each route answers -------------------------------------------------

const error = z.object({ error: z.string(), field: z.string().optional() });
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const refusals = {
  '400': json(error, 'a field is wrong; `field` names it'),
  '401': json(error, 'not logged in'),
  '403': json(error, 'not a role that may do this'),
};
const label = z.object({ 'zh-TW': z.string(), 'zh-CN': z.string(), en: z.string() });
const item = z.object({ name: z.string(), kind: z.enum(['automatic', 'judged']), measure: z.string().optional(), max: z.number().optional(), weight: z.number(), label });
const sampleRules = z.object({ perAgentPerDay: z.number(), lowSurveyRating: z.number(), complaintQueues: z.array(z.string()) });
const workItem = z.object({
  offerId: z.number(),
  callSid: z.string(),
  staffId: z.number(),
  employeeNo: z.string(),
  agentName: z.string(),
  queue: z.string(),
  answeredAt: z.string(),
  reason: z.enum(['random', 'low-survey', 'complaint']),
  score: z.number().nullable(),
  scoredAt: z.string().nullable(),
});
const scorecardView = z.object({
  call: z.object({ offerId: z.number(), callSid: z.string(), staffId: z.number(), employeeNo: z.string(), agentName: z.string(), queue: z.string(), from: z.string(), answeredAt: z.string(), endedAt: z.string().nullable(), talkSeconds: z.number().nullable(), rings: z.number().nullable(), withinStandard: z.boolean().nullable(), holdSeconds: z.number(), complaint: z.boolean() }),
  notes: z.object({ passengerName: z.string(), contactNumber: z.string(), trainNumber: z.string(), seatNumber: z.string(), topic: z.string().nullable(), text: z.string(), disposition: z.string().nullable() }).nullable(),
  callback: z.object({ caseId: z.number(), reference: z.string(), dueAt: z.string(), open: z.boolean(), answered: z.boolean(), metAt: z.string().nullable() }).nullable(),
  recording: z.object({ id: z.number(), status: z.string(), durationSeconds: z.number().nullable(), audio: z.string() }).nullable(),
  items: z.array(z.object({ name: z.string(), kind: z.enum(['automatic', 'judged']), label, weight: z.number(), max: z.number(), value: z.number().nullable(), points: z.number().nullable() })),
  score: z.number().nullable(),
  provisional: z.number().nullable(),
  scoredAt: z.string().nullable(),
  scoredBy: z.string().nullable(),
  coaching: z.object({ id: z.number(), text: z.string(), acknowledgedAt: z.string().nullable() }).nullable(),
});
const coachingNote = z.object({ id: z.number(), text: z.string(), author: z.string(), createdAt: z.string(), updatedAt: z.string(), acknowledgedAt: z.string().nullable(), offerId: z.number(), callSid: z.string(), queue: z.string(), answeredAt: z.string(), score: z.number() });
const periodFigures = z.object({
  start: z.string(),
  answered: z.number(),
  quality: z.number().nullable(),
  scored: z.number(),
  withinStandard: z.number().nullable(),
  handleSeconds: z.number().nullable(),
  csat: z.number().nullable(),
  csatTopTwo: z.number().nullable(),
  ratings: z.number(),
});
const overTime = z.object({
  from: z.string(),
  to: z.string(),
  by: z.enum(['day', 'week']),
  timeZone: z.string(),
  agents: z.array(z.object({ staffId: z.number(), employeeNo: z.string(), name: z.string(), periods: z.array(periodFigures) })),
  teams: z.array(z.object({ queue: z.string(), periods: z.array(periodFigures) })),
  floor: z.array(periodFigures),
});
const notFound = { '404': json(error, 'no such call (or, for an agent, not theirs)') };

/** The score body as the shipped scorecard (ivr-flows/scorecard.yaml) makes it; another file's judged items differ. */
const shippedScoreInput = scoreInput(loadScorecard(join(ROOT, 'ivr-flows')));

export const qualityPaths: ZodOpenApiPathsObject = {
  '/api/quality/scorecard': {
    get: { summary: 'The scorecard: items, weights, sample rules', responses: { '200': json(z.object({ items: z.array(item), sample: sampleRules, timeZone: z.string() }), 'the scorecard, and the time zone of the hotline\'s days'), '401': refusals['401'] } },
  },
  '/api/quality/samples': {
    post: { summary: "Draw a day's sample (idempotent)", requestBody: { content: { 'application/json': { schema: drawBody } } }, responses: { '200': json(z.object({ added: z.number() }), 'calls added to the sample'), ...refusals } },
  },
  '/api/quality/worklist': {
    get: { summary: "A day's sampled calls, not yet scored first", requestParams: { query: dayQuery }, responses: { '200': json(z.object({ calls: z.array(workItem) }), 'the work list'), ...refusals } },
  },
  '/api/quality/calls/{offerId}': {
    get: { summary: "One call's scorecard", requestParams: { path: offerParams }, responses: { '200': json(scorecardView, 'the scorecard'), ...refusals, ...notFound } },
  },
  '/api/quality/calls/{offerId}/score': {
    put: {
      summary: 'Score the judged items, with a coaching note',
      requestParams: { path: offerParams },
      requestBody: { content: { 'application/json': { schema: shippedScoreInput } } },
      responses: { '200': json(scorecardView, 'the scorecard as saved'), ...refusals, ...notFound },
    },
  },
  '/api/quality/coaching': {
    get: { summary: 'My coaching notes', requestParams: { query: coachingQuery }, responses: { '200': json(z.object({ notes: z.array(coachingNote), timeZone: z.string() }), 'the notes'), ...refusals } },
  },
  '/api/quality/coaching/{id}/acknowledge': {
    post: { summary: 'Acknowledge my coaching note', requestParams: { path: noteParams }, responses: { '200': json(z.object({ id: z.number(), acknowledgedAt: z.string() }), 'acknowledged'), ...refusals, '404': json(error, 'no such note of yours') } },
  },
  '/api/quality/agents': {
    get: { summary: 'Quality per agent, team (queue) and floor over time', requestParams: { query: agentsQuery }, responses: { '200': json(overTime, 'the figures'), ...refusals } },
  },
};
