import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackAttempts, calls, cases, offers } from '../../db/schema.ts';
import type { Database } from '../../src/database.ts';
import type { Hotline } from '../../src/hotline.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import { route } from '../../src/acd/route.ts';
import { requestCallback } from '../../src/acd/wait.ts';
import { acceptCallback, DIALLING_LIMIT_SECONDS } from '../../src/callbacks/offers.ts';
import { agentOnFloor, eventually, presence } from '../support/agents.ts';
import { testDatabase } from '../support/database.ts';
import { callParams, PUBLIC_URL, signedPost } from '../support/hotline.ts';
import { runningHotline } from '../support/running.ts';
import { fakeTwilioRest } from '../support/twilio-rest.ts';

/**
 * Callbacks through Twilio's REST API (the real `twilio` client against a stand-in for Twilio's cloud): the
 * call placed as Twilio expects it, the passenger's webhooks answered, an attempt that outlives the process
 * that placed it, two processes racing for the same callbacks, and the pace of a burst.
 */

const ACCOUNT_SID = `AC${'2'.repeat(32)}`;
const AUTH_TOKEN = 'callbacks-test-token';
const CALLER_ID = '+864008000999';
let twilioRest: Awaited<ReturnType<typeof fakeTwilioRest>>;
const env = (extra: Record<string, string> = {}) => ({
  CARRIER: 'twilio',
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_API_URL: twilioRest.url,
  TWILIO_CALLER_ID: CALLER_ID,
  OUTBOUND_CALLS_PER_SECOND: '50',
  ...extra,
});

beforeAll(async () => {
  twilioRest = await fakeTwilioRest();
});
afterAll(async () => {
  await twilioRest.close();
});

let callers = 0;
/** A caller who waited in the general queue and asked to be called back on `number`. */
async function callbackFor(h: Hotline, number: string) {
  const sid = `CA${String(++callers).padStart(6, '0')}`.padEnd(34, '9');
  const ivr = { flow: 'hotline', node: 'agent', language: 'en-US', attempt: 0, answers: {}, path: [] };
  await h.database.db.insert(calls).values({ sid, from: number, to: CALLER_ID, status: 'queued', ivr, queue: 'general', priority: 0, queuedAt: h.now() });
  return (await requestCallback(h, sid))!;
}

const ringingOffers = (db: Database['db']) => db.select().from(offers).where(eq(offers.status, 'ringing')).orderBy(offers.id);

/** A callback for `number`, offered to agent 1001 (just come on) and accepted: the call Twilio was asked to place. */
async function acceptedCallback(h: Hotline, number: string) {
  const made = await callbackFor(h, number);
  const agent = await agentOnFloor(h, '1001', { general: 2 });
  const [offer] = await eventually(() => ringingOffers(h.database.db), (o) => o.length === 1, 'the callback offered');
  const before = twilioRest.created.length;
  await acceptCallback(h, agent.id, offer!.id);
  const [created] = await eventually(async () => twilioRest.created.slice(before), (c) => c.length === 1, 'the call placed');
  return { made, agent, offer: offer!, created: created! };
}

