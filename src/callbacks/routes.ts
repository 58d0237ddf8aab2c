import type { RequestHandler } from 'express';
import type { Hotline } from '../hotline.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import { normaliseReference } from '../cases/reference.ts';
import type { Source } from '../cases/timeline.ts';
import { callBackNow, CallbackError } from './offers.ts';
import { worded } from '../acd/screen-pop.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation, referencePath } from '../api/describe.ts';

/**
 * `POST /api/cases/:reference/call-back`: the agent (or supervisor) on the softphone calls the passenger of
 * any open case now, through the same path as a callback they accepted: 202 with the offer and its
 * screen-pop, then the attempt's progress on their socket (`callback`). 409 when they cannot call out now
 * or the passenger is already being called.
 */
export function callBackRoute(h: Hotline, sourceOf: (req: Parameters<RequestHandler>[0]) => Source): RequestHandler[] {
  return [
    requireStaff(h, ['agent', 'supervisor']),
    async (req, res) => {
      try {
        const made = await callBackNow(h, currentStaff(res).id, normaliseReference(String(req.params['reference'])), sourceOf(req));
        // The same screen-pop as the socket's `offer`: its IVR path also in words.
        res.status(202).json({ ...made, screenPop: worded(h.flows, made.screenPop) });
      } catch (err) {
        if (!(err instanceof CallbackError)) throw err;
        res.status(err.status).json({ error: err.message });
      }
    },
  ];
}

/** This route in /api/openapi.json (src/api/openapi.ts). */
export const callbackPaths: ZodOpenApiPathsObject = {
  '/api/cases/{reference}/call-back': {
    post: operation({
      summary: "Call the case's passenger back now, from the softphone",
      tags: ['cases', 'softphone'],
      who: ['agent', 'supervisor'],
      path: referencePath,
      ok: { status: 202, schema: described('{ offerId, screenPop }: the progress follows on the socket (`callback`).'), description: 'Dialling.' },
      also: { 404: 'No such case.', 409: 'Cannot call out now, or the passenger is already being called.' },
    }),
  },
};
