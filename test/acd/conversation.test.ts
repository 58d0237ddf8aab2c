import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { callEvents, calls, monitors, surveys } from '../../db/schema.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import type { ScreenPop } from '../../src/acd/screen-pop.ts';
import { TRANSFER_NOTICE_SECONDS } from '../../src/acd/transfer.ts';
import { currentMetrics } from '../../src/realtime/managers.ts';
import { onTheFloor } from '../notes/on-a-call.ts';
import { agentOnFloor, eventually, offersFor, presence } from '../support/agents.ts';
import { heard, hotlinePerFile, nextEvent, nextRingFor } from '../support/running.ts';

/**
 * A conversation is held in a conference room named for the caller's call: the caller waits in it, the agent
 * is dialled in, and the agent holds the caller there. Through the carrier simulator over real HTTP.
 */

const running = hotlinePerFile();
const floor = onTheFloor(running);
const { api } = floor;
const h = () => running().hotline;
const sim = () => running().sim;
const room = (callSid: string) => `call-${callSid}`;

/** The agent's row on the managers' live board. */
const boardRow = async (employeeNo: string) => (await currentMetrics(h())).agents.find((a) => a.employeeNo === employeeNo);

const eventsOf = async (callSid: string) =>
  (await h().database.db.select().from(callEvents).where(eq(callEvents.callSid, callSid)).orderBy(asc(callEvents.id))).map((e) => ({ type: e.type, data: e.data }));

describe('a conversation', () => {
  it('is held in a room named for the call: the caller waits there, the agent is dialled in for the offer, and once answered each hears the other', async () => {
    const { call, leg } = await floor.ringing('1001');
    const [offer] = await offersFor(h(), call.sid);
    expect(leg.parameters).toMatchObject({ offerId: String(offer!.id) });
    const waiting = sim().conference(room(call.sid))!;
    expect(waiting.participants.map((p) => [p.label, p.state])).toEqual([
      ['caller', 'joined'],
      ['agent', 'ringing'],
    ]);
    expect(sim().hears(room(call.sid), call.sid)).toEqual([]);

    running().clock.advance(6);
    sim().answer(leg.sid);
    const [connected] = await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');
    // Rings are counted from the agent's leg ringing to its answer, as with a Dial.
    expect(connected).toMatchObject({ rings: 2, withinStandard: true, legSid: leg.sid, conference: room(call.sid) });
    expect(connected!.conferenceSid).toMatch(/^CF[0-9a-f]{32}$/);
    expect(sim().hears(room(call.sid), call.sid)).toEqual([leg.sid]);
    expect(sim().hears(room(call.sid), leg.sid)).toEqual([call.sid]);
  });

  it('moved to a new room while the agent rings (redirects crossing), has the agent dialled into that room for the same offer', async () => {
    const { call, leg } = await floor.ringing('1001');
    const [offer] = await offersFor(h(), call.sid);
    const first = sim().conference(room(call.sid))!.sid;
    // The carrier carries out a second redirect to the same placement, as when a take-back and the next
    // offer's redirect cross: the caller leaves the first room (which ends, cancelling the ringing leg) for a new one.
    const again = nextRingFor(sim(), 'agent_1001');
    await h().carrier.redirect(call.sid, `${h().config.publicUrl}/twilio/connect?offer=${offer!.id}`);
    const redialled = await again;
    expect(redialled.sid).not.toBe(leg.sid);
    expect(sim().conference(room(call.sid))!.sid).not.toBe(first);

    sim().answer(redialled.sid);
    const [connected] = await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');
    // The first leg's cancellation is news of a room the offer has left: the offer is not withdrawn over it.
    expect(connected).toMatchObject({ id: offer!.id, legSid: redialled.sid, conferenceSid: sim().conference(room(call.sid))!.sid });
    expect(await offersFor(h(), call.sid)).toHaveLength(1);
    expect(sim().hears(room(call.sid), call.sid)).toEqual([redialled.sid]);
  });

  it('ends when the agent hangs up: the caller goes on to the survey and the agent to wrap-up', async () => {
    const { call, leg } = await floor.wrappingUp('1001');
    await nextEvent(call, 'listening', (await nextEvent(call, 'conference-left')).n);
    expect(heard(call.events).at(-1)).toMatch(/^\[zh-CN\] 请您对本次通话进行评价/);
    expect(sim().conference(room(call.sid))).toBeUndefined();
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'completed', legSid: leg.sid });
  });
});

