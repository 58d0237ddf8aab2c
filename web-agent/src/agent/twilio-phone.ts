import { Call, Device } from '@twilio/voice-sdk';
import { api } from '../shared/session.ts';
import { rowNumber, type IncomingCall, type Phone } from './phone.ts';

type VoiceToken = { token: string; identity: string; expiresAt: string; ttlSeconds: number };

/** Real audio through Twilio: a Device registered as client:agent_<employeeNo>, its token renewed before expiry. */
export async function twilioPhone(): Promise<Phone> {
  const first = await api<VoiceToken>('/api/voice/token');
  // tokenWillExpire fires this long before the token runs out.
  const device = new Device(first.token, { tokenRefreshMs: 60_000, closeProtection: true });
  device.on('tokenWillExpire', () => {
    api<VoiceToken>('/api/voice/token').then(
      (next) => device.updateToken(next.token),
      () => undefined, // the next tokenWillExpire or a reload tries again
    );
  });
  const listeners: Array<(call: IncomingCall) => void> = [];
  device.on('incoming', (call: Call) => {
    const endedListeners: Array<(reason: string) => void> = [];
    const end = (reason: string) => () => endedListeners.splice(0).forEach((listener) => listener(reason));
    call.on('cancel', end('caller-hung-up'));
    call.on('reject', end('rejected'));
    call.on('disconnect', end('completed'));
    call.on('error', end('failed'));
    // A leg names its offer (a callback's is answered by the page itself), or the monitoring it is for.
    const offerId = rowNumber(call.customParameters.get('offerId'));
    const monitorId = rowNumber(call.customParameters.get('monitor'));
    const consultOfferId = rowNumber(call.customParameters.get('consult'));
    const incoming: IncomingCall = {
      from: call.parameters['From'] ?? '',
      ...(offerId ? { offerId } : {}),
      ...(monitorId ? { monitorId } : {}),
      ...(consultOfferId ? { consultOfferId } : {}),
      ringingSince: new Date(),
      accept: async () => call.accept(),
      reject: async () => call.reject(),
      hangup: async () => call.disconnect(),
      mute: async (on) => call.mute(on),
      onEnded: (listener) => endedListeners.push(listener),
    };
    // The agent leg's CallSid is not the caller's call; the screen-pop from /agents names that one.
    for (const listener of listeners) listener(incoming);
  });
  await device.register();
  return {
    onIncoming: (listener) => listeners.push(listener),
    close: () => device.destroy(),
  };
}
