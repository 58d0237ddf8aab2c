import { inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { agents, offers } from '../../db/schema.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import { choosePresence } from '../../src/acd/presence.ts';
import { route } from '../../src/acd/route.ts';
import { saveNotes } from '../../src/notes/notes.ts';
import { addStaff } from '../../src/staff/staff.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import { agentOnFloor, callRow, eventually, offersFor, presence } from '../support/agents.ts';
import { heard, hotlinePerFile, nextEvent } from '../support/running.ts';

/**
 * Callers routed by the real IVR to agents, through the carrier simulator over real HTTP: offers, rings
 * counted against the three-ring standard, no answer, rejection, abandonment and wrap-up.
 */

const running = hotlinePerFile();
const h = () => running().hotline;

const LUGGAGE = ['2', '2', '0']; // English, luggage, an agent
const GENERAL = ['1', '0']; // Mandarin, an agent

/** The next agent leg the simulator rings, with the agent it rings. */
const nextRing = () => new Promise<Leg>((resolve) => running().sim.rings.once('ring', resolve));

/** Twilio slow to answer the REST requests that move callers: each waits until `answer()`. */
function slowRedirects() {
  const carrier = h().carrier;
  const redirect = carrier.redirect.bind(carrier);
  let answer = () => {};
  const answered = new Promise<void>((resolve) => (answer = resolve));
  carrier.redirect = async (...args) => {
    await answered;
    return redirect(...args);
  };
  return { answer: () => answer(), restore: () => void (carrier.redirect = redirect) };
}

async function ringingCall(presses: string[]) {
  const ring = nextRing();
  const call = running().sim.call({ presses });
  return { call, leg: await ring };
}

describe('offering a caller to an agent', () => {
  it('rings the free agent with the queue skill, counts one ring, and connects them', async () => {
    await agentOnFloor(h(), '1001', { tickets: 3, general: 2 });
    const luggage = await agentOnFloor(h(), '1002', { luggage: 4, general: 2 });
    const { call, leg } = await ringingCall(LUGGAGE);
    expect(leg.client).toBe('agent_1002');
    expect((await presence(h(), luggage.id)).presence).toBe('ringing');

    running().clock.advance(3);
    running().sim.answer(leg.sid);
    await nextEvent(call, 'connected');
    const [offer] = await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');
    expect(offer).toMatchObject({ staffId: luggage.id, queue: 'luggage', rings: 1, withinStandard: true, legSid: leg.sid });
    expect(offer!.ringSeconds).toBeCloseTo(3, 0);
    expect((await presence(h(), luggage.id)).presence).toBe('on-call');
    expect(await callRow(h(), call.sid)).toMatchObject({ status: 'connected', agentId: luggage.id });
  });

  it('after the agent hangs up, asks the caller the survey and puts the agent in wrap-up, then available', async () => {
    const agent = await agentOnFloor(h(), '1002', { luggage: 4 });
    const { call, leg } = await ringingCall(LUGGAGE);
    running().sim.answer(leg.sid);
    await nextEvent(call, 'connected');
    await running().sim.hangup(leg.sid);
    // The caller is asked the post-call survey (test/surveys), and hangs up there.
    await nextEvent(call, 'listening', (await nextEvent(call, 'disconnected')).n);
    expect(heard(call.events).at(-1)).toMatch(/^\[en-US\] How satisfied are you with this call\?/);
    running().sim.callerHangup(call.sid);
    await running().sim.ended(call.sid);

    const wrapping = await eventually(() => presence(h(), agent.id), (p) => p.presence === 'wrap-up', 'agent in wrap-up');
    expect((wrapping.wrapUpUntil!.getTime() - running().clock.now.getTime()) / 1000).toBe(h().queues.get('luggage')!.wrapUpSeconds);
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'completed' });

    // Wrap-up ends on time once the agent has recorded how the call ended (test/notes holds the rule).
    await saveNotes(h(), agent.id, call.sid, { version: 1, disposition: 'resolved' });
    running().clock.advance(h().queues.get('luggage')!.wrapUpSeconds);
    await sweep(h());
    expect(await presence(h(), agent.id)).toMatchObject({ presence: 'available', wrapUpUntil: null });
    expect(await eventually(() => callRow(h(), call.sid), (c) => c.status === 'ended', 'call ended')).toMatchObject({ endReason: 'completed' });
  });

  it.each([
    [4.9, 1, true],
    [9.9, 2, true],
    [14.9, 3, true],
    [15, 4, false],
  ])('counts an answer after %s s of ringing as %i rings (within the standard: %s)', async (seconds, rings, within) => {
    await agentOnFloor(h(), '1002', { luggage: 4 });
    const { call, leg } = await ringingCall(LUGGAGE);
    await eventually(() => offersFor(h(), call.sid), ([o]) => !!o?.ringStartedAt, 'ring started');
    running().clock.advance(seconds);
    running().sim.answer(leg.sid);
    const [offer] = await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');
    expect(offer).toMatchObject({ rings, withinStandard: within });
  });
});

