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
}

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
