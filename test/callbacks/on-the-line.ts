import { eq } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { expect } from 'vitest';
import { callbackAttempts, calls, caseEvents, cases, offers } from '../../db/schema.ts';
import type { Hotline } from '../../src/hotline.ts';
import { requestCallback } from '../../src/acd/wait.ts';
import type { CallbackStage } from '../../src/acd/bus.ts';
import type { ScreenPop } from '../../src/acd/screen-pop.ts';
import type { PlacedCall } from '../../src/telephony/carrier/simulator/outbound.ts';
import type { SimulatedCall } from '../../src/telephony/carrier/simulator/call.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import type { Simulator } from '../../src/telephony/carrier/simulator/simulator.ts';
import { onTheFloor } from '../notes/on-a-call.ts';
import type { runningHotline } from '../support/running.ts';

type Running = Awaited<ReturnType<typeof runningHotline>>;

/**
 * Callbacks from the agent's side and the passenger's, as the callback specs need them: a caller who waited
 * in a queue and asked to be called back, agents on the softphone's socket, and the simulated passenger's
 * phone the hotline rings.
 */
export function onTheLine(running: () => Running) {
  const floor = onTheFloor(running);
  const h = (): Hotline => running().hotline;
  let calls_ = 0;

  /** A caller waiting in `queue` since `since` (a row, as the IVR leaves it), who then asks to be called back. */
  async function askedForCallback(options: { from?: string; queue?: string; since?: Date; priority?: number; language?: string } = {}) {
    const sid = waitingCaller(options);
    await h().database.db.insert(calls).values(sid.row);
    const made = await requestCallback(h(), sid.row.sid, { delayMinutes: 15 });
    expect(made).toBeDefined();
    const [c] = await h().database.db.select().from(cases).where(eq(cases.id, made!.caseId));
    return c!;
  }

  function waitingCaller(options: { from?: string; queue?: string; since?: Date; priority?: number; language?: string } = {}) {
    calls_++;
    const row = {
      sid: `CA${String(calls_).padStart(4, '0')}`.padEnd(34, '7'),
      from: options.from ?? '+8613912345678',
      to: '+864008000123',
      status: 'queued',
      ivr: { flow: 'hotline', node: 'agent', language: options.language ?? 'en-US', attempt: 0, answers: { trainNumber: 'G1234' }, path: ['hotline:welcome', 'hotline:agent'] },
      queue: options.queue ?? 'general',
      priority: options.priority ?? 0,
      queuedAt: options.since ?? running().clock.now,
    };
    return { row };
  }

  /** An agent logged in on the softphone's socket, available, with the general skill. */
  async function agent(employeeNo: string) {
    const a = await floor.loggedInAgent(employeeNo);
    return a;
  }

  async function available(socket: Socket) {
    expect(await floor.ask(socket, 'presence', { state: 'available' })).toMatchObject({ ok: true });
  }

  /** The next call the hotline places to `number`. */
  function placedTo(sim: Simulator, number: string): Promise<{ placed: PlacedCall; call: SimulatedCall }> {
    return new Promise((resolve) => {
      const listener = (placed: PlacedCall, call: SimulatedCall) => {
        if (placed.to !== number) return;
        sim.outbound.off('placed', listener);
        resolve({ placed, call });
      };
      sim.outbound.on('placed', listener);
    });
  }

  /** The next time the agent's softphone is rung (the passenger being put through). */
  function agentRung(sim: Simulator, employeeNo: string): Promise<Leg> {
    return new Promise((resolve) => {
      const listener = (leg: Leg) => {
        if (leg.client !== `agent_${employeeNo}`) return;
        sim.rings.off('ring', listener);
        resolve(leg);
      };
      sim.rings.on('ring', listener);
    });
  }

  /** The next `callback` progress of this agent's page, at `stage`. */
  function stage(socket: Socket, wanted: CallbackStage['stage']): Promise<CallbackStage> {
    return new Promise((resolve) => {
      const listener = (body: CallbackStage) => {
        if (body.stage !== wanted) return;
        socket.off('callback', listener);
        resolve(body);
      };
      socket.on('callback', listener);
    });
  }

  const offered = (socket: Socket) => floor.next<ScreenPop>(socket, 'offer');

  async function caseNow(id: number) {
    const [c] = await h().database.db.select().from(cases).where(eq(cases.id, id));
    return c!;
  }

  const attemptsOf = (caseId: number) => h().database.db.select().from(callbackAttempts).where(eq(callbackAttempts.caseId, caseId)).orderBy(callbackAttempts.id);
  const offersOf = (caseId: number) => h().database.db.select().from(offers).where(eq(offers.caseId, caseId)).orderBy(offers.id);
  const timeline = async (caseId: number) => (await h().database.db.select().from(caseEvents).where(eq(caseEvents.caseId, caseId)).orderBy(caseEvents.id)).map((e) => e.type);

  return { ...floor, h, askedForCallback, waitingCaller, agent, available, placedTo, agentRung, stage, offered, caseNow, attemptsOf, offersOf, timeline };
}
