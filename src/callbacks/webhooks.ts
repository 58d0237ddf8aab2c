import type { Router } from 'express';
import { callerLeft } from '../acd/offers.ts';
import { endCall } from '../calls/ivr.ts';
import { speak } from '../ivr/engine.ts';
import type { Prompt } from '../ivr/flow.ts';
import { answering, recording, type Webhooks } from '../telephony/answering.ts';
import { answeredParams, FINAL_STATUSES, numberQuery, parseParams, statusParams } from '../telephony/params.ts';
import { renderDial, renderHangup } from '../telephony/twiml.ts';
import { attemptAnswered, attemptProgress } from './attempts.ts';

/**
 * The carrier's webhooks about a call the hotline placed to a passenger (src/callbacks/attempts.ts): its
 * TwiML once answered (`/callback/answer`, with `AnsweredBy`) and its progress (`/callback/status`). The
 * passenger hears nothing from the hotline before the agent is there: a person is put straight through to
 * the agent who is waiting; a machine hears a short message with the case's reference.
 */

const attemptQuery = numberQuery('attempt', 'an attempt number');

/** The agent answers at once (they asked for this call); the slack covers a slow softphone. */
const BRIDGE_TIMEOUT_SECONDS = 20;

export function callbackWebhooks(router: Router, w: Webhooks): void {
  const { h, flow } = w;
  const say = (prompt: Prompt | undefined, language: string, answers: Record<string, string> = {}) =>
    prompt ? speak(flow, prompt, { language: language || flow.languages[0]!, answers }) : [];

  router.post(
    '/callback/answer',
    answering(
      w,
      async (req) => {
        const p = parseParams(answeredParams, req.body);
        const { attempt } = parseParams(attemptQuery, req.query);
        const answer = await attemptAnswered(h, attempt, p.CallSid, p.AnsweredBy);
        if (answer.kind === 'bridge') return renderDial([], answer.client, answer.offerId, BRIDGE_TIMEOUT_SECONDS, w.urls);
        // The reference is read out one character at a time.
        if (answer.kind === 'message') return renderHangup(say(flow.messages.callbackMachine, answer.language, { reference: answer.reference.split('').join(' ') }));
        return renderHangup(say(flow.messages.callbackSorry ?? flow.messages.thanks, answer.language));
      },
      // The hotline cannot think: the passenger is not left in silence, and is called again (the attempt's deadline).
      () => renderHangup(say(flow.messages.callbackSorry ?? flow.messages.unavailable, '')),
    ),
  );

  router.post(
    '/callback/status',
    recording(h, 'callback status', async (req) => {
      const p = parseParams(statusParams, req.body);
      const { attempt } = parseParams(attemptQuery, req.query);
      await attemptProgress(h, attempt, p.CallSid, p.CallStatus);
      if (!FINAL_STATUSES.has(p.CallStatus)) return;
      // As for a caller's call: the call is over, and an agent's phone still ringing for it stops.
      await endCall(h, p.CallSid, p.CallDuration, p.Timestamp ?? h.now());
      await callerLeft(h, p.CallSid);
    }),
  );
}