describe('holding the caller', () => {
  it('plays the queue\'s music to the caller, who hears nobody, and counts the time on hold on the call', async () => {
    const { token, call, leg } = await floor.onCall('1001');
    const held = await api('POST', '/softphone/hold', token, { on: true });
    expect(held).toEqual({ status: 200, body: { onHold: true, holdSeconds: 0 } });
    const holding = sim().conference(room(call.sid))!.participants.find((p) => p.callSid === call.sid)!;
    expect(holding).toMatchObject({ hold: true });
    expect(sim().hears(room(call.sid), call.sid)).toEqual([]);
    expect(sim().hears(room(call.sid), leg.sid)).toEqual([]);
    expect((await api('GET', '/softphone', token)).body.current).toMatchObject({ canHold: true, onHold: true });
    expect((await boardRow('1001'))?.onHold).toBe(true);

    running().clock.advance(40);
    expect(await api('POST', '/softphone/hold', token, { on: false })).toEqual({ status: 200, body: { onHold: false, holdSeconds: 40 } });
    expect(sim().hears(room(call.sid), call.sid)).toEqual([leg.sid]);

    // Held again, and the agent hangs up meanwhile: that hold ends with the conversation.
    await api('POST', '/softphone/hold', token, { on: true });
    running().clock.advance(20);
    await sim().hangup(leg.sid);
    const [offer] = await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'completed', 'conversation over');
    expect(offer).toMatchObject({ holdSeconds: 60, holdStartedAt: null });
    const events = await eventsOf(call.sid);
    expect(events.filter((e) => e.type === 'call.held' || e.type === 'call.resumed').map((e) => [e.type, e.data.holdSeconds])).toEqual([
      ['call.held', 0],
      ['call.resumed', 40],
      ['call.held', 40],
    ]);
    const talked = (offer!.endedAt!.getTime() - offer!.answeredAt!.getTime()) / 1000;
    expect(talked).toBeGreaterThanOrEqual(60);
    expect(events.filter((e) => e.type === 'offer.completed').map((e) => e.data)).toEqual([{ offerId: offer!.id, staffId: offer!.staffId, talkSeconds: talked, holdSeconds: 60 }]);
  });

  it('asked twice, holds once', async () => {
    const { token, call } = await floor.onCall('1001');
    await api('POST', '/softphone/hold', token, { on: true });
    running().clock.advance(5);
    expect(await api('POST', '/softphone/hold', token, { on: true })).toEqual({ status: 200, body: { onHold: true, holdSeconds: 5 } });
    expect((await eventsOf(call.sid)).filter((e) => e.type === 'call.held')).toHaveLength(1);
  });

  it('is refused, saying why, without a conversation, with a body that is not on or off, and to a manager', async () => {
    const { token } = await floor.loggedInAgent('1001');
    expect(await api('POST', '/softphone/hold', token, { on: true })).toEqual({ status: 404, body: { error: 'you have no call in progress' } });
    expect(await api('POST', '/softphone/hold', token, { on: 'yes' })).toMatchObject({ status: 400, body: { field: 'on' } });
    expect((await api('POST', '/softphone/hold', token, {})).status).toBe(400);
    expect((await api('POST', '/softphone/hold', await floor.colleague('3001', 'manager'), { on: true })).status).toBe(403);
    expect((await api('POST', '/softphone/hold', undefined, { on: true })).status).toBe(401);
  });
});

