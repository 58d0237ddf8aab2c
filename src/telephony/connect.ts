import type { Router } from 'express';
import { dialEnded, legProgress } from '../acd/offers.ts';
import { placement, type Placement } from '../acd/placement.ts';
import { speak } from '../ivr/engine.ts';
import type { Prompt } from '../ivr/flow.ts';
import { surveyAfterCall } from '../surveys/webhooks.ts';
import { answering, recording, type Webhooks } from './answering.ts';
import { dialParams, numberQuery, parseParams, statusParams, voiceParams } from './params.ts';
import { renderDial, renderHangup, renderQueue } from './twiml.ts';

/**
 * Connecting a waiting caller to an agent, Twilio's way: the ACD redirects the caller's live call to
 * `/connect`, which Dials the agent's softphone; the agent leg reports to `/agent-leg`; when the Dial is
 * over the caller's leg continues at `/after-call` (into the post-call survey when the agent ended a
 * conversation, src/surveys). `/requeue` takes a caller back to waiting.
 */

const offerQuery = numberQuery('offer', 'an offer number');

/** Seconds the carrier lets a Dial ring beyond the ring limit: our own deadline should act first. */
const DIAL_SLACK_SECONDS = 10;

export function connectWebhooks(router: Router, w: Webhooks): void {
  const { h } = w;
  const dialTimeout = h.config.offerRingLimit * h.config.ringCycleSeconds + DIAL_SLACK_SECONDS;

  const render = (place: Placement): string => {
    if (place.kind === 'dial') return renderDial([], place.client, place.offerId, dialTimeout, w.urls);
    if (place.kind === 'queue') return renderQueue([], place.queue, w.urls);
    return renderHangup(say(w, w.flow.messages.thanks, place.language));
  };

  router.post('/connect', answering(w, async (req) => {
    const p = parseParams(voiceParams, req.body);
    parseParams(offerQuery, req.query);
    return render(await placement(h, p.CallSid));
  }));

  router.post('/requeue', answering(w, async (req) => {
    const p = parseParams(voiceParams, req.body);
    return render(await placement(h, p.CallSid));
  }));

  router.post('/after-call', answering(w, async (req) => {
    const p = parseParams(dialParams, req.body);
    const { offer } = parseParams(offerQuery, req.query);
    await dialEnded(h, offer, p.DialCallStatus);
    // The agent ended a conversation and the caller is still on the line: the post-call survey.
    if (p.DialCallStatus === 'completed' && p.CallStatus !== 'completed') {
      const survey = await surveyAfterCall(w, p.CallSid, offer).catch((err: unknown) => {
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
    await legProgress(h, offer, { sid: p.CallSid, status: p.CallStatus, at: eventTime(p.Timestamp, h.now()) });
  }));
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

function say(w: Webhooks, prompt: Prompt, language: string) {
  return speak(w.flow, prompt, { language: language || w.flow.languages[0]!, answers: {} });
}
