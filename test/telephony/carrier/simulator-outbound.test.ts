import express from 'express';
import { pino } from 'pino';
import twilio from 'twilio';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallGone, type PlaceCall } from '../../../src/telephony/carrier/carrier.ts';
import type { CallEvent } from '../../../src/telephony/carrier/simulator/call.ts';
import type { Leg } from '../../../src/telephony/carrier/simulator/dial.ts';
import type { PassengerScript, PlacedCall } from '../../../src/telephony/carrier/simulator/outbound.ts';
import { simulatorRoutes } from '../../../src/telephony/carrier/simulator/routes.ts';
import { Simulator } from '../../../src/telephony/carrier/simulator/simulator.ts';
import { nextEvent } from '../../support/running.ts';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  PUBLIC_URL,
  carrierPerSpec,
  eventually,
  signedForPublicUrl,
  startTwimlServer,
  twiml,
  type Hit,
  type TwimlServer,
} from '../../support/twiml-server.ts';

/**
 * The carrier simulator places calls as Twilio's `calls.create` does (shared/reference/twilio.md, "Beyond the
 * first call"): answered at once with a sid, then the placement's status callback hears the call's progress,
 * and once the passenger answers, the placement's `url` is followed like any call's TwiML. How each passenger
 * answers is scripted per number (`expectCall`, or POST /simulator/passengers).
 */

const HOTLINE = '+864008000123';
const PASSENGER = '+8613912345678';
const ANSWER = '/twilio/callbacks/answer';
const STATUS = '/twilio/callbacks/status';

const carrier = carrierPerSpec();
let hotline: TwimlServer;
let sim: Simulator;

beforeEach(() => {
  hotline = carrier.server();
  hotline.serve(STATUS, { status: 204 });
  sim = carrier.simulator(0);
});

/** The hotline places a call to PASSENGER, its TwiML and progress under PUBLIC_URL with a query (`?case=7`). */
function place(s: Simulator = sim, overrides: Partial<PlaceCall> = {}): Promise<{ sid: string }> {
  return s.placeCall({
    to: PASSENGER,
    from: HOTLINE,
    url: `${PUBLIC_URL}${ANSWER}?case=7`,
    statusCallback: `${PUBLIC_URL}${STATUS}?case=7`,
    timeoutSeconds: 30,
    machineDetection: 'DetectMessageEnd',
    ...overrides,
  });
}

const answerWith = (verbs: string) => hotline.serve(ANSWER, twiml(verbs));
const progress = (): Hit[] => hotline.requests(STATUS);
const statuses = () => progress().map((hit) => hit.params['CallStatus']);
const transcript = (events: CallEvent[]) => events.map(({ n: _n, atMs: _atMs, ...event }) => event);
const said = (events: CallEvent[]) => events.flatMap((event) => (event.type === 'say' ? [event.text] : []));
const nextRing = (s: Simulator = sim) => new Promise<Leg>((resolve) => s.rings.once('ring', resolve));

/** A simulator of the spec's own making (a clock of its own, or control routes), sending to `server`; the spec closes it. */
function ownSimulator(server: TwimlServer | undefined, now?: () => Date): Simulator {
  const made = new Simulator({ publicUrl: PUBLIC_URL, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, timeScale: 0, logger: pino({ level: 'silent' }), ...(now ? { now } : {}) });
  if (server) made.setTargetUrl(server.url);
  return made;
}