describe('passing the caller to another queue', () => {
  it('keeps their place and first answer; the next agent is shown the notes so far; the first agent wraps up', async () => {
    const first = await floor.onCall('1001');
    const { call } = first;
    await floor.ask(first.socket, 'notes', { callSid: call.sid, version: 1, passengerName: '王芳', topic: 'luggage', text: 'suitcase left on G1234, coach 5' });
    const before = await callRow(call.sid);

    const second = await agentOnFloor(h(), '1002', { luggage: 3 });
    const secondPage = await floor.socket('/agents', await floor.logIn('1002'));
    const popped = floor.next<ScreenPop>(secondPage, 'offer');
    const rung = nextRingFor(sim(), 'agent_1002');
    running().clock.advance(30);
    const asked = await api('POST', '/softphone/transfer', first.token, { queue: 'luggage' });
    expect(asked).toMatchObject({ status: 200, body: { offerId: expect.any(Number) } });

    // The caller hears that they are being transferred, waiting in the new queue; then they are offered.
    const notice = await nextEvent(call, 'say', (await nextEvent(call, 'conference-left')).n);
    expect(notice).toMatchObject({ language: 'zh-CN', text: '正在为您转接相关部门，请稍候。' });
    expect(await nextEvent(call, 'enqueued', notice.n)).toMatchObject({ queue: 'luggage' });
    running().clock.advance(TRANSFER_NOTICE_SECONDS);
    await sweep(h());
    const pop = await popped;
    expect(pop).toMatchObject({ callSid: call.sid, queue: 'luggage', notesSoFar: [{ employeeNo: '1001', topic: 'luggage', text: 'suitcase left on G1234, coach 5' }] });
    const leg = await rung;

    // The first agent's conversation ended as transferred, and they wrap up.
    const [firstOffer] = await offersFor(h(), call.sid);
    expect(firstOffer).toMatchObject({ status: 'completed', endReason: 'transferred', staffId: first.id });
    expect(await presence(h(), first.id)).toMatchObject({ presence: 'wrap-up' });
    const moved = (await eventsOf(call.sid)).find((e) => e.type === 'call.transferred');
    expect(moved?.data).toMatchObject({ staffId: first.id, from: 'general', to: 'luggage' });

    // The caller's wait is still counted from when they first queued, and their first answer stands.
    sim().answer(leg.sid);
    await eventually(() => offersFor(h(), call.sid), (o) => o[1]?.status === 'connected', 'second agent on the call');
    const after = await callRow(call.sid);
    expect(after).toMatchObject({ queue: 'luggage', status: 'connected', agentId: second.id });
    expect(after.queuedAt).toEqual(before.queuedAt);
    expect(after.answeredAt).toEqual(before.answeredAt);
  });

  it('is refused for a queue that does not exist (naming queue) and without a call; the caller stays with the agent', async () => {
    const { token, call, leg } = await floor.onCall('1001');
    const wrong = await api('POST', '/softphone/transfer', token, { queue: 'parcels' });
    expect(wrong).toMatchObject({ status: 400, body: { field: 'queue' } });
    expect(wrong.body.error).toMatch(/^queue must be one of: .*luggage/);
    expect((await api('POST', '/softphone/transfer', token, {})).body).toMatchObject({ field: 'queue' });
    expect(sim().hears(room(call.sid), call.sid)).toEqual([leg.sid]);
    const idle = await floor.loggedInAgent('1003');
    expect(await api('POST', '/softphone/transfer', idle.token, { queue: 'luggage' })).toEqual({ status: 404, body: { error: 'you have no call in progress' } });
  });
});

const callRow = async (sid: string) => (await h().database.db.select().from(calls).where(eq(calls.sid, sid)))[0]!;

