import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { agents, calls, cases, offers } from '../../db/schema.ts';
import type { Database } from '../../src/database.ts';
import type { Hotline } from '../../src/hotline.ts';
import { route } from '../../src/acd/route.ts';
import { requestCallback } from '../../src/acd/wait.ts';
import { agentOnFloor, eventually } from '../support/agents.ts';
import { testDatabase } from '../support/database.ts';
import { OPEN } from '../support/flows.ts';
import { hotlineWithoutCarrier, testConfig } from '../support/hotline.ts';

/**
 * A callback's place in line: it waits as a caller still holding, with the time the passenger first joined
 * the queue and the priority they had there, so it neither jumps ahead of callers who waited longer nor
 * falls behind those who came later. Routing only: the carrier takes every caller out of its queue at once.
 */

let database: Database;
let h: Hotline;
beforeAll(async () => {
  database = await testDatabase();
  const base = hotlineWithoutCarrier(testConfig(), database, () => now);
  const moved = async () => {};
  h = { ...base, carrier: { kind: 'simulator', redirect: moved, hangup: moved, callState: async () => 'live', placeCall: () => Promise.reject(new Error('not here')), addParticipant: () => Promise.reject(new Error('not here')), updateParticipant: moved, startRecording: () => Promise.reject(new Error('not here')), updateRecording: moved, deleteRecording: moved, fetchRecording: () => Promise.reject(new Error('not here')) } };
});
afterAll(async () => {
  await database.close();
});
let now = OPEN;
beforeEach(async () => {
  now = OPEN;
  await database.db.execute(sql`truncate staff, agents, offers, calls, call_events, cases, case_events, case_clocks, case_calls restart identity`);
});

const at = (seconds: number) => new Date(OPEN.getTime() + seconds * 1000);
let callers = 0;

async function waiting(since: Date, priority = 0): Promise<string> {
  const sid = `CA${String(++callers).padStart(4, '0')}`.padEnd(34, '0');
  const ivr = { flow: 'hotline', node: 'agent', language: 'en-US', attempt: 0, answers: {}, path: [] };
  await database.db.insert(calls).values({ sid, from: `+86137${String(callers).padStart(8, '0')}`, to: '+864008000123', status: 'queued', ivr, queue: 'general', priority, queuedAt: since });
  return sid;
}

/** A caller who waited since `since` and asked to be called back (now): the callback's reference. */
async function calledBack(since: Date, priority = 0): Promise<string> {
  const sid = await waiting(since, priority);
  const made = await requestCallback(h, sid);
  return `callback ${made!.reference}`;
}

/** Route with the one agent free, note who was offered, and clear the offer so the agent is free again. */
async function nextOffered(staffId: number): Promise<string> {
  // (An agent made available is routed at once in the background; a pass here finds what is left.)
  await route(h);
  const [offer] = await eventually(() => database.db.select().from(offers).where(inArray(offers.status, ['ringing'])), (o) => o.length === 1, 'one offer ringing');
  await database.db.update(offers).set({ status: 'withdrawn' }).where(eq(offers.id, offer!.id));
  if (offer!.callSid) await database.db.update(calls).set({ status: 'ended' }).where(eq(calls.sid, offer!.callSid));
  await database.db.update(agents).set({ presence: 'available' }).where(eq(agents.staffId, staffId));
  if (!offer!.caseId) return offer!.callSid!;
  const [c] = await database.db.select({ reference: cases.reference }).from(cases).where(eq(cases.id, offer!.caseId));
  return `callback ${c!.reference}`;
}

async function offeredInTurn(count: number): Promise<string[]> {
  const agent = await agentOnFloor(h, '1001', { general: 3 });
  const order: string[] = [];
  for (let i = 0; i < count; i++) order.push(await nextOffered(agent.id));
  return order;
}

describe('a callback in line', () => {
  it('is offered after the callers who came before the passenger, and before those who came after', async () => {
    const earlier = await waiting(at(-120));
    now = at(90);
    const callback = await calledBack(at(-60));
    const later = await waiting(at(30));
    expect(await offeredInTurn(3)).toEqual([earlier, callback, later]);
  });

  it('gives way to a caller of higher priority who came later, and to one of the same priority who came at the same moment', async () => {
    const callback = await calledBack(at(-60));
    const urgent = await waiting(at(30), 10);
    const sameMoment = await waiting(at(-60));
    expect(await offeredInTurn(3)).toEqual([urgent, sameMoment, callback]);
  });

  it('keeps the priority the caller had in the queue', async () => {
    const callback = await calledBack(at(0), 10);
    const earlier = await waiting(at(-300));
    expect(await offeredInTurn(2)).toEqual([callback, earlier]);
  });

  it('is offered only to an agent with the skill of its queue, ringing on the page with no call yet', async () => {
    const sid = await waiting(at(0));
    await database.db.update(calls).set({ queue: 'complaints' }).where(eq(calls.sid, sid));
    const made = await requestCallback(h, sid);
    await agentOnFloor(h, '1001', { general: 3 });
    await route(h);
    expect(await database.db.select().from(offers)).toEqual([]);
    const skilled = await agentOnFloor(h, '1002', { complaints: 3 });
    await route(h);
    const rung = await eventually(() => database.db.select().from(offers), (o) => o.length === 1, 'offered');
    expect(rung).toEqual([expect.objectContaining({ staffId: skilled.id, status: 'ringing', caseId: made!.caseId, callSid: null })]);
  });
});
