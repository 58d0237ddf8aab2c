/**
 * The one interface through which the hotline acts on live calls. `twilio` drives Twilio's REST API;
 * `simulator` plays Twilio's part inside this process (see ./simulator).
 */
export interface Carrier {
  readonly kind: 'twilio' | 'simulator';
  /**
   * Take a live call out of whatever it is doing (a queue, a Gather) and fetch new TwiML from `url` (absolute)
   * with POST. Throws `CallGone` when the carrier no longer has the call live.
   */
  redirect(callSid: string, url: string): Promise<void>;
  /** End a live call. Throws `CallGone` when it is already over. */
  hangup(callSid: string): Promise<void>;
  /** Whether the carrier still holds this call: `over` once completed, `unknown` for a call it does not have. */
  callState(callSid: string): Promise<CallState>;
  /**
   * Place a call to a passenger (Twilio: `calls.create`). Resolves with the new call's sid once the carrier
   * has taken the request; what happens next arrives as webhooks: `statusCallback` hears `initiated`,
   * `ringing`, `in-progress` and the end (`completed`, `busy`, `no-answer`, `failed`, `canceled`), and `url`
   * is fetched for TwiML once the call is answered, with `AnsweredBy` (answering-machine detection).
   */
  placeCall(call: PlaceCall): Promise<{ sid: string }>;
  /**
   * Dial someone into the conference named `conference` (Twilio: `conferences(name).participants.create`;
   * the room is created on first join). Resolves with the new leg's call sid once the carrier has taken the
   * request; the leg's progress arrives at `statusCallback` as a call's would (`initiated`, `ringing`,
   * `in-progress`, then `completed`, `busy`, `no-answer`, `failed` or `canceled`). A ringing leg is ended with
   * `hangup` (canceled); an answered one with `hangup` too (it leaves the room).
   */
  addParticipant(conference: string, participant: NewParticipant): Promise<{ callSid: string }>;
  /**
   * Change a participant of the live conference `conference` (its sid, `CF…`: Twilio finds a room by
   * friendly name only when adding to it): hold (hearing `holdUrl`, or silence), mute, coach (heard only
   * by `callSidToCoach`), or whether the room ends when they leave. Throws `CallGone` when the participant
   * is no longer in the conference (or the conference is over).
   */
  updateParticipant(conference: string, callSid: string, change: ParticipantChange): Promise<void>;
  /**
   * Start recording a live call (Twilio: `calls(CA).recordings.create`). Resolves with the recording's sid
   * (`RE…`) once the carrier has taken the request; `statusCallback` then hears `in-progress`, and once it is
   * stopped or the call ends `completed` (with its URL, duration and channels) or `absent` (nothing was
   * recorded). Throws `CallGone` when the call is over.
   */
  startRecording(callSid: string, options: { statusCallback: string; channels: RecordingChannels }): Promise<{ sid: string }>;
  /**
   * Pause (skipping the paused time: the recording holds none of it), resume or stop a call's recording.
   * Throws `CallGone` when the call or the recording is no longer live.
   */
  updateRecording(callSid: string, recordingSid: string, status: 'paused' | 'in-progress' | 'stopped'): Promise<void>;
  /** Delete a recording at the carrier; one the carrier no longer has counts as deleted. */
  deleteRecording(recordingSid: string): Promise<void>;
  /**
   * A finished recording's audio (WAV), fetched with the account's credentials: never hand its URL to a
   * browser. Throws `RecordingMissing` when the carrier has no such recording (deleted, or never made).
   */
  fetchRecording(recordingSid: string): Promise<RecordingAudio>;
}

/** `dual`: the caller on one channel and what they hear (the agent) on the other; `mono`: both mixed. */
export type RecordingChannels = 'dual' | 'mono';

export type RecordingAudio = {
  contentType: string;
  /** Bytes, when known (a Content-Length to pass on). */
  length: number | undefined;
  body: Buffer | ReadableStream<Uint8Array>;
};

/** The carrier has no such recording: it was deleted, or never made. */
export class RecordingMissing extends Error {
  constructor(readonly recordingSid: string) {
    super(`the carrier has no recording ${recordingSid}`);
  }
}

export type NewParticipant = {
  /** `client:agent_1001` (query parameters after `?` reach the softphone as custom parameters) or E.164. */
  to: string;
  /** What the dialled party sees: the hotline's number, or the caller's. */
  from: string;
  /** The participant's label in the room and in its conference events (`agent`, `consult`, `supervisor`). */
  label: string;
  /** The leg's progress, POSTed: `initiated ringing answered completed`. */
  statusCallback: string;
  /** Seconds to let it ring before giving up (`no-answer`). */
  timeoutSeconds: number;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  /** Joins muted (a supervisor listening). */
  muted?: boolean;
  /** Joins coaching this call's participant: heard by them alone (a supervisor whispering). */
  callSidToCoach?: string;
  /** The room's events (`start end join leave mute hold modify`), POSTed, if this participant creates it. */
  conferenceStatusCallback?: string;
};

export type ParticipantChange = {
  hold?: boolean;
  /** What a held participant hears (fetched for TwiML: `<Play>` or `<Say>`); silence when absent. */
  holdUrl?: string;
  muted?: boolean;
  /** Coaching on (with `callSidToCoach`) or off (then heard by everyone: a barge). */
  coaching?: boolean;
  callSidToCoach?: string;
  endConferenceOnExit?: boolean;
};

export type PlaceCall = {
  /** The passenger's number (E.164). */
  to: string;
  /** The hotline's number the passenger sees (TWILIO_CALLER_ID). */
  from: string;
  /** Fetched with POST for TwiML when answered. */
  url: string;
  /** Every progress event, POSTed. */
  statusCallback: string;
  /** Seconds to let it ring before giving up (`no-answer`). */
  timeoutSeconds: number;
  /** `DetectMessageEnd` waits for a machine's greeting to end, so a message left after it is heard whole. */
  machineDetection: 'Enable' | 'DetectMessageEnd';
};

export type CallState = 'live' | 'over' | 'unknown';

/**
 * The carrier says the call is over (Twilio: 21220 "not in-progress") or that it has no such call (404 /
 * 20404): the caller is gone. Any other carrier failure may pass and is worth trying again later.
 */
export class CallGone extends Error {
  constructor(
    readonly callSid: string,
    readonly why: string,
    /** The carrier has no such call at all (it died with a process, or was never the carrier's). */
    readonly unknown: boolean,
  ) {
    super(`call ${callSid} is gone: ${why}`);
  }
}
