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
  /** Fetched by the caller's leg when the ACD redirects it to ring an agent for this offer. */
  connect(offerId: number): string;
  /** The agent leg's status callbacks for this offer. */
  agentLeg(offerId: number): string;
  /** The Dial's action: the caller's leg goes on here once the agent's leg is over. */
  afterCall(offerId: number): string;
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

/** Ring the agent's softphone; the ring is reported to `agentLeg` and the caller goes on at `afterCall`. */
export function renderDial(said: Utterance[], client: string, offerId: number, timeoutSeconds: number, urls: Urls): string {
  const response = new VoiceResponse();
  utter(response, said);
  const dial = response.dial({ action: urls.afterCall(offerId), method: 'POST', timeout: timeoutSeconds, answerOnBridge: true });
  dial.client(
    {
      statusCallback: urls.agentLeg(offerId),
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    },
    client,
  );
  return response.toString();
}

/** Put the caller (back) in the carrier's queue to wait; the ACD decides when they leave it. */
export function renderQueue(said: Utterance[], queue: string, urls: Urls): string {
  const response = new VoiceResponse();
  utter(response, said);
  enqueue(response, queue, urls);
  return response.toString();
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
