import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { callEvents, surveys } from '../../db/schema.ts';
import { surveyOf } from '../../src/surveys/survey.ts';
import type { SimulatedCall } from '../../src/telephony/carrier/simulator/call.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import { agentOnFloor, callRow, eventually, offersFor } from '../support/agents.ts';
import { testDatabase } from '../support/database.ts';
import { callParams, newCallSid, signedPost, testConfig, webhookApp } from '../support/hotline.ts';
import { heard, hotlinePerFile, nextEvent } from '../support/running.ts';
import { spoken, verbs } from '../support/twiml.ts';

/**
 * The post-call survey (ivr-flows/survey.yaml): whole calls through the IVR to an agent, placed by the
 * carrier simulator over real HTTP; after the agent hangs up the caller's leg goes on into the survey and
 * answers with keys. What they answered is read from the `surveys` table.
 */

const running = hotlinePerFile();
const h = () => running().hotline;

const MANDARIN_AGENT = ['1', '0']; // Mandarin, an agent (the general queue)
const ENGLISH_AGENT = ['2', '0']; // English, an agent
const CANTONESE_AGENT = ['3', '0']; // Cantonese, an agent

const RATING_EN = 'How satisfied are you with this call? Press 1 to 5, where 5 is very satisfied and 1 is very dissatisfied.';
const SOLVED_EN = 'Was your problem solved? Press 1 for yes, 2 for no.';
const THANKS_EN = 'Thank you for your feedback. Have a good journey. Goodbye.';
const GOODBYE_EN = 'Thank you for calling. Goodbye.';
const NO_INPUT_EN = 'Sorry, we did not hear your answer.';
const INVALID_EN = 'Sorry, that is not a valid key.';

/** The n-th time the call listens after the event numbered `after` (1 = the next Gather). */
async function listening(call: SimulatedCall, after: number, times = 1): Promise<number> {
  let n = after;
  for (let i = 0; i < times; i++) n = (await nextEvent(call, 'listening', n)).n;
  return n;
}

/** A caller talks to an agent (general, 1001 unless told), who hangs up; returns once the caller hears the first question. */
async function surveyedCall(presses: string[] = ENGLISH_AGENT, employeeNo = '1001') {
  const agent = await agentOnFloor(h(), employeeNo, { general: 3 });
  const ring = new Promise<Leg>((resolve) => running().sim.rings.once('ring', resolve));
  const call = running().sim.call({ presses });
  const leg = await ring;
  running().sim.answer(leg.sid);
  await nextEvent(call, 'connected');
  await running().sim.hangup(leg.sid);
  const disconnected = await nextEvent(call, 'disconnected');
  const asked = await listening(call, disconnected.n);
  return { agent, call, leg, disconnected: disconnected.n, asked };
}

/** The caller presses `keys` at the Gather they are at, and the call listens again (or ends). */
async function press(call: SimulatedCall, keys: string, after: number): Promise<number> {
  running().sim.press(call.sid, keys);
  return listening(call, after);
}

/** What the caller heard after the agent left. */
const heardAfter = (call: SimulatedCall, n: number) => heard(call.events.filter((e) => e.n > n));

