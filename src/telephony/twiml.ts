import twilio from 'twilio';
import type { Flow } from '../ivr/flow.ts';
import { speak } from '../ivr/engine.ts';
import type { IvrOutput, Utterance } from '../ivr/types.ts';

/** The only place that writes TwiML: from what the IVR decided, with the URLs the carrier calls next. */

const { VoiceResponse } = twilio.twiml;
type Response = InstanceType<typeof VoiceResponse>;
type Speaker = Pick<Response, 'say' | 'play'>;

export type Urls = {
  /** Where the answer to the step numbered `seq` goes. */
  step(seq: number): string;
  /** Polled while the caller waits in `queue`. */
  wait(queue: string): string;
  /** Told how the caller left a queue. */
  queueExit: string;
};

export function renderIvr(output: IvrOutput, nextSeq: number, urls: Urls): string {
  const response = new VoiceResponse();
  utter(response, output.said);
  const then = output.then;
  switch (then.kind) {
    case 'listen': {
      const action = urls.step(nextSeq);
      const gather = response.gather({
        input: then.speechLanguage ? ['dtmf', 'speech'] : ['dtmf'],
        action,
        method: 'POST',
        timeout: then.timeoutSeconds,
        finishOnKey: then.finishOnKey,
        actionOnEmptyResult: true,
        ...(then.numDigits ? { numDigits: then.numDigits } : {}),
        ...(then.speechLanguage ? { language: then.speechLanguage as never } : {}),
      });
      utter(gather, then.prompt);
      // actionOnEmptyResult already posts silence; this is the belt to those braces (same step number).
      response.redirect({ method: 'POST' }, action);
      break;
    }
    case 'queue':
      enqueue(response, then.queue, urls);
      break;
    case 'hangup':
      response.hangup();
      break;
  }
  return response.toString();
}

function enqueue(response: Response, queue: string, urls: Urls): void {
  response.enqueue({ waitUrl: urls.wait(queue), waitUrlMethod: 'POST', action: urls.queueExit, method: 'POST' }, queue);
}

/** What a waiting caller hears on each turn of the queue's wait loop. */
export function renderWait(said: Utterance[], pauseSeconds: number): string {
  const response = new VoiceResponse();
  utter(response, said);
  response.pause({ length: pauseSeconds });
  return response.toString();
}

export function renderHangup(said: Utterance[] = []): string {
  const response = new VoiceResponse();
  utter(response, said);
  response.hangup();
  return response.toString();
}

/**
 * When the hotline cannot think (the database is down): apologise in every language the flow speaks and
 * put the caller in the fallback queue, where an agent can still reach them. Needs nothing but memory.
 */
export function renderUnavailable(flow: Flow, queue: string, urls: Urls): string {
  const response = new VoiceResponse();
  for (const language of flow.languages) utter(response, speak(flow, flow.messages.unavailable, { language, answers: {} }));
  enqueue(response, queue, urls);
  return response.toString();
}

function utter(to: Speaker, said: Utterance[]): void {
  for (const u of said) {
    if ('play' in u) to.play(u.play);
    else to.say({ language: u.language as never, ...(u.voice ? { voice: u.voice as never } : {}) }, u.say);
  }
}
