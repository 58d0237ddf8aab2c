import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { CallGone, type NewParticipant } from '../../../src/telephony/carrier/carrier.ts';
import type { CallEvent, SimulatedCall } from '../../../src/telephony/carrier/simulator/call.ts';
import type { Leg } from '../../../src/telephony/carrier/simulator/dial.ts';
import { SimulatedPhones } from '../../../src/telephony/carrier/simulator/phone.ts';
import { simulatorRoutes } from '../../../src/telephony/carrier/simulator/routes.ts';
import { Simulator } from '../../../src/telephony/carrier/simulator/simulator.ts';
import { nextEvent } from '../../support/running.ts';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, carrierPerSpec, eventually, startTwimlServer, twiml, type Hit, type TwimlServer } from '../../support/twiml-server.ts';

/**
 * Conferences as Twilio keeps them, as far as the hotline uses them (shared/reference/twilio.md, "Beyond the
 * first call"): a caller waits in a room with `<Dial><Conference>`, the hotline dials an agent (or a
 * department's number) in with `participants.create`, and holds, mutes and coaches participants; the room
 * tells its status callback every change, signed and in order.
 */

const carrier = carrierPerSpec();
let hotline: TwimlServer;
let sim: Simulator;

const CALLER = '+8613912345678';
const HOTLINE = '+864008000123';
const DEPARTMENT = '+862150001234';
const ROOM = 'room-CA-caller';

beforeEach(() => {
  hotline = carrier.server();
  sim = carrier.simulator(0);
  hotline.serve('/twilio/room', { status: 204 });
  hotline.serve('/twilio/leg', { status: 204 });
  hotline.serve('/twilio/after', twiml('<Say>thank you for calling</Say><Hangup/>'));
  hotline.serve('/twilio/elsewhere', twiml('<Say>moved</Say>'));
});

const transcript = (events: CallEvent[]) => events.map(({ n: _n, atMs: _atMs, ...event }) => event);

/** The caller's way into the room, as the hotline renders it (src/telephony/twiml.ts renderConference). */
const conferenceTwiml = (attrs = 'startConferenceOnEnter="false" endConferenceOnExit="true"', room = ROOM) =>
  twiml(
    '<Say>connecting you</Say>' +
      `<Dial action="/twilio/after"><Conference participantLabel="caller" beep="false" waitUrl="/twilio/music" ${attrs} ` +
      `statusCallback="/twilio/room" statusCallbackEvent="start end join leave mute hold modify">${room}</Conference></Dial>` +
      '<Say>after the dial</Say>',
  );

/** A caller who has dialled the hotline and is now waiting in the room. */
async function callerInRoom(s: Simulator = sim, verbs = conferenceTwiml()): Promise<SimulatedCall> {
  hotline.serve('/twilio/voice', verbs);
  const call = s.call({ from: CALLER });
  await nextEvent(call, 'conference-joined');
  return call;
}

const agent = (extra: Partial<NewParticipant> = {}): NewParticipant => ({
  to: 'client:agent_1001?offerId=42',
  from: CALLER,
  label: 'agent',
  statusCallback: `${PUBLIC_URL}/twilio/leg`,
  timeoutSeconds: 20,
  startConferenceOnEnter: true,
  endConferenceOnExit: true,
  ...extra,
});

/** Dial a participant in and wait for their softphone to ring. */
async function ringAgent(s: Simulator = sim, extra: Partial<NewParticipant> = {}): Promise<Leg> {
  const rung = new Promise<Leg>((resolve) => s.rings.once('ring', resolve));
  const { callSid } = await s.addParticipant(ROOM, agent(extra));
  const leg = await rung;
  expect(leg.sid).toBe(callSid);
  return leg;
}

/** The room's callbacks so far: event and label, as the hotline reads them. */
const roomEvents = () => hotline.requests('/twilio/room').map((hit) => [hit.params['StatusCallbackEvent'], hit.params['ParticipantLabel']]);
const roomEventsAfter = async (count: number): Promise<Hit[]> => hotline.waitForRequests('/twilio/room', count);
const legStatuses = (sid: string) => hotline.requests('/twilio/leg').filter((hit) => hit.params['CallSid'] === sid).map((hit) => hit.params['CallStatus']);
const legStatusesAfter = (sid: string, count: number) =>
  eventually(`${count} status callbacks of ${sid}`, () => (legStatuses(sid).length >= count ? legStatuses(sid) : undefined));

