import type { Flow, Flows, Prompt } from './flow.ts';

/** One thing the caller hears. */
export type Utterance = { say: string; language: string; voice?: string } | { play: string };

/** How the IVR listens for the caller's answer. */
export type Listen = {
  prompt: Utterance[];
  timeoutSeconds: number;
  /** Exactly this many keys end the input; otherwise `finishOnKey` or the timeout does. */
  numDigits?: number;
  finishOnKey: string;
  /** Twilio's speech-recognition language when speech is accepted too. */
  speechLanguage?: string;
};

/** What the caller hears after a step, and what happens then. */
export type IvrOutput = {
  said: Utterance[];
  then:
    | ({ kind: 'listen' } & Listen)
    | { kind: 'queue'; queue: string; priority: number }
    | { kind: 'hangup' };
};

/** Where a call is in the IVR: a plain row-shaped value stored with the call. */
export type IvrState = {
  flow: string;
  node: string;
  language: string;
  /** How many times the current node was replayed after no or invalid input. */
  attempt: number;
  answers: Record<string, string>;
  /** Every node the call entered, as `flow:node`. */
  path: string[];
};

export type IvrInput =
  | { kind: 'digits'; digits: string }
  | { kind: 'speech'; text: string; confidence?: number }
  | { kind: 'silence' };

/** Something that happened in the IVR, for the call's event log. */
export type IvrEvent = { type: string; data: Record<string, unknown> };

export type StepResult = { state: IvrState; output: IvrOutput; events: IvrEvent[] };

export type IvrContext = {
  flows: Flows;
  now: Date;
  timeZone: string;
  /** The announcement a manager set, per language, or null. */
  announcement: Prompt | null;
};

/** What a node module is given while the engine walks the flow. */
export type Walk = {
  ctx: IvrContext;
  flow: Flow;
  state: IvrState;
  said: Utterance[];
  events: IvrEvent[];
  /** Render a prompt in the caller's language (interpolating answers). */
  speak(prompt: Prompt | undefined): Utterance[];
};

/** A node either moves on to another target, or stops the walk with an ending. */
export type Move = { goto: string; language?: string } | { stop: IvrOutput['then'] };
