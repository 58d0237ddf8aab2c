import type { Router } from 'express';
import { z } from 'zod';
import { speak } from '../ivr/engine.ts';
import type { Flow, Prompt } from '../ivr/flow.ts';
import type { IvrOutput } from '../ivr/types.ts';
import { answering, type Webhooks } from '../telephony/answering.ts';
import { gatherParams, inputOf, parseParams, stepQuery } from '../telephony/params.ts';
import { renderHangup, renderIvr } from '../telephony/twiml.ts';
import { answerSurvey, startSurvey, surveyFlow } from './survey.ts';

/**
 * The survey's carrier side: its first question is the Dial action's answer (`surveyAfterCall`, used by
 * telephony/connect.ts); each answer comes to `POST /twilio/survey?seq=N&language=L`. Whatever goes
 * wrong, the caller is thanked and let go: a survey never sends anyone back to a queue.
 */

const surveyQuery = stepQuery.extend({ language: z.string().optional() });

/** The first question after a conversation the agent ended, or undefined when there is no survey. */
export async function surveyAfterCall(w: Webhooks, callSid: string, offerId: number): Promise<string | undefined> {
  const reply = await startSurvey(w.h, callSid, offerId, render(w));
  return reply?.twiml;
}

export function surveyWebhooks(router: Router, w: Webhooks): void {
  const { h } = w;
  router.post(
    '/survey',
    answering(
      w,
      async (req) => {
        const p = parseParams(gatherParams, req.body);
        const { seq, language } = parseParams(surveyQuery, req.query);
        const reply = await answerSurvey(h, p.CallSid, seq, inputOf(p), render(w));
        if (!reply) return goodbye(w, 'thanks', language);
        if (reply.ended) h.bus.emit('changed');
        return reply.twiml;
      },
      // The answer could not be recorded (the database is down): say so, thank the caller, hang up.
      (req) => goodbye(w, 'unavailable', typeof req.query['language'] === 'string' ? req.query['language'] : undefined),
    ),
  );
}

function render(w: Webhooks) {
  return (output: IvrOutput, nextSeq: number, language: string) =>
    renderIvr(output, nextSeq, { ...w.urls, step: (seq) => w.urls.survey(seq, language) });
}

/** Thanks and hang up, in the caller's language when the URL still knows it. */
function goodbye(w: Webhooks, message: 'thanks' | 'unavailable', language: string | undefined): string {
  // Without a survey flow (removed since the question was asked) the hotline's thanks is all there is to say.
  const survey = surveyFlow(w.h);
  const flow: Flow = survey ?? w.flow;
  const prompt: Prompt = survey ? survey.messages[message] : w.flow.messages.thanks;
  const spokenIn = language && flow.languages.includes(language) ? language : flow.languages[0]!;
  return renderHangup(speak(flow, prompt, { language: spokenIn, answers: {} }));
}
