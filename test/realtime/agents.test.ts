import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sweep } from '../../src/acd/deadlines.ts';
import type { ScreenPop } from '../../src/acd/screen-pop.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import { agentOnFloor, eventually, offersFor, presence, staffToken } from '../support/agents.ts';
import { hotlinePerFile, nextEvent } from '../support/running.ts';

/** An agent's softphone page as Socket.IO sees it: log in, connect with the token, go available, get popped. */

const running = hotlinePerFile();
const h = () => running().hotline;
const sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

const logIn = (employeeNo: string, password?: string) => staffToken(running().url, employeeNo, password);

function socket(namespace: '/agents' | '/managers', token: string | undefined, url = running().url): Socket {
  const s = connect(`${url}${namespace}`, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(s);
  return s;
}

const next = <T>(s: Socket, event: string) => new Promise<T>((resolve) => s.once(event, resolve));
const connected = (s: Socket) =>
  new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
const refused = (s: Socket) => new Promise<Error>((resolve) => s.once('connect_error', resolve));
const ask = <T>(s: Socket, event: string, ...args: unknown[]) => s.timeout(5_000).emitWithAck(event, ...args) as Promise<T>;

/** An agent with the general skill, logged in on the softphone page and available. */
async function availableAgent(employeeNo: string) {
  const member = await agentOnFloor(h(), employeeNo, { general: 3 }, { available: false });
  const s = socket('/agents', await logIn(employeeNo));
  await connected(s);
  expect(await ask(s, 'presence', { state: 'available' })).toEqual({ ok: true, presence: 'available' });
  return { member, socket: s };
}

describe('the /agents namespace', () => {
  it('refuses a socket without a valid token', async () => {
    expect((await refused(socket('/agents', undefined))).message).toMatch(/unauthorized/);
    expect((await refused(socket('/agents', 'not-a-token'))).message).toMatch(/unauthorized/);
  });

  it('pops the screen with what the IVR learned, the moment the phone rings', async () => {
    const agent = await agentOnFloor(h(), '1008', { 'lost-and-found': 4 }, { available: false });
    const s = socket('/agents', await logIn('1008'));
    await connected(s);
    expect(await ask(s, 'presence', { state: 'available' })).toEqual({ ok: true, presence: 'available' });

    const popped = next<ScreenPop>(s, 'offer');
    const call = running().sim.call({ from: '+8613912345678', presses: ['2', '3', '1234#', '0312'] });
    const pop = await popped;
    expect(pop).toMatchObject({
      callSid: call.sid,
      from: '+8613912345678',
      language: 'en-US',
      queue: 'lost-and-found',
      answers: { trainNumber: '1234', travelDate: '0312' },
    });
    expect(pop.path).toContain('hotline:lost-train');
    expect((await presence(h(), agent.id)).presence).toBe('ringing');
  });

  it('tells the agent when the caller is connected, when the call ends, and when wrap-up is over', async () => {
    const { socket: s } = await availableAgent('1001');
    const ring = new Promise<Leg>((resolve) => running().sim.rings.once('ring', resolve));
    const call = running().sim.call({ presses: ['1', '0'] });
    const leg = await ring;

    const isConnected = next<{ rings: number; withinStandard: boolean }>(s, 'connected');
    running().sim.answer(leg.sid);
    expect(await isConnected).toMatchObject({ callSid: call.sid, rings: 1, withinStandard: true });

    const ended = next<{ wrapUpUntil: string }>(s, 'ended');
    await running().sim.hangup(leg.sid);
    expect(Date.parse((await ended).wrapUpUntil)).toBeGreaterThan(running().clock.now.getTime());

    // The agent may end wrap-up early, once the call's notes have a disposition.
    expect(await ask(s, 'wrap-up-done')).toMatchObject({ ok: false, field: 'disposition' });
    expect(await ask(s, 'notes', { callSid: call.sid, version: 1, disposition: 'resolved' })).toMatchObject({ ok: true, version: 1 });
    expect(await ask(s, 'wrap-up-done')).toEqual({ ok: true, presence: 'available' });
  });

  it('tells the agent the offer is withdrawn when the caller hangs up while it rings', async () => {
    const { socket: s } = await availableAgent('1001');
    const offered = next<ScreenPop>(s, 'offer');
    const call = running().sim.call({ presses: ['1', '0'] });
    await offered;
    const withdrawn = next<{ reason: string }>(s, 'offer-withdrawn');
    running().sim.callerHangup(call.sid);
    expect(await withdrawn).toMatchObject({ callSid: call.sid, reason: 'caller-hung-up' });
  });

  it('refuses presence changes that are the ACD\'s to make, with a reason', async () => {
    await agentOnFloor(h(), '1001', { general: 3 }, { available: false });
    const s = socket('/agents', await logIn('1001'));
    await connected(s);
    expect(await ask(s, 'presence', { state: 'on-call' })).toEqual({ ok: false, error: 'state must be available, break or offline' });
    expect(await ask(s, 'presence', { state: 'break', reason: 'lunch' })).toEqual({ ok: true, presence: 'break' });
    expect(await presence(h(), 1)).toMatchObject({ presence: 'break', breakReason: 'lunch' });
  });

  it('makes an agent whose last socket closed offline after the grace period, and re-routes the ringing call', async () => {
    const { member: gone, socket: s } = await availableAgent('1001');
    const offered = next<ScreenPop>(s, 'offer');
    const call = running().sim.call({ presses: ['1', '0'] });
    await offered;

    s.disconnect();
    await eventually(() => presence(h(), gone.id), (p) => p.goneAt !== null, 'grace started');
    running().clock.advance(9);
    await sweep(h());
    expect((await presence(h(), gone.id)).presence).toBe('ringing');

    const colleague = await agentOnFloor(h(), '1002', { general: 1 }, { available: false });
    const rerouted = new Promise<Leg>((resolve) => running().sim.rings.once('ring', resolve));
    running().clock.advance(2);
    await sweep(h());
    expect(await presence(h(), gone.id)).toMatchObject({ presence: 'offline' });
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'withdrawn', endReason: 'agent-gone' });
    await nextEvent(call, 'enqueued', (await nextEvent(call, 'disconnected')).n);
    const { choosePresence } = await import('../../src/acd/presence.ts');
    await choosePresence(h(), colleague.id, 'available');
    expect((await rerouted).client).toBe('agent_1002');
  });
});

