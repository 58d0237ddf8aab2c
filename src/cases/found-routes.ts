import express, { type RequestHandler, type Router } from 'express';
import type { z } from 'zod';
import type { Hotline } from '../hotline.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import { caseRecord, CaseError } from './cases.ts';
import { candidatesFor, foundItemInput, foundItemQuery, listFoundItems, matchFoundItem, matchInput, recordFoundItem } from './found-items.ts';
import { firstIssue } from './input.ts';
import { normaliseReference } from './reference.ts';
import { answering } from './routes.ts';
import { STAFF_SOURCES, type Source } from './timeline.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation, referencePath } from '../api/describe.ts';

const WORKERS = ['agent', 'supervisor', 'manager'] as const;

/**
 * The found-items register and its matches to lost-item cases, under /api: staff who work cases record finds
 * and match them; every member of staff (trainers too) reads the register and a case's candidates. The match
 * itself (POST /api/cases/:reference/match) is mounted by caseRoutes, ahead of its `/:action` route.
 */
export function foundItemRoutes(h: Hotline): Router {
  const router = express.Router();

  router.post('/found-items', requireStaff(h, WORKERS), answering(async (req, res) => {
    const item = await recordFoundItem(h, parse(foundItemInput, req.body ?? {}, 'a found item'), { staffId: currentStaff(res).id, source: sourceOf(req.get('x-sanling-source')) });
    res.status(201);
    return item;
  }));

  router.get('/found-items', requireStaff(h), answering(async (req) => ({ foundItems: await listFoundItems(h.database.db, parse(foundItemQuery, req.query, 'the register\'s query')) })));

  router.get('/cases/:reference/candidates', requireStaff(h), answering(async (req) => candidatesFor(h.database.db, normaliseReference(String(req.params['reference'])))));

  return router;
}

/** POST /api/cases/:reference/match {foundItemId, version?}: the case's timeline and the item, both recorded. */
export function matchRoute(h: Hotline): RequestHandler[] {
  return [
    requireStaff(h, WORKERS),
    answering(async (req, res) => {
      const reference = normaliseReference(String(req.params['reference']));
      const { foundItem } = await matchFoundItem(h, reference, parse(matchInput, req.body ?? {}, 'a match'), { staffId: currentStaff(res).id, source: sourceOf(req.get('x-sanling-source')) });
      return { ...(await caseRecord(h, reference))!, foundItem };
    }),
  ];
}

/** The value, or a 400 naming the field; `what` says what the fields belong to, for one that is not among them. */
function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { message, field } = firstIssue(parsed.error, what);
  throw new CaseError(message, 400, field);
}

const sourceOf = (said: string | undefined): Source => ((STAFF_SOURCES as readonly string[]).includes(said ?? '') ? (said as Source) : 'api');

/** These routes in /api/openapi.json (src/api/openapi.ts). */
export const foundItemPaths: ZodOpenApiPathsObject = {
  '/api/found-items': {
    post: operation({ summary: 'Record a found item', tags: ['found items'], who: WORKERS, body: foundItemInput, ok: { status: 201, schema: described('FoundItemView'), description: 'Recorded.' } }),
    get: operation({ summary: 'The register: found items by train and dates', tags: ['found items'], who: 'staff', query: foundItemQuery, ok: { schema: described('{ foundItems: [...] }'), description: 'The items.' } }),
  },
  '/api/cases/{reference}/candidates': {
    get: operation({ summary: 'Found items that may be the lost item of a case, best first', tags: ['found items', 'cases'], who: 'staff', path: referencePath, ok: { schema: described('Candidates'), description: 'The candidates.' }, also: { 404: 'No such case.' } }),
  },
  '/api/cases/{reference}/match': {
    post: operation({
      summary: "Match a found item to a lost-item case",
      tags: ['found items', 'cases'],
      who: WORKERS,
      path: referencePath,
      body: matchInput,
      ok: { schema: described('The case record with `foundItem`.'), description: 'Matched.' },
      also: { 404: 'No such case or item.', 409: 'Already matched, or the case changed.' },
    }),
  },
};
