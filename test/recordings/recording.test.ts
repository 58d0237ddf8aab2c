import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { callEvents, recordings } from '../../db/schema.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import { onTheFloor } from '../notes/on-a-call.ts';
import { agentOnFloor, eventually, offersFor } from '../support/agents.ts';
import { hotlinePerFile, nextEvent } from '../support/running.ts';
import { flowsRecording } from './flows.ts';
import { readWav } from './wav.ts';

/**
 * Conversations in a queue that records are recorded, the caller told first: here the general queue records
 * (switched on in a copy of the hotline's queues.yaml, as an operator would). The agent pauses the recording
 * while taking card or ID details; supervisors, managers and trainers hear it through the hotline, never from
 * the carrier; after the retention period it is deleted at the carrier and here. Through the carrier
 * simulator over real HTTP.
 */

const running = hotlinePerFile({ env: { IVR_FLOWS_DIR: flowsRecording('general', 'dual') } });
const floor = onTheFloor(running);
const { api } = floor;
const h = () => running().hotline;
const sim = () => running().sim;
const DAY = 86_400;

const recordingsOf = (callSid: string) => h().database.db.select().from(recordings).where(eq(recordings.callSid, callSid));
/** The carrier has started recording (it answered with the recording's sid). */
const recordingStarted = (callSid: string) => eventually(() => recordingsOf(callSid), ([r]) => !!r?.carrierSid, 'recording started').then(([r]) => r!);
const recordingIs = (callSid: string, status: string) => eventually(() => recordingsOf(callSid), ([r]) => r?.status === status, `recording ${status}`).then(([r]) => r!);
const eventTypes = async (callSid: string) =>
  (await h().database.db.select().from(callEvents).where(eq(callEvents.callSid, callSid)).orderBy(asc(callEvents.id))).map((e) => e.type);

/** A caller pressing their way to the general queue in `language` (1 Mandarin, 2 English, 3 Cantonese), ringing an agent. */
async function callerRinging(presses: string[], skills: Record<string, number> = { general: 3 }) {
  await agentOnFloor(h(), '1001', skills);
  const rung = new Promise<Leg>((resolve) => sim().rings.once('ring', resolve));
  const call = sim().call({ presses });
  return { call, leg: await rung };
}

/** An agent's conversation that lasted `seconds`, over: its recording completed. */
async function recordedConversation(seconds: number) {
  const { call, leg, token, id } = await floor.onCall('1001');
  await recordingStarted(call.sid);
  running().clock.advance(seconds);
  await sim().hangup(leg.sid);
  return { call, token, staffId: id, recording: await recordingIs(call.sid, 'completed') };
}

