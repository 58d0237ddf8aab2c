import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { agents, callEvents, calls, caseEvents, offers } from '../../db/schema.ts';
import { callbacksOf as callbackCases } from '../support/cases.ts';
import { route } from '../../src/acd/route.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import { callbackMinutes, estimateWaitSeconds, planTurn, requestCallback, type WaitTurn } from '../../src/acd/wait.ts';
import type { Answer, CallEvent, SimulatedCall } from '../../src/telephony/carrier/simulator/call.ts';
import { renderWait } from '../../src/telephony/twiml.ts';
import { agentOnFloor, callRow, eventually, offersFor } from '../support/agents.ts';
import { OPEN, testFlows } from '../support/flows.ts';
import { heard, nextEvent, runningHotline } from '../support/running.ts';
import { verbs } from '../support/twiml.ts';

/**
 * A caller's wait for an agent, through the carrier simulator over real HTTP with the real flows and
 * queues (every queue announces the place in line every 45 s and offers a call back after 90 s): what
 * they hear and when, and the call back they ask for. The simulator runs at a thousandth of real time, so
 * a turn of the wait loop takes milliseconds; the hotline's clock only moves when a spec moves it.
 */

let hotline: Awaited<ReturnType<typeof runningHotline>>;
const h = () => hotline.hotline;
beforeAll(async () => {
  hotline = await runningHotline({ timeScale: 0.001 });
});
afterAll(async () => {
  await hotline.close();
});
beforeEach(async () => {
  await hotline.sim.close();
  await h().database.db.execute(sql`truncate staff, agents, offers, sessions, calls, call_events, call_replies, cases, case_events, case_clocks, case_calls restart identity`);
  hotline.clock.now = OPEN;
});

const ENGLISH_AGENT: Answer[] = ['2', '0'];
const CANTONESE_AGENT: Answer[] = ['3', '0'];
const MANDARIN_COMPLAINT: Answer[] = ['1', '4', ''];
const ENGLISH_LUGGAGE: Answer[] = ['2', '2', '0'];

const EN_OFFER = '[en-US] If you would rather not wait, press 1 at any time and we will call you back.';

/** A caller who has reached a queue and heard their first announcement; `n` is that announcement's event. */
async function waiting(presses: Answer[], from?: string) {
  const call = hotline.sim.call({ presses, ...(from ? { from } : {}) });
  const n = (await nextEvent(call, 'enqueued')).n;
  await announced(call, n);
  return call;
}

/** Wait for the next place-in-line announcement after event `after`; what was said from it to the end of its turn. */
async function announced(call: SimulatedCall, after: number): Promise<{ n: number; said: string[] }> {
  for (let seen = after; ; ) {
    const events = await call.eventsAfter(seen, 5_000);
    if (call.ended && events.length === 0) throw new Error(`the call ended before an announcement: ${JSON.stringify(call.events)}`);
    const hold = events.find((e) => e.type === 'say' && /number \d+ in line|排第?\d+位|排在第\d+位/.test(e.text));
    if (hold) {
      // The rest of the announcement comes in the same turn, before its music or silence.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const turn = call.events.filter((e) => e.n >= hold.n && e.n < (nextNonSay(call.events, hold.n) ?? Infinity));
      return { n: hold.n, said: heard(turn) };
    }
    if (call.ended) throw new Error(`call ended without an announcement: ${JSON.stringify(heard(call.events))}`);
    seen += events.length;
  }
}
const nextNonSay = (events: CallEvent[], from: number) => events.find((e) => e.n > from && e.type !== 'say')?.n;

/** Move the hotline's clock and wait for the announcement that follows. */
async function after(call: SimulatedCall, seconds: number) {
  const n = call.events.length;
  hotline.clock.advance(seconds);
  return announced(call, n);
}

/** Nothing more is said for a while (several turns of the wait loop). */
async function quietFor(call: SimulatedCall, ms = 250) {
  const n = call.events.length;
  await new Promise((resolve) => setTimeout(resolve, ms));
  return heard(call.events.slice(n));
}