describe('the /managers namespace and the live figures', () => {
  it('lets supervisors and managers in, not agents', async () => {
    await agentOnFloor(h(), '1001', { general: 3 }, { available: false });
    const { addStaff } = await import('../../src/staff/staff.ts');
    await addStaff(h().database.db, { employeeNo: '3001', name: 'Manager', role: 'manager', skills: {}, password: 'sanling-test' });
    expect((await refused(socket('/managers', await logIn('1001')))).message).toMatch(/forbidden/);

    const s = socket('/managers', await logIn('3001'));
    const first = next<{ queues: Array<{ name: string; agents: { available: number } }> }>(s, 'metrics');
    await connected(s);
    expect((await first).queues.map((q) => q.name)).toEqual([...h().queues.keys()]);
  });

  it('answers GET /api/metrics/live to supervisors and managers only', async () => {
    await agentOnFloor(h(), '1001', { general: 3 }, { available: false });
    const { addStaff } = await import('../../src/staff/staff.ts');
    await addStaff(h().database.db, { employeeNo: '3001', name: 'Manager', role: 'manager', skills: {}, password: 'sanling-test' });
    const get = (token?: string) => fetch(`${running().url}/api/metrics/live`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await get()).status).toBe(401);
    expect((await get(await logIn('1001'))).status).toBe(403);
    const ok = await get(await logIn('3001'));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ today: { offered: 0, answered: 0 } });
  });
});

describe('the live figures, with their periodic round stopped', () => {
  // The figures also go out every 2 s, and that round alone would show the caller soon enough. Here the
  // server's intervals are fake (installed before this hotline starts, never advanced): only the caller's
  // arrival can push new figures.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });
  const quiet = hotlinePerFile();

  it('pushes new figures when a caller starts waiting', async () => {
    const { addStaff } = await import('../../src/staff/staff.ts');
    await addStaff(quiet().database.db, { employeeNo: '2001', name: 'Supervisor', role: 'supervisor', skills: {}, password: 'sanling-test' });
    const s = socket('/managers', await staffToken(quiet().url, '2001'), quiet().url);
    const figuresShowing = (waiting: number) => waitingInGeneral(s, waiting);
    const before = figuresShowing(0);
    await connected(s);
    await before;

    const after = figuresShowing(1);
    const call = quiet().sim.call({ presses: ['1', '0'] });
    await nextEvent(call, 'enqueued');
    await after;
  });
});

/**
 * The first `metrics` with that many callers waiting in the general queue. Not `expect.poll`: with fake
 * timers it advances them, which would run the periodic round this describe stops.
 */
function waitingInGeneral(s: Socket, waiting: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const giveUp = setTimeout(() => reject(new Error(`no figures with ${waiting} waiting in general were pushed`)), 10_000);
    s.on('metrics', (m: { queues: Array<{ name: string; waiting: number }> }) => {
      if (m.queues.find((q) => q.name === 'general')?.waiting !== waiting) return;
      clearTimeout(giveUp);
      resolve();
    });
  });
}
