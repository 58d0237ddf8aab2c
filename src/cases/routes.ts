import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Hotline } from '../hotline.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import { act } from './actions.ts';
import { caseRecord, CaseError, changeCase, createCase } from './cases.ts';
import { matchRoute } from './found-routes.ts';
import { callBackRoute } from '../callbacks/routes.ts';
import { CASE_PRIORITIES, CASE_STATUSES, CASE_TYPES, CLOCK_KINDS, RESOLUTION_REASONS } from './choices.ts';
import { actionInputs, ACTIONS, CASE_LANGUAGES, caseChangesInput, firstIssue, newCaseInput, type Action } from './input.ts';
import { assignable, board, caseSummary, myCases } from './lists.ts';
import { normaliseReference } from './reference.ts';
import { STAFF_SOURCES, type Source } from './timeline.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation, referencePath } from '../api/describe.ts';

const WORKERS = ['agent', 'supervisor', 'manager'] as const;
/** Trainers read everything and change nothing. */
const OVERSEERS = ['supervisor', 'manager', 'trainer'] as const;

export const boardQuery = z.strictObject({
  type: z.enum(CASE_TYPES, `must be one of ${CASE_TYPES.join(', ')}`).optional(),
  status: z.enum(CASE_STATUSES, `must be one of ${CASE_STATUSES.join(', ')}`).optional(),
  department: z.string().max(40).optional(),
  ownerStaffId: z.coerce.number('must be a staff id').int().positive().optional(),
  supervisorId: z.coerce.number('must be a staff id').int().positive().optional(),
  page: z.coerce.number('must be a page number from 0').int().min(0).max(10_000).default(0),
});

/**
 * The case desk over HTTP (mounted under /api behind express.json()): every action the softphone and the
 * board take. Reading is for all staff (the board and the day's figures for supervisors, managers and
 * trainers); changing for agents, supervisors and managers. `X-Sanling-Source: softphone | board` says
 * where an action came from, for the timeline.
 */
export function caseRoutes(h: Hotline): Router {
  const router = express.Router();

  router.get('/case-desk', requireStaff(h), (_req, res) => {
    res.json({
      types: Object.fromEntries(
        CASE_TYPES.map((t) => {
          const type = h.cases.types[t];
          return [t, { categories: type.categories, owner: type.owner, approvalAbove: type.approvalAbove ?? null, extendable: type.commitments.normal.extendTo !== undefined || type.commitments.urgent.extendTo !== undefined }];
        }),
      ),
      timeZone: h.config.timeZone,
      departments: Object.fromEntries([...h.cases.departments].map(([key, d]) => [key, d.name])),
      priorities: CASE_PRIORITIES,
      languages: CASE_LANGUAGES,
      reasons: RESOLUTION_REASONS,
      clocks: CLOCK_KINDS,
      actions: ACTIONS,
    });
  });

  // Whom a case may be given to: the board's reassign form lists them.
  router.get('/case-desk/staff', requireStaff(h, ['supervisor', 'manager']), async (_req, res) => {
    res.json({ staff: await assignable(h.database.db) });
  });

  router.get('/cases/mine', requireStaff(h, WORKERS), async (_req, res) => {
    res.json({ cases: await myCases(h.database.db, currentStaff(res).id, h.now()) });
  });

  router.get('/cases/summary', requireStaff(h, OVERSEERS), async (_req, res) => {
    res.json(await caseSummary(h.database.db, h.now(), h.config.timeZone));
  });

  router.get('/cases', requireStaff(h, OVERSEERS), answering(async (req) => {
    const query = parse(boardQuery, req.query);
    return board(h.database.db, query, h.now());
  }));

  router.post('/cases', requireStaff(h, WORKERS), answering(async (req, res) => {
    const made = await createCase(h, parse(newCaseInput, req.body ?? {}), { staffId: currentStaff(res).id, source: sourceOf(req) });
    res.status(201);
    return (await caseRecord(h, made.reference))!;
  }));

  router.get('/cases/:reference', requireStaff(h), answering(async (req) => {
    const found = await caseRecord(h, normaliseReference(String(req.params['reference'])));
    if (!found) throw new CaseError(`no case ${String(req.params['reference'])}`, 404, 'reference');
    return found;
  }));

  router.patch('/cases/:reference', requireStaff(h, WORKERS), answering(async (req, res) => {
    const reference = normaliseReference(String(req.params['reference']));
    await changeCase(h, reference, parse(caseChangesInput, req.body ?? {}), { staffId: currentStaff(res).id, source: sourceOf(req) });
    return (await caseRecord(h, reference))!;
  }));

  // Matching a found item is the register's (found-routes.ts), mounted here so `/:action` does not take it…
  router.post('/cases/:reference/match', ...matchRoute(h));
  // …and so is calling the passenger back (src/callbacks).
  router.post('/cases/:reference/call-back', ...callBackRoute(h, sourceOf));

  router.post('/cases/:reference/:action', requireStaff(h, WORKERS), answering(async (req, res) => {
    const action = String(req.params['action']);
    if (!ACTIONS.includes(action as Action)) throw new CaseError(`no action ${action}: the actions are ${ACTIONS.join(', ')}`, 404, 'action');
    const reference = normaliseReference(String(req.params['reference']));
    const input = parse(actionInputs[action as Action], req.body ?? {});
    await act(h, reference, action as Action, input as never, { staff: currentStaff(res), source: sourceOf(req) });
    return (await caseRecord(h, reference))!;
  }));

  return router;
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const { message, field } = firstIssue(parsed.error);
    throw new CaseError(message, 400, field);
  }
  return parsed.data;
}