describe('the post-call survey', () => {
  it('asks for a rating and whether the problem was solved, thanks the caller and stores a complete result', async () => {
    const { agent, call, disconnected, asked } = await surveyedCall();
    const second = await press(call, '5', asked);
    running().sim.press(call.sid, '1');
    const events = await running().sim.ended(call.sid);

    expect(heardAfter(call, disconnected)).toEqual([`[en-US] ${RATING_EN}`, `[en-US] ${SOLVED_EN}`, `[en-US] ${THANKS_EN}`]);
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'twiml' });
    expect(second).toBeGreaterThan(asked);
    const survey = await surveyOf(h(), call.sid);
    expect(survey).toMatchObject({ staffId: agent.id, queue: 'general', language: 'en-US', rating: 5, solved: true, status: 'complete' });
    expect(survey!.endedAt).toBeInstanceOf(Date);
    // The conversation still counts as completed with the agent.
    expect(await eventually(() => callRow(h(), call.sid), (c) => c.status === 'ended', 'call ended')).toMatchObject({ endReason: 'completed' });
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'completed' });
  });

  it('stores "not solved" for 2', async () => {
    const { call, asked } = await surveyedCall();
    await press(call, '3', asked);
    running().sim.press(call.sid, '2');
    await running().sim.ended(call.sid);
    expect(await surveyOf(h(), call.sid)).toMatchObject({ rating: 3, solved: false, status: 'complete' });
  });

  it('asks again once after silence, and takes the answer the second time', async () => {
    const { call, disconnected, asked } = await surveyedCall();
    const again = await press(call, '', asked);
    await press(call, '4', again);
    running().sim.press(call.sid, '1');
    await running().sim.ended(call.sid);

    expect(heardAfter(call, disconnected)).toEqual([
      `[en-US] ${RATING_EN}`,
      `[en-US] ${NO_INPUT_EN}`,
      `[en-US] ${RATING_EN}`,
      `[en-US] ${SOLVED_EN}`,
      `[en-US] ${THANKS_EN}`,
    ]);
    expect(await surveyOf(h(), call.sid)).toMatchObject({ rating: 4, solved: true, status: 'complete' });
  });

  it('ends politely after two invalid keys, keeping the rating already given as a partial result', async () => {
    const { call, disconnected, asked } = await surveyedCall();
    const solved = await press(call, '4', asked);
    await press(call, '7', solved);
    running().sim.press(call.sid, '9');
    const events = await running().sim.ended(call.sid);

    expect(heardAfter(call, disconnected)).toEqual([
      `[en-US] ${RATING_EN}`,
      `[en-US] ${SOLVED_EN}`,
      `[en-US] ${INVALID_EN}`,
      `[en-US] ${SOLVED_EN}`,
      `[en-US] ${INVALID_EN}`,
      `[en-US] ${GOODBYE_EN}`,
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'twiml' });
    const survey = await surveyOf(h(), call.sid);
    expect(survey).toMatchObject({ rating: 4, solved: null, status: 'partial' });
    expect(survey!.endedAt).toBeInstanceOf(Date);
  });

  it('takes a rating key outside 1-5 as invalid', async () => {
    const { call, disconnected, asked } = await surveyedCall();
    const again = await press(call, '0', asked);
    await press(call, '2', again);
    running().sim.press(call.sid, '1');
    await running().sim.ended(call.sid);
    expect(heardAfter(call, disconnected).slice(0, 3)).toEqual([`[en-US] ${RATING_EN}`, `[en-US] ${INVALID_EN}`, `[en-US] ${RATING_EN}`]);
    expect(await surveyOf(h(), call.sid)).toMatchObject({ rating: 2, solved: true, status: 'complete' });
  });

  it('ends politely after silence twice at the first question, with a partial result and no rating', async () => {
    const { call, disconnected, asked } = await surveyedCall();
    await press(call, '', asked);
    running().sim.press(call.sid, '');
    await running().sim.ended(call.sid);

    expect(heardAfter(call, disconnected)).toEqual([
      `[en-US] ${RATING_EN}`,
      `[en-US] ${NO_INPUT_EN}`,
      `[en-US] ${RATING_EN}`,
      `[en-US] ${NO_INPUT_EN}`,
      `[en-US] ${GOODBYE_EN}`,
    ]);
    expect(await surveyOf(h(), call.sid)).toMatchObject({ rating: null, solved: null, status: 'partial' });
  });

  it('keeps the rating as a partial result when the caller hangs up before the second question is answered', async () => {
    const { call, asked } = await surveyedCall();
    await press(call, '2', asked);
    running().sim.callerHangup(call.sid);
    const events = await running().sim.ended(call.sid);

    expect(events.filter((e) => e.type === 'application-error')).toEqual([]);
    const survey = await eventually(() => surveyOf(h(), call.sid), (s) => s?.status === 'partial', 'survey partial');
    expect(survey).toMatchObject({ rating: 2, solved: null });
    expect(survey!.endedAt).toBeInstanceOf(Date);
    expect(await eventually(() => callRow(h(), call.sid), (c) => c.status === 'ended', 'call ended')).toMatchObject({ endReason: 'completed' });
    // The call's log ends with the survey's end, then the call's.
    const logged = await h().database.db.select().from(callEvents).where(eq(callEvents.callSid, call.sid)).orderBy(callEvents.id);
    expect(logged.slice(-2).map((e) => [e.type, e.data])).toEqual([
      ['survey.ended', { status: 'partial', rating: 2, solved: null, by: 'hangup' }],
      ['call.ended', { reason: 'completed', durationSeconds: expect.any(Number), node: expect.any(String) }],
    ]);
  });

  it('gives no survey when the caller hangs up first', async () => {
    await agentOnFloor(h(), '1001', { general: 3 });
    const ring = new Promise<Leg>((resolve) => running().sim.rings.once('ring', resolve));
    const call = running().sim.call({ presses: ENGLISH_AGENT });
    running().sim.answer((await ring).sid);
    await nextEvent(call, 'connected');
    running().sim.callerHangup(call.sid);
    await running().sim.ended(call.sid);

    await eventually(() => callRow(h(), call.sid), (c) => c.status === 'ended', 'call ended');
    expect(await surveyOf(h(), call.sid)).toBeUndefined();
    expect(heard(call.events).join('\n')).not.toContain(RATING_EN);
  });

  it('gives no survey when the Dial action reports the caller already gone (CallStatus completed)', async () => {
    await agentOnFloor(h(), '1001', { general: 3 });
    const ring = new Promise<Leg>((resolve) => running().sim.rings.once('ring', resolve));
    const call = running().sim.call({ presses: ENGLISH_AGENT });
    running().sim.answer((await ring).sid);
    await nextEvent(call, 'connected');
    const [offer] = await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');

    // Twilio tells the action about a Dial the caller ended too; nobody hears its answer.
    const res = await signedPost(running().url, `/twilio/after-call?offer=${offer!.id}`, callParams(call.sid, { CallStatus: 'completed', DialCallStatus: 'completed' }));
    expect(res.status).toBe(200);
    expect(spoken(res.text).join('\n')).not.toContain(RATING_EN);
    expect(await surveyOf(h(), call.sid)).toBeUndefined();
  });

  it('answers a retried survey webhook with the same TwiML and changes nothing', async () => {
    const { call, asked } = await surveyedCall();
    await press(call, '5', asked);
    const before = await surveyOf(h(), call.sid);
    expect(before).toMatchObject({ rating: 5, seq: 2, status: 'asking' });

    // The carrier retries the rating's answer (seq 1), even with other keys: the same reply, nothing changes.
    const retry = (digits: string) => signedPost(running().url, '/twilio/survey?seq=1&language=en-US', callParams(call.sid, { Digits: digits }));
    const first = await retry('5');
    const second = await retry('2');
    expect(first.status).toBe(200);
    expect(first.type).toBe('text/xml');
    expect(second.text).toBe(first.text);
    expect(spoken(first.text)).toEqual([SOLVED_EN]);
    expect(await surveyOf(h(), call.sid)).toEqual(before);

    // And the Dial action's retry gives the first question again without starting another survey.
    const [offer] = await offersFor(h(), call.sid);
    const again = await signedPost(running().url, `/twilio/after-call?offer=${offer!.id}`, callParams(call.sid, { DialCallStatus: 'completed' }));
    expect(spoken(again.text)).toEqual([RATING_EN]);
    expect(await surveyOf(h(), call.sid)).toEqual(before);
    const started = await h().database.db.select().from(callEvents).where(and(eq(callEvents.callSid, call.sid), eq(callEvents.type, 'survey.started')));
    expect(started).toHaveLength(1);

    running().sim.press(call.sid, '1');
    await running().sim.ended(call.sid);
    expect(await surveyOf(h(), call.sid)).toMatchObject({ rating: 5, solved: true, status: 'complete' });
  });

  it('thanks a caller whose keys arrive for a survey step it did not ask, and changes nothing', async () => {
    const { call, asked } = await surveyedCall();
    const res = await signedPost(running().url, '/twilio/survey?seq=7&language=en-US', callParams(call.sid, { Digits: '5' }));
    expect(res.status).toBe(200);
    expect(spoken(res.text)).toEqual([GOODBYE_EN]);
    expect(await surveyOf(h(), call.sid)).toMatchObject({ rating: null, seq: 1, status: 'asking' });
    await press(call, '1', asked);
    running().sim.press(call.sid, '2');
    await running().sim.ended(call.sid);
    expect(await surveyOf(h(), call.sid)).toMatchObject({ rating: 1, solved: false, status: 'complete' });
  });

  it('names the field of a malformed survey webhook with 400', async () => {
    const { call } = await surveyedCall();
    const res = await signedPost(running().url, '/twilio/survey?seq=x', callParams(call.sid, { Digits: '5' }));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/seq/);
    running().sim.callerHangup(call.sid);
  });

  it('stores the survey with the agent who talked and the queue the caller waited in', async () => {
    const { agent, call, asked } = await surveyedCall(MANDARIN_AGENT);
    await press(call, '4', asked);
    running().sim.press(call.sid, '1');
    await running().sim.ended(call.sid);
    const [row] = await h().database.db.select().from(surveys).where(eq(surveys.callSid, call.sid));
    expect(row).toMatchObject({ staffId: agent.id, queue: 'general', language: 'zh-CN', rating: 4, solved: true });
    expect(row!.state.flow).toBe('survey');
  });

  it("asks in the caller's language: Mandarin, and Cantonese in its own voice", async () => {
    const mandarin = await surveyedCall(MANDARIN_AGENT);
    expect(heardAfter(mandarin.call, mandarin.disconnected)).toEqual(['[zh-CN] 请您对本次通话进行评价：非常满意请按5，非常不满意请按1，请按1到5。']);
    running().sim.callerHangup(mandarin.call.sid);
    await running().sim.ended(mandarin.call.sid);

    const cantonese = await surveyedCall(CANTONESE_AGENT, '1002');
    expect(heardAfter(cantonese.call, cantonese.disconnected)).toEqual(['[zh-HK] 請你為今次通話評分：非常滿意請按5，非常唔滿意請按1，請按1至5。']);
    expect(await surveyOf(h(), cantonese.call.sid)).toMatchObject({ language: 'yue-HK' });
    running().sim.callerHangup(cantonese.call.sid);
  });
});

describe('the survey when the database is down', () => {
  it('thanks the caller in their language and hangs up, with valid TwiML', async () => {
    const down = await hotlineWithoutDatabase();
    const sid = newCallSid();
    for (const [language, apology] of [
      ['en-US', 'Sorry, we could not record your answer. Thank you for calling. Goodbye.'],
      ['yue-HK', '對唔住，暫時未能記錄你嘅評價。多謝你嘅來電，再見。'],
    ] as const) {
      const res = await signedPost(down, `/twilio/survey?seq=1&language=${language}`, callParams(sid, { Digits: '5' }));
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/xml');
      expect(spoken(res.text)).toEqual([apology]);
      expect(verbs(res.text).at(-1)).toMatchObject({ verb: 'Hangup' });
    }
    // A fresh database is migrated before it is closed: slow on a busy machine.
  }, 90_000);
});

/** The webhooks' app over the real flows and a database that has gone away. */
async function hotlineWithoutDatabase() {
  const database = await testDatabase();
  await database.close();
  return (await webhookApp({ database, flowsDir: testConfig().flowsDir })).app;
}
