import express, { type Response, type Router } from 'express';
import type { Hotline } from '../hotline.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import { releaseHeldWrapUp } from './disposition.ts';
import { notesForCall, NotesError, parseNotes, saveNotes } from './notes.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation } from '../api/describe.ts';
import { z } from 'zod';
import { notesInput } from './notes.ts';

/**
 * Call notes over HTTP (mounted under /api behind express.json()): the same saves the page sends over the
 * socket, for a page without one, and reading them back.
 */
export function notesRoutes(h: Hotline): Router {
  const router = express.Router();

  router.get('/calls/:sid/notes', requireStaff(h), async (req, res) => {
    await answering(res, async () => ({ notes: await notesForCall(h, currentStaff(res), String(req.params['sid'])) }));
  });

  router.put('/calls/:sid/notes', requireStaff(h, ['agent', 'supervisor']), async (req, res) => {
    await answering(res, async () => {
      const me = currentStaff(res);
      const saved = await saveNotes(h, me.id, String(req.params['sid']), parseNotes(req.body));
      if (saved.applied && saved.disposition) await releaseHeldWrapUp(h, me.id);
      return { ok: true, version: saved.version, savedAt: saved.savedAt };
    });
  });

  return router;
}

async function answering(res: Response, work: () => Promise<object>): Promise<void> {
  try {
    res.json(await work());
  } catch (err) {
    if (!(err instanceof NotesError)) throw err;
    res.status(err.status).json({ error: err.message, ...(err.field ? { field: err.field } : {}) });
  }
}

const callSid = z.object({ sid: z.string().meta({ description: "The call's sid (CA…)." }) });

/** These routes in /api/openapi.json (src/api/openapi.ts). */
export const notesPaths: ZodOpenApiPathsObject = {
  '/api/calls/{sid}/notes': {
    get: operation({ summary: "A call's notes (an agent reads their own)", tags: ['notes'], who: 'staff', path: callSid, ok: { schema: described('{ notes: [...] }'), description: 'The notes.' }, also: { 403: 'Not your call.', 404: 'No such call.' } }),
    put: operation({
      summary: 'Save the notes of a call (the newest version wins)',
      tags: ['notes'],
      who: ['agent', 'supervisor'],
      path: callSid,
      body: notesInput,
      ok: { schema: described('{ ok: true, version, savedAt }'), description: 'Saved (or a newer version was already there).' },
      also: { 404: 'No such call.' },
    }),
  },
};
