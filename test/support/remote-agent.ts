import type { Socket } from 'socket.io-client';
import { afterAll } from 'vitest';
import { staffToken } from './agents.ts';
import { openSocket } from './sockets.ts';

/**
 * An agent at work on a hotline reached over the network (in a child process, or across a fault): logged in,
 * with the softphone page's two sockets, `/agents` (presence, screen-pops) and `/phone` (the simulated phone),
 * answering every call that rings. Sockets are closed after the spec file.
 */

export type RemoteAgent = {
  agents: Socket;
  phone: Socket;
  /** Call SIDs of the screen-pops received, in order. */
  offered: string[];
  presence(state: 'available' | 'break' | 'offline', reason?: string): Promise<unknown>;
};

const opened: Socket[] = [];
afterAll(() => {
  for (const socket of opened.splice(0)) socket.disconnect();
});

const connect = (url: string, namespace: string, token: string) => openSocket(url, namespace, { token }, (s) => opened.push(s));

/** Logs `employeeNo` in at `url` and opens the page's sockets; the phone answers whatever rings. */
export async function remoteAgent(url: string, employeeNo: string, options: { answer?: boolean } = {}): Promise<RemoteAgent> {
  const token = await staffToken(url, employeeNo);
  const agents = await connect(url, '/agents', token);
  const phone = await connect(url, '/phone', token);
  const offered: string[] = [];
  agents.on('offer', (pop: { callSid: string }) => offered.push(pop.callSid));
  if (options.answer ?? true) phone.on('incoming', (leg: { legSid: string }) => void phone.emitWithAck('answer', { legSid: leg.legSid }));
  return {
    agents,
    phone,
    offered,
    presence: (state, reason) => agents.timeout(10_000).emitWithAck('presence', { state, ...(reason ? { reason } : {}) }),
  };
}

/** A time zone in which it is now the middle of the day, so that a hotline on the real clock is open. */
export function middayTimeZone(now = new Date()): string {
  const offset = (((12 - now.getUTCHours()) % 24) + 24) % 24;
  const hours = offset > 12 ? offset - 24 : offset;
  // Etc/GMT's signs are inverted: Etc/GMT-8 is eight hours ahead of UTC.
  return hours === 0 ? 'Etc/UTC' : `Etc/GMT${hours > 0 ? '-' : '+'}${Math.abs(hours)}`;
}