/** The caller in the room, the agent answered and joined: the conversation going on. */
async function conversation(s: Simulator = sim) {
  const call = await callerInRoom(s);
  const leg = await ringAgent(s);
  s.answer(leg.sid);
  await eventually('the agent in the room', () => (s.conference(ROOM)?.participants.find((p) => p.callSid === leg.sid)?.state === 'joined' ? true : undefined));
  return { call, leg };
}

describe('<Dial><Conference>', () => {
  it('puts the caller in the named room, waiting (not started) with the wait music recorded, and tells the room callback they joined', async () => {
    const call = await callerInRoom();

    const room = sim.conference(ROOM)!;
    expect(room).toMatchObject({ name: ROOM, started: false });
    expect(room.sid).toMatch(/^CF[0-9a-f]{32}$/);
    expect(room.participants).toEqual([
      expect.objectContaining({
        callSid: call.sid,
        label: 'caller',
        state: 'joined',
        muted: false,
        hold: false,
        coaching: false,
        startConferenceOnEnter: false,
        endConferenceOnExit: true,
        waitUrl: `${PUBLIC_URL}/twilio/music`,
        beep: 'false',
      }),
    ]);
    const [joined] = await roomEventsAfter(1);
    expect(joined!.params).toEqual({
      AccountSid: ACCOUNT_SID,
      ConferenceSid: room.sid,
      FriendlyName: ROOM,
      StatusCallbackEvent: 'participant-join',
      SequenceNumber: '1',
      Timestamp: expect.stringMatching(/GMT$/),
      CallSid: call.sid,
      ParticipantLabel: 'caller',
      Muted: 'false',
      Hold: 'false',
      Coaching: 'false',
      EndConferenceOnExit: 'true',
      StartConferenceOnEnter: 'false',
    });
    // Waiting: nobody to hear, the wait music is not fetched, and the Dial's action is not asked yet.
    expect(sim.hears(ROOM, call.sid)).toEqual([]);
    expect(hotline.requests('/twilio/music')).toEqual([]);
    expect(hotline.requests('/twilio/after')).toEqual([]);
    expect(await sim.callState(call.sid)).toBe('live');
    expect(transcript(call.events)).toEqual([
      { type: 'say', language: 'en-US', text: 'connecting you' },
      { type: 'conference-joined', conference: ROOM, label: 'caller' },
    ]);
  });

  it('starts the room at once for a caller who may start it, and tells the callback join, then start', async () => {
    await callerInRoom(sim, conferenceTwiml('startConferenceOnEnter="true"'));

    const hits = await roomEventsAfter(2);
    expect(hits.map((hit) => hit.params['StatusCallbackEvent'])).toEqual(['participant-join', 'conference-start']);
    expect(hits[1]!.params).not.toHaveProperty('CallSid');
    expect(sim.conference(ROOM)!.started).toBe(true);
  });

  it('goes on to the verb after the Dial when the room ends and the Dial has no action', async () => {
    hotline.serve('/twilio/voice', twiml(`<Dial><Conference endConferenceOnExit="true">${ROOM}</Conference></Dial><Say>after the dial</Say>`));
    const call = sim.call();
    await nextEvent(call, 'conference-joined');
    const leg = await ringAgent();
    sim.answer(leg.sid);
    await eventually('the agent joined', () => (sim.hears(ROOM, call.sid).length > 0 ? true : undefined));
    await sim.hangup(leg.sid);
    const events = await sim.ended(call.sid);

    expect(transcript(events).slice(-2)).toEqual([
      { type: 'say', language: 'en-US', text: 'after the dial' },
      { type: 'ended', by: 'twiml' },
    ]);
    // Without a statusCallback, the room tells nobody.
    expect(hotline.requests('/twilio/room')).toEqual([]);
  });
});