describe('placing a call (calls.create)', () => {
  it('answers at once with a new CA sid, before any webhook, and lists the call as outbound-api from the hotline to the passenger', async () => {
    answerWith('<Hangup/>');
    const placed = new Promise<[PlacedCall, unknown]>((resolve) => sim.outbound.once('placed', (...args) => resolve(args)));
    const { sid } = await place();

    expect(sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(hotline.hits).toEqual([]);
    expect(sim.get(sid)).toMatchObject({ sid, direction: 'outbound-api', from: HOTLINE, to: PASSENGER });
    expect(sim.list().map((call) => call.sid)).toEqual([sid]);
    expect(await sim.callState(sid)).toBe('live');
    const [event, call] = await placed;
    expect(event).toMatchObject({ sid, to: PASSENGER, from: HOTLINE, timeoutSeconds: 30, machineDetection: 'DetectMessageEnd' });
    expect(call).toBe(sim.get(sid));
    await sim.ended(sid);
  });

  it("records every placement with the carrier's time, so pacing can be checked", async () => {
    let now = Date.UTC(2025, 2, 12, 1, 0, 0);
    const paced = ownSimulator(hotline, () => new Date(now));
    answerWith('<Hangup/>');
    const first = await place(paced);
    now += 1_000;
    const second = await place(paced, { to: '+8613800000002' });
    await Promise.all([paced.ended(first.sid), paced.ended(second.sid)]);
    await paced.close();

    expect(paced.placed).toEqual([
      { sid: first.sid, to: PASSENGER, from: HOTLINE, url: `${PUBLIC_URL}${ANSWER}?case=7`, statusCallback: `${PUBLIC_URL}${STATUS}?case=7`, timeoutSeconds: 30, machineDetection: 'DetectMessageEnd', at: Date.UTC(2025, 2, 12, 1, 0, 0) },
      expect.objectContaining({ sid: second.sid, to: '+8613800000002', at: Date.UTC(2025, 2, 12, 1, 0, 1) }),
    ]);
  });
});

describe('a person answers', () => {
  it('reports initiated, ringing, in-progress and completed to the placement, with Twilio parameters for an outbound-api call', async () => {
    answerWith('<Say language="zh-CN">您好，这里是三铃客服热线。</Say><Pause length="5"/><Hangup/>');
    sim.expectCall(PASSENGER, { answer: 'human', afterSeconds: 20 });
    const { sid } = await place();
    await sim.ended(sid);

    expect(statuses()).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    for (const [i, hit] of progress().entries()) {
      expect(hit.url).toBe(`${STATUS}?case=7`);
      expect(hit.params).toMatchObject({
        CallSid: sid,
        From: HOTLINE,
        To: PASSENGER,
        Direction: 'outbound-api',
        SequenceNumber: String(i),
        CallbackSource: 'call-progress-events',
        Timestamp: expect.stringMatching(/GMT$/),
      });
      expect(signedForPublicUrl(hit)).toBe(true);
    }
    // Twenty seconds of ringing are not talk time: CallDuration counts from the answer (the 5 s pause).
    expect(progress()[3]!.params).toMatchObject({ CallDuration: '5', AnsweredBy: 'human' });
    expect(hotline.requests('/twilio/status')).toEqual([]);
  });

  it('fetches the placement url with POST once answered, with AnsweredBy=human, signed as Twilio signs', async () => {
    answerWith('<Say>hello</Say>');
    const { sid } = await place();
    const events = await sim.ended(sid);

    const [fetched] = hotline.requests(ANSWER);
    expect(fetched!.url).toBe(`${ANSWER}?case=7`);
    expect(fetched!.params).toMatchObject({ CallSid: sid, From: HOTLINE, To: PASSENGER, Direction: 'outbound-api', CallStatus: 'in-progress', AnsweredBy: 'human', ApiVersion: '2010-04-01' });
    expect(twilio.validateRequest(AUTH_TOKEN, fetched!.signature!, `${PUBLIC_URL}${ANSWER}?case=7`, fetched!.params)).toBe(true);
    // The answer comes after in-progress is reported.
    expect(hotline.hits.map((hit) => hit.path)).toEqual([STATUS, STATUS, STATUS, ANSWER, STATUS]);
    expect(transcript(events)).toEqual([
      { type: 'dialled', from: HOTLINE, to: PASSENGER },
      { type: 'answered', by: 'human' },
      { type: 'say', language: 'en-US', text: 'hello' },
      { type: 'ended', by: 'twiml' },
    ]);
  });

  it('lets the phone ring afterSeconds on the simulated clock before answering', async () => {
    const slow = carrier.simulator(0.01);
    answerWith('<Hangup/>');
    slow.expectCall(PASSENGER, { answer: 'human', afterSeconds: 20 });
    const { sid } = await place(slow);
    const [, ringing] = await hotline.waitForRequests(STATUS, 2);
    const rangAt = Date.now();
    await hotline.waitForRequests(STATUS, 3);

    expect(ringing!.params['CallStatus']).toBe('ringing');
    expect(Date.now() - rangAt).toBeGreaterThanOrEqual(150);
    await slow.ended(sid);
    expect(statuses()).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
  });

  it('is a call like any other once answered: keys reach its Gather, and the passenger may hang up', async () => {
    answerWith('<Gather numDigits="1" action="/twilio/callbacks/menu"><Say>press 1 to speak to an agent</Say></Gather>');
    hotline.serve('/twilio/callbacks/menu', twiml('<Say>one moment</Say><Pause length="600"/><Say>still there</Say>'));
    const { sid } = await place();
    const call = sim.get(sid)!;
    await nextEvent(call, 'listening');
    sim.press(sid, '1');
    await nextEvent(call, 'say', (await nextEvent(call, 'pressed')).n);
    sim.callerHangup(sid);
    const events = await sim.ended(sid);

    expect(hotline.requests('/twilio/callbacks/menu')[0]!.params).toMatchObject({ CallSid: sid, Digits: '1', Direction: 'outbound-api' });
    expect(said(events)).toEqual(['press 1 to speak to an agent', 'one moment']);
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'caller' });
    expect(statuses().at(-1)).toBe('completed');
    expect(await sim.callState(sid)).toBe('over');
  });

  it('hangs up by itself after hangUpAfterSeconds on the line', async () => {
    answerWith('<Say>first</Say><Pause length="30"/><Say>never heard</Say>');
    sim.expectCall(PASSENGER, { answer: 'human', hangUpAfterSeconds: 12 });
    const { sid } = await place();
    const events = await sim.ended(sid);

    expect(said(events)).toEqual(['first']);
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'caller' });
    expect(progress().at(-1)!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '12' });
  });

  it('can be moved with the REST redirect once answered, and hung up by the hotline (completed)', async () => {
    // Menus keep the call live: at time scale 0 a person is waited for.
    answerWith('<Gather numDigits="1"><Say>hold on</Say></Gather>');
    hotline.serve('/twilio/callbacks/moved', twiml('<Gather numDigits="1"><Say>moved</Say></Gather>'));
    const { sid } = await place();
    const call = sim.get(sid)!;
    await nextEvent(call, 'listening');
    await sim.redirect(sid, `${PUBLIC_URL}/twilio/callbacks/moved`);
    await nextEvent(call, 'listening', (await nextEvent(call, 'listening')).n);
    await sim.hangup(sid);
    const events = await sim.ended(sid);

    expect(said(events)).toEqual(['hold on', 'moved']);
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'api' });
    expect(statuses()).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
  });
});

