import type { Softphone } from './softphone.ts';

/**
 * The page's phone: the carrier simulator (`/phone` namespace) or Twilio's Voice SDK, behind one small
 * interface so no other page code branches on the carrier.
 */
export type IncomingCall = {
  from: string;
  callSid?: string;
  /** The offer the leg is for, where the carrier says (the `offerId` custom parameter). */
  offerId?: number;
  /** A supervisor's leg into a call they asked to monitor (the `monitor` custom parameter). */
  monitorId?: number;
  /** A colleague consulting this agent about their caller (the `consult` custom parameter: their offer). */
  consultOfferId?: number;
  ringingSince: Date;
  accept(): Promise<void>;
  reject(): Promise<void>;
  hangup(): Promise<void>;
  mute(on: boolean): Promise<void>;
  onEnded(listener: (reason: string) => void): void;
};

export type Phone = { onIncoming(listener: (call: IncomingCall) => void): void; close(): void };

/** A leg's custom parameter that names one of our rows by number, when it does. */
export function rowNumber(value: string | null | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : undefined;
}

export async function openPhone(settings: Pick<Softphone, 'carrier'>, token: string): Promise<Phone> {
  if (settings.carrier === 'twilio') return (await import('./twilio-phone.ts')).twilioPhone();
  return (await import('./simulator-phone.ts')).simulatorPhone(token);
}
