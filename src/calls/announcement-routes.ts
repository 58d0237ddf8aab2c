import express, { type Router } from 'express';
import { z } from 'zod';
import type { Hotline } from '../hotline.ts';
import { refusing, unspeakable } from '../input.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import { BadRequest, parseParams } from '../telephony/params.ts';
import { getAnnouncement, setAnnouncement } from './announcement.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation } from '../api/describe.ts';

/** Long enough for a suspension notice, short enough to be heard to the end before the menu. */
export const ANNOUNCEMENT_MAX_CHARS = 500;

/** The languages callers can hear an announcement in: those of the flows with an `announcement` node. */
export function announcementLanguages(h: Hotline): string[] {
  const languages = new Set<string>();
  for (const flow of h.flows.values()) {
    if (Object.values(flow.nodes).some((n) => n.kind === 'announcement')) for (const l of flow.languages) languages.add(l);
  }
  return [...languages];
}

export function announcementBody(languages: string[]) {
  const text = z
    .string({ error: (i) => (i.input === null ? 'must be text (leave the language out instead)' : 'must be text') })
    .trim()
    .min(1, 'must not be empty (leave the language out instead)')
    .max(ANNOUNCEMENT_MAX_CHARS, `must be at most ${ANNOUNCEMENT_MAX_CHARS} characters`)
    // Every caller who reaches the announcement is read it: one character TwiML cannot carry would fail them all.
    .check(refusing(unspeakable));
  return z
    .record(z.string(), z.unknown(), { error: 'must be an object of texts per language' })
    .superRefine((body, ctx) => {
      for (const key of Object.keys(body)) {
        if (!languages.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `is not a language of the hotline: use ${languages.join(', ')}` });
      }
      if (Object.keys(body).length === 0) ctx.addIssue({ code: 'custom', path: [], message: `needs a text in at least one of ${languages.join(', ')}` });
    })
    .pipe(z.record(z.string(), text));
}

/**
 * The IVR announcement over HTTP (mounted under /api): supervisors and managers read, set and clear it. The
 * IVR's `announcement` node reads it from the settings table on each call, so it takes effect for the
 * next caller.
 */
export function announcementRoutes(h: Hotline): Router {
  const router = express.Router();
  const allowed = requireStaff(h, ['supervisor', 'manager']);

  router.get('/announcement', allowed, async (_req, res) => {
    // With the languages it may be given in, so the page offers a text for each.
    res.json({ announcement: await getAnnouncement(h.database.db), languages: announcementLanguages(h) });
  });

  router.put('/announcement', allowed, async (req, res) => {
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) throw new BadRequest('request must be a JSON object of texts per language');
    const announcement = parseParams(announcementBody(announcementLanguages(h)), req.body);
    await setAnnouncement(h.database.db, announcement);
    const by = currentStaff(res);
    h.log.info({ by: by.employeeNo, role: by.role, languages: Object.keys(announcement) }, 'announcement set');
    res.json({ announcement });
  });

  router.delete('/announcement', allowed, async (_req, res) => {
    await setAnnouncement(h.database.db, null);
    const by = currentStaff(res);
    h.log.info({ by: by.employeeNo, role: by.role }, 'announcement cleared');
    res.json({ announcement: null });
  });

  return router;
}

const announcement = described('{ announcement: { <language>: text } | null }');

/** These routes in /api/openapi.json (src/api/openapi.ts). The languages are the flows': zh-CN, en-US, yue-HK. */
export const announcementPaths: ZodOpenApiPathsObject = {
  '/api/announcement': {
    get: operation({ summary: 'The announcement callers hear before the menu, and the languages it may be given in', tags: ['announcement'], who: ['supervisor', 'manager'], ok: { schema: described('{ announcement, languages }'), description: 'The announcement.' } }),
    put: operation({ summary: 'Set the announcement (per language), for the next caller on', tags: ['announcement'], who: ['supervisor', 'manager'], body: announcementBody(['zh-CN', 'en-US', 'yue-HK']), ok: { schema: announcement, description: 'Set.' } }),
    delete: operation({ summary: 'Clear the announcement', tags: ['announcement'], who: ['supervisor', 'manager'], ok: { schema: announcement, description: 'Cleared.' } }),
  },
};
