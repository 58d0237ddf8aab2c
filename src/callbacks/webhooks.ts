import type { Router } from 'express';
import { callerLeft } from '../acd/offers.ts';
import { endCall } from '../calls/ivr.ts';
import { speak } from '../ivr/engine.ts';
import type { Prompt } from '../ivr/flow.ts';
import { answering, recording, type Webhooks } from '../telephony/answering.ts';
import { answeredParams, FINAL_STATUSES, numberQuery, parseParams, statusParams } from '../telephony/params.ts';
import { roomFor } from '../acd/placement.ts';
import { renderConference, renderHangup } from '../telephony/twiml.ts';
import { attemptAnswered, attemptProgress } from './attempts.ts';

/**
 * The carrier's webhooks about a call the hotline placed to a passenger (src/callbacks/attempts.ts): its
 * TwiML once answered (`/callback/answer`, with `AnsweredBy`) and its progress (`/callback/status`). The
 * passenger hears nothing from the hotline before the agent is there: a person is put straight into the
 * conversation's room, where the agent who is waiting is dialled in (src/acd/conversation.ts); a machine
 * hears a short message with the case's reference.
 */

const attemptQuery = numberQuery('attempt', 'an attempt number');

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
        // Put through in a room of their own, as every conversation is; the agent is dialled in once they are there.
        if (answer.kind === 'bridge') return renderConference(roomFor(p.CallSid), answer.offerId, answer.queue, w.urls);
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