describe('an answering machine', () => {
  it.each([
    ['DetectMessageEnd', 'machine_end_beep'],
    ['Enable', 'machine_start'],
  ] as const)('with machineDetection %s is AnsweredBy %s, in the first TwiML request and the in-progress callback', async (machineDetection, answeredBy) => {
    answerWith('<Hangup/>');
    sim.expectCall(PASSENGER, { answer: 'machine' });
    const { sid } = await place(sim, { machineDetection });
    const events = await sim.ended(sid);

    expect(hotline.requests(ANSWER)[0]!.params['AnsweredBy']).toBe(answeredBy);
    expect(progress().find((hit) => hit.params['CallStatus'] === 'in-progress')!.params['AnsweredBy']).toBe(answeredBy);
    expect(transcript(events).slice(0, 2)).toEqual([
      { type: 'dialled', from: HOTLINE, to: PASSENGER },
      { type: 'answered', by: 'machine' },
    ]);
  });

  it('hangs up during the message when its hangUpAfterSeconds run out, and the call completes', async () => {
    answerWith('<Say>您好，我们回电是关于您的退票。</Say><Pause length="10"/><Say>请再次致电。</Say><Hangup/>');
    sim.expectCall(PASSENGER, { answer: 'machine', hangUpAfterSeconds: 4 });
    const { sid } = await place();
    const events = await sim.ended(sid);

    expect(said(events)).toEqual(['您好，我们回电是关于您的退票。']);
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'caller' });
    expect(progress().at(-1)!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '4', AnsweredBy: 'machine_end_beep' });
  });

  it('presses nothing: a menu times out at once, even at time scale 0 (where a person is waited for)', async () => {
    answerWith('<Gather numDigits="1" action="/twilio/callbacks/menu"><Say>press 1</Say></Gather><Say>leaving a message</Say>');
    sim.expectCall(PASSENGER, { answer: 'machine' });
    const { sid } = await place();
    const events = await sim.ended(sid);

    expect(said(events)).toEqual(['press 1', 'leaving a message']);
    expect(hotline.requests('/twilio/callbacks/menu')).toEqual([]);
  });
});