/** An agent with these skills who is not free now (in wrap-up): on the floor for the estimate, but not offered calls. */
async function busyAgent(employeeNo: string, skills: Record<string, number>) {
  const member = await agentOnFloor(h(), employeeNo, skills, { available: false });
  await h().database.db.insert(agents).values({ staffId: member.id, presence: 'wrap-up', wrapUpUntil: new Date(OPEN.getTime() + 3_600_000) });
  return member;
}

/** A call of `queue` answered lately, talked for `talkSeconds` and over 5 minutes ago. */
async function handledCall(staffId: number, queue: string, talkSeconds: number) {
  const endedAt = new Date(OPEN.getTime() - 300_000);
  const answeredAt = new Date(endedAt.getTime() - talkSeconds * 1000);
  await h().database.db.insert(offers).values({ callSid: 'CA'.padEnd(34, '0'), staffId, queue, status: 'completed', offeredAt: answeredAt, answeredAt, endedAt });
}

const callbacksOf = (sid: string) => callbackCases(h().database.db, sid);

describe('while a caller waits', () => {
  it('tells them at once their place in line, in their language, and nothing about the wait with nothing to go on', async () => {
    const call = await waiting(ENGLISH_AGENT);
    const { said } = await announced(call, 0);
    expect(said).toEqual(['[en-US] You are number 1 in line. Please continue to hold.']);
    expect(await quietFor(call)).toEqual([]);
  });

  it('adds the expected wait once calls have been handled: place in line × handle time ÷ agents on the floor, in whole minutes rounded up', async () => {
    const agent = await busyAgent('1001', { general: 3 });
    await handledCall(agent.id, 'general', 240); // + 30 s wrap-up: 270 s for the one caller ahead of the agent
    const call = await waiting(CANTONESE_AGENT);
    expect((await announced(call, 0)).said).toEqual(['[zh-HK] 你而家排第1位，請繼續等候。', '[zh-HK] 預計等候時間大約5分鐘。']);
  });

  it('says so when the expected wait is a minute or less', async () => {
    const agent = await busyAgent('1001', { general: 3 });
    await handledCall(agent.id, 'general', 20);
    const call = await waiting(ENGLISH_AGENT);
    expect((await announced(call, 0)).said).toContain('[en-US] We expect to answer you within a minute.');
  });

  it('tells them again every 45 s of their wait on the hotline clock, with music or silence in between', async () => {
    const call = await waiting(ENGLISH_AGENT);
    hotline.clock.advance(44);
    expect(await quietFor(call)).toEqual([]);
    const again = await after(call, 1);
    expect(again.said).toEqual(['[en-US] You are number 1 in line. Please continue to hold.']);
    expect(call.ended).toBe(false);
  });
});

describe('the place in line', () => {
  it('is the order the ACD offers callers to the same agents: a complaint (priority 10) goes ahead of an earlier general caller', async () => {
    await agentOnFloor(h(), '1001', { complaints: 3, general: 3 }, { available: false });
    const general = await waiting(ENGLISH_AGENT);
    hotline.clock.advance(10);
    const complaint = await waiting(MANDARIN_COMPLAINT);
    expect((await announced(complaint, 0)).said).toEqual(['[zh-CN] 您目前排在第1位，请继续等候。']);

    // The carrier's own queues (one per queue) put each of them first; the hotline does not.
    expect((await after(general, 35)).said).toEqual(['[en-US] You are number 2 in line. Please continue to hold.']);
  });

  it('does not count callers no agent of this queue could take', async () => {
    await agentOnFloor(h(), '1001', { complaints: 3, general: 3 }, { available: false });
    await waiting(MANDARIN_COMPLAINT);
    const luggage = await waiting(ENGLISH_LUGGAGE);
    expect((await announced(luggage, 0)).said).toEqual(['[en-US] You are number 1 in line. Please continue to hold.']);
  });
});