describe('a supervisor monitoring a conversation', () => {
  it('listens unheard, whispers to the agent alone, then barges in heard by both; the call\'s story records each', async () => {
    const { call, leg } = await floor.onCall('1001');
    const supervisor = await floor.colleague('5001', 'supervisor');
    const rung = nextRingFor(sim(), 'agent_5001');
    const asked = await api('POST', '/monitor', supervisor, { agent: '1001', mode: 'listen' });
    expect(asked).toMatchObject({ status: 200, body: { mode: 'listen', status: 'dialling' } });
    const ear = await rung;
    expect(ear.parameters).toMatchObject({ monitor: String(asked.body.monitorId) });
    sim().answer(ear.sid);
    await eventually(() => monitorsOf(call.sid), ([m]) => m?.status === 'on', 'supervisor in the call');
    const r = room(call.sid);
    // Listening: the supervisor hears both, and nobody hears the supervisor.
    expect(sim().hears(r, ear.sid).sort()).toEqual([call.sid, leg.sid].sort());
    expect(sim().hears(r, call.sid)).toEqual([leg.sid]);
    expect(sim().hears(r, leg.sid)).toEqual([call.sid]);

    expect(await boardRow('1001')).toMatchObject({ monitored: 'listen', onHold: false });
    expect(await api('POST', '/monitor', supervisor, { agent: '1001', mode: 'whisper' })).toMatchObject({ status: 200, body: { mode: 'whisper', status: 'on' } });
    expect(sim().hears(r, leg.sid).sort()).toEqual([call.sid, ear.sid].sort());
    expect(sim().hears(r, call.sid)).toEqual([leg.sid]);

    await api('POST', '/monitor', supervisor, { agent: '1001', mode: 'barge' });
    expect(sim().hears(r, call.sid).sort()).toEqual([leg.sid, ear.sid].sort());

    expect(await api('DELETE', '/monitor', supervisor, {})).toMatchObject({ status: 200 });
    await eventually(() => monitorsOf(call.sid), ([m]) => m?.status === 'ended', 'monitoring over');
    expect(sim().hears(r, call.sid)).toEqual([leg.sid]);
    expect((await boardRow('1001'))?.monitored).toBeNull();
    const story = (await eventsOf(call.sid)).filter((e) => e.type === 'call.monitored' || e.type === 'call.unmonitored');
    expect(story.map((e) => [e.type, e.data.mode])).toEqual([
      ['call.monitored', 'listen'],
      ['call.monitored', 'whisper'],
      ['call.monitored', 'barge'],
      ['call.unmonitored', undefined],
    ]);
  });

  it('ends with the conversation, and is refused to agents, for an agent with no call, and for a bad mode', async () => {
    const { call, leg, token } = await floor.onCall('1001');
    const supervisor = await floor.colleague('5001', 'supervisor');
    expect((await api('POST', '/monitor', token, { agent: '1001', mode: 'listen' })).status).toBe(403);
    expect(await api('POST', '/monitor', supervisor, { agent: '1001', mode: 'spy' })).toMatchObject({ status: 400, body: { field: 'mode' } });
    expect(await api('POST', '/monitor', supervisor, { agent: '1009', mode: 'listen' })).toMatchObject({ status: 404, body: { field: 'agent' } });
    const rung = nextRingFor(sim(), 'agent_5001');
    await api('POST', '/monitor', supervisor, { agent: '1001', mode: 'listen' });
    sim().answer((await rung).sid);
    await eventually(() => monitorsOf(call.sid), ([m]) => m?.status === 'on', 'supervisor in the call');
    await sim().hangup(leg.sid);
    await eventually(() => monitorsOf(call.sid), ([m]) => m?.status === 'ended', 'monitoring over with the call');
  });
});

const monitorsOf = async (callSid: string) => {
  const [offer] = await offersFor(h(), callSid);
  return h().database.db.select().from(monitors).where(eq(monitors.offerId, offer!.id));
};

