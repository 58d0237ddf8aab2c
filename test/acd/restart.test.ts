import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database.ts';
import { agentOnFloor, callRow, eventually } from '../support/agents.ts';
import { testDatabase } from '../support/database.ts';
import { callParams, newCallSid, PUBLIC_URL, signedPost } from '../support/hotline.ts';
import { runningHotline } from '../support/running.ts';
import { fakeTwilioRest } from '../support/twilio-rest.ts';

/**
 * With real Twilio the callers stay in Twilio's queue while our server restarts; the queue itself is rows.
 * A restarted hotline holds the same callers and routes them, through Twilio's REST API.
 */

const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const AUTH_TOKEN = 'restart-test-token';
let database: Database;
let twilioRest: Awaited<ReturnType<typeof fakeTwilioRest>>;
const env = () => ({ CARRIER: 'twilio', TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_API_URL: twilioRest.url, TWILIO_CALLER_ID: '+864008000123' });

beforeAll(async () => {
  database = await testDatabase();
  twilioRest = await fakeTwilioRest();
});
afterAll(async () => {
  await twilioRest.close();
  await database.close();
});

describe('a restart with callers waiting', () => {
  it('keeps them in the queue, in order, and offers them once an agent is free', async () => {
    const before = await runningHotline({ env: env(), database });
    const first = newCallSid();
    const second = newCallSid();
    for (const sid of [first, second]) {
      const post = (path: string, extra: Record<string, string> = {}) => signedPost(before.url, path, callParams(sid, { AccountSid: ACCOUNT_SID, ...extra }), AUTH_TOKEN);
      expect((await post('/twilio/voice')).status).toBe(200);
      await post('/twilio/ivr?seq=1', { Digits: '1' });
      expect((await post('/twilio/ivr?seq=2', { Digits: '0' })).text).toContain('<Enqueue');
      before.clock.advance(5);
    }
    await before.close();

    const after = await runningHotline({ env: env(), database });
    try {
      after.clock.now = new Date(before.clock.now.getTime() + 60_000);
      expect((await callRow(after.hotline, first)).status).toBe('queued');
      const agent = await agentOnFloor(after.hotline, '1001', { general: 2 });

      const [update] = await eventually(async () => twilioRest.updates, (u) => u.length === 1, 'Twilio asked to move the caller');
      expect(update).toMatchObject({ accountSid: ACCOUNT_SID, callSid: first, params: { Method: 'POST', Url: `${PUBLIC_URL}/twilio/connect?offer=1` } });
      expect(update!.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
      expect(await callRow(after.hotline, first)).toMatchObject({ status: 'offered' });
      expect(await callRow(after.hotline, second)).toMatchObject({ status: 'queued' });

      // The caller's leg fetches the room from the restarted server; once the room says they are in, the agent
      // is dialled into it.
      const connect = await signedPost(after.url, '/twilio/connect?offer=1', callParams(first, { AccountSid: ACCOUNT_SID }), AUTH_TOKEN);
      expect(connect.text).toMatch(/<Dial [^>]*action="https:\/\/hotline\.example\.test\/twilio\/after-call\?offer=1"/);
      expect(connect.text).toContain(`>call-${first}</Conference>`);
      const joined = { AccountSid: ACCOUNT_SID, ConferenceSid: `CF${'ab'.repeat(16)}`, FriendlyName: `call-${first}`, StatusCallbackEvent: 'participant-join', ParticipantLabel: 'caller', CallSid: first };
      expect((await signedPost(after.url, '/twilio/conference?offer=1', joined, AUTH_TOKEN)).status).toBe(204);
      const [dialled] = await eventually(async () => twilioRest.participants, (p) => p.length === 1, 'the agent dialled into the room');
      expect(dialled).toMatchObject({ conference: `call-${first}`, params: { To: `client:agent_${agent.employeeNo}?offerId=1`, Label: 'agent', EndConferenceOnExit: 'true' } });
    } finally {
      await after.close();
    }
  });

  it('ends, before anyone is offered them, the callers Twilio no longer has; a caller it says completed is not moved again', async () => {
    const database = await testDatabase();
    const before = await runningHotline({ env: env(), database });
    const [lost, hungUp, live] = [newCallSid(), newCallSid(), newCallSid()];
    for (const sid of [lost, hungUp, live]) {
      const post = (path: string, extra: Record<string, string> = {}) => signedPost(before.url, path, callParams(sid, { AccountSid: ACCOUNT_SID, ...extra }), AUTH_TOKEN);
      await post('/twilio/voice');
      await post('/twilio/ivr?seq=1', { Digits: '1' });
      expect((await post('/twilio/ivr?seq=2', { Digits: '0' })).text).toContain('<Enqueue');
      before.clock.advance(5);
    }
    await before.close();
    // While the hotline was down, Twilio forgot one caller and another hung up (its status callback lost).
    twilioRest.unknown.add(lost);
    twilioRest.completed.add(hungUp);
    twilioRest.updates.length = 0;

    const after = await runningHotline({ env: env(), database });
    try {
      expect(await callRow(after.hotline, lost)).toMatchObject({ status: 'ended', endReason: 'carrier-gone' });
      expect(await callRow(after.hotline, hungUp)).toMatchObject({ status: 'ended', endReason: 'abandoned-in-queue' });
      await agentOnFloor(after.hotline, '1002', { general: 2 });
      const [update] = await eventually(async () => twilioRest.updates, (u) => u.length === 1, 'Twilio asked to move the live caller');
      expect(update!.callSid).toBe(live);
    } finally {
      await after.close();
      await database.close();
    }
  });
});
