import { Readable } from 'node:stream';
import type { ReadableStream as WebStream } from 'node:stream/web';
import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import type { Hotline } from '../hotline.ts';
import { Refused } from '../acd/conversation.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import { RecordingMissing } from '../telephony/carrier/carrier.ts';
import { findRecording, listRecordings, pauseRecording } from './recordings.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation } from '../api/describe.ts';

/** Who may hear recordings: the floor's supervisors, managers, and the trainers who review calls. */
const LISTENERS = ['supervisor', 'manager', 'trainer'] as const;

export const listQuery = z.strictObject({
  callSid: z.string({ error: 'callSid must be a call sid' }).regex(/^CA[0-9a-zA-Z]{32}$/, 'callSid must be CA followed by 32 letters or digits').optional(),
  staffId: z.string({ error: 'staffId must be a whole number' }).regex(/^\d{1,9}$/, 'staffId must be a whole number').transform(Number).optional(),
});
export const idParam = z.string().regex(/^\d{1,9}$/, 'id must be a recording number').transform(Number);
export const pauseBody = z.strictObject({ paused: z.boolean({ error: 'paused must be true (pause) or false (resume)' }) });

/**
 * Mounted under /api.
 * GET /recordings?callSid=&staffId=: a call's recordings, or an agent's, newest first (supervisors,
 * managers, trainers); never the carrier's URL.
 * GET /recordings/:id/audio: the recording's audio (WAV), fetched from the carrier with the account's
 * credentials and passed on: the browser never learns where the carrier keeps it.
 * POST /softphone/recording {paused}: the agent pauses the recording of their conversation while taking
 * card or ID details, and resumes it.
 */
export function recordingRoutes(h: Hotline): Router {
  const router = express.Router();

  router.get('/recordings', requireStaff(h, LISTENERS), async (req, res) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) return void refuse(res, new Refused(query.error.issues[0]!.message, 400, String(query.error.issues[0]!.path[0] ?? 'query')));
    res.set('Cache-Control', 'no-store').json({ recordings: await listRecordings(h, query.data) });
  });

  router.get('/recordings/:id/audio', requireStaff(h, LISTENERS), async (req, res) => {
    const id = idParam.safeParse(req.params['id']);
    if (!id.success) return void refuse(res, new Refused(id.error.issues[0]!.message, 400, 'id'));
    const row = await findRecording(h, id.data);
    if (!row) return void refuse(res, new Refused(`no recording ${id.data}`, 404));
    if (row.status === 'deleted') return void res.status(410).json({ error: `recording ${row.id} was deleted after the retention period` });
    if (row.status === 'in-progress' || row.status === 'paused') return void refuse(res, new Refused(`recording ${row.id} is still going on`, 409));
    if (row.status !== 'completed' || !row.carrierSid) return void refuse(res, new Refused(`recording ${row.id} holds no audio (${row.status})`, 404));
    let audio;
    try {
      audio = await h.carrier.fetchRecording(row.carrierSid);
    } catch (err) {
      if (err instanceof RecordingMissing) return void refuse(res, new Refused(`the carrier no longer has recording ${row.id}`, 404));
      h.log.warn({ recordingId: row.id, err: (err as Error).message }, 'could not fetch a recording from the carrier');
      return void refuse(res, new Refused('the carrier could not give the recording; try again', 502));
    }
    res.status(200).set({
      'Content-Type': 'audio/wav',
      'Cache-Control': 'private, no-store',
      'Content-Disposition': `inline; filename="recording-${row.id}.wav"`,
      ...(audio.length !== undefined ? { 'Content-Length': String(audio.length) } : {}),
    });
    if (Buffer.isBuffer(audio.body)) return void res.end(audio.body);
    const body = Readable.fromWeb(audio.body as WebStream<Uint8Array>);
    // A download cut off half-way ends the response; the listener's player shows it broke.
    body.on('error', (err) => {
      h.log.warn({ recordingId: row.id, err: err.message }, 'a recording download broke off');
      res.destroy(err);
    });
    res.on('close', () => body.destroy());
    body.pipe(res);
  });

  router.post('/softphone/recording', requireStaff(h, ['agent', 'supervisor']), async (req, res) => {
    const body = pauseBody.safeParse(req.body ?? {});
    if (!body.success) return void refuse(res, new Refused(body.error.issues[0]!.message, 400, String(body.error.issues[0]!.path[0] ?? 'paused')));
    try {
      res.json(await pauseRecording(h, currentStaff(res).id, body.data.paused));
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      refuse(res, err);
    }
  });

  return router;
}

function refuse(res: Response, err: Refused): void {
  res.status(err.status).json({ error: err.message, ...(err.field ? { field: err.field } : {}) });
}

/** These routes in /api/openapi.json (src/api/openapi.ts). */
export const recordingPaths: ZodOpenApiPathsObject = {
  '/api/recordings': {
    get: operation({ summary: "A call's or an agent's recordings, newest first", tags: ['recordings'], who: LISTENERS, query: listQuery, ok: { schema: described('{ recordings: [...] } (never the carrier\'s URL).'), description: 'The recordings.' } }),
  },
  '/api/recordings/{id}/audio': {
    get: operation({
      summary: "A recording's audio",
      tags: ['recordings'],
      who: LISTENERS,
      path: z.object({ id: idParam }),
      ok: { schema: z.string().meta({ format: 'binary' }), contentType: 'audio/wav', description: 'The WAV audio, passed on from the carrier.' },
      also: { 404: 'No such recording, or it holds no audio.', 409: 'Still being recorded.', 410: 'Deleted after the retention period.', 502: 'The carrier could not give it.' },
    }),
  },
  '/api/softphone/recording': {
    post: operation({ summary: 'Pause the recording of the conversation (card or ID details), or resume it', tags: ['recordings', 'softphone'], who: ['agent', 'supervisor'], body: pauseBody, ok: { schema: described('The recording state.'), description: 'Paused or resumed.' }, also: { 409: 'No recording to pause or resume.' } }),
  },
};
