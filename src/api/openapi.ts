import express from 'express';
import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { announcementPaths } from '../calls/announcement-routes.ts';
import { callbackPaths } from '../callbacks/routes.ts';
import { foundItemPaths } from '../cases/found-routes.ts';
import { onlinePaths } from '../cases/online.ts';
import { casePaths } from '../cases/routes.ts';
import { notesPaths } from '../notes/routes.ts';
import { qualityPaths } from '../quality/routes.ts';
import { recordingPaths } from '../recordings/routes.ts';
import { reportPaths } from '../reports/routes.ts';
import { softphonePaths } from '../softphone/routes.ts';
import { staffPaths } from '../staff/routes.ts';
import { voiceTokenPaths } from '../telephony/voice-token.ts';
import { described, operation } from './describe.ts';

/**
 * GET /api/openapi.json: the staff's and the passengers' REST API, described from the zod schemas the routes
 * validate their input with. The convention: each routes module exports a `ZodOpenApiPathsObject` named
 * `<module>Paths` (built with src/api/describe.ts), listed here; test/api/openapi.test.ts fails when a route
 * mounted under /api is missing from the document. The carrier's webhooks (/twilio, signed by Twilio) and the
 * simulator's controls are not part of it.
 */

/** The routes src/start.ts mounts itself. */
const hotlinePaths: ZodOpenApiPathsObject = {
  '/api/openapi.json': { get: operation({ summary: 'This document', tags: ['api'], who: 'public', ok: { schema: described('OpenAPI 3.1.'), description: 'The document.' } }) },
  '/api/metrics/live': {
    get: operation({ summary: "The live board: queues, today's figures, the agents (also pushed on /managers' `metrics`)", tags: ['metrics'], who: ['supervisor', 'manager'], ok: { schema: described('LiveMetrics'), description: 'The board.' } }),
  },
  '/api/calls/{sid}': {
    get: operation({
      summary: "The hotline's record of a call: status, end reason, IVR path and what the caller keyed in",
      tags: ['calls'],
      who: 'staff',
      path: z.object({ sid: z.string().meta({ description: "The call's sid (CA…)." }) }),
      ok: { schema: described('{ sid, status, endReason, language, path, answers, queue }'), description: 'The call.' },
      also: { 404: 'No such call.' },
    }),
  },
};

const PATHS: ZodOpenApiPathsObject[] = [
  hotlinePaths,
  staffPaths,
  softphonePaths,
  recordingPaths,
  notesPaths,
  voiceTokenPaths,
  announcementPaths,
  casePaths,
  callbackPaths,
  foundItemPaths,
  onlinePaths,
  qualityPaths,
  reportPaths,
];

/**
 * The document; a path described by two modules is a mistake worth failing on. zod-openapi is loaded at the
 * first request, not at start-up (a restart is measured in its modules).
 */
export async function apiDocument() {
  const { createDocument } = await import('zod-openapi');
  const paths: ZodOpenApiPathsObject = {};
  for (const part of PATHS) {
    for (const [path, item] of Object.entries(part)) {
      const methods = Object.keys(item);
      const twice = methods.filter((m) => paths[path]?.[m as keyof (typeof paths)[string]] !== undefined);
      if (twice.length) throw new Error(`openapi: ${twice.join(', ')} ${path} is described twice`);
      paths[path] = { ...paths[path], ...item };
    }
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Sanling hotline API',
      version: '1',
      description: "The staff pages' and the passengers' REST API. Staff log in (POST /api/login) and send `Authorization: Bearer <token>`; `x-roles` says which roles an operation serves.",
    },
    components: { securitySchemes: { staffToken: { type: 'http', scheme: 'bearer', description: 'The token POST /api/login answers.' } } },
    security: [{ staffToken: [] }],
    paths,
  });
}

/** GET /api/openapi.json, public: it describes shapes, no data (the pages' bundles show as much). Built once. */
export function apiDocumentRoutes(): express.Router {
  const router = express.Router();
  let document: ReturnType<typeof apiDocument> | undefined;
  router.get('/openapi.json', async (_req, res) => {
    document ??= apiDocument();
    res.json(await document);
  });
  return router;
}