describe('a call back', () => {
  it('is offered only once the caller has waited 90 s, then they may press 1 at any time', async () => {
    const call = await waiting(ENGLISH_AGENT);
    const at45 = await after(call, 45);
    expect(at45.said).not.toContain(EN_OFFER);
    expect(call.events.filter((e) => e.type === 'listening' && e.n > at45.n)).toEqual([]);

    const at90 = await after(call, 45);
    expect(at90.said).toEqual(['[en-US] You are number 1 in line. Please continue to hold.', EN_OFFER]);
    await nextEvent(call, 'listening', at90.n);
    // Between announcements the music goes on listening for the key, without the offer said again.
    expect(await quietFor(call)).toEqual([]);
    expect(call.events.filter((e) => e.type === 'listening').length).toBeGreaterThan(1);
  });

  it('pressing 1 records a call back on their number, in their queue and language, due in 15 minutes; they hear it confirmed, goodbye, and the call ends', async () => {
    const call = await waiting(CANTONESE_AGENT, '+8613912345678');
    const offered = await after(call, 90);
    expect(offered.said.at(-1)).toBe('[zh-HK] 如果你唔想再等，可以隨時按1，我哋會打返俾你。');
    hotline.sim.press(call.sid, '1');
    const events = await hotline.sim.ended(call.sid);

    expect(heard(events).slice(-2)).toEqual(['[zh-HK] 好，我哋已經記低你嘅回電要求，會喺15分鐘之內打返俾你而家用緊嘅號碼。', '[zh-HK] 多謝你嘅來電，有需要歡迎再打嚟。再見。']);
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'twiml' });
    const requested = new Date(OPEN.getTime() + 90_000);
    expect(await callbacksOf(call.sid)).toEqual([
      expect.objectContaining({ number: '+8613912345678', queue: 'general', language: 'yue-HK', status: 'new', category: 'requested-in-queue', ownerStaffId: null, requestedAt: requested, dueAt: new Date(requested.getTime() + 15 * 60_000) }),
    ]);
    const row = await eventually(() => callRow(h(), call.sid), (c) => c.status === 'ended', 'call ended');
    expect(row.endReason).toBe('callback-requested');
    const types = (await h().database.db.select().from(callEvents).where(eq(callEvents.callSid, call.sid))).map((e) => e.type);
    expect(types).toContain('queue.callback-requested');

    // The call is never offered to an agent afterwards.
    await agentOnFloor(h(), '1001', { general: 3 });
    await sweep(h());
    expect(await offersFor(h(), call.sid)).toEqual([]);
  });

  it('another key asks for nothing: the caller goes on waiting and hears their place in line again', async () => {
    const call = await waiting(ENGLISH_AGENT);
    await after(call, 90);
    hotline.sim.press(call.sid, '5');
    await eventually(async () => call.keys, (keys) => keys === '', 'the key taken');
    expect((await after(call, 45)).said).toEqual(['[en-US] You are number 1 in line. Please continue to hold.', EN_OFFER]);
    expect(await callbacksOf(call.sid)).toEqual([]);
    expect((await callRow(h(), call.sid)).status).toBe('queued');
  });

  it('is not offered while the queue may not call passengers: nobody is promised a call outside its calling window', async () => {
    // A queue that calls back in office hours only; the test clock stands at 12:00, the office's lunch break.
    const general = h().queues.get('general')!;
    const rules = general.callbacks;
    general.callbacks = { ...rules, window: 'office' };
    try {
      const call = await waiting(ENGLISH_AGENT);
      expect((await after(call, 90)).said).toEqual(['[en-US] You are number 1 in line. Please continue to hold.']);
      const enqueued = call.events.find((e) => e.type === 'enqueued')!.n;
      expect(call.events.some((e) => e.type === 'listening' && e.n > enqueued)).toBe(false);
    } finally {
      general.callbacks = rules;
    }
  });

  it('is not offered to a caller whose number is withheld', async () => {
    const call = await waiting(ENGLISH_AGENT, '+266696687');
    expect((await after(call, 90)).said).toEqual(['[en-US] You are number 1 in line. Please continue to hold.']);
    const enqueued = call.events.find((e) => e.type === 'enqueued')!.n;
    expect(call.events.some((e) => e.type === 'listening' && e.n > enqueued)).toBe(false);
  });

  it('asked for again from the same number for the same queue while one is open, joins it: one call back, promised what is left of its time', async () => {
    const state = { flow: 'hotline', node: 'agent', language: 'en-US', attempt: 0, answers: {}, path: [] };
    const waiting = (sid: string, queue: string) =>
      h().database.db.insert(calls).values({ sid, from: '+8613800138000', to: '+864008000123', status: 'queued', ivr: state, queue, priority: 0, queuedAt: hotline.clock.now });
    await waiting('CA'.padEnd(34, '3'), 'general');
    const first = await requestCallback(h(), 'CA'.padEnd(34, '3'), { delayMinutes: 15 });
    hotline.clock.advance(5 * 60);
    await waiting('CA'.padEnd(34, '4'), 'general');
    const again = await requestCallback(h(), 'CA'.padEnd(34, '4'), { delayMinutes: 15 });
    expect(again).toMatchObject({ caseId: first!.caseId, reference: first!.reference, dueAt: first!.dueAt });
    expect(callbackMinutes(again!)).toBe(10);
    // A retried webhook of the second request hears the same.
    expect(await requestCallback(h(), 'CA'.padEnd(34, '4'))).toMatchObject({ caseId: first!.caseId });
    expect(await callRow(h(), 'CA'.padEnd(34, '4'))).toMatchObject({ status: 'callback', endReason: 'callback-requested' });
    const events = await h().database.db.select().from(caseEvents).where(eq(caseEvents.caseId, first!.caseId));
    expect(events.map((e) => e.type)).toEqual(['created', 'joined']);
    expect(events[1]!.data).toMatchObject({ callSid: 'CA'.padEnd(34, '4') });

    // Another queue is another request.
    await waiting('CA'.padEnd(34, '5'), 'tickets');
    expect((await requestCallback(h(), 'CA'.padEnd(34, '5')))!.caseId).not.toBe(first!.caseId);
  });

  it('asked for twice (a retried webhook) is one call back, and a caller whose agent is already ringing cannot ask', async () => {
    const sid = 'CA'.padEnd(34, '1');
    const state = { flow: 'hotline', node: 'agent', language: 'en-US', attempt: 0, answers: {}, path: [] };
    await h().database.db.insert(calls).values({ sid, from: '+8613800138000', to: '+864008000123', status: 'queued', ivr: state, queue: 'general', priority: 0, queuedAt: OPEN });
    const first = await requestCallback(h(), sid);
    expect(await requestCallback(h(), sid)).toEqual(first);
    expect(await callbacksOf(sid)).toHaveLength(1);
    expect(await callRow(h(), sid)).toMatchObject({ status: 'callback', endReason: 'callback-requested' });
    // A free agent is offered the call back (its case), never the call it came from.
    await agentOnFloor(h(), '1001', { general: 3 });
    await route(h());
    const offered = await eventually(() => h().database.db.select().from(offers), (rows) => rows.length > 0, 'the call back offered');
    expect(offered).toMatchObject([{ caseId: first!.caseId, callSid: null }]);

    const ringing = 'CA'.padEnd(34, '2');
    await h().database.db.insert(calls).values({ sid: ringing, from: '+8613800138000', to: '+864008000123', status: 'offered', ivr: state, queue: 'general', priority: 0, queuedAt: OPEN });
    expect(await requestCallback(h(), ringing)).toBeUndefined();
    expect(await callbacksOf(ringing)).toEqual([]);
  });
});