describe('consulting a colleague', () => {
  async function consulting() {
    const first = await floor.onCall('1001');
    const colleague = await agentOnFloor(h(), '1002', { general: 1 });
    const rung = nextRingFor(sim(), 'agent_1002');
    const asked = await api('POST', '/softphone/consult', first.token, { agent: '1002' });
    expect(asked).toMatchObject({ status: 200, body: { status: 'dialling' } });
    const leg = await rung;
    expect(leg.parameters).toMatchObject({ consult: String(asked.body.offerId) });
    expect(await presence(h(), colleague.id)).toMatchObject({ presence: 'ringing' });
    sim().answer(leg.sid);
    await eventually(() => offersFor(h(), first.call.sid), ([o]) => o?.consultStatus === 'talking', 'colleague on the line');
    return { first, colleague, colleagueLeg: leg };
  }

  it('holds the caller while agent and colleague talk, then hands the caller over: the colleague\'s conversation begins, the agent wraps up', async () => {
    const { first, colleague, colleagueLeg } = await consulting();
    const { call, leg } = first;
    const r = room(call.sid);
    expect(sim().hears(r, call.sid)).toEqual([]);
    expect(sim().hears(r, leg.sid)).toEqual([colleagueLeg.sid]);
    expect(await presence(h(), colleague.id)).toMatchObject({ presence: 'on-call' });

    running().clock.advance(30);
    const done = await api('POST', '/softphone/consult/complete', first.token, {});
    expect(done).toMatchObject({ status: 200, body: { offerId: expect.any(Number) } });
    await eventually(async () => sim().hears(r, call.sid), (heard) => heard.length === 1 && heard[0] === colleagueLeg.sid, 'caller with the colleague');
    const [mine, theirs] = await offersFor(h(), call.sid);
    expect(mine).toMatchObject({ status: 'completed', endReason: 'transferred', holdSeconds: 30, consultStatus: null });
    expect(theirs).toMatchObject({ id: done.body.offerId, staffId: colleague.id, status: 'connected', legSid: colleagueLeg.sid, conference: r });
    expect(await presence(h(), first.id)).toMatchObject({ presence: 'wrap-up' });
    expect((await eventsOf(call.sid)).find((e) => e.type === 'call.transferred')?.data).toMatchObject({ toStaffId: colleague.id, warm: true });

    // The colleague ends the call: the caller is asked the survey about the colleague's conversation.
    await sim().hangup(colleagueLeg.sid);
    await nextEvent(call, 'listening', (await nextEvent(call, 'conference-left')).n);
    await eventually(() => offersFor(h(), call.sid), (o) => o[1]?.status === 'completed', 'colleague done');
    expect(await presence(h(), colleague.id)).toMatchObject({ presence: 'wrap-up' });
    const [survey] = await h().database.db.select().from(surveys).where(eq(surveys.callSid, call.sid));
    expect(survey).toMatchObject({ staffId: colleague.id });
  });

  it('goes back to the caller: the colleague leaves and is free, the caller is off hold with the agent', async () => {
    const { first, colleague, colleagueLeg } = await consulting();
    const { call, leg } = first;
    expect(await api('POST', '/softphone/consult/return', first.token, {})).toMatchObject({ status: 200 });
    await eventually(() => presence(h(), colleague.id), (p) => p.presence === 'available', 'colleague free');
    expect(sim().hears(room(call.sid), call.sid)).toEqual([leg.sid]);
    expect(sim().conference(room(call.sid))!.participants.some((p) => p.callSid === colleagueLeg.sid)).toBe(false);
    const [offer] = await offersFor(h(), call.sid);
    expect(offer).toMatchObject({ status: 'connected', consultStatus: null, consultStaffId: null, holdStartedAt: null });
    const story = (await eventsOf(call.sid)).map((e) => e.type).filter((t) => t.startsWith('call.consult'));
    expect(story).toEqual(['call.consult-dialled', 'call.consult-answered', 'call.consult-ended']);
  });

  it('is refused for a colleague who is not free or does not exist, and leaves the caller with the agent', async () => {
    const { token, call, leg } = await floor.onCall('1001');
    await agentOnFloor(h(), '1002', { general: 1 }, { available: false });
    expect(await api('POST', '/softphone/consult', token, { agent: '1002' })).toEqual({ status: 409, body: { error: '1002 is not available', field: 'agent' } });
    expect(await api('POST', '/softphone/consult', token, { agent: '1099' })).toMatchObject({ status: 404, body: { field: 'agent' } });
    expect(await api('POST', '/softphone/consult/complete', token, {})).toMatchObject({ status: 409 });
    expect(sim().hears(room(call.sid), call.sid)).toEqual([leg.sid]);
  });
});

