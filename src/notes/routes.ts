import express, { type Response, type Router } from 'express';
import type { Hotline } from '../hotline.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import { releaseHeldWrapUp } from './disposition.ts';
import { notesForCall, NotesError, parseNotes, saveNotes } from './notes.ts';

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
