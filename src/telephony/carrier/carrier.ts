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
}

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