async function audio(id: number | string, token?: string) {
  const res = await fetch(`${running().url}/api/recordings/${id}/audio`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), headers: [...res.headers.entries()], bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('a recorded conversation', () => {
  it('is announced to the caller in their language before they join the room, and recorded from the agent\'s answer', async () => {
    const { call, leg } = await callerRinging(['2', '0']);
    const consent = call.events.find((e) => e.type === 'say' && e.text === 'This call may be recorded for quality and training.');
    expect(consent).toMatchObject({ language: 'en-US' });
    expect(consent!.n).toBeLessThan((await nextEvent(call, 'conference-joined')).n);
    // Nothing is recorded while the agent's phone rings.
    expect(await recordingsOf(call.sid)).toEqual([]);
    expect(sim().recordingsOf(call.sid)).toEqual([]);

    sim().answer(leg.sid);
    const recording = await recordingStarted(call.sid);
    expect(recording).toMatchObject({ status: 'in-progress', channels: 'dual', queue: 'general', carrierSid: expect.stringMatching(/^RE/) });
    await eventually(async () => sim().recordingsOf(call.sid), ([r]) => r?.sid === recording.carrierSid, 'the carrier records');
    expect(sim().recordingsOf(call.sid)[0]).toMatchObject({ state: 'in-progress', channels: 'dual' });
    expect(await eventTypes(call.sid)).toContain('call.recording-started');
  });

  it('in Mandarin, the consent is said in Mandarin', async () => {
    const { call } = await callerRinging(['1', '0']);
    expect(call.events.filter((e) => e.type === 'say' && e.text.includes('录音'))).toEqual([expect.objectContaining({ language: 'zh-CN', text: '为了服务质量和培训需要，本次通话可能会被录音。' })]);
  });

  it('is not recorded, nor announced, in a queue that does not record', async () => {
    // Tickets (English: 2, tickets 1, an agent 0, no train number).
    const { call, leg } = await callerRinging(['2', '1', '0', ''], { tickets: 3 });
    sim().answer(leg.sid);
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'connected');
    await sim().hangup(leg.sid);
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'completed', 'conversation over');
    expect(call.events.some((e) => e.type === 'say' && /recorded/.test(e.text))).toBe(false);
    expect(await recordingsOf(call.sid)).toEqual([]);
    expect(sim().recordingsOf(call.sid)).toEqual([]);
  });

  it('keeps what the carrier reports once the agent hangs up (length, channels), and the caller\'s survey is not recorded', async () => {
    const { call, staffId, recording } = await recordedConversation(30);
    expect(recording).toMatchObject({ durationSeconds: 30, channels: 'dual', carrierUrl: expect.stringMatching(/\/Recordings\/RE[0-9a-f]{32}$/) });
    // The recording stopped with the conversation, while the caller stays on the line for the survey.
    expect(sim().recordingsOf(call.sid)[0]).toMatchObject({ state: 'stopped' });
    expect(call.ended).toBe(false);
    await nextEvent(call, 'listening', (await nextEvent(call, 'conference-left')).n);
    expect(sim().recordingsOf(call.sid)).toHaveLength(1);

    const supervisor = await floor.colleague('2001', 'supervisor');
    const listed = await api('GET', `/recordings?callSid=${call.sid}`, supervisor);
    expect(listed).toEqual({
      status: 200,
      body: {
        recordings: [
          expect.objectContaining({ id: recording.id, callSid: call.sid, staffId, queue: 'general', status: 'completed', durationSeconds: 30, channels: 'dual', audio: `/api/recordings/${recording.id}/audio` }),
        ],
      },
    });
    // Where the carrier keeps it never reaches a browser.
    expect(JSON.stringify(listed.body)).not.toContain(recording.carrierSid!);
    expect(JSON.stringify(listed.body)).not.toContain('twilio.com');
    expect((await api('GET', `/recordings?staffId=${staffId}`, await floor.colleague('4001', 'trainer'))).body.recordings).toHaveLength(1);
    expect(await api('GET', '/recordings?callSid=nonsense', supervisor)).toMatchObject({ status: 400, body: { field: 'callSid' } });
  });
});

describe('pausing the recording', () => {
  it('while the agent takes card or ID details, leaves that time out of the recording', async () => {
    const { call, leg, token, id } = await floor.onCall('1001');
    await recordingStarted(call.sid);
    expect((await api('GET', '/softphone', token)).body.current).toMatchObject({ recording: 'on' });
    running().clock.advance(10);

    expect(await api('POST', '/softphone/recording', token, { paused: true })).toEqual({ status: 200, body: { recording: 'paused' } });
    expect(sim().recordingsOf(call.sid)[0]).toMatchObject({ state: 'paused' });
    expect((await api('GET', '/softphone', token)).body.current).toMatchObject({ recording: 'paused' });
    running().clock.advance(20); // the caller reads out their ID number
    expect(await api('POST', '/softphone/recording', token, { paused: true })).toEqual({ status: 200, body: { recording: 'paused' } });
    expect(await api('POST', '/softphone/recording', token, { paused: false })).toEqual({ status: 200, body: { recording: 'on' } });
    expect(sim().recordingsOf(call.sid)[0]).toMatchObject({ state: 'in-progress' });
    running().clock.advance(5);
    await sim().hangup(leg.sid);

    expect(await recordingIs(call.sid, 'completed')).toMatchObject({ durationSeconds: 15 });
    const events = await h().database.db.select().from(callEvents).where(eq(callEvents.callSid, call.sid)).orderBy(asc(callEvents.id));
    expect(events.filter((e) => e.type.startsWith('call.recording-')).map((e) => [e.type, e.data['staffId']])).toEqual([
      ['call.recording-started', undefined],
      ['call.recording-paused', id],
      ['call.recording-resumed', id],
      ['call.recording-completed', undefined],
    ]);
  });

  it('a pause still on when the agent hangs up ends with the call', async () => {
    const { call, leg, token } = await floor.onCall('1001');
    await recordingStarted(call.sid);
    running().clock.advance(7);
    await api('POST', '/softphone/recording', token, { paused: true });
    running().clock.advance(60);
    await sim().hangup(leg.sid);
    expect(await recordingIs(call.sid, 'completed')).toMatchObject({ durationSeconds: 7 });
  });

  it('is refused, saying why, without a call, with a body that is not paused true or false, and to a manager', async () => {
    const { token } = await floor.loggedInAgent('1001');
    expect(await api('POST', '/softphone/recording', token, { paused: true })).toEqual({ status: 404, body: { error: 'you have no call in progress' } });
    expect(await api('POST', '/softphone/recording', token, { paused: 'yes' })).toMatchObject({ status: 400, body: { field: 'paused' } });
    expect((await api('POST', '/softphone/recording', token, {})).status).toBe(400);
    expect((await api('POST', '/softphone/recording', await floor.colleague('3001', 'manager'), { paused: true })).status).toBe(403);
    expect((await api('POST', '/softphone/recording', undefined, { paused: true })).status).toBe(401);
  });
});