describe('when the agent does not answer', () => {
  it('withdraws the offer at the ring limit, puts the agent on a "missed" break and offers the caller to the next agent', async () => {
    const first = await agentOnFloor(h(), '1002', { luggage: 4 });
    const { call, leg } = await ringingCall(LUGGAGE);
    await eventually(() => offersFor(h(), call.sid), ([o]) => !!o?.ringStartedAt, 'ring started');
    const second = await agentOnFloor(h(), '1003', { luggage: 2 }, { available: false });

    running().clock.advance(h().config.offerRingLimit * h().config.ringCycleSeconds - 1);
    await sweep(h());
    expect((await offersFor(h(), call.sid))[0]!.status).toBe('ringing');

    const nextOne = nextRing();
    running().clock.advance(1);
    await sweep(h());
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'missed', endReason: 'ring-limit' });
    expect(await presence(h(), first.id)).toMatchObject({ presence: 'break', breakReason: 'missed' });
    await nextEvent(call, 'disconnected');
    expect(call.events.find((e) => e.type === 'disconnected')).toMatchObject({ legSid: leg.sid, status: 'canceled' });

    await choosePresence(h(), second.id, 'available');
    expect((await nextOne).client).toBe('agent_1003');
  });

  it('tells the agent their offer is withdrawn at once, before a slow carrier has taken the caller back', async () => {
    const agent = await agentOnFloor(h(), '1002', { luggage: 4 });
    const { call } = await ringingCall(LUGGAGE);
    await eventually(() => offersFor(h(), call.sid), ([o]) => !!o?.ringStartedAt, 'ring started');
    const carrier = slowRedirects();
    try {
      const told = new Promise<{ staffId: number; reason: string }>((resolve) => h().bus.once('offer-withdrawn', resolve));
      running().clock.advance(h().config.offerRingLimit * h().config.ringCycleSeconds);
      const swept = sweep(h());
      expect(await told).toMatchObject({ staffId: agent.id, reason: 'ring-limit' });
      carrier.answer();
      await swept;
    } finally {
      carrier.restore();
    }
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'missed', endReason: 'ring-limit' });
    running().sim.callerHangup(call.sid);
    await running().sim.ended(call.sid);
  });

  it('offers a caller taken back to the next agent only once the carrier has brought them to the queue, so two moves never cross', async () => {
    const first = await agentOnFloor(h(), '1002', { luggage: 4 });
    const { call } = await ringingCall(LUGGAGE);
    await eventually(() => offersFor(h(), call.sid), ([o]) => !!o?.ringStartedAt, 'ring started');
    const second = await agentOnFloor(h(), '1003', { luggage: 4 }, { available: false });
    const carrier = slowRedirects();
    let swept: Promise<void> | undefined;
    try {
      const told = new Promise((resolve) => h().bus.once('offer-withdrawn', resolve));
      running().clock.advance(h().config.offerRingLimit * h().config.ringCycleSeconds);
      swept = sweep(h());
      await told;
      // Another agent is free while the carrier is still moving the caller out of the first agent's room.
      await choosePresence(h(), second.id, 'available');
      expect(await route(h())).toBe(0);
      expect(await presence(h(), second.id)).toMatchObject({ presence: 'available' });
      const nextOne = nextRing();
      carrier.answer();
      await swept;
      expect((await nextOne).client).toBe('agent_1003');
    } finally {
      carrier.answer();
      await swept;
      carrier.restore();
    }
    const [missed, next] = await offersFor(h(), call.sid);
    expect(missed).toMatchObject({ staffId: first.id, status: 'missed' });
    expect(next).toMatchObject({ staffId: second.id, status: 'ringing' });
    running().sim.callerHangup(call.sid);
    await running().sim.ended(call.sid);
  });

  it('treats a rejected call like a miss: break for the agent, the caller back at the head of the queue', async () => {
    const agent = await agentOnFloor(h(), '1002', { luggage: 4 });
    const { call, leg } = await ringingCall(LUGGAGE);
    const queuedAt = (await callRow(h(), call.sid)).queuedAt;
    running().sim.reject(leg.sid);
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'rejected', 'offer rejected');
    expect(await presence(h(), agent.id)).toMatchObject({ presence: 'break', breakReason: 'missed' });
    const row = await eventually(() => callRow(h(), call.sid), (c) => c.status === 'queued', 'caller queued again');
    expect(row.queuedAt).toEqual(queuedAt);
    await nextEvent(call, 'enqueued', (await nextEvent(call, 'disconnected')).n);
  });
});

