import type { PhoneAction } from '../../../src/telephony/carrier/simulator/phone.ts';
import { ask, connectTo } from '../shared/socket.ts';
import { rowNumber, type IncomingCall, type Phone } from './phone.ts';

/** The simulated phone: the server relays the simulator's legs dialled to this agent over `/phone`. */
export function simulatorPhone(token: string): Phone {
  const socket = connectTo('/phone', token, { reconnectionDelayMax: 2_000 });
  const incomingListeners: Array<(call: IncomingCall) => void> = [];
  const endedListeners = new Map<string, Array<(reason: string) => void>>();
  const ended = new Set<string>();

  const act = async (event: PhoneAction, legSid: string, on?: boolean) => {
    const ack = await ask(socket, event, on === undefined ? { legSid } : { legSid, on });
    if (!ack.ok) throw new Error(ack.error);
  };

  socket.on('incoming', (leg) => {
    // On reconnecting, the server tells of a leg still ringing again: one IncomingCall per leg is enough.
    if (endedListeners.has(leg.legSid) || ended.has(leg.legSid)) return;
    endedListeners.set(leg.legSid, []);
    const offerId = rowNumber(leg.parameters?.['offerId']);
    const monitorId = rowNumber(leg.parameters?.['monitor']);
    const consultOfferId = rowNumber(leg.parameters?.['consult']);
    const call: IncomingCall = {
      from: leg.from,
      callSid: leg.callSid,
      ...(offerId ? { offerId } : {}),
      ...(monitorId ? { monitorId } : {}),
      ...(consultOfferId ? { consultOfferId } : {}),
      ringingSince: new Date(leg.ringingSince),
      accept: () => act('answer', leg.legSid),
      reject: () => act('reject', leg.legSid),
      hangup: () => act('hangup', leg.legSid),
      mute: (on) => act('mute', leg.legSid, on),
      onEnded: (listener) => endedListeners.get(leg.legSid)?.push(listener),
    };
    for (const listener of incomingListeners) listener(call);
  });

  socket.on('leg-ended', ({ legSid, reason }) => {
    ended.add(legSid);
    const listeners = endedListeners.get(legSid) ?? [];
    endedListeners.delete(legSid);
    for (const listener of listeners) listener(reason);
  });

  return {
    onIncoming: (listener) => incomingListeners.push(listener),
    close: () => socket.disconnect(),
  };
}