describe('passing the caller to a person or a department, blind', () => {
  const STATION = '+862150001001'; // cases.yaml: departments.station.phone

  it('to a department\'s number: the caller waits on hold until it answers, then talks with it; the agent wraps up', async () => {
    sim().expectCall(STATION, { answer: 'human' });
    const { token, call, id } = await floor.onCall('1001');
    expect(await api('POST', '/softphone/transfer', token, { department: 'station' })).toMatchObject({ status: 200, body: { status: 'dialling' } });
    await eventually(async () => (await eventsOf(call.sid)).map((e) => e.type), (t) => t.includes('call.transferred'), 'handed to the station');
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'completed', endReason: 'transferred', consultStatus: null });
    const station = sim().conference(room(call.sid))!.participants.find((p) => p.label === 'consult')!;
    expect(sim().conferenceLegs.find((l) => l.sid === station.callSid)).toMatchObject({ to: STATION });
    expect(sim().hears(room(call.sid), call.sid)).toEqual([station.callSid]);
    expect(await presence(h(), id)).toMatchObject({ presence: 'wrap-up' });
    expect((await eventsOf(call.sid)).find((e) => e.type === 'call.transferred')?.data).toMatchObject({ toDepartment: 'station', warm: false });
  });

  it('to a department that is busy: the caller is back with the agent, off hold', async () => {
    sim().expectCall(STATION, { answer: 'busy' });
    const { token, call, leg } = await floor.onCall('1001');
    await api('POST', '/softphone/transfer', token, { department: 'station' });
    await eventually(async () => (await eventsOf(call.sid)).map((e) => e.type), (t) => t.includes('call.consult-ended'), 'the attempt over');
    expect(sim().hears(room(call.sid), call.sid)).toEqual([leg.sid]);
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'connected', holdStartedAt: null, consultStatus: null });
  });

  it('to a named colleague: once they answer, the conversation is theirs', async () => {
    const { token, call } = await floor.onCall('1001');
    const colleague = await agentOnFloor(h(), '1002', { luggage: 1 });
    const rung = nextRingFor(sim(), 'agent_1002');
    await api('POST', '/softphone/transfer', token, { agent: '1002' });
    sim().answer((await rung).sid);
    const [, theirs] = await eventually(() => offersFor(h(), call.sid), (o) => o[1]?.status === 'connected', 'the colleague has the caller');
    expect(theirs).toMatchObject({ staffId: colleague.id });
    expect((await eventsOf(call.sid)).find((e) => e.type === 'call.transferred')?.data).toMatchObject({ toStaffId: colleague.id, warm: false });
  });

  it('is refused for a department without a number, and for a body naming two targets', async () => {
    const { token } = await floor.onCall('1001');
    const noPhone = await api('POST', '/softphone/transfer', token, { department: 'ticketing' });
    expect(noPhone).toMatchObject({ status: 400, body: { field: 'department' } });
    expect(noPhone.body.error).toMatch(/^department must be one of: station, train-crew/);
    expect(await api('POST', '/softphone/transfer', token, { queue: 'luggage', agent: '1002' })).toEqual({
      status: 400,
      body: { error: 'say exactly one of queue, agent, department', field: 'queue' },
    });
  });
});