describe('a callback placed through Twilio', () => {
  it('is created from the hotline number with answering-machine detection; a person answering is put through to the agent', async () => {
    const database = await testDatabase();
    const running = await runningHotline({ env: env(), database });
    try {
      const h = running.hotline;
      const { made, agent, offer, created } = await acceptedCallback(h, '+8613911110001');
      expect(created).toMatchObject({
        accountSid: ACCOUNT_SID,
        params: {
          To: '+8613911110001',
          From: CALLER_ID,
          Url: `${PUBLIC_URL}/twilio/callback/answer?attempt=1`,
          Method: 'POST',
          StatusCallback: `${PUBLIC_URL}/twilio/callback/status?attempt=1`,
          MachineDetection: 'DetectMessageEnd',
          Timeout: '30',
        },
      });
      const sid = created.sid;
      const post = (path: string, extra: Record<string, string>) =>
        signedPost(running.url, path, callParams(sid, { AccountSid: ACCOUNT_SID, From: CALLER_ID, To: '+8613911110001', Direction: 'outbound-api', ...extra }), AUTH_TOKEN);
      expect((await post('/twilio/callback/status?attempt=1', { CallStatus: 'ringing' })).status).toBe(204);
      // The passenger is put in a room of their own; once the room says they are in, the agent is dialled in.
      const answer = await post('/twilio/callback/answer?attempt=1', { AnsweredBy: 'human' });
      expect(answer.text).toContain(`>call-${sid}</Conference>`);
      expect(answer.text).not.toContain('<Say');
      const joined = { AccountSid: ACCOUNT_SID, ConferenceSid: `CF${'cd'.repeat(16)}`, FriendlyName: `call-${sid}`, StatusCallbackEvent: 'participant-join', ParticipantLabel: 'caller', CallSid: sid };
      expect((await signedPost(running.url, `/twilio/conference?offer=${offer.id}`, joined, AUTH_TOKEN)).status).toBe(204);
      const [dialled] = await eventually(async () => twilioRest.participants.filter((p) => p.conference === `call-${sid}`), (p) => p.length === 1, 'the agent dialled in');
      expect(dialled!.params).toMatchObject({ To: `client:agent_1001?offerId=${offer.id}`, From: '+8613911110001', Label: 'agent' });
      const leg = (status: string) => post(`/twilio/agent-leg?offer=${offer.id}`, { CallSid: `CA${'5'.repeat(32)}`, ParentCallSid: sid, CallStatus: status });
      await leg('ringing');
      await leg('in-progress');
      expect((await presence(h, agent.id)).presence).toBe('on-call');
      await leg('completed');
      expect((await presence(h, agent.id)).presence).toBe('wrap-up');
      const [c] = await database.db.select().from(cases).where(eq(cases.id, made.caseId));
      expect(c).toMatchObject({ status: 'resolved', resolution: { reason: 'answered' } });
    } finally {
      await running.close();
      await database.close();
    }
  });

  it('busy, as Twilio reports it, frees the agent and schedules the next attempt', async () => {
    const database = await testDatabase();
    const running = await runningHotline({ env: env(), database });
    try {
      const h = running.hotline;
      const { made, agent, created } = await acceptedCallback(h, '+8613911110002');
      const status = await signedPost(running.url, '/twilio/callback/status?attempt=1', callParams(created.sid, { AccountSid: ACCOUNT_SID, CallStatus: 'busy', Direction: 'outbound-api' }), AUTH_TOKEN);
      expect(status.status).toBe(204);
      expect((await presence(h, agent.id)).presence).toBe('available');
      const [c] = await database.db.select().from(cases).where(eq(cases.id, made.caseId));
      expect(c).toMatchObject({ attempts: 1, dialAfter: new Date(h.now().getTime() + 10 * 60_000) });
      // The same callback again (Twilio retries) changes nothing.
      await signedPost(running.url, '/twilio/callback/status?attempt=1', callParams(created.sid, { AccountSid: ACCOUNT_SID, CallStatus: 'busy' }), AUTH_TOKEN);
      expect((await database.db.select().from(cases).where(eq(cases.id, made.caseId)))[0]!.attempts).toBe(1);
    } finally {
      await running.close();
      await database.close();
    }
  });
});