describe('a call nobody answers', () => {
  it.each(['busy', 'failed'] as const)('ends %s after initiated and ringing, without fetching any TwiML', async (answer) => {
    sim.expectCall(PASSENGER, { answer });
    const { sid } = await place();
    const events = await sim.ended(sid);

    expect(statuses()).toEqual(['initiated', 'ringing', answer]);
    expect(progress().at(-1)!.params).toMatchObject({ CallSid: sid, Direction: 'outbound-api', SequenceNumber: '2', CallDuration: '0' });
    expect(hotline.requests(ANSWER)).toEqual([]);
    expect(transcript(events)).toEqual([
      { type: 'dialled', from: HOTLINE, to: PASSENGER },
      { type: 'unanswered', status: answer },
    ]);
    expect(await sim.callState(sid)).toBe('over');
  });

  it('ends no-answer after ringing timeoutSeconds on the simulated clock', async () => {
    const slow = carrier.simulator(0.01);
    slow.expectCall(PASSENGER, { answer: 'no-answer' });
    const { sid } = await place(slow, { timeoutSeconds: 25 });
    await hotline.waitForRequests(STATUS, 2);
    const rangAt = Date.now();
    await slow.ended(sid);

    expect(Date.now() - rangAt).toBeGreaterThanOrEqual(200);
    expect(statuses()).toEqual(['initiated', 'ringing', 'no-answer']);
    expect(hotline.requests(ANSWER)).toEqual([]);
  });

  it('ends no-answer at once at time scale 0, and when the answer would come only after the timeout', async () => {
    sim.expectCall(PASSENGER, { answer: 'no-answer' }, { answer: 'human', afterSeconds: 45 });
    const first = await place();
    const second = await place();
    await Promise.all([sim.ended(first.sid), sim.ended(second.sid)]);

    const final = (sid: string) => progress().filter((hit) => hit.params['CallSid'] === sid).at(-1)!.params['CallStatus'];
    expect([final(first.sid), final(second.sid)]).toEqual(['no-answer', 'no-answer']);
    expect(hotline.requests(ANSWER)).toEqual([]);
  });

  it('is canceled when the hotline hangs it up (REST) while it rings; it can not be redirected then', async () => {
    const slow = carrier.simulator(1);
    slow.expectCall(PASSENGER, { answer: 'human', afterSeconds: 60 });
    const { sid } = await place(slow);
    await hotline.waitForRequests(STATUS, 2);

    await expect(slow.redirect(sid, `${PUBLIC_URL}/twilio/elsewhere`)).rejects.toBeInstanceOf(CallGone);
    expect(await slow.callState(sid)).toBe('live');
    await slow.hangup(sid);
    const events = await slow.ended(sid);

    expect(statuses()).toEqual(['initiated', 'ringing', 'canceled']);
    expect(events.at(-1)).toMatchObject({ type: 'unanswered', status: 'canceled' });
    expect(await slow.callState(sid)).toBe('over');
    await expect(slow.hangup(sid)).rejects.toBeInstanceOf(CallGone);
  });

  it('is busy when the passenger declines it while it rings', async () => {
    const slow = carrier.simulator(1);
    slow.expectCall(PASSENGER, { answer: 'human', afterSeconds: 60 });
    const { sid } = await place(slow);
    await hotline.waitForRequests(STATUS, 2);
    slow.callerHangup(sid);
    await slow.ended(sid);

    expect(statuses()).toEqual(['initiated', 'ringing', 'busy']);
  });

  it('is canceled when the simulator closes while it rings', async () => {
    const slow = carrier.simulator(1);
    slow.expectCall(PASSENGER, { answer: 'no-answer' });
    await place(slow, { timeoutSeconds: 60 });
    await hotline.waitForRequests(STATUS, 2);
    await slow.close();

    expect(statuses()).toEqual(['initiated', 'ringing', 'canceled']);
  });
});

describe('passenger scripts', () => {
  it('are taken one per call placed to the number, in turn; then a person answers after 1 s and stays on the line', async () => {
    answerWith('<Say>hello</Say><Pause length="3600"/><Say>still there</Say><Hangup/>');
    expect(sim.expectCall(PASSENGER, { answer: 'busy' }, { answer: 'failed' })).toBe(2);
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { sid } = await place();
      await sim.ended(sid);
      outcomes.push(progress().filter((hit) => hit.params['CallSid'] === sid).at(-1)!.params['CallStatus']!);
    }
    const other = await place(sim, { to: '+8613700000000' });
    const events = await sim.ended(other.sid);

    expect(outcomes).toEqual(['busy', 'failed', 'completed']);
    expect(said(events)).toEqual(['hello', 'still there']);
    expect(hotline.requests(ANSWER).map((hit) => hit.params['AnsweredBy'])).toEqual(['human', 'human']);
  });

  it("answer the call's first menus with their presses", async () => {
    answerWith('<Gather numDigits="1" action="/twilio/callbacks/menu"><Say>press 1 to confirm</Say></Gather>');
    hotline.serve('/twilio/callbacks/menu', twiml('<Hangup/>'));
    sim.expectCall(PASSENGER, { answer: 'human', presses: ['1'] } satisfies PassengerScript);
    const { sid } = await place();
    await sim.ended(sid);

    expect(hotline.requests('/twilio/callbacks/menu')[0]!.params['Digits']).toBe('1');
  });
});

