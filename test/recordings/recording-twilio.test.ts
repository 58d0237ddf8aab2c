import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { recordings } from '../../db/schema.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import { DELETE_RETRY_SECONDS } from '../../src/recordings/recordings.ts';
import { addStaff, type Role } from '../../src/staff/staff.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import { agentOnFloor, eventually, offersFor, staffToken } from '../support/agents.ts';
import { nextEvent } from '../support/running.ts';
import { hotlineOnTwilioPerFile } from '../support/twilio-standin.ts';
import { readWav } from './wav.ts';

/**
 * Recording on Twilio, with the hotline's own flows and queues: complaints are recorded. The hotline drives
 * Twilio's Recordings resource through the `twilio` client (start on the caller's call, pause and resume,
 * stop when the conversation ends, fetch the audio with the account's credentials, delete), answered by a
 * stand-in for Twilio's API that a carrier simulator carries out; the stand-in fails on request, as Twilio
 * does when it is in trouble.
 */

const DAY = 86_400;

const on = hotlineOnTwilioPerFile();
const h = () => on.running().hotline;

const recordingOf = async (callSid: string) => (await h().database.db.select().from(recordings).where(eq(recordings.callSid, callSid)))[0];
const recordingIs = (callSid: string, status: string) => eventually(() => recordingOf(callSid), (r) => r?.status === status, `recording ${status}`).then((r) => r!);

/** A complaints agent, and an English caller with a complaint (4; no train number) whom the agent answers. */
async function complaintAnswered() {
  const agent = await agentOnFloor(h(), '1001', { complaints: 3 });
  const rung = new Promise<Leg>((resolve) => on.sim().rings.once('ring', resolve));
  const call = on.sim().call({ presses: ['2', '4', ''] });
  const leg = await rung;
  on.sim().answer(leg.sid);
  await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'connected');
  return { agent, call, leg, token: await staffToken(on.running().url, '1001') };
}

const api = async (token: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${on.running().url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, body: type.includes('json') ? ((await res.json()) as Record<string, unknown>) : Buffer.from(await res.arrayBuffer()) };
};

async function colleague(employeeNo: string, role: Role): Promise<string> {
  await addStaff(h().database.db, { employeeNo, name: `${role} ${employeeNo}`, role, skills: {}, password: 'sanling-test' });
  return staffToken(on.running().url, employeeNo);
}

describe('recording a complaint on Twilio', () => {
  it('tells the caller, records from the answer, pauses and resumes, keeps the completed recording, plays it to a supervisor and deletes it after the retention period', async () => {
    const { call, leg, token } = await complaintAnswered();
    const consent = call.events.find((e) => e.type === 'say' && e.text === 'This call may be recorded for quality and training.')!;
    expect(consent.n).toBeLessThan((await nextEvent(call, 'conference-joined')).n);
    const started = await eventually(() => recordingOf(call.sid), (r) => !!r?.carrierSid, 'recording started');
    expect(started).toMatchObject({ status: 'in-progress', queue: 'complaints', channels: 'dual' });
    expect(on.standIn().counts.get('recording')).toBe(1);

    on.running().clock.advance(10);
    expect(await api(token, 'POST', '/softphone/recording', { paused: true })).toMatchObject({ status: 200, body: { recording: 'paused' } });
    on.running().clock.advance(20);
    expect(await api(token, 'POST', '/softphone/recording', { paused: false })).toMatchObject({ status: 200, body: { recording: 'on' } });
    on.running().clock.advance(5);
    await on.sim().hangup(leg.sid);
    const completed = await recordingIs(call.sid, 'completed');
    expect(completed).toMatchObject({ durationSeconds: 15, channels: 'dual' });
    // Paused, resumed, then stopped as the conversation ended (the caller went on to the survey).
    expect(on.standIn().counts.get('recording update')).toBe(3);

    const supervisor = await colleague('2001', 'supervisor');
    const heard = await api(supervisor, 'GET', `/recordings/${completed.id}/audio`);
    expect(heard).toMatchObject({ status: 200, type: 'audio/wav' });
    expect(readWav(heard.body as Buffer)).toMatchObject({ channels: 2, sampleRate: 8000, seconds: 15 });
    expect(on.standIn().counts.get('recording fetch')).toBe(1);

    // Twilio fails the deletion: the recording stays due, and is deleted on a later pass.
    on.standIn().failing.add('recording delete');
    on.running().clock.advance(90 * DAY);
    await sweep(h());
    expect(await recordingOf(call.sid)).toMatchObject({ status: 'completed', deletedAt: null });
    expect(on.sim().recording(completed.carrierSid!)).toBeDefined();
    on.standIn().failing.clear();
    on.running().clock.advance(DELETE_RETRY_SECONDS);
    await sweep(h());
    expect(await recordingOf(call.sid)).toMatchObject({ status: 'deleted', carrierUrl: null });
    expect(on.standIn().counts.get('recording delete')).toBe(2);
    expect(on.sim().recording(completed.carrierSid!)).toBeUndefined();
    expect((await api(await colleague('4001', 'trainer'), 'GET', `/recordings/${completed.id}/audio`)).status).toBe(410);
  });

  it('when Twilio refuses to start the recording, the conversation goes on: the caller can be held, and nothing claims to be recorded', async () => {
    on.standIn().failing.add('recording');
    const { call, leg, token } = await complaintAnswered();
    expect(await recordingIs(call.sid, 'failed')).toMatchObject({ error: expect.stringMatching(/the carrier refused/), carrierSid: null });
    expect(await api(token, 'POST', '/softphone/hold', { on: true })).toMatchObject({ status: 200, body: { onHold: true } });
    expect(await api(token, 'POST', '/softphone/hold', { on: false })).toMatchObject({ status: 200, body: { onHold: false } });
    expect(on.sim().hears(`call-${call.sid}`, call.sid)).toEqual([leg.sid]);
    expect(((await api(token, 'GET', '/softphone')).body as { current: unknown }).current).toMatchObject({ recording: null });
    expect(await api(token, 'POST', '/softphone/recording', { paused: true })).toMatchObject({ status: 404, body: { error: 'this call is not being recorded' } });
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'connected' });
  });

  it('when Twilio fails to pause, tells the agent and the recording goes on', async () => {
    const { call, token } = await complaintAnswered();
    await eventually(() => recordingOf(call.sid), (r) => !!r?.carrierSid, 'recording started');
    on.standIn().failing.add('recording update');
    expect(await api(token, 'POST', '/softphone/recording', { paused: true })).toMatchObject({ status: 502, body: { error: 'the carrier could not pause the recording; try again' } });
    expect(await recordingOf(call.sid)).toMatchObject({ status: 'in-progress' });
    expect(on.sim().recordingsOf(call.sid)[0]).toMatchObject({ state: 'in-progress' });
  });
});