describe('when the caller hangs up first', () => {
  it('records a caller who gives up while waiting as abandoned in the queue', async () => {
    const call = running().sim.call({ presses: GENERAL });
    await nextEvent(call, 'enqueued');
    running().clock.advance(42);
    running().sim.callerHangup(call.sid);
    await running().sim.ended(call.sid);
    expect(await eventually(() => callRow(h(), call.sid), (c) => c.status === 'ended', 'ended')).toMatchObject({ endReason: 'abandoned-in-queue' });
  });

  it("withdraws the ringing agent's offer and frees the agent at once", async () => {
    const agent = await agentOnFloor(h(), '1001', { general: 3 });
    const { call } = await ringingCall(GENERAL);
    running().sim.callerHangup(call.sid);
    await running().sim.ended(call.sid);
    const [offer] = await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'abandoned', 'offer abandoned');
    expect(offer!.endReason).toBe('caller-hung-up');
    expect((await presence(h(), agent.id)).presence).toBe('available');
    expect((await callRow(h(), call.sid)).endReason).toBe('abandoned-in-queue');
  });
});

describe('routing order', () => {
  it('serves the higher priority first, then the longest waiting, and gives each caller to the longest idle agent', async () => {
    // Three callers wait with nobody free: general (priority 0) first, then two luggage callers (priority 2).
    const general = running().sim.call({ presses: GENERAL });
    await nextEvent(general, 'enqueued');
    running().clock.advance(1);
    const luggage1 = running().sim.call({ presses: LUGGAGE });
    await nextEvent(luggage1, 'enqueued');
    running().clock.advance(1);
    const luggage2 = running().sim.call({ presses: LUGGAGE });
    await nextEvent(luggage2, 'enqueued');

    const rings: Leg[] = [];
    running().sim.rings.on('ring', (leg) => rings.push(leg));
    const idleLonger = await agentOnFloor(h(), '1004', { luggage: 1, general: 1 });
    running().clock.advance(1);
    await agentOnFloor(h(), '1005', { luggage: 1, general: 1 });
    await eventually(async () => rings.length, (n) => n === 2, 'two agents rung');
    running().sim.rings.removeAllListeners('ring');

    const parents = new Map(rings.map((leg) => [leg.parentSid, leg.client]));
    expect(parents.get(luggage1.sid)).toBe('agent_1004');
    expect(parents.get(luggage2.sid)).toBe('agent_1005');
    expect(parents.has(general.sid)).toBe(false);
    expect((await presence(h(), idleLonger.id)).presence).toBe('ringing');
  });

  it('when a shift comes on with callers waiting, gives every free agent one of the callers first in line', async () => {
    // Eight callers queue a second apart, luggage (priority 2) every third, with nobody on the floor.
    const callers: Array<ReturnType<ReturnType<typeof running>["sim"]["call"]>> = [];
    for (let i = 0; i < 8; i++) {
      const call = running().sim.call({ presses: i % 3 === 0 ? LUGGAGE : GENERAL });
      await nextEvent(call, 'enqueued');
      running().clock.advance(1);
      callers.push(call);
    }
    // Five agents come on at once (in one transaction: no routing pass sees some of them without the others).
    const db = h().database.db;
    const floor = await Promise.all([1, 2, 3, 4, 5].map((k) => addStaff(db, { employeeNo: `200${k}`, name: `Agent 200${k}`, role: 'agent', skills: { general: 1, luggage: 1 }, password: 'sanling-test' })));
    const now = h().now();
    await db.insert(agents).values(floor.map((m) => ({ staffId: m.id, presence: 'available' as const, since: now, idleSince: now })));
    await route(h());
    const made = await eventually(() => db.select().from(offers).where(inArray(offers.callSid, callers.map((c) => c.sid))), (o) => o.length >= 5, 'five offers');
    // First in line: the luggage callers by their wait (0, 3, 6), then the general ones by theirs (1, 2).
    expect(made).toHaveLength(5);
    expect(new Set(made.map((o) => o.callSid))).toEqual(new Set([0, 3, 6, 1, 2].map((i) => callers[i]!.sid)));
    expect(new Set(made.map((o) => o.staffId))).toEqual(new Set(floor.map((m) => m.id)));
  });

  it('never offers a caller to an agent without the skill', async () => {
    const agent = await agentOnFloor(h(), '1001', { tickets: 5, general: 2 });
    const luggage = running().sim.call({ presses: LUGGAGE });
    await eventually(() => callRow(h(), luggage.sid), (call) => call?.queue === 'luggage', 'the luggage caller queued');
    // A general caller after them, whom 1001 may take: once 1001 is offered that caller, routing has run with
    // the luggage caller waiting (first in line, with the higher priority) and 1001 free, and passed them over.
    const general = running().sim.call({ presses: GENERAL });
    const [offer] = await eventually(() => offersFor(h(), general.sid), (made) => made.length > 0, 'the general caller offered');
    expect(offer).toMatchObject({ staffId: agent.id, queue: 'general' });
    expect(await offersFor(h(), luggage.sid)).toEqual([]);
    expect(await callRow(h(), luggage.sid)).toMatchObject({ status: 'queued' });
  });
});