describe('<Dial><Client> from a placed call', () => {
  it('rings the agent leg, which sim.answer() connects to the passenger; the action hears how it ended', async () => {
    answerWith(
      '<Say>connecting you to your agent</Say>' +
        '<Dial action="/twilio/callbacks/after"><Client statusCallback="/twilio/agent-leg" statusCallbackEvent="initiated ringing answered completed">agent_1001</Client></Dial>',
    );
    hotline.serve('/twilio/agent-leg', { status: 204 });
    hotline.serve('/twilio/callbacks/after', twiml('<Say>thank you</Say><Hangup/>'));
    const ringing = nextRing();
    const { sid } = await place();
    const leg = await ringing;
    expect(leg).toMatchObject({ parentSid: sid, client: 'agent_1001', state: 'ringing' });
    expect(sim.callOfLeg(leg.sid)).toBe(sim.get(sid));

    sim.answer(leg.sid);
    await nextEvent(sim.get(sid)!, 'connected');
    await sim.hangup(leg.sid);
    const events = await sim.ended(sid);

    expect(hotline.requests('/twilio/agent-leg').map((hit) => hit.params['CallStatus'])).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(hotline.requests('/twilio/agent-leg')[0]!.params).toMatchObject({ CallSid: leg.sid, ParentCallSid: sid, To: 'client:agent_1001' });
    expect(hotline.requests('/twilio/callbacks/after')[0]!.params).toMatchObject({ CallSid: sid, DialCallStatus: 'completed', DialCallSid: leg.sid });
    expect(transcript(events).map((event) => event.type)).toEqual(['dialled', 'answered', 'say', 'ringing', 'connected', 'disconnected', 'say', 'ended']);
    expect(statuses()).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
  });
});

