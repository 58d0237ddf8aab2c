import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../../src/telephony/carrier/simulator/call.ts';
import { simulatorRoutes } from '../../../src/telephony/carrier/simulator/routes.ts';
import { Simulator } from '../../../src/telephony/carrier/simulator/simulator.ts';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, startTwimlServer, twiml, type TwimlServer } from '../../support/twiml-server.ts';

/**
 * The simulator's JSON control routes (`npm run call`, tests, the softphone page in simulator mode),
 * mounted at /simulator as in simulator mode, in front of a scripted hotline the simulated calls phone.
 */

let hotline: TwimlServer;
let sim: Simulator;
const api = () => request(hotline.url);

beforeEach(async () => {
  sim = new Simulator({ publicUrl: PUBLIC_URL, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, timeScale: 0, logger: pino({ level: 'silent' }) });
  hotline = await startTwimlServer({ mount: (app) => app.use('/simulator', express.json(), simulatorRoutes(sim)) });
  sim.setTargetUrl(hotline.url);
  hotline.serve('/twilio/voice', twiml('<Say>欢迎</Say><Gather numDigits="1" input="dtmf speech" action="/twilio/menu"/><Say>no input</Say>'));
  hotline.serve('/twilio/menu', twiml('<Say>thank you</Say><Hangup/>'));
});

afterEach(async () => {
  await sim.close();
  await hotline.close();
});

const UNKNOWN = 'CA0123456789abcdef0123456789abcdef';
type Batch = { events: CallEvent[]; ended: boolean };

async function placeCall(body: object = {}): Promise<string> {
  const res = await api().post('/simulator/calls').send(body);
  expect(res.status).toBe(201);
  return res.body.sid as string;
}

/** Follow the call through the long-poll until an event of `type` arrives; returns every event so far. */
async function eventsUntil(sid: string, type: CallEvent['type']): Promise<CallEvent[]> {
  const events: CallEvent[] = [];
  const deadline = Date.now() + 5_000;
  while (!events.some((event) => event.type === type)) {
    if (Date.now() > deadline) throw new Error(`no '${type}' event: ${events.map((event) => event.type).join(', ')}`);
    const res = await api().get(`/simulator/calls/${sid}/events`).query({ after: events.length, wait: 1 });
    expect(res.status).toBe(200);
    const batch = res.body as Batch;
    events.push(...batch.events);
    if (batch.ended && !events.some((event) => event.type === type)) throw new Error(`the call ended without a '${type}' event`);
  }
  return events;
}

describe('POST /simulator/calls', () => {
  it('places a call and answers 201 with its sid; the call phones /twilio/voice from the given number', async () => {
    const res = await api().post('/simulator/calls').send({ from: '+8613912345678' });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sid: expect.stringMatching(/^CA[0-9a-f]{32}$/), from: '+8613912345678', ended: false });
    const [voice] = await hotline.waitForRequests('/twilio/voice');
    expect(voice!.params).toMatchObject({ CallSid: res.body.sid, From: '+8613912345678' });
  });

  it('places a call from a default number when given nothing', async () => {
    const sid = await placeCall();

    const [voice] = await hotline.waitForRequests('/twilio/voice');
    expect(voice!.params).toMatchObject({ CallSid: sid, From: expect.stringMatching(/^\+\d+$/) });
  });

  it('answers the first Gathers with the presses given, keys or words', async () => {
    const keyed = await placeCall({ presses: ['2'] });
    const spoken = await placeCall({ presses: [{ speech: '退票' }] });
    await Promise.all([sim.ended(keyed), sim.ended(spoken)]);

    const menu = (sid: string) => hotline.requests('/twilio/menu').find((hit) => hit.params['CallSid'] === sid)!.params;
    expect(menu(keyed)).toMatchObject({ Digits: '2' });
    expect(menu(spoken)).toMatchObject({ SpeechResult: '退票' });
  });

  it.each([
    [{ presses: ['1a'] }, 'presses.0 must be keys of a phone pad: 0-9, * and #'],
    [{ presses: ['1', '9x'] }, 'presses.1 must be keys of a phone pad: 0-9, * and #'],
    [{ presses: '1' }, /^presses /],
    [{ presses: [{ speech: '' }] }, /^presses\.0\.speech /],
    [{ from: 'a caller' }, 'from must be a phone number such as +8613800138000'],
    [{ to: '12' }, 'to must be a phone number such as +8613800138000'],
    [{ form: '+8613800138000' }, /form/],
  ])('refuses %j with 400 and a message naming the field', async (body, message) => {
    const res = await api().post('/simulator/calls').send(body);

    expect(res.status).toBe(400);
    expect(res.body.error).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
    expect(sim.list()).toEqual([]);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const res = await api().post('/simulator/calls').type('json').send('{"presses": [');

    expect(res.status).toBe(400);
    expect(res.body).toHaveProperty('error');
    expect(sim.list()).toEqual([]);
  });
});

