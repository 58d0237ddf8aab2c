import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import type { Hotline } from '../hotline.ts';
import { staffingAdvice } from '../metrics/staffing.ts';
import { calendarDay as date, fieldIssue } from '../input.ts';
import { requireStaff } from '../staff/auth.ts';
import { EXPORT_LANGUAGES, reportCsv, reportXlsx } from './export.ts';
import { goals } from './goals.ts';
import { historyReport } from './history.ts';

/**
 * The managers' and supervisors' reports, mounted under /api (everyone else: 403).
 * GET /reports/history?from=&to=&period=&by=&queue=&agent=   a history report (JSON), see history.ts
 * GET /reports/history.csv?…&lang=                            the same rows as CSV (UTF-8 with BOM, for Excel)
 * GET /reports/history.xlsx?…&lang=                           the same rows as an Excel workbook
 * GET /reports/staffing                                       staffing advice now and for tomorrow (Erlang C)
 * GET /reports/goals                                          CSAT and ASA against their goals, with the trend
 */

const READERS = ['supervisor', 'manager'] as const;
/** A year and a day: a year's report per day, or a year over year by month. Longer ranges are refused. */
export const MAX_RANGE_DAYS = 366;


export const historyQuery = z
  .strictObject({
    from: date,
    to: date,
    period: z.enum(['day', 'week', 'month'], 'must be day, week or month').default('day'),
    by: z.enum(['queue', 'agent'], 'must be queue or agent').default('queue'),
    queue: z.string().min(1, 'must name a queue').max(64, 'must be at most 64 characters').optional(),
    agent: z
      .string()
      .regex(/^\d{1,9}$/, 'must be a staff id')
      .transform(Number)
      .optional(),
    lang: z.enum(EXPORT_LANGUAGES, `must be one of ${EXPORT_LANGUAGES.join(', ')}`).default('en'),
  })
  .refine((q) => q.from <= q.to, { message: 'must not be after to', path: ['from'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 < MAX_RANGE_DAYS, { message: `must be less than ${MAX_RANGE_DAYS} days before to (a range too long)`, path: ['from'] })
  .refine((q) => q.queue === undefined || q.by === 'queue', { message: 'filters the per-queue report only (by=queue)', path: ['queue'] })
  .refine((q) => q.agent === undefined || q.by === 'agent', { message: 'filters the per-agent report only (by=agent)', path: ['agent'] });

type HistoryQuery = z.output<typeof historyQuery>;

class BadQuery extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** Parse, or a 400 whose message names the field: "from must be a date YYYY-MM-DD". */
function parsed(input: unknown): HistoryQuery {
  const result = historyQuery.safeParse(input ?? {});
  if (result.success) return result.data;
  const { field, message } = fieldIssue(result.error, { whole: 'query' });
  throw new BadQuery(message, field);
}

export function reportRoutes(h: Hotline): Router {
  const router = express.Router();
  const route = (work: (req: express.Request, res: Response) => Promise<void>) => async (req: express.Request, res: Response) => {
    try {
      res.set('Cache-Control', 'no-store');
      await work(req, res);
    } catch (err) {
      if (!(err instanceof BadQuery)) throw err;
      res.status(400).json({ error: err.message, field: err.field });
    }
  };
  const report = (q: HistoryQuery) => historyReport(h, { from: q.from, to: q.to, period: q.period, by: q.by, queue: q.queue, agent: q.agent });
  const fileName = (q: HistoryQuery, ext: string) => `sanling-${q.by}-${q.period}-${q.from}-${q.to}.${ext}`;

  router.get(
    '/reports/history',
    requireStaff(h, READERS),
    route(async (req, res) => void res.json(await report(parsed(req.query)))),
  );
  router.get(
    '/reports/history.csv',
    requireStaff(h, READERS),
    route(async (req, res) => {
      const q = parsed(req.query);
      res.type('text/csv; charset=utf-8').attachment(fileName(q, 'csv')).send(reportCsv(await report(q), q.lang));
    }),
  );
  router.get(
    '/reports/history.xlsx',
    requireStaff(h, READERS),
    route(async (req, res) => {
      const q = parsed(req.query);
      res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').attachment(fileName(q, 'xlsx')).send(await reportXlsx(await report(q), q.lang));
    }),
  );
  router.get(
    '/reports/staffing',
    requireStaff(h, READERS),
    route(async (_req, res) => void res.json(await staffingAdvice(h))),
  );
  router.get(
    '/reports/goals',
    requireStaff(h, READERS),
    route(async (_req, res) => void res.json(await goals(h))),
  );
  return router;
}

const error = z.object({ error: z.string(), field: z.string().optional() });
const json = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const refusals = {
  '400': json(error, 'a field of the query is wrong (named in field)'),
  '401': json(error, 'not logged in'),
  '403': json(error, 'neither a supervisor nor a manager'),
};
const nullable = z.number().nullable();
const figures = z.object({
  offered: z.number(),
  answered: z.number(),
  abandoned: z.number(),
  shortAbandons: z.number(),
  abandonedAfter: z.record(z.string(), z.number()),
  missed: z.number(),
  withinStandard: z.number(),
  withinStandardShare: nullable,
  averageRings: nullable,
  averageSpeedOfAnswerSeconds: nullable,
  serviceLevel: nullable,
  abandonRate: nullable,
  averageHandleTimeSeconds: nullable,
  averageHoldSeconds: nullable,
  surveys: z.number(),
  csatMean: nullable,
  csatTopTwoBox: nullable,
  callbacksCompleted: z.number(),
  callbacksWithinPromise: nullable,
  repliesDue: z.number(),
  repliesWithinCommitment: nullable,
  qualityScore: nullable,
  qualityScored: z.number(),
});
const reportBody = z.object({
  from: z.string(),
  to: z.string(),
  period: z.enum(['day', 'week', 'month']),
  by: z.enum(['queue', 'agent']),
  timeZone: z.string(),
  serviceLevelSeconds: z.number(),
  rows: z.array(
    z.object({
      period: z.string(),
      queue: z.string().optional(),
      agent: z.object({ staffId: z.number(), employeeNo: z.string(), name: z.string() }).optional(),
      total: z.boolean(),
      sums: z.record(z.string(), z.number()),
      figures,
    }),
  ),
});
const advice = { arrivalsPerHour: z.number(), ahtSeconds: nullable, traffic: nullable, needed: nullable };
const staffingBody = z.object({
  at: z.string(),
  timeZone: z.string(),
  goal: z.number(),
  now: z.array(
    z.object({
      minutes: z.number(),
      queues: z.array(z.object({ queue: z.string(), offered: z.number(), ...advice, loggedIn: z.number(), onBreak: z.number(), serviceLevelWithLoggedIn: nullable, targetSeconds: z.number() })),
    }),
  ),
  tomorrow: z.object({
    date: z.string(),
    weeks: z.number(),
    slots: z.array(z.object({ start: z.string(), needed: nullable, queues: z.array(z.object({ queue: z.string(), offered: z.number(), ...advice })) })),
  }),
});
const goalFigures = z.object({ start: z.string(), csatTopTwoBox: nullable, csatMean: nullable, surveys: z.number(), averageSpeedOfAnswerSeconds: nullable, answered: z.number() });
const goalsBody = z.object({
  at: z.string(),
  timeZone: z.string(),
  csatGoal: z.number(),
  asaGoalSeconds: z.number(),
  periods: z.array(
    z.object({
      period: z.enum(['day', 'week', 'month']),
      current: goalFigures,
      previous: goalFigures,
      csatMet: z.boolean().nullable(),
      asaMet: z.boolean().nullable(),
      csatChange: nullable,
      asaChange: nullable,
    }),
  ),
});
const file = (type: string, description: string) => ({ description, content: { [type]: { schema: z.string() } } });

export const reportPaths: ZodOpenApiPathsObject = {
  '/api/reports/history': {
    get: { summary: 'A history report per day, week or month, per queue or agent', requestParams: { query: historyQuery }, responses: { '200': json(reportBody, 'the report'), ...refusals } },
  },
  '/api/reports/history.csv': {
    get: { summary: 'The history report as CSV (UTF-8 with BOM)', requestParams: { query: historyQuery }, responses: { '200': file('text/csv', 'the report as CSV'), ...refusals } },
  },
  '/api/reports/history.xlsx': {
    get: {
      summary: 'The history report as an Excel workbook',
      requestParams: { query: historyQuery },
      responses: { '200': file('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'the report as XLSX'), ...refusals },
    },
  },
  '/api/reports/staffing': {
    get: { summary: 'Staffing advice (Erlang C) now and per slot of tomorrow', responses: { '200': json(staffingBody, 'the advice'), '401': refusals['401'], '403': refusals['403'] } },
  },
  '/api/reports/goals': {
    get: { summary: 'CSAT and ASA against the goals, with the trend', responses: { '200': json(goalsBody, 'the goals'), '401': refusals['401'], '403': refusals['403'] } },
  },
};
