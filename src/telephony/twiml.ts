import twilio from 'twilio';
import { estimatedMinutes, type WaitTurn } from '../acd/wait.ts';
import type { Flow, Prompt } from '../ivr/flow.ts';
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
  /** The status callbacks of the agent's leg dialled for this offer into this room (by its ConferenceSid). */
  agentLeg(offerId: number, roomSid: string): string;
  /** The Dial's action: the caller's leg goes on here once the agent's leg (or the conversation's room) is over. */
  afterCall(offerId: number): string;
  /** The room's events for this offer's conversation (src/telephony/conference.ts). */
  conference(offerId: number): string;
  /** The leg of a colleague the agent consults, for this offer (src/acd/consult.ts). */
  consultLeg(offerId: number): string;
  /** A monitoring supervisor's leg's status callbacks (src/acd/monitor.ts). */
  monitorLeg(monitorId: number): string;
  /** Where the carrier takes a caller the agent passes to `queue`. */
  transfer(offerId: number, queue: string): string;
  /** What a caller hears waiting in the room for the agent, or on hold: the queue's music, or silence. */
  holdMusic(queue: string): string;
  /** Where the answer to the post-call survey's step numbered `seq` goes; `language` is the caller's. */
  survey(seq: number, language: string): string;
};

/**
 * The IVR's documents, by what they say and where the answer goes: every caller at one step of one menu gets
 * the same document, and building it (xmlbuilder) was ~6 % of a webhook's CPU. The key is the whole content,
 * so nothing goes stale; the oldest of 1,000 is dropped.
 */
const rendered = new Map<string, string>();
const RENDERED_MAX = 1000;

export function renderIvr(output: IvrOutput, nextSeq: number, urls: Urls): string {
  const key = `${urls.step(nextSeq)}\n${JSON.stringify(output)}`;
  let twiml = rendered.get(key);
  if (twiml === undefined) {
    twiml = buildIvr(output, nextSeq, urls);
    if (rendered.size >= RENDERED_MAX) rendered.delete(rendered.keys().next().value!);
    rendered.set(key, twiml);
  }
  return twiml;
}

function buildIvr(output: IvrOutput, nextSeq: number, urls: Urls): string {
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
  response.enqueue({ waitUrl: urls.wait(queue), waitUrlMethod: 'POST', action: urls.queueExit, method: 'POST' }, xmlText(queue));
}

/**
 * Put the caller in the conversation's room (`room`), waiting with the queue's music until the agent joins;
 * the ACD dials the agent in once the room says the caller is there. When the caller leaves, the room ends;
 * when the room ends with the caller still on the line, they go on at `afterCall`.
 */
export function renderConference(room: string, offerId: number, queue: string, urls: Urls, said: Utterance[] = []): string {
  const response = new VoiceResponse();
  utter(response, said);
  const dial = response.dial({ action: urls.afterCall(offerId), method: 'POST' });
  dial.conference(
    {
      participantLabel: CALLER_LABEL,
      startConferenceOnEnter: false,
      endConferenceOnExit: true,
      beep: 'false',
      waitUrl: urls.holdMusic(queue),
      waitMethod: 'POST',
      statusCallback: urls.conference(offerId),
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['start', 'end', 'join', 'leave', 'hold', 'mute', 'modify'],
    },
    xmlText(room),
  );
  return response.toString();
}

/** The caller's label in their conversation's room. */
export const CALLER_LABEL = 'caller';

/** Hold music (or silence) for a room's wait or hold: the carrier loops this document until it is over. */
export function renderHoldMusic(music: string | undefined): string {
  const response = new VoiceResponse();
  if (music) response.play({ loop: 0 }, xmlText(music));
  else response.pause({ length: MUSIC_CLIP_SECONDS });
  return response.toString();
}

/** Put the caller (back) in the carrier's queue to wait; the ACD decides when they leave it. */
export function renderQueue(said: Utterance[], queue: string, urls: Urls): string {
  const response = new VoiceResponse();
  utter(response, said);
  enqueue(response, queue, urls);
  return response.toString();
}

/**
 * Hold music is looped to fill a turn of the wait loop, taking each play of the recording as this long (and
 * rounding up): a hold recording should be a clip about this long, or announcements come late (TwiML cannot
 * cut a <Play> short).
 */
export const MUSIC_CLIP_SECONDS = 10;
/** After a turn's music, how long a caller who may ask for a call back has to press the key. */
export const CALLBACK_KEY_SECONDS = 3;

/**
 * One turn of a queue's wait loop: the place in line and the expected wait when due, the call-back offer,
 * then the queue's music (or silence) for the rest of the turn. Once a call back may be asked for, the whole
 * turn is a <Gather> of one key posted to `keyAction`, so the caller may press 1 during the music too.
 */
