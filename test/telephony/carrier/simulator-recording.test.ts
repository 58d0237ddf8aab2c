import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallGone, RecordingMissing } from '../../../src/telephony/carrier/carrier.ts';
import type { SimulatedCall } from '../../../src/telephony/carrier/simulator/call.ts';
import { Simulator } from '../../../src/telephony/carrier/simulator/simulator.ts';
import { nextEvent } from '../../support/running.ts';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, carrierPerSpec, twiml, type TwimlServer } from '../../support/twiml-server.ts';
import { bytesOf, readWav } from '../../recordings/wav.ts';

/**
 * A call's recording as Twilio keeps one (shared/reference/twilio.md, "Beyond the first call"): started on a
 * live call through the REST API, paused while the caller reads out card numbers (the paused time is left
 * out), resumed, and finished when stopped or when the call ends; its status callback hears `in-progress`,
 * then `completed` with the URL, duration and channels (or `absent`), signed as every webhook. The simulator
 * makes the audio: a quiet tone of the recorded length, as WAV, until the recording is deleted.
 */

const carrier = carrierPerSpec();
let hotline: TwimlServer;
let sim: Simulator;
let now: Date;
const advance = (seconds: number) => (now = new Date(now.getTime() + seconds * 1000));
const CALLBACK = `${PUBLIC_URL}/twilio/recording?offer=7`;

beforeEach(() => {
  hotline = carrier.server();
  now = new Date('2026-03-02T09:00:00Z');
  // The carrier's clock is the spec's, so the recorded seconds are exactly what the spec lets pass.
  sim = new Simulator({ publicUrl: PUBLIC_URL, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, timeScale: 0, logger: pino({ level: 'silent' }), now: () => now });
  sim.setTargetUrl(hotline.url);
  hotline.serve('/twilio/recording', { status: 204 });
  // A caller waiting in a queue stays on the line until someone hangs up.
  hotline.serve('/twilio/voice', twiml('<Say>please hold</Say><Enqueue>support</Enqueue>'));
});
afterEach(async () => {
  await sim.close();
});

async function liveCall(): Promise<SimulatedCall> {
  const call = sim.call();
  await nextEvent(call, 'enqueued');
  return call;
}

const callbacks = () => hotline.requests('/twilio/recording').map((hit) => hit.params);
const recordingEvents = (call: SimulatedCall) => call.events.flatMap((e) => (e.type === 'recording' ? [e.state] : []));