describe('a restart during an attempt', () => {
  it('the passenger answering after the restart is put through by the new process; an attempt nobody reports on is given up at its limit, uncounted, and offered again', async () => {
    const database = await testDatabase();
    const before = await runningHotline({ env: env(), database });
    const { made, created } = await acceptedCallback(before.hotline, '+8613911110003');
    await eventually(() => database.db.select().from(callbackAttempts), (a) => a[0]?.callSid === created.sid, 'the call recorded');
    await before.close();

    const after = await runningHotline({ env: env(), database });
    try {
      after.clock.now = new Date(before.clock.now.getTime() + 5_000);
      const answer = await signedPost(after.url, '/twilio/callback/answer?attempt=1', callParams(created.sid, { AccountSid: ACCOUNT_SID, AnsweredBy: 'human', Direction: 'outbound-api' }), AUTH_TOKEN);
      expect(answer.text).toContain(`>call-${created.sid}</Conference>`);

      // A second attempt (another passenger) whose carrier callbacks never come: the sweep gives it up.
      const other = await callbackFor(after.hotline, '+8613911110004');
      const second = await agentOnFloor(after.hotline, '1002', { general: 2 });
      const [ringing] = await eventually(() => ringingOffers(database.db), (o) => o.length === 1, 'the second callback offered');
      await acceptCallback(after.hotline, second.id, ringing!.id);
      await eventually(() => database.db.select().from(callbackAttempts).where(eq(callbackAttempts.caseId, other.caseId)), (a) => a[0]?.callSid !== null && a[0] !== undefined, 'placed');
      after.clock.advance(DIALLING_LIMIT_SECONDS + 1);
      await sweep(after.hotline);
      expect(await database.db.select().from(callbackAttempts).where(eq(callbackAttempts.caseId, other.caseId))).toEqual([
        expect.objectContaining({ outcome: 'failed', counted: false }),
      ]);
      const [c] = await database.db.select().from(cases).where(eq(cases.id, other.caseId));
      expect(c).toMatchObject({ attempts: 0, status: 'new' });
      // …and it was back in its place at once: offered again straight away (agent 1002 is free again).
      await eventually(() => database.db.select().from(offers).where(eq(offers.caseId, other.caseId)), (o) => o.length === 2, 'offered again');
      expect(made.caseId).not.toBe(other.caseId);
    } finally {
      await after.close();
      await database.close();
    }
  });
});

describe('two processes and a burst', () => {
  it('two processes routing and accepting at once place one call per attempt; never more calls than agents who accepted, at the configured pace', async () => {
    const database = await testDatabase();
    const one = await runningHotline({ env: env({ OUTBOUND_CALLS_PER_SECOND: '5' }), database });
    const two = await runningHotline({ env: env({ OUTBOUND_CALLS_PER_SECOND: '5' }), database });
    try {
      const made = [];
      for (let i = 0; i < 50; i++) made.push(await callbackFor(one.hotline, `+86139222${String(i).padStart(5, '0')}`));
      const team = [];
      for (let i = 0; i < 10; i++) team.push(await agentOnFloor(one.hotline, String(1101 + i), { general: 2 }, { available: false }));
      await database.db.update(offers).set({ status: 'withdrawn' }).where(inArray(offers.status, ['ringing']));
      const { choosePresence } = await import('../../src/acd/presence.ts');
      await Promise.all(team.map((a, i) => choosePresence(i % 2 ? two.hotline : one.hotline, a.id, 'available')));
      await Promise.all([route(one.hotline), route(two.hotline), route(one.hotline), route(two.hotline)]);
      const rung = await eventually(() => ringingOffers(database.db), (o) => o.length === 10, 'every agent offered one callback');
      expect(new Set(rung.map((o) => o.caseId)).size).toBe(10);

      // When each process asks the carrier to place a call (the stand-in's clock would add its own delays).
      const asked: number[] = [];
      for (const process of [one, two]) {
        const carrier = process.hotline.carrier;
        const place = carrier.placeCall.bind(carrier);
        carrier.placeCall = (call) => {
          asked.push(Date.now());
          return place(call);
        };
      }
      const before = twilioRest.created.length;
      const accepted = await Promise.allSettled(rung.flatMap((o) => [acceptCallback(one.hotline, o.staffId, o.id), acceptCallback(two.hotline, o.staffId, o.id)]));
      expect(accepted.filter((a) => a.status === 'fulfilled')).toHaveLength(10);
      const placed = await eventually(async () => twilioRest.created.slice(before), (c) => c.length === 10, 'ten calls placed', 15_000);
      // One call per accepted callback, to ten different passengers; none for the forty still waiting.
      expect(new Set(placed.map((p) => p.params['To'])).size).toBe(10);
      await new Promise((r) => setTimeout(r, 300));
      expect(twilioRest.created.length - before).toBe(10);
      // 5 a second: the k-th placement no sooner than k fifths of a second after the first. A timer never
      // fires early, but on a busy machine the first may be late: one fifth is allowed for that.
      const times = asked.sort((a, b) => a - b);
      expect(times).toHaveLength(10);
      for (let k = 1; k < times.length; k++) expect(times[k]! - times[0]!).toBeGreaterThanOrEqual((k - 1) * 200);
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(8 * 200);
    } finally {
      await two.close();
      await one.close();
      await database.close();
    }
  }, 40_000);
});