describe('hearing a recording', () => {
  it('supervisors, managers and trainers hear it through the hotline: a WAV file as long as the recording', async () => {
    const { recording } = await recordedConversation(12);
    for (const [employeeNo, role] of [['2001', 'supervisor'], ['3001', 'manager'], ['4001', 'trainer']] as const) {
      const heard = await audio(recording.id, await floor.colleague(employeeNo, role));
      expect(heard).toMatchObject({ status: 200, type: 'audio/wav' });
      expect(readWav(heard.bytes)).toEqual({ format: 'pcm', channels: 2, sampleRate: 8000, bitsPerSample: 16, seconds: 12 });
      expect(JSON.stringify(heard.headers)).not.toContain(recording.carrierSid!);
    }
  });

  it('is refused to agents (even the one who took the call) and to nobody logged in; an unknown one is not found', async () => {
    const { recording, token } = await recordedConversation(5);
    expect((await audio(recording.id, token)).status).toBe(403);
    expect((await api('GET', `/recordings?callSid=${recording.callSid}`, token)).status).toBe(403);
    expect((await audio(recording.id)).status).toBe(401);
    const supervisor = await floor.colleague('2001', 'supervisor');
    expect(await api('GET', '/recordings/999/audio', supervisor)).toEqual({ status: 404, body: { error: 'no recording 999' } });
    expect((await audio('latest', supervisor)).status).toBe(400);
  });
});

describe('retention', () => {
  it('deletes a recording at the carrier and here once RECORDING_RETENTION_DAYS (90) have passed, and not before', async () => {
    const { call, recording } = await recordedConversation(20);
    running().clock.advance(89 * DAY);
    await sweep(h());
    expect((await recordingsOf(call.sid))[0]).toMatchObject({ status: 'completed', deletedAt: null });
    expect(sim().recording(recording.carrierSid!)).toBeDefined();

    running().clock.advance(DAY);
    await sweep(h());
    expect((await recordingsOf(call.sid))[0]).toMatchObject({ status: 'deleted', carrierUrl: null, deletedAt: running().clock.now, durationSeconds: 20 });
    expect(sim().recording(recording.carrierSid!)).toBeUndefined();
    await expect(sim().fetchRecording(recording.carrierSid!)).rejects.toThrow(/no recording/);
    const supervisor = await floor.colleague('2001', 'supervisor');
    expect((await audio(recording.id, supervisor)).status).toBe(410);
    expect((await api('GET', `/recordings?callSid=${call.sid}`, supervisor)).body.recordings).toEqual([expect.objectContaining({ status: 'deleted', audio: null })]);
    expect(await eventTypes(call.sid)).toContain('call.recording-deleted');
  });
});