describe('HTTP control: /simulator/passengers and /simulator/calls', () => {
  let server: TwimlServer;
  let controlled: Simulator;
  const api = () => request(server.url);

  beforeEach(async () => {
    controlled = ownSimulator(undefined);
    server = await startTwimlServer({ mount: (app) => app.use('/simulator', express.json(), simulatorRoutes(controlled)) });
    controlled.setTargetUrl(server.url);
    server.serve(STATUS, { status: 204 });
    // At time scale 0 a person is waited for at a menu: the call stays live until the spec acts.
    server.serve(ANSWER, twiml('<Gather numDigits="1" action="/twilio/callbacks/menu"><Say>hello</Say></Gather>'));
    server.serve('/twilio/voice', twiml('<Say>welcome</Say>'));
  });

  afterEach(async () => {
    await controlled.close();
    await server.close();
    expect(server.hits.filter((hit) => !signedForPublicUrl(hit)).map((hit) => hit.url)).toEqual([]);
  });

  it('POST /simulator/passengers scripts how the next call to a number is answered: 201, then the call goes busy', async () => {
    const res = await api().post('/simulator/passengers').send({ number: PASSENGER, answer: 'busy', afterSeconds: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ number: PASSENGER, answer: 'busy', afterSeconds: 2, waiting: 1 });

    const { sid } = await place(controlled);
    await controlled.ended(sid);
    expect(server.requests(STATUS).map((hit) => hit.params['CallStatus'])).toEqual(['initiated', 'ringing', 'busy']);
  });

  it('POST /simulator/passengers with only a number scripts a person who answers; hangUpAfterSeconds ends the call', async () => {
    server.serve(ANSWER, twiml('<Say>hello</Say><Pause length="3600"/>'));
    const res = await api().post('/simulator/passengers').send({ number: PASSENGER, hangUpAfterSeconds: 30 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ answer: 'human', waiting: 1 });

    const { sid } = await place(controlled);
    const events = await controlled.ended(sid);
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'caller' });
    expect(server.requests(STATUS).at(-1)!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '30' });
  });

  it.each([
    [{}, /^number /],
    [{ number: 'the passenger' }, 'number must be a phone number such as +8613800138000'],
    [{ number: PASSENGER, answer: 'maybe' }, /^answer /],
    [{ number: PASSENGER, afterSeconds: -1 }, /^afterSeconds /],
    [{ number: PASSENGER, afterSeconds: '5' }, /^afterSeconds /],
    [{ number: PASSENGER, hangUpAfterSeconds: -3 }, /^hangUpAfterSeconds /],
    [{ number: PASSENGER, presses: ['1x'] }, 'presses.0 must be keys of a phone pad: 0-9, * and #'],
    [{ number: PASSENGER, anser: 'human' }, /anser/],
  ])('POST /simulator/passengers refuses %j with 400 naming the field', async (body, message) => {
    const res = await api().post('/simulator/passengers').send(body);

    expect(res.status).toBe(400);
    expect(res.body.error).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
    expect(controlled.expectCall(PASSENGER)).toBe(0);
  });

  it('GET /simulator/calls?to= lists only the calls to that number, each with its direction', async () => {
    const inbound = controlled.call({ from: PASSENGER });
    const { sid } = await place(controlled);
    await place(controlled, { to: '+8613700000000' });

    const all = await api().get('/simulator/calls');
    expect(all.body.calls.map((call: { direction: string }) => call.direction)).toEqual(['inbound', 'outbound-api', 'outbound-api']);
    const mine = await api().get('/simulator/calls').query({ to: PASSENGER });
    expect(mine.status).toBe(200);
    expect(mine.body.calls).toEqual([{ sid, direction: 'outbound-api', from: HOTLINE, to: PASSENGER, ended: false, eventCount: expect.any(Number) }]);
    // Typed into a URL unencoded, the + arrives as a space; it is still the number.
    const typed = await api().get(`/simulator/calls?to=${PASSENGER}`);
    expect(typed.body.calls.map((call: { sid: string }) => call.sid)).toEqual([sid]);
    const fromPassenger = await api().get('/simulator/calls').query({ from: PASSENGER, direction: 'inbound' });
    expect(fromPassenger.body.calls.map((call: { sid: string }) => call.sid)).toEqual([inbound.sid]);
  });

  it('GET /simulator/calls long-polls: with after=N and wait, it answers as soon as an N+1th call matches', async () => {
    const started = Date.now();
    const poll = api().get('/simulator/calls').query({ to: PASSENGER, after: 0, wait: 20 }).then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controlled.call({ from: PASSENGER }); // not to the number: does not answer the poll
    const { sid } = await place(controlled);
    const res = await poll;

    expect(res.status).toBe(200);
    expect(res.body.calls.map((call: { sid: string }) => call.sid)).toEqual([sid]);
    expect(Date.now() - started).toBeLessThan(10_000);

    const quiet = Date.now();
    const none = await api().get('/simulator/calls').query({ to: PASSENGER, after: 1, wait: 0.3 });
    expect(none.body.calls).toHaveLength(1);
    expect(Date.now() - quiet).toBeGreaterThanOrEqual(250);
  });

  it.each([
    [{ to: 'someone' }, /^to must be a phone number/],
    [{ direction: 'sideways' }, /^direction /],
    [{ wait: 31 }, /^wait /],
    [{ after: -1 }, /^after /],
  ])('GET /simulator/calls refuses the query %j with 400 naming the parameter', async (query, message) => {
    const res = await api().get('/simulator/calls').query(query);

    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  it('POST /simulator/calls/:sid/hangup hangs up a placed call for the passenger; its events long-poll like a caller\'s', async () => {
    const { sid } = await place(controlled);
    await eventually('the menu', () => controlled.get(sid)!.events.find((event) => event.type === 'listening'));

    const events = await api().get(`/simulator/calls/${sid}/events`).query({ after: 0 });
    expect(events.body.events.map((event: CallEvent) => event.type)).toEqual(['dialled', 'answered', 'say', 'listening']);
    expect((await api().post(`/simulator/calls/${sid}/hangup`)).status).toBe(202);
    await controlled.ended(sid);
    expect(server.requests(STATUS).at(-1)!.params['CallStatus']).toBe('completed');
    expect(controlled.get(sid)!.events.at(-1)).toMatchObject({ type: 'ended', by: 'caller' });
  });
});
