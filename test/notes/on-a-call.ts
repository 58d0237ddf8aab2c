import type { Socket } from 'socket.io-client';
import { expect } from 'vitest';
import type { Hotline } from '../../src/hotline.ts';
import { addStaff, type Role } from '../../src/staff/staff.ts';
import type { SimulatedCall } from '../../src/telephony/carrier/simulator/call.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import { agentOnFloor, staffToken } from '../support/agents.ts';
import type { runningHotline } from '../support/running.ts';
import { socketsPerSpec } from '../support/sockets.ts';

type Running = Awaited<ReturnType<typeof runningHotline>>;

/**
 * The softphone page's side of a call, as the specs of notes and the softphone need it: staff logged in
 * over HTTP, their sockets, and an agent with a caller on the line (the caller pressed 1 for English, 0 for
 * an agent: the general queue).
 */
export function onTheFloor(running: () => Running) {
  const open = socketsPerSpec();
  const h = (): Hotline => running().hotline;

  const logIn = (employeeNo: string) => staffToken(running().url, employeeNo);

  /** A connected socket; `listen` subscribes before it connects (to what the server says on connecting). */
  function socket(namespace: '/agents' | '/phone', token: string, listen?: (s: Socket) => void): Promise<Socket> {
    return open(running().url, namespace, { token }, listen);
  }

  const ask = <T>(s: Socket, event: string, ...args: unknown[]) => s.timeout(5_000).emitWithAck(event, ...args) as Promise<T>;
  const next = <T>(s: Socket, event: string) => new Promise<T>((resolve) => s.once(event, resolve));
  const nextWhere = <T>(s: Socket, event: string, wanted: (body: T) => boolean) =>
    new Promise<T>((resolve) => {
      const listener = (body: T) => {
        if (!wanted(body)) return;
        s.off(event, listener);
        resolve(body);
      };
      s.on(event, listener);
    });

  /** HTTP to the hotline's API as `token` (JSON in and out). */
  async function api(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${running().url}/api${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json() };
  }

  async function colleague(employeeNo: string, role: Role) {
    await addStaff(h().database.db, { employeeNo, name: `${role} ${employeeNo}`, role, skills: {}, password: 'sanling-test' });
    return logIn(employeeNo);
  }

  /** An agent on the softphone page (logged in, /agents socket, available) whose phone rings for a new caller. */
  async function ringing(employeeNo: string, options: { from?: string; agent?: { token: string; socket: Socket; id: number } } = {}) {
    const agent = options.agent ?? (await loggedInAgent(employeeNo));
    expect(await ask(agent.socket, 'presence', { state: 'available' })).toMatchObject({ ok: true });
    const ring = new Promise<Leg>((resolve) => {
      const listener = (leg: Leg) => {
        if (leg.client !== `agent_${employeeNo}`) return;
        running().sim.rings.off('ring', listener);
        resolve(leg);
      };
      running().sim.rings.on('ring', listener);
    });
    const call: SimulatedCall = running().sim.call({ from: options.from ?? '+8613912345678', presses: ['1', '0'] });
    return { ...agent, call, leg: await ring };
  }

  async function loggedInAgent(employeeNo: string) {
    const member = await agentOnFloor(h(), employeeNo, { general: 3 }, { available: false });
    const token = await logIn(employeeNo);
    return { id: member.id, token, socket: await socket('/agents', token) };
  }

  /** …and has answered: the caller is on the line. */
  async function onCall(employeeNo: string, options: Parameters<typeof ringing>[1] = {}) {
    const r = await ringing(employeeNo, options);
    const connected = next(r.socket, 'connected');
    running().sim.answer(r.leg.sid);
    await connected;
    return r;
  }

  /** …and has hung up: the agent is wrapping up. */
  async function wrappingUp(employeeNo: string, options: Parameters<typeof ringing>[1] = {}) {
    const r = await onCall(employeeNo, options);
    // The page hears `ended` and then its presence in wrap-up: a spec waiting on the next presence starts after both.
    const ended = next(r.socket, 'ended');
    const inWrapUp = nextWhere<{ presence: string }>(r.socket, 'presence', (p) => p.presence === 'wrap-up');
    await running().sim.hangup(r.leg.sid);
    await Promise.all([ended, inWrapUp]);
    return r;
  }

  return { h, logIn, socket, ask, next, api, colleague, loggedInAgent, ringing, onCall, wrappingUp };
}

/** An ISO time `minutes` after the hotline's clock. */
export const inMinutes = (running: () => Running, minutes: number) => new Date(running().clock.now.getTime() + minutes * 60_000).toISOString();