describe('addParticipant: an agent', () => {
  it("rings the agent's softphone as <Dial><Client> does, with the custom parameters, reporting initiated then ringing", async () => {
    const call = await callerInRoom();
    const leg = await ringAgent();

    expect(leg).toMatchObject({ client: 'agent_1001', state: 'ringing', conference: ROOM, parameters: { offerId: '42' }, parentSid: call.sid });
    expect(leg.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(await legStatusesAfter(leg.sid, 2)).toEqual(['initiated', 'ringing']);
    for (const hit of hotline.requests('/twilio/leg')) {
      expect(hit.params).toMatchObject({
        CallSid: leg.sid,
        AccountSid: ACCOUNT_SID,
        From: CALLER,
        To: 'client:agent_1001',
        Direction: 'outbound-api',
        CallbackSource: 'call-progress-events',
      });
    }
    expect(sim.conference(ROOM)!.participants.map((p) => [p.label, p.state])).toEqual([
      ['caller', 'joined'],
      ['agent', 'ringing'],
    ]);
    expect(sim.conferenceLegs).toEqual([expect.objectContaining({ sid: leg.sid, conference: ROOM, to: 'client:agent_1001?offerId=42', from: CALLER, label: 'agent' })]);
    expect(await sim.callState(leg.sid)).toBe('live');
    expect(sim.callOfLeg(leg.sid)).toBe(call);

    // The simulated softphone shows who calls, and which offer the leg is for.
    const phones = new SimulatedPhones(sim);
    try {
      expect(phones.live('agent_1001')).toEqual([
        { legSid: leg.sid, callSid: call.sid, from: CALLER, ringingSince: expect.any(String), parameters: { offerId: '42' } },
      ]);
    } finally {
      phones.close();
    }
  });

  it('joins the room on answer: in-progress, then participant-join and conference-start, signed and in order; caller and agent hear each other', async () => {
    const { call, leg } = await conversation();

    const hits = await roomEventsAfter(3);
    expect(roomEvents()).toEqual([
      ['participant-join', 'caller'],
      ['participant-join', 'agent'],
      ['conference-start', undefined],
    ]);
    expect(hits.map((hit) => hit.params['SequenceNumber'])).toEqual(['1', '2', '3']);
    expect(new Set(hits.map((hit) => hit.params['ConferenceSid'])).size).toBe(1);
    expect(hits[1]!.params).toMatchObject({ CallSid: leg.sid, StartConferenceOnEnter: 'true', EndConferenceOnExit: 'true' });
    expect(legStatuses(leg.sid)).toEqual(['initiated', 'ringing', 'in-progress']);
    // The leg's answer is told before the room tells of the join.
    const answered = hotline.hits.findIndex((hit) => hit.path === '/twilio/leg' && hit.params['CallStatus'] === 'in-progress');
    expect(answered).toBeLessThan(hotline.hits.indexOf(hits[1]!));
    expect(sim.hears(ROOM, call.sid)).toEqual([leg.sid]);
    expect(sim.hears(ROOM, leg.sid)).toEqual([call.sid]);
    expect(sim.conference(ROOM)!.started).toBe(true);
  });

  it('hanging up with endConferenceOnExit ends the room: everyone leaves, conference-end, and the caller goes on at the Dial action', async () => {
    const { call, leg } = await conversation();
    const ended = new Promise<string>((resolve) => sim.rings.once('ended', (_leg, reason) => resolve(reason)));
    await sim.hangup(leg.sid);
    const events = await sim.ended(call.sid);

    expect(await ended).toBe('agent-hung-up');
    expect(roomEvents()).toEqual([
      ['participant-join', 'caller'],
      ['participant-join', 'agent'],
      ['conference-start', undefined],
      ['participant-leave', 'agent'],
      ['participant-leave', 'caller'],
      ['conference-end', undefined],
    ]);
    const [agentLeft, callerLeft, end] = hotline.requests('/twilio/room').slice(3);
    expect(agentLeft!.params).toMatchObject({ CallSid: leg.sid, ReasonParticipantLeft: 'participant_hung_up', ParticipantCallStatus: 'completed' });
    expect(callerLeft!.params).toMatchObject({ CallSid: call.sid, ReasonParticipantLeft: 'moderator_ended_conference', ParticipantCallStatus: 'in-progress' });
    expect(end!.params).toMatchObject({ ReasonConferenceEnded: 'participant-with-end-conference-on-exit-left', CallSidEndingConference: leg.sid, ParticipantLabelEndingConference: 'agent' });
    expect(hotline.requests('/twilio/after').map((hit) => hit.params)).toEqual([expect.objectContaining({ CallSid: call.sid, DialCallStatus: 'completed' })]);
    // The caller's transcript tells of the agent's phone as a <Dial><Client>'s does.
    expect(transcript(events)).toEqual([
      { type: 'say', language: 'en-US', text: 'connecting you' },
      { type: 'conference-joined', conference: ROOM, label: 'caller' },
      { type: 'ringing', client: 'agent_1001', legSid: leg.sid },
      { type: 'connected', client: 'agent_1001', legSid: leg.sid },
      { type: 'disconnected', client: 'agent_1001', legSid: leg.sid, status: 'completed' },
      { type: 'conference-left', conference: ROOM, reason: 'moderator_ended_conference' },
      { type: 'say', language: 'en-US', text: 'thank you for calling' },
      { type: 'ended', by: 'twiml' },
    ]);
    const final = await legStatusesAfter(leg.sid, 4);
    expect(final).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(hotline.requests('/twilio/leg').at(-1)!.params['CallDuration']).toMatch(/^\d+$/);
    expect(sim.conference(ROOM)).toBeUndefined();
    expect(await sim.callState(leg.sid)).toBe('over');
  });

  it('frees the name once the room has ended: the next caller gets a new room', async () => {
    const { call, leg } = await conversation();
    const first = sim.conference(ROOM)!.sid;
    await sim.hangup(leg.sid);
    await sim.ended(call.sid);

    await callerInRoom();
    expect(sim.conference(ROOM)!.sid).not.toBe(first);
    expect(sim.conference(ROOM)!.participants).toHaveLength(1);
  });

  it('reports canceled when the hotline hangs up a leg still ringing; the caller stays in the room', async () => {
    const call = await callerInRoom();
    const leg = await ringAgent();
    const ended = new Promise<string>((resolve) => sim.rings.once('ended', (_leg, reason) => resolve(reason)));
    await sim.hangup(leg.sid);

    expect(await legStatusesAfter(leg.sid, 3)).toEqual(['initiated', 'ringing', 'canceled']);
    expect(await ended).toBe('hung-up');
    const left = (await roomEventsAfter(2))[1]!;
    expect(left.params).toMatchObject({ StatusCallbackEvent: 'participant-leave', CallSid: leg.sid, ReasonParticipantLeft: 'participant_add_failed', ParticipantCallStatus: 'canceled' });
    expect(sim.conference(ROOM)!.participants.map((p) => p.callSid)).toEqual([call.sid]);
    expect(await sim.callState(call.sid)).toBe('live');
    expect(transcript(await sim.ended(leg.sid)).at(-1)).toEqual({ type: 'unanswered', status: 'canceled' });
    expect(await sim.callState(leg.sid)).toBe('over');
    expect(() => sim.answer(leg.sid)).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('reports busy when the agent rejects the leg', async () => {
    await callerInRoom();
    const leg = await ringAgent();
    sim.reject(leg.sid);

    expect(await legStatusesAfter(leg.sid, 3)).toEqual(['initiated', 'ringing', 'busy']);
    expect(sim.conference(ROOM)!.participants.map((p) => p.label)).toEqual(['caller']);
  });

  it('reports no-answer once its timeout has passed (time running)', async () => {
    const timed = carrier.simulator(0.01);
    await callerInRoom(timed);
    const leg = await ringAgent(timed, { timeoutSeconds: 1 });

    expect(await legStatusesAfter(leg.sid, 3)).toEqual(['initiated', 'ringing', 'no-answer']);
    expect(timed.conference(ROOM)!.participants.map((p) => p.label)).toEqual(['caller']);
  });

  it('never times out at time scale 0: the hotline decides how long an agent rings', async () => {
    await callerInRoom();
    const leg = await ringAgent(sim, { timeoutSeconds: 0.001 });
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(legStatuses(leg.sid)).toEqual(['initiated', 'ringing']);
    expect(leg.state).toBe('ringing');
  });

  it('makes the room when it does not exist yet, taking its callback from the first participant that brings one', async () => {
    hotline.serve('/twilio/first-room', { status: 204 });
    const leg = await ringAgent(sim, { conferenceStatusCallback: `${PUBLIC_URL}/twilio/first-room` });
    expect(sim.conference(ROOM)!.participants.map((p) => [p.label, p.state])).toEqual([['agent', 'ringing']]);
    // The agent's leg has no caller to belong to yet.
    expect(leg.parentSid).toBe(leg.sid);
    expect(sim.callOfLeg(leg.sid)).toBe(sim.get(leg.sid));
    sim.answer(leg.sid);
    await hotline.waitForRequests('/twilio/first-room', 2);
    const call = await callerInRoom();

    const hits = await hotline.waitForRequests('/twilio/first-room', 3);
    expect(hits.map((hit) => [hit.params['StatusCallbackEvent'], hit.params['ParticipantLabel']])).toEqual([
      ['participant-join', 'agent'],
      ['conference-start', undefined],
      ['participant-join', 'caller'],
    ]);
    expect(hotline.requests('/twilio/room')).toEqual([]);
    expect(sim.hears(ROOM, call.sid)).toEqual([leg.sid]);
  });
});

describe('leaving the room', () => {
  it('a REST redirect takes the caller out (participant-leave), ends the room with their endConferenceOnExit and cancels the ringing agent', async () => {
    const call = await callerInRoom();
    const leg = await ringAgent();
    const ended = new Promise<string>((resolve) => sim.rings.once('ended', (_leg, reason) => resolve(reason)));
    await sim.redirect(call.sid, `${PUBLIC_URL}/twilio/elsewhere`);
    const events = await sim.ended(call.sid);

    expect(roomEvents()).toEqual([
      ['participant-join', 'caller'],
      ['participant-leave', 'caller'],
      ['participant-leave', 'agent'],
      ['conference-end', undefined],
    ]);
    const [, callerLeft, agentLeft, end] = hotline.requests('/twilio/room');
    expect(callerLeft!.params).toMatchObject({ CallSid: call.sid, ReasonParticipantLeft: 'participant_updated_via_api', ParticipantCallStatus: 'in-progress' });
    expect(agentLeft!.params).toMatchObject({ CallSid: leg.sid, ReasonParticipantLeft: 'moderator_ended_conference', ParticipantCallStatus: 'canceled' });
    expect(end!.params).toMatchObject({ ReasonConferenceEnded: 'participant-with-end-conference-on-exit-left', CallSidEndingConference: call.sid });
    expect(await legStatusesAfter(leg.sid, 3)).toEqual(['initiated', 'ringing', 'canceled']);
    expect(await ended).toBe('withdrawn');
    // The call went where it was sent, not to the Dial's action.
    expect(hotline.requests('/twilio/after')).toEqual([]);
    expect(transcript(events).slice(1)).toEqual([
      { type: 'conference-joined', conference: ROOM, label: 'caller' },
      { type: 'ringing', client: 'agent_1001', legSid: leg.sid },
      { type: 'conference-left', conference: ROOM, reason: 'participant_updated_via_api' },
      { type: 'disconnected', client: 'agent_1001', legSid: leg.sid, status: 'canceled' },
      { type: 'say', language: 'en-US', text: 'moved' },
      { type: 'ended', by: 'twiml' },
    ]);
    expect(sim.conference(ROOM)).toBeUndefined();
  });

  it('the caller hanging up leaves the room (participant_hung_up, completed) before the call is reported completed; the agent leg completes', async () => {
    const { call, leg } = await conversation();
    sim.callerHangup(call.sid);
    await sim.ended(call.sid);

    const callerLeft = hotline.requests('/twilio/room').find((hit) => hit.params['StatusCallbackEvent'] === 'participant-leave' && hit.params['CallSid'] === call.sid);
    expect(callerLeft!.params).toMatchObject({ ReasonParticipantLeft: 'participant_hung_up', ParticipantCallStatus: 'completed' });
    const order = hotline.hits.map((hit) => hit.path);
    expect(order.indexOf('/twilio/status')).toBeGreaterThan(hotline.hits.indexOf(callerLeft!));
    expect(await legStatusesAfter(leg.sid, 4)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(hotline.requests('/twilio/after')).toEqual([]);
  });

  it('a room left by someone without endConferenceOnExit goes on for the others', async () => {
    const call = await callerInRoom(sim, conferenceTwiml('endConferenceOnExit="false"'));
    const leg = await ringAgent(sim, { endConferenceOnExit: false });
    sim.answer(leg.sid);
    await eventually('the agent joined', () => (sim.hears(ROOM, call.sid).length > 0 ? true : undefined));
    await sim.hangup(leg.sid);
    await legStatusesAfter(leg.sid, 4);

    expect(sim.conference(ROOM)!.participants.map((p) => p.callSid)).toEqual([call.sid]);
    expect(roomEvents().map(([event]) => event)).not.toContain('conference-end');
    // The last one out ends it.
    sim.callerHangup(call.sid);
    await sim.ended(call.sid);
    expect(roomEvents().slice(-2)).toEqual([
      ['participant-leave', 'caller'],
      ['conference-end', undefined],
    ]);
    expect(hotline.requests('/twilio/room').at(-1)!.params['ReasonConferenceEnded']).toBe('last-participant-left');
  });

  it('close ends every room and leg: the ringing agent is cancelled, the caller hung up', async () => {
    const call = await callerInRoom();
    const leg = await ringAgent();
    await sim.close();

    expect(legStatuses(leg.sid)).toEqual(['initiated', 'ringing', 'canceled']);
    expect(call.ended).toBe(true);
    expect(sim.conference(ROOM)).toBeUndefined();
    expect(sim.openLegs()).toEqual([]);
  });
});

describe('updateParticipant', () => {
  it('holds and takes the caller off hold: participant-hold / -unhold, the hold music recorded, nobody heard meanwhile', async () => {
    const { call, leg } = await conversation();
    await sim.updateParticipant(ROOM, call.sid, { hold: true, holdUrl: `${PUBLIC_URL}/twilio/music` });

    expect(sim.conference(ROOM)!.participants[0]).toMatchObject({ hold: true, holdUrl: `${PUBLIC_URL}/twilio/music` });
    expect(sim.hears(ROOM, call.sid)).toEqual([]);
    expect(sim.hears(ROOM, leg.sid)).toEqual([]);
    const held = (await roomEventsAfter(4))[3]!;
    expect(held.params).toMatchObject({ StatusCallbackEvent: 'participant-hold', CallSid: call.sid, ParticipantLabel: 'caller', Hold: 'true' });
    expect(hotline.requests('/twilio/music')).toEqual([]);

    // The hotline names the room by its sid as often as by its name.
    await sim.updateParticipant(sim.conference(ROOM)!.sid, call.sid, { hold: false });
    const unheld = (await roomEventsAfter(5))[4]!;
    expect(unheld.params).toMatchObject({ StatusCallbackEvent: 'participant-unhold', Hold: 'false' });
    expect(sim.hears(ROOM, call.sid)).toEqual([leg.sid]);
    expect(sim.hears(ROOM, leg.sid)).toEqual([call.sid]);
    expect(transcript(call.events).filter((event) => event.type === 'hold')).toEqual([
      { type: 'hold', on: true },
      { type: 'hold', on: false },
    ]);
  });

  it('mutes and unmutes: participant-mute / -unmute; a muted agent still hears the caller', async () => {
    const { call, leg } = await conversation();
    await sim.updateParticipant(ROOM, leg.sid, { muted: true });

    expect(sim.hears(ROOM, call.sid)).toEqual([]);
    expect(sim.hears(ROOM, leg.sid)).toEqual([call.sid]);
    await sim.updateParticipant(ROOM, leg.sid, { muted: false });
    const hits = await roomEventsAfter(5);
    expect(hits.slice(3).map((hit) => [hit.params['StatusCallbackEvent'], hit.params['Muted']])).toEqual([
      ['participant-mute', 'true'],
      ['participant-unmute', 'false'],
    ]);
    expect(sim.hears(ROOM, call.sid)).toEqual([leg.sid]);
    // Telling it what it already is changes nothing, and tells nobody.
    await sim.updateParticipant(ROOM, leg.sid, { muted: false, hold: false });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(hotline.requests('/twilio/room')).toHaveLength(5);
  });

  it('lets a supervisor listen (muted), whisper (coach: heard by the agent alone), then barge (coaching off: heard by both)', async () => {
    const { call, leg } = await conversation();
    const rung = new Promise<Leg>((resolve) => sim.rings.once('ring', resolve));
    const { callSid: supervisor } = await sim.addParticipant(ROOM, agent({ to: 'client:supervisor_9001', label: 'supervisor', muted: true, startConferenceOnEnter: true, endConferenceOnExit: false }));
    sim.answer((await rung).sid);
    await eventually('the supervisor joined', () => (sim.conference(ROOM)!.participants.find((p) => p.callSid === supervisor)?.state === 'joined' ? true : undefined));

    // Listening: hears both, heard by nobody.
    expect(sim.hears(ROOM, supervisor).sort()).toEqual([call.sid, leg.sid].sort());
    expect(sim.hears(ROOM, call.sid)).toEqual([leg.sid]);
    expect(sim.hears(ROOM, leg.sid)).toEqual([call.sid]);

    await sim.updateParticipant(ROOM, supervisor, { muted: false, coaching: true, callSidToCoach: leg.sid });
    expect(sim.hears(ROOM, leg.sid).sort()).toEqual([call.sid, supervisor].sort());
    expect(sim.hears(ROOM, call.sid)).toEqual([leg.sid]);

    await sim.updateParticipant(ROOM, supervisor, { coaching: false });
    expect(sim.hears(ROOM, call.sid).sort()).toEqual([leg.sid, supervisor].sort());
    expect(sim.hears(ROOM, leg.sid).sort()).toEqual([call.sid, supervisor].sort());

    const hits = await roomEventsAfter(7);
    expect(hits.slice(3).map((hit) => [hit.params['StatusCallbackEvent'], hit.params['ParticipantLabel'], hit.params['Coaching'], hit.params['CallSidToCoach']])).toEqual([
      ['participant-join', 'supervisor', 'false', undefined],
      ['participant-unmute', 'supervisor', 'true', leg.sid],
      ['participant-modify', 'supervisor', 'true', leg.sid],
      ['participant-modify', 'supervisor', 'false', undefined],
    ]);
    expect(hits[3]!.params['Muted']).toBe('true');
  });

  it('joins a supervisor already coaching when asked with callSidToCoach', async () => {
    const { call, leg } = await conversation();
    const rung = new Promise<Leg>((resolve) => sim.rings.once('ring', resolve));
    const { callSid: supervisor } = await sim.addParticipant(ROOM, agent({ to: 'client:supervisor_9001', label: 'supervisor', callSidToCoach: leg.sid, endConferenceOnExit: false }));
    sim.answer((await rung).sid);
    const joined = (await roomEventsAfter(4))[3]!;

    expect(joined.params).toMatchObject({ StatusCallbackEvent: 'participant-join', CallSid: supervisor, Coaching: 'true', CallSidToCoach: leg.sid });
    expect(sim.hears(ROOM, call.sid)).toEqual([leg.sid]);
    expect(sim.hears(ROOM, leg.sid).sort()).toEqual([call.sid, supervisor].sort());
  });

  it('changes endConferenceOnExit (participant-modify): the caller leaving then ends the room', async () => {
    const call = await callerInRoom(sim, conferenceTwiml('endConferenceOnExit="false"'));
    const leg = await ringAgent(sim, { endConferenceOnExit: false });
    sim.answer(leg.sid);
    await eventually('the agent joined', () => (sim.hears(ROOM, call.sid).length > 0 ? true : undefined));
    await sim.updateParticipant(ROOM, call.sid, { endConferenceOnExit: true });
    sim.callerHangup(call.sid);
    await sim.ended(call.sid);

    expect(roomEvents().slice(3)).toEqual([
      ['participant-modify', 'caller'],
      ['participant-leave', 'caller'],
      ['participant-leave', 'agent'],
      ['conference-end', undefined],
    ]);
    expect(await legStatusesAfter(leg.sid, 4)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
  });

  it('throws CallGone for a call that is not in the room, a room that does not exist, or one that has ended', async () => {
    const { call, leg } = await conversation();
    const stranger = 'CA0123456789abcdef0123456789abcdef';

    await expect(sim.updateParticipant(ROOM, stranger, { hold: true })).rejects.toBeInstanceOf(CallGone);
    await expect(sim.updateParticipant('no-such-room', call.sid, { hold: true })).rejects.toBeInstanceOf(CallGone);
    await expect(sim.updateParticipant(ROOM, call.sid, { coaching: true })).rejects.toMatchObject({ status: 400 });
    await sim.hangup(leg.sid);
    await sim.ended(call.sid);
    await expect(sim.updateParticipant(ROOM, call.sid, { hold: true })).rejects.toMatchObject({ callSid: call.sid, unknown: true });
  });
});

describe('addParticipant: a phone number', () => {
  const department = (extra: Partial<NewParticipant> = {}): NewParticipant =>
    agent({ to: DEPARTMENT, from: HOTLINE, label: 'department', endConferenceOnExit: false, ...extra });

  it('answers as expectCall scripts it, joins, and leaves when the hotline hangs it up', async () => {
    const { call, leg } = await conversation();
    sim.expectCall(DEPARTMENT, { answer: 'human', afterSeconds: 0 });
    const { callSid } = await sim.addParticipant(ROOM, department());

    expect(sim.conferenceLegs.at(-1)).toMatchObject({ sid: callSid, to: DEPARTMENT, from: HOTLINE, label: 'department', conference: ROOM });
    expect(await legStatusesAfter(callSid, 3)).toEqual(['initiated', 'ringing', 'in-progress']);
    await eventually('the department joined', () => (sim.hears(ROOM, call.sid).includes(callSid) ? true : undefined));
    expect(sim.hears(ROOM, callSid).sort()).toEqual([call.sid, leg.sid].sort());
    expect(hotline.requests('/twilio/leg').find((hit) => hit.params['CallSid'] === callSid)!.params).toMatchObject({ To: DEPARTMENT, From: HOTLINE, Direction: 'outbound-api' });

    await sim.hangup(callSid);
    expect(await legStatusesAfter(callSid, 4)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    const left = hotline.requests('/twilio/room').find((hit) => hit.params['StatusCallbackEvent'] === 'participant-leave' && hit.params['CallSid'] === callSid);
    expect(left!.params).toMatchObject({ ParticipantLabel: 'department', ReasonParticipantLeft: 'participant_hung_up', ParticipantCallStatus: 'completed' });
    expect(sim.hears(ROOM, call.sid)).toEqual([leg.sid]);
    expect(await sim.callState(callSid)).toBe('over');
  });

  it('reports busy, and leaves the room as it was, when the number is busy', async () => {
    const { call, leg } = await conversation();
    sim.expectCall(DEPARTMENT, { answer: 'busy' });
    const { callSid } = await sim.addParticipant(ROOM, department());

    expect(await legStatusesAfter(callSid, 3)).toEqual(['initiated', 'ringing', 'busy']);
    expect(sim.conference(ROOM)!.participants.map((p) => p.callSid)).toEqual([call.sid, leg.sid]);
  });

  it('hangs up by itself after hangUpAfterSeconds (on the simulated clock)', async () => {
    const { call, leg } = await conversation();
    sim.expectCall(DEPARTMENT, { answer: 'human', afterSeconds: 0, hangUpAfterSeconds: 30 });
    const { callSid } = await sim.addParticipant(ROOM, department());

    expect(await legStatusesAfter(callSid, 4)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(transcript(await sim.ended(callSid)).map((event) => event.type)).toEqual(['dialled', 'answered', 'conference-joined', 'conference-left', 'ended']);
    expect(sim.conference(ROOM)!.participants.map((p) => p.callSid)).toEqual([call.sid, leg.sid]);
  });

  it('is hung up when the room ends', async () => {
    const { call, leg } = await conversation();
    const { callSid } = await sim.addParticipant(ROOM, department());
    await legStatusesAfter(callSid, 3);
    await eventually('the department joined', () => (sim.hears(ROOM, call.sid).includes(callSid) ? true : undefined));
    await sim.hangup(leg.sid);
    await sim.ended(call.sid);

    expect(await legStatusesAfter(callSid, 4)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    const left = hotline.requests('/twilio/room').find((hit) => hit.params['StatusCallbackEvent'] === 'participant-leave' && hit.params['CallSid'] === callSid);
    expect(left!.params).toMatchObject({ ReasonParticipantLeft: 'moderator_ended_conference', ParticipantCallStatus: 'completed' });
  });

  it('refuses what is neither a client nor a phone number', async () => {
    await expect(sim.addParticipant(ROOM, agent({ to: 'sip:someone@example.test' }))).rejects.toMatchObject({ status: 400 });
    expect(sim.conference(ROOM)).toBeUndefined();
  });
});

describe('GET /simulator/conferences/:name', () => {
  it('shows the live room, by name or sid, with whom each participant hears; 404 once it has ended', async () => {
    const routed = new Simulator({ publicUrl: PUBLIC_URL, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, timeScale: 0, logger: pino({ level: 'silent' }) });
    const served = await startTwimlServer({ mount: (app) => app.use('/simulator', express.json(), simulatorRoutes(routed)) });
    routed.setTargetUrl(served.url);
    try {
      served.serve('/twilio/voice', conferenceTwiml('startConferenceOnEnter="true"'));
      served.serve('/twilio/room', { status: 204 });
      served.serve('/twilio/leg', { status: 204 });
      served.serve('/twilio/after', twiml('<Hangup/>'));
      const call = routed.call({ from: CALLER });
      await nextEvent(call, 'conference-joined');
      const { callSid } = await routed.addParticipant(ROOM, agent());
      routed.answer(callSid);
      await eventually('the agent joined', () => (routed.hears(ROOM, call.sid).length > 0 ? true : undefined));

      const byName = await request(served.url).get(`/simulator/conferences/${ROOM}`);
      expect(byName.status).toBe(200);
      expect(byName.body).toMatchObject({
        name: ROOM,
        started: true,
        participants: [
          { callSid: call.sid, label: 'caller', state: 'joined', hears: [callSid] },
          { callSid, label: 'agent', state: 'joined', hears: [call.sid] },
        ],
      });
      expect((await request(served.url).get(`/simulator/conferences/${byName.body.sid}`)).body.name).toBe(ROOM);

      await routed.hangup(callSid);
      await routed.ended(call.sid);
      const gone = await request(served.url).get(`/simulator/conferences/${ROOM}`);
      expect(gone.status).toBe(404);
      expect(gone.body.error).toContain(ROOM);
    } finally {
      await routed.close();
      await served.close();
    }
  });
});