function sourceOf(req: Request): Source {
  const said = req.get('x-sanling-source');
  return (STAFF_SOURCES as readonly string[]).includes(said ?? '') ? (said as Source) : 'api';
}

/** A handler whose result is the JSON answer, and whose CaseError is the 4xx naming the field. */
export function answering(work: (req: Request, res: Response) => Promise<object>): express.RequestHandler {
  return async (req, res) => {
    try {
      res.json(await work(req, res));
    } catch (err) {
      if (!(err instanceof CaseError)) throw err;
      res.status(err.status).json({ error: err.message, ...(err.field ? { field: err.field } : {}) });
    }
  };
}

const caseRecordAnswer = described('CaseRecord: the case, its clocks and its timeline.');
const missing = { 404: 'No such case.' };
const conflict = { 409: 'The case changed since `version` was read, or it is not in a state that allows this.' };
const tags = ['cases'];

/** These routes in /api/openapi.json (src/api/openapi.ts). */
export const casePaths: ZodOpenApiPathsObject = {
  '/api/case-desk': { get: operation({ summary: "The case desk's rules: types, categories, departments, priorities, actions", tags, who: 'staff', ok: { schema: described('The desk.'), description: 'The desk.' } }) },
  '/api/case-desk/staff': { get: operation({ summary: 'Whom a case may be given to', tags, who: ['supervisor', 'manager'], ok: { schema: described('{ staff: [...] }'), description: 'The staff.' } }) },
  '/api/cases/mine': { get: operation({ summary: "The cases the caller owns, soonest due first", tags, who: WORKERS, ok: { schema: described('{ cases: [...] }'), description: 'My cases.' } }) },
  '/api/cases/summary': { get: operation({ summary: "Today's case figures", tags, who: OVERSEERS, ok: { schema: described('The summary.'), description: 'The summary.' } }) },
  '/api/cases': {
    get: operation({ summary: 'The case board, filtered, a page at a time', tags, who: OVERSEERS, query: boardQuery, ok: { schema: described('{ cases, total, page, ... }'), description: 'A page of the board.' } }),
    post: operation({ summary: 'Open a case', tags, who: WORKERS, body: newCaseInput, ok: { status: 201, schema: caseRecordAnswer, description: 'Opened.' } }),
  },
  '/api/cases/{reference}': {
    get: operation({ summary: 'A case, its clocks and timeline', tags, who: 'staff', path: referencePath, ok: { schema: caseRecordAnswer, description: 'The case.' }, also: missing }),
    patch: operation({ summary: "Change a case's fields", tags, who: WORKERS, path: referencePath, body: caseChangesInput, ok: { schema: caseRecordAnswer, description: 'Changed.' }, also: { ...missing, ...conflict } }),
  },
  '/api/cases/{reference}/{action}': {
    post: operation({
      summary: 'Act on a case: acknowledge, start, wait, resume, note, contacted, assign, resolve, approve, extend, close, reopen',
      description: "The body is the action's own (each of the union's members is one action's).",
      tags,
      who: WORKERS,
      path: referencePath.extend({ action: z.enum(ACTIONS) }),
      body: z.union(Object.values(actionInputs) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]),
      ok: { schema: caseRecordAnswer, description: 'Done.' },
      also: { 404: 'No such case or action.', ...conflict },
    }),
  },
};
