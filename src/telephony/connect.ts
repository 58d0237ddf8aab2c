import type { Router } from 'express';
import { z } from 'zod';
import { callerBack, legProgress, roomEnded } from '../acd/offers.ts';
import { placement, type Placement } from '../acd/placement.ts';
import { speak } from '../ivr/engine.ts';
import type { Prompt } from '../ivr/flow.ts';
import type { Utterance } from '../ivr/types.ts';
import { surveyAfterCall } from '../surveys/webhooks.ts';
import { answering, recording, type Webhooks } from './answering.ts';
import { callerJoined } from '../acd/conversation.ts';
import { transferred } from '../acd/transfer.ts';
import { monitorLegProgress } from '../acd/monitor.ts';
import { consultLegProgress } from '../acd/consult.ts';
import { conferenceParams, dialParams, numberQuery, parseParams, statusParams, voiceParams } from './params.ts';
import { CALLER_LABEL, renderConference, renderHangup, renderHoldMusic, renderQueue } from './twiml.ts';

/**
 * Connecting a waiting caller to an agent, Twilio's way: the ACD redirects the caller's live call to
 * `/connect`, which puts them in their conversation's conference room; the room's events come to
 * `/conference`, and once the caller is in it the ACD dials the agent in (src/acd/conversation.ts), whose leg
 * reports to `/agent-leg`. When the room is over the caller's leg continues at `/after-call` (into the
 * post-call survey when they talked to the agent, src/surveys). A passenger called back joins a room the
 * same way (src/callbacks/webhooks.ts). `/requeue` takes a caller back to waiting; `/transfer` to another
 * queue; `/consult-leg` and `/monitor-leg` hear of a colleague's and a supervisor's legs into the room;
 * `/hold-music` is what the room plays while the caller waits for the agent or is held.
 */

const offerQuery = numberQuery('offer', 'an offer number');
const monitorQuery = numberQuery('monitor', 'a monitoring number');
// Optional: legs dialled before rooms were named in the callback (and a consult's colleague handed the call) have none.
const roomQuery = z.looseObject({ room: z.string().regex(/^CF[0-9a-zA-Z]{32}$/, 'must be CF followed by 32 letters or digits').optional() });
const transferQuery = z.looseObject({ queue: z.string({ error: 'is required' }).regex(/^[a-z][a-z0-9-]*$/, 'must be a queue name') });

/** Seconds the carrier lets an agent's leg ring beyond the ring limit: our own deadline should act first. */
const DIAL_SLACK_SECONDS = 10;