describe('GET /simulator/calls and /simulator/calls/:sid', () => {
  it('lists the calls and shows one with its transcript', async () => {
    const sid = await placeCall();
    await eventsUntil(sid, 'listening');

    const list = await api().get('/simulator/calls');
    expect(list.status).toBe(200);
    expect(list.body.calls).toEqual([expect.objectContaining({ sid, ended: false })]);

    const one = await api().get(`/simulator/calls/${sid}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ sid, ended: false, eventCount: one.body.events.length });
    expect(one.body.events.map((event: CallEvent) => event.type)).toEqual(['say', 'listening']);
  });
});

describe('GET /simulator/calls/:sid/events (long-poll)', () => {
  it('answers at once with the events after `after`', async () => {
    const sid = await placeCall();
    await eventsUntil(sid, 'listening');

    const started = Date.now();
    const res = await api().get(`/simulator/calls/${sid}/events`).query({ after: 1, wait: 20 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ events: [expect.objectContaining({ n: 2, type: 'listening', input: ['dtmf', 'speech'] })], ended: false });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('waits up to `wait` seconds when there is nothing new, then answers with no events', async () => {
    const sid = await placeCall();
    const seen = await eventsUntil(sid, 'listening');

    const started = Date.now();
    const res = await api().get(`/simulator/calls/${sid}/events`).query({ after: seen.length, wait: 0.3 });
    const took = Date.now() - started;
    expect(res.body).toEqual({ events: [], ended: false });
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(5_000);
  });

  it('answers as soon as something happens during the wait', async () => {
    const sid = await placeCall();
    const seen = await eventsUntil(sid, 'listening');

    const started = Date.now();
    const poll = api().get(`/simulator/calls/${sid}/events`).query({ after: seen.length, wait: 20 }).then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await api().post(`/simulator/calls/${sid}/digits`).send({ digits: '1' })).status).toBe(202);
    const res = await poll;

    expect(res.status).toBe(200);
    expect(res.body.events[0]).toMatchObject({ n: seen.length + 1, type: 'pressed', digits: '1' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers at once, with ended: true, for a call that has ended', async () => {
    const sid = await placeCall({ presses: ['1'] });
    const events = await sim.ended(sid);

    const started = Date.now();
    const res = await api().get(`/simulator/calls/${sid}/events`).query({ after: events.length, wait: 20 });
    expect(res.body).toEqual({ events: [], ended: true });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each([
    [{ wait: 31 }, /^wait /],
    [{ wait: 'soon' }, /^wait /],
    [{ after: -1 }, /^after /],
    [{ after: 1.5 }, /^after /],
  ])('refuses the query %j with 400 naming the parameter', async (query, message) => {
    const sid = await placeCall();

    const res = await api().get(`/simulator/calls/${sid}/events`).query(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });
});

describe('acting for the caller', () => {
  it('POST digits presses keys: 202, and the Gather posts them to its action', async () => {
    const sid = await placeCall();
    await eventsUntil(sid, 'listening');

    const res = await api().post(`/simulator/calls/${sid}/digits`).send({ digits: '3' });
    expect(res.status).toBe(202);
    await sim.ended(sid);
    expect(hotline.requests('/twilio/menu')[0]!.params).toMatchObject({ CallSid: sid, Digits: '3' });
  });

  it('POST speech speaks: 202, and the Gather posts SpeechResult', async () => {
    const sid = await placeCall();
    await eventsUntil(sid, 'listening');

    const res = await api().post(`/simulator/calls/${sid}/speech`).send({ text: '人工服务' });
    expect(res.status).toBe(202);
    await sim.ended(sid);
    expect(hotline.requests('/twilio/menu')[0]!.params).toMatchObject({ SpeechResult: '人工服务' });
  });

  it('POST hangup hangs up for the caller: 202, the call ends, and later actions on it are 409', async () => {
    const sid = await placeCall();
    await eventsUntil(sid, 'listening');

    expect((await api().post(`/simulator/calls/${sid}/hangup`)).status).toBe(202);
    const events = await eventsUntil(sid, 'ended');
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'caller' });
    expect(hotline.requests('/twilio/status')).toHaveLength(1);

    const again = await api().post(`/simulator/calls/${sid}/digits`).send({ digits: '1' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/has ended/);
    expect((await api().post(`/simulator/calls/${sid}/hangup`)).status).toBe(409);
  });

  it.each([
    ['digits', { digits: '1a' }, 'digits must be keys of a phone pad: 0-9, * and #'],
    ['digits', {}, /^digits /],
    ['digits', { digits: '1', extra: true }, /extra/],
    ['speech', { text: '' }, /^text /],
    ['speech', { words: 'hello' }, /^text /],
  ])('POST %s refuses %j with 400 naming the field', async (action, body, message) => {
    const sid = await placeCall();

    const res = await api().post(`/simulator/calls/${sid}/${action}`).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
    expect(sim.get(sid)!.events.some((event) => event.type === 'pressed' || event.type === 'spoke')).toBe(false);
  });
});

describe('an unknown call', () => {
  it.each([
    ['GET', `/simulator/calls/${UNKNOWN}`, undefined],
    ['GET', `/simulator/calls/${UNKNOWN}/events`, undefined],
    ['POST', `/simulator/calls/${UNKNOWN}/digits`, { digits: '1' }],
    ['POST', `/simulator/calls/${UNKNOWN}/speech`, { text: 'hello' }],
    ['POST', `/simulator/calls/${UNKNOWN}/hangup`, {}],
  ])('%s %s is 404 with a JSON error naming the sid', async (method, path, body) => {
    const res = method === 'GET' ? await api().get(path) : await api().post(path).send(body);

    expect(res.status).toBe(404);
    expect(res.type).toBe('application/json');
    expect(res.body).toEqual({ error: `no simulated call ${UNKNOWN}` });
  });
});