export function renderWait(flow: Flow, turn: WaitTurn, keyAction: string): string {
  const response = new VoiceResponse();
  if (turn.kind === 'leave') {
    response.leave();
    return response.toString();
  }
  const say = (prompt: Prompt | undefined, numbers: Record<string, number> = {}) => (prompt ? sayNumbers(flow, prompt, turn.language, numbers) : []);
  const { announce } = turn;
  const estimate = announce?.estimatedSeconds === undefined ? undefined : estimatedMinutes(announce.estimatedSeconds);
  const said = [
    ...(announce ? say(flow.messages.hold, { position: announce.position }) : []),
    ...(estimate === undefined ? [] : estimate <= 1 ? say(flow.messages.estimatedWaitShort) : say(flow.messages.estimatedWait, { minutes: estimate })),
    ...(turn.offerCallback ? say(flow.messages.callbackOffer) : []),
  ];
  const body = turn.callbackKey
    ? response.gather({ input: ['dtmf'], numDigits: 1, action: keyAction, method: 'POST', timeout: CALLBACK_KEY_SECONDS })
    : response;
  utter(body, said);
  const seconds = turn.callbackKey ? Math.max(1, turn.seconds - CALLBACK_KEY_SECONDS) : turn.seconds;
  if (turn.music) body.play({ loop: Math.ceil(seconds / MUSIC_CLIP_SECONDS) }, xmlText(turn.music));
  else body.pause({ length: seconds });
  return response.toString();
}

/**
 * A new caller held at the door while the hotline is overloaded (src/telephony/door.ts): told, in every
 * language the flow speaks (theirs is not known yet), that the lines are busy; then the fallback queue's
 * music for `seconds`, and the carrier asks at `again` whether they may come in. With music the words are
 * said the first time only; without it, at every try, so that the caller does not wait in silence.
 */
export function renderAtTheDoor(flow: Flow, hold: { first: boolean; music: string | undefined; seconds: number }, again: string): string {
  const response = new VoiceResponse();
  const busy = flow.messages.busy;
  if (busy && (hold.first || !hold.music)) utter(response, inEveryLanguage(flow, busy));
  if (hold.music) response.play({ loop: Math.ceil(hold.seconds / MUSIC_CLIP_SECONDS) }, xmlText(hold.music));
  else response.pause({ length: busy ? DOOR_BREATH_SECONDS : hold.seconds });
  response.redirect({ method: 'POST' }, again);
  return response.toString();
}

/** The pause after the busy words, where there is no music, before the carrier asks again. */
const DOOR_BREATH_SECONDS = 2;

/** The caller asked for a call back: confirm it, and leave the queue (its action says goodbye). */
export function renderCallbackConfirmed(flow: Flow, language: string, minutes: number): string {
  const response = new VoiceResponse();
  if (flow.messages.callbackConfirmed) utter(response, sayNumbers(flow, flow.messages.callbackConfirmed, language, { minutes }));
  response.leave();
  return response.toString();
}

/** Back to the queue's wait loop (a key that asks for nothing), after `said`. */
export function renderKeepWaiting(waitUrl: string, said: Utterance[] = []): string {
  const response = new VoiceResponse();
  utter(response, said);
  response.redirect({ method: 'POST' }, waitUrl);
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
  utter(response, unavailableInEveryLanguage(flow));
  enqueue(response, queue, urls);
  return response.toString();
}

/** The apology for a technical problem, in every language the flow speaks (the caller's is not known). */
export function unavailableInEveryLanguage(flow: Flow): Utterance[] {
  return inEveryLanguage(flow, flow.messages.unavailable);
}

/** A prompt said in each language the flow speaks, for a caller whose language is not known yet. */
function inEveryLanguage(flow: Flow, prompt: Prompt): Utterance[] {
  return flow.languages.flatMap((language) => speak(flow, prompt, { language, answers: {} }));
}

/**
 * A prompt in `language` with `{name}` read as a number ("number 12 in line"), where the IVR's answers are
 * read digit by digit.
 */
function sayNumbers(flow: Flow, prompt: Prompt, language: string, numbers: Record<string, number>): Utterance[] {
  return speak(flow, prompt, { language, answers: {} }).map((u) =>
    'say' in u ? { ...u, say: u.say.replace(/\{([a-zA-Z][a-zA-Z0-9_]*)\}/g, (whole, name: string) => (name in numbers ? String(numbers[name]) : whole)) } : u,
  );
}

function utter(to: Speaker, said: Utterance[]): void {
  for (const u of said) {
    if ('play' in u) to.play(xmlText(u.play));
    else to.say({ language: u.language as never, ...(u.voice ? { voice: u.voice as never } : {}) }, xmlText(u.say));
  }
}

/** What XML 1.0 cannot carry: control characters but tab and line breaks, U+FFFE, U+FFFF, lone surrogates. */
const NOT_XML = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\p{Cs}]/gu;

/**
 * Text for a TwiML element, without what XML cannot carry. Input is refused at the edge (src/input.ts), but
 * text already stored (an announcement from before that, a caller's answers read back) must not make the
 * builder throw: that would fail the whole document, and every caller it is built for would hear the
 * apology instead of the IVR. A character that cannot be spoken is no loss when dropped.
 */
function xmlText(text: string): string {
  return text.replace(NOT_XML, '');
}
