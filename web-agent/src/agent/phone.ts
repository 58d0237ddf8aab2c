import type { Softphone } from './softphone.ts';

/**
 * The page's phone: the carrier simulator (`/phone` namespace) or Twilio's Voice SDK, behind one small
 * interface so no other page code branches on the carrier.
 */
export type IncomingCall = {
  from: string;
  callSid?: string;
  /** The offer the leg is for, where the carrier says (Twilio: the `offerId` custom parameter of a callback's leg). */
  offerId?: number;
  ringingSince: Date;
  accept(): Promise<void>;
  reject(): Promise<void>;
  hangup(): Promise<void>;
  mute(on: boolean): Promise<void>;
  /** Only where the carrier allows it. */
  hold?(on: boolean): Promise<void>;
  onEnded(listener: (reason: string) => void): void;
};

export type Phone = { onIncoming(listener: (call: IncomingCall) => void): void; close(): void };

export async function openPhone(settings: Softphone, token: string): Promise<Phone> {
  if (settings.carrier === 'twilio') return (await import('./twilio-phone.ts')).twilioPhone();
  return (await import('./simulator-phone.ts')).simulatorPhone(token);
}