describe('the wait loop', () => {
  const plan = (waitedSeconds: number, sinceAnnouncedSeconds: number | undefined, callbackAfterSeconds = 90, announceEverySeconds = 45) =>
    planTurn({ announceEverySeconds, callbackAfterSeconds, waitedSeconds, sinceAnnouncedSeconds });

  it.each([
    ['first turn', 0, undefined, { announce: true, offerCallback: false, callbackKey: false, seconds: 45 }],
    ['10 s after it', 10, 10, { announce: false, offerCallback: false, callbackKey: false, seconds: 35 }],
    ['45 s after it', 46, 46, { announce: true, offerCallback: false, callbackKey: false, seconds: 44 }],
    ['the call back due', 90, 44, { announce: true, offerCallback: true, callbackKey: true, seconds: 45 }],
    ['after the offer', 100, 10, { announce: false, offerCallback: false, callbackKey: true, seconds: 35 }],
  ] as const)('%s: %j', (_name, waited, since, expected) => {
    expect(plan(waited, since)).toEqual(expected);
  });

  it('ends a turn when the call back becomes due, and offers it then even between announcements', () => {
    expect(plan(60, 0, 80)).toMatchObject({ announce: false, seconds: 20 });
    expect(plan(80, 20, 80)).toEqual({ announce: true, offerCallback: true, callbackKey: true, seconds: 45 });
  });

  it('in a queue that announces nothing, only offers the call back, once a minute', () => {
    expect(plan(0, undefined, 90, 0)).toEqual({ announce: false, offerCallback: false, callbackKey: false, seconds: 60 });
    expect(plan(90, undefined, 90, 0)).toEqual({ announce: false, offerCallback: true, callbackKey: true, seconds: 60 });
    expect(plan(120, 30, 90, 0)).toMatchObject({ offerCallback: false, seconds: 30 });
    expect(planTurn({ announceEverySeconds: 0, callbackAfterSeconds: undefined, waitedSeconds: 90, sinceAnnouncedSeconds: undefined })).toEqual({ announce: false, offerCallback: false, callbackKey: false, seconds: 60 });
  });

  it('estimates from handle time and agents, else from recent waits less the wait so far, else not at all', () => {
    expect(estimateWaitSeconds({ position: 3, waitedSeconds: 0, handleSeconds: 300, agents: 2, recentWaitSeconds: 30 })).toBe(450);
    expect(estimateWaitSeconds({ position: 3, waitedSeconds: 20, handleSeconds: 300, agents: 0, recentWaitSeconds: 200 })).toBe(180);
    expect(estimateWaitSeconds({ position: 3, waitedSeconds: 200, agents: 0, recentWaitSeconds: 180 })).toBeUndefined();
    expect(estimateWaitSeconds({ position: 1, waitedSeconds: 0, agents: 4 })).toBeUndefined();
  });

  it('plays the hold music looped to fill the turn, inside a Gather for the key once a call back may be asked for', () => {
    const flow = testFlows().get('hotline')!;
    const turn: WaitTurn = { kind: 'hold', language: 'en-US', announce: { position: 12, estimatedSeconds: 125 }, offerCallback: true, callbackKey: true, music: 'https://cdn.example.test/hold.mp3', seconds: 45 };
    const [gather, ...rest] = verbs(renderWait(flow, turn, 'https://hotline.example.test/twilio/wait-key?queue=general'));
    expect(rest).toEqual([]);
    expect(gather).toMatchObject({ verb: 'Gather', attrs: { numDigits: '1', action: 'https://hotline.example.test/twilio/wait-key?queue=general' } });
    expect(gather!.children.map((v) => [v.verb, v.text, v.attrs['loop']])).toEqual([
      ['Say', 'You are number 12', undefined],
      ['Say', 'About 3 minutes', undefined],
      ['Say', 'Press 1 for a call back', undefined],
      ['Play', 'https://cdn.example.test/hold.mp3', '5'], // 42 s of 10 s clips, rounded up
    ]);
    const quiet = verbs(renderWait(flow, { ...turn, announce: undefined, offerCallback: false, callbackKey: false, music: undefined }, ''));
    expect(quiet).toEqual([expect.objectContaining({ verb: 'Pause', attrs: { length: '45' } })]);
  });
});

describe('this file', () => {
  it('met no application error', () => {
    expect(hotline.sim.list().flatMap((call) => call.events.filter((e) => e.type === 'application-error'))).toEqual([]);
  });
});
