import { CallGone, RecordingMissing, type RecordingAudio, type RecordingChannels } from '../carrier.ts';
import { newSid, type SimulatedCall } from './call.ts';
import type { Simulator } from './simulator.ts';

/**
 * A call's recording as Twilio keeps one (REST `calls(CA).recordings`): started on a live call, paused
 * (the paused time is skipped, as with `pauseBehavior: skip`), resumed, and finished when stopped or when
 * the call ends. Its status callback hears `in-progress` when it starts, then `completed` with the URL,
 * duration and channels, or `absent` when nothing was recorded. Time is the carrier's clock (`sim.now`, the
 * one its callbacks are stamped with), so a test that moves the hotline's clock moves the recording's too.
 * The simulator carries no audio: the "recording" is a quiet tone of the recorded length, made when fetched.
 */

export type SimulatedRecording = {
  sid: string;
  callSid: string;
  channels: RecordingChannels;
  statusCallback: string;
  state: 'in-progress' | 'paused' | 'stopped';
  startedAt: number;
  /** While paused: since when (carrier clock, ms). */
  pausedSince: number | undefined;
  pausedMs: number;
  /** Once stopped: whole seconds recorded, the pauses left out. */
  durationSeconds: number | undefined;
  /** Every callback told so far, in order. */
  delivered: Promise<void>;
};

/** The recordings of a simulator, live and finished, until deleted. */
export class Recordings {
  private readonly bySid = new Map<string, SimulatedRecording>();

  constructor(private readonly sim: Simulator) {}

  /**
   * Start recording a live call. Resolves `finished` once the recording is over (stopped, or the call
   * ended) and its last callback was told.
   */
  start(call: SimulatedCall, options: { statusCallback: string; channels: RecordingChannels }): { recording: SimulatedRecording; finished: Promise<void> } {
    const recording: SimulatedRecording = {
      sid: newSid('RE'),
      callSid: call.sid,
      channels: options.channels,
      statusCallback: options.statusCallback,
      state: 'in-progress',
      startedAt: this.sim.now().getTime(),
      pausedSince: undefined,
      pausedMs: 0,
      durationSeconds: undefined,
      delivered: Promise.resolve(),
    };
    this.bySid.set(recording.sid, recording);
    call.record({ type: 'recording', state: 'started', sid: recording.sid });
    this.tell(recording, 'in-progress');
    // The call's end stops whatever recording is still going on, as on Twilio.
    const finished = call
      .until(() => (call.ended || recording.state === 'stopped' ? true : undefined), Infinity, false)
      .then(() => {
        this.stop(call, recording);
        return recording.delivered;
      });
    return { recording, finished };
  }

  /** Pause, resume or stop; asking for the state it is in changes nothing. Throws CallGone once it is over. */
  update(call: SimulatedCall | undefined, recordingSid: string, status: 'paused' | 'in-progress' | 'stopped'): void {
    const recording = this.bySid.get(recordingSid);
    if (!recording || !call || recording.callSid !== call.sid) throw new CallGone(call?.sid ?? recordingSid, `no recording ${recordingSid} of this call`, true);
    if (recording.state === 'stopped' || call.ended) throw new CallGone(call.sid, `recording ${recordingSid} is over`, false);
    const now = this.sim.now().getTime();
    if (status === 'stopped') {
      this.stop(call, recording);
    } else if (status === 'paused' && recording.state === 'in-progress') {
      recording.state = 'paused';
      recording.pausedSince = now;
      call.record({ type: 'recording', state: 'paused', sid: recording.sid });
    } else if (status === 'in-progress' && recording.state === 'paused') {
      recording.pausedMs += now - (recording.pausedSince ?? now);
      recording.state = 'in-progress';
      recording.pausedSince = undefined;
      call.record({ type: 'recording', state: 'resumed', sid: recording.sid });
    }
  }

  get(recordingSid: string): SimulatedRecording | undefined {
    return this.bySid.get(recordingSid);
  }

  /** The recordings of a call, in the order they started. */
  ofCall(callSid: string): SimulatedRecording[] {
    return [...this.bySid.values()].filter((r) => r.callSid === callSid);
  }

  /** Forget a recording; one already forgotten is as good as deleted. */
  delete(recordingSid: string): void {
    this.bySid.delete(recordingSid);
  }

