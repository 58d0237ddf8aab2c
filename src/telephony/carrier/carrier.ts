/**
 * The one interface through which the hotline acts on live calls. `twilio` drives Twilio's REST API;
 * `simulator` plays Twilio's part inside this process (see ./simulator).
 */
export interface Carrier {
  readonly kind: 'twilio' | 'simulator';
  /** Take a live call out of whatever it is doing (a queue, a Gather) and fetch new TwiML from `url` (absolute) with POST. */
  redirect(callSid: string, url: string): Promise<void>;
  /** End a live call. */
  hangup(callSid: string): Promise<void>;
}