export function connectWebhooks(router: Router, w: Webhooks): void {
  const { h } = w;
  const ringSeconds = h.config.offerRingLimit * h.config.ringCycleSeconds + DIAL_SLACK_SECONDS;

  const render = (place: Placement, said: Utterance[] = []): string => {
    // Told before joining the room, since the conversation there is recorded from the agent's answer.
    const consent = h.queues.get(place.kind === 'room' ? place.queue : '')?.recording?.enabled ? say(w, w.flow.messages.recordingConsent, place.language) : [];
    if (place.kind === 'room') return renderConference(place.room, place.offerId, place.queue, w.urls, [...said, ...consent]);
    if (place.kind === 'queue') return renderQueue(said, place.queue, w.urls);
    return renderHangup(say(w, w.flow.messages.thanks, place.language));
  };

  router.post('/connect', answering(w, async (req) => {
    const p = parseParams(voiceParams, req.body);
    parseParams(offerQuery, req.query);
    return render(await placement(h, p.CallSid));
  }));

  router.post('/requeue', answering(w, async (req) => {
    const p = parseParams(voiceParams, req.body);
    const place = await placement(h, p.CallSid);
    if (place.kind === 'queue') await callerBack(h, p.CallSid);
    return render(place);
  }));

  router.post('/after-call', answering(w, async (req) => {
    const p = parseParams(dialParams, req.body);
    const { offer } = parseParams(offerQuery, req.query);
    const ended = await roomEnded(h, offer);
    // The agent ended a conversation and the caller is still on the line: the post-call survey.
    if (ended.talked && p.CallStatus !== 'completed') {
      const survey = await surveyAfterCall(w, p.CallSid, ended.offerId).catch((err: unknown) => {
        h.log.error({ err, callSid: p.CallSid }, 'survey could not start; saying goodbye');
        return undefined;
      });
      if (survey) return survey;
    }
    // Otherwise after a conversation the call is closing (goodbye); without one the caller is back in the queue.
    return render(await placement(h, p.CallSid));
  }));

  router.post('/agent-leg', recording(h, 'agent leg callback', async (req) => {
    const p = parseParams(statusParams, req.body);
    const { offer } = parseParams(offerQuery, req.query);
    const { room } = parseParams(roomQuery, req.query);
    await legProgress(h, offer, { sid: p.CallSid, status: p.CallStatus, at: eventTime(p.Timestamp, h.now()), room });
  }));

  router.post('/conference', recording(h, 'conference event', async (req) => {
    const p = parseParams(conferenceParams, req.body);
    const { offer } = parseParams(offerQuery, req.query);
    // The caller is in the room: now the agent is dialled in (once per room, however often this is told).
    if (p.StatusCallbackEvent === 'participant-join' && p.ParticipantLabel === CALLER_LABEL) {
      await callerJoined(h, offer, { name: p.FriendlyName, sid: p.ConferenceSid }, { statusCallback: w.urls.agentLeg(offer, p.ConferenceSid), timeoutSeconds: ringSeconds });
    }
  }));

  // The carrier brought the caller out of the room to pass them to another queue (src/acd/transfer.ts).
  router.post('/transfer', answering(w, async (req) => {
    const p = parseParams(voiceParams, req.body);
    const { offer } = parseParams(offerQuery, req.query);
    const { queue } = parseParams(transferQuery, req.query);
    await transferred(h, offer, queue);
    const place = await placement(h, p.CallSid);
    return place.kind === 'queue' ? render(place, say(w, w.flow.messages.transferring, place.language)) : render(place);
  }));

  router.post('/consult-leg', recording(h, 'consult leg callback', async (req) => {
    const p = parseParams(statusParams, req.body);
    const { offer } = parseParams(offerQuery, req.query);
    await consultLegProgress(h, offer, { sid: p.CallSid, status: p.CallStatus, at: eventTime(p.Timestamp, h.now()) }, w.urls.holdMusic);
  }));

  router.post('/monitor-leg', recording(h, 'monitor leg callback', async (req) => {
    const p = parseParams(statusParams, req.body);
    const { monitor } = parseParams(monitorQuery, req.query);
    await monitorLegProgress(h, monitor, p.CallStatus);
  }));

  router.post('/hold-music', (req, res) => {
    const queue = typeof req.query['queue'] === 'string' ? h.queues.get(req.query['queue']) : undefined;
    res.type('text/xml').send(renderHoldMusic(queue?.hold.music));
  });
}

/**
 * When a callback's event happened. Twilio's `Timestamp` is cut to the whole second and may be late (a
 * retried callback); our arrival time is precise but carries the delivery delay. The event was within the
 * stamped second and not after its arrival: the later of the two bounds, so that a callback delivered late
 * on a busy machine is not counted a whole second early (the carrier's stamp only when it has a usable one:
 * src/telephony/params.ts).
 */
export function eventTime(stamped: Date | undefined, arrived: Date): Date {
  if (!stamped) return arrived;
  const lag = arrived.getTime() - stamped.getTime();
  if (lag < 0) return stamped;
  // The stamp is cut to the whole second: the event was within the second after it, and not after arrival.
  return new Date(Math.min(arrived.getTime(), stamped.getTime() + STAMP_RESOLUTION_MS - 1));
}

/** Twilio's `Timestamp` has whole seconds. */
const STAMP_RESOLUTION_MS = 1000;

function say(w: Webhooks, prompt: Prompt | undefined, language: string) {
  if (!prompt) return [];
  return speak(w.flow, prompt, { language: language || w.flow.languages[0]!, answers: {} });
}
