import { io } from 'socket.io-client';
import { SOCKET_TRANSPORTS } from '../shared/socket.ts';
import { rowNumber, type IncomingCall, type Phone } from './phone.ts';

type Incoming = { legSid: string; callSid: string; from: string; ringingSince: string; parameters?: Record<string, string> };
type Ack = { ok: true } | { ok: false; error: string };

/** The simulated phone: the server relays the simulator's legs dialled to this agent over `/phone`. */
export function simulatorPhone(token: string): Phone {
  const socket = io('/phone', { ...SOCKET_TRANSPORTS, auth: { token }, reconnectionDelayMax: 2_000 });
  const incomingListeners: Array<(call: IncomingCall) => void> = [];
  const endedListeners = new Map<string, Array<(reason: string) => void>>();
  const ended = new Set<string>();

  const act = async (event: string, legSid: string, on?: boolean) => {
    const ack = (await socket.timeout(5_000).emitWithAck(event, on === undefined ? { legSid } : { legSid, on })) as Ack;
    if (!ack.ok) throw new Error(ack.error);
  };

  socket.on('incoming', (leg: Incoming) => {
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

  socket.on('leg-ended', ({ legSid, reason }: { legSid: string; reason: string }) => {
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
