import type { Router } from 'express';
import { z } from 'zod';
import type { Hotline } from '../hotline.ts';
import { recording } from '../telephony/answering.ts';
import { numberQuery, parseParams } from '../telephony/params.ts';
import { recordingProgress } from './recordings.ts';

/**
 * `POST /twilio/recording?offer=N`: the carrier's status callback for the recording of an offer's
 * conversation (`in-progress`, then `completed` or `absent`; `failed` on the carrier's error). Signed and
 * checked like every /twilio request (the router's middleware); unknown parameters pass through.
 */

const offerQuery = numberQuery('offer', 'an offer number');

const whole = (what: string) =>
  z
    .string({ error: `must be a whole number of ${what}` })
    .regex(/^\d{1,9}$/, `must be a whole number of ${what}`)
    .transform(Number);

const recordingParams = z.looseObject({
  RecordingSid: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be text') }).regex(/^RE[0-9a-zA-Z]{32}$/, 'must be RE followed by 32 letters or digits'),
  // Statuses the hotline does not follow (Twilio's resource also knows paused, stopped, processing …) are let be.
  RecordingStatus: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be text') }).regex(/^[a-z-]{1,32}$/, 'must be a recording status such as completed'),
  // Twilio sends -1 while a recording is in progress.
  RecordingDuration: z.union([z.literal('-1').transform(() => undefined), whole('seconds')]).optional(),
  RecordingChannels: z.enum(['1', '2'], { error: 'must be 1 or 2' }).optional(),
  RecordingUrl: z.url({ error: 'must be a URL' }).optional(),
  ErrorCode: z.string().regex(/^\d{1,9}$/, 'must be a number').optional(),
});

const FOLLOWED = ['in-progress', 'completed', 'absent', 'failed'] as const;
type Followed = (typeof FOLLOWED)[number];

export function recordingWebhooks(router: Router, h: Hotline): void {
  router.post('/recording', recording(h, 'recording status callback', async (req) => {
    const p = parseParams(recordingParams, req.body);
    const { offer } = parseParams(offerQuery, req.query);
    if (!FOLLOWED.includes(p.RecordingStatus as Followed)) return;
    await recordingProgress(h, offer, {
      recordingSid: p.RecordingSid,
      status: p.RecordingStatus as Followed,
      durationSeconds: p.RecordingDuration,
      channels: p.RecordingChannels === '2' ? 'dual' : p.RecordingChannels === '1' ? 'mono' : undefined,
      url: p.RecordingUrl,
      errorCode: p.ErrorCode === '0' ? undefined : p.ErrorCode,
    });
  }));
}