describe('a call recording', () => {
  it('starts on a live call and is completed when the call ends: its callback says where it is, how long and how many channels', async () => {
    const call = await liveCall();
    const { sid } = await sim.startRecording(call.sid, { statusCallback: CALLBACK, channels: 'dual' });
    expect(sid).toMatch(/^RE[0-9a-f]{32}$/);
    advance(42);
    sim.callerHangup(call.sid);
    await sim.ended(call.sid);

    const [started, completed] = callbacks();
    expect(started).toMatchObject({ RecordingSid: sid, RecordingStatus: 'in-progress', CallSid: call.sid, AccountSid: ACCOUNT_SID, RecordingChannels: '2' });
    expect(completed).toMatchObject({
      RecordingSid: sid,
      RecordingStatus: 'completed',
      RecordingDuration: '42',
      RecordingChannels: '2',
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${sid}`,
      CallSid: call.sid,
      AccountSid: ACCOUNT_SID,
    });
    expect(callbacks()).toHaveLength(2);
    expect(recordingEvents(call)).toEqual(['started', 'stopped']);
  });

  it('leaves the paused time out, and stops on request while the call goes on', async () => {
    const call = await liveCall();
    const { sid } = await sim.startRecording(call.sid, { statusCallback: CALLBACK, channels: 'mono' });
    advance(10);
    await sim.updateRecording(call.sid, sid, 'paused');
    advance(20); // the caller reads out their card number
    await sim.updateRecording(call.sid, sid, 'paused'); // asked twice: paused once
    await sim.updateRecording(call.sid, sid, 'in-progress');
    advance(5);
    await sim.updateRecording(call.sid, sid, 'stopped');
    await hotline.waitForRequests('/twilio/recording', 2);

    expect(callbacks()[1]).toMatchObject({ RecordingStatus: 'completed', RecordingDuration: '15', RecordingChannels: '1' });
    expect(recordingEvents(call)).toEqual(['started', 'paused', 'resumed', 'stopped']);
    expect(call.ended).toBe(false);
    // Over is over: the carrier says so, as Twilio refuses to change a finished recording.
    await expect(sim.updateRecording(call.sid, sid, 'in-progress')).rejects.toBeInstanceOf(CallGone);
  });

  it('paused when the call ends, counts up to the pause', async () => {
    const call = await liveCall();
    const { sid } = await sim.startRecording(call.sid, { statusCallback: CALLBACK, channels: 'dual' });
    advance(8);
    await sim.updateRecording(call.sid, sid, 'paused');
    advance(30);
    sim.callerHangup(call.sid);
    await sim.ended(call.sid);
    expect(callbacks()[1]).toMatchObject({ RecordingStatus: 'completed', RecordingDuration: '8' });
  });

  it('with nothing recorded, is absent and has no audio', async () => {
    const call = await liveCall();
    const { sid } = await sim.startRecording(call.sid, { statusCallback: CALLBACK, channels: 'dual' });
    await sim.updateRecording(call.sid, sid, 'stopped');
    await hotline.waitForRequests('/twilio/recording', 2);
    expect(callbacks()[1]).toMatchObject({ RecordingStatus: 'absent', RecordingDuration: '0' });
    expect(callbacks()[1]).not.toHaveProperty('RecordingUrl');
    await expect(sim.fetchRecording(sid)).rejects.toBeInstanceOf(RecordingMissing);
  });

  it('cannot be started on a call that is over, or one the carrier does not have', async () => {
    const call = await liveCall();
    sim.callerHangup(call.sid);
    await sim.ended(call.sid);
    await expect(sim.startRecording(call.sid, { statusCallback: CALLBACK, channels: 'dual' })).rejects.toBeInstanceOf(CallGone);
    await expect(sim.startRecording(`CA${'0'.repeat(32)}`, { statusCallback: CALLBACK, channels: 'dual' })).rejects.toMatchObject({ unknown: true });
    await expect(sim.updateRecording(call.sid, `RE${'0'.repeat(32)}`, 'paused')).rejects.toBeInstanceOf(CallGone);
  });
});

describe("a recording's audio", () => {
  it('is a WAV file of telephone audio as long as what was recorded: two channels for dual, one for mono', async () => {
    for (const [channels, count] of [['dual', 2], ['mono', 1]] as const) {
      const call = await liveCall();
      const { sid } = await sim.startRecording(call.sid, { statusCallback: CALLBACK, channels });
      await expect(sim.fetchRecording(sid)).rejects.toBeInstanceOf(RecordingMissing); // still recording
      advance(3);
      sim.callerHangup(call.sid);
      await sim.ended(call.sid);

      const audio = await sim.fetchRecording(sid);
      const bytes = await bytesOf(audio);
      expect(audio).toMatchObject({ contentType: 'audio/x-wav', length: bytes.length });
      expect(readWav(bytes)).toEqual({ format: 'pcm', channels: count, sampleRate: 8000, bitsPerSample: 16, seconds: 3 });
      // Not silence: a quiet tone, so a player shows there is something to hear.
      expect(bytes.subarray(44).some((byte) => byte !== 0)).toBe(true);
    }
  });

  it('is gone once deleted; deleting it again is no error', async () => {
    const call = await liveCall();
    const { sid } = await sim.startRecording(call.sid, { statusCallback: CALLBACK, channels: 'mono' });
    advance(2);
    sim.callerHangup(call.sid);
    await sim.ended(call.sid);
    await sim.deleteRecording(sid);
    await expect(sim.fetchRecording(sid)).rejects.toBeInstanceOf(RecordingMissing);
    expect(sim.recording(sid)).toBeUndefined();
    await sim.deleteRecording(sid);
  });
});