  /** A finished recording's audio; RecordingMissing while it is still recording, or when there is none. */
  audio(recordingSid: string): RecordingAudio {
    const recording = this.bySid.get(recordingSid);
    if (!recording || recording.durationSeconds === undefined || recording.durationSeconds === 0) throw new RecordingMissing(recordingSid);
    return wav(recording.durationSeconds, recording.channels === 'dual' ? 2 : 1);
  }

  private stop(call: SimulatedCall, recording: SimulatedRecording): void {
    if (recording.durationSeconds !== undefined) return;
    const now = this.sim.now().getTime();
    const paused = recording.pausedMs + (recording.pausedSince !== undefined ? now - recording.pausedSince : 0);
    recording.durationSeconds = Math.max(0, Math.round((now - recording.startedAt - paused) / 1000));
    recording.state = 'stopped';
    recording.pausedSince = undefined;
    call.record({ type: 'recording', state: 'stopped', sid: recording.sid });
    // Nothing recorded (stopped at once, or paused throughout): Twilio keeps no file and says `absent`.
    this.tell(recording, recording.durationSeconds > 0 ? 'completed' : 'absent');
  }

  private tell(recording: SimulatedRecording, status: 'in-progress' | 'completed' | 'absent'): void {
    if (!recording.statusCallback) return;
    const over = status !== 'in-progress';
    const params: Record<string, string> = {
      AccountSid: this.sim.accountSid,
      CallSid: recording.callSid,
      RecordingSid: recording.sid,
      RecordingStatus: status,
      RecordingChannels: String(recording.channels === 'dual' ? 2 : 1),
      RecordingSource: 'StartCallRecordingAPI',
      RecordingStartTime: new Date(recording.startedAt).toUTCString(),
      ErrorCode: '0',
      ...(over ? { RecordingDuration: String(recording.durationSeconds ?? 0) } : {}),
      ...(status === 'completed' ? { RecordingUrl: recordingUrl(this.sim.accountSid, recording.sid) } : {}),
    };
    recording.delivered = recording.delivered.then(() => this.sim.notify(recording.statusCallback, params));
  }
}

/** Where Twilio keeps a recording (its media: + `.wav` or `.mp3`, with the account's credentials). */
export function recordingUrl(accountSid: string, recordingSid: string): string {
  return `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`;
}

/** Telephone audio: 8 kHz, 16-bit signed little-endian PCM. */
export const SAMPLE_RATE = 8000;
const BYTES_PER_SAMPLE = 2;
/** 425 Hz (the mainland's dial-tone pitch) fits a second exactly 25 times, so one second repeats seamlessly. */
const TONE_HZ = 425;
/** Quiet: about −30 dBFS. */
const TONE_AMPLITUDE = 1000;

/** A WAV file of `seconds` of a quiet tone, made one second at a time as it is read. */
export function wav(seconds: number, channels: 1 | 2): RecordingAudio {
  const second = oneSecond(channels);
  const dataBytes = second.length * seconds;
  const header = wavHeader(dataBytes, channels);
  let sent = -1;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === -1) controller.enqueue(new Uint8Array(header));
      else controller.enqueue(new Uint8Array(second));
      sent += 1;
      if (sent >= seconds) controller.close();
    },
  });
  return { contentType: 'audio/x-wav', length: header.length + dataBytes, body };
}

export function wavHeader(dataBytes: number, channels: 1 | 2): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // PCM's fmt chunk
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * channels * BYTES_PER_SAMPLE, 28);
  header.writeUInt16LE(channels * BYTES_PER_SAMPLE, 32);
  header.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

const seconds = new Map<number, Buffer>();

/** One second of the tone: on the caller's channel (the first) only, when there are two, as in a dual recording. */
function oneSecond(channels: 1 | 2): Buffer {
  let buffer = seconds.get(channels);
  if (buffer) return buffer;
  buffer = Buffer.alloc(SAMPLE_RATE * channels * BYTES_PER_SAMPLE);
  for (let i = 0; i < SAMPLE_RATE; i++) {
    const sample = Math.round(TONE_AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ * i) / SAMPLE_RATE));
    buffer.writeInt16LE(sample, i * channels * BYTES_PER_SAMPLE);
  }
  seconds.set(channels, buffer);
  return buffer;
}
