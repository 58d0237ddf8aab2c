/**
 * Twilio's REST API as the hotline uses it (src/telephony/carrier/twilio.ts: fetch and update a call, place
 * one, dial a participant into a conference and hold, mute or coach one; record a call, pause, resume and
 * stop its recording, fetch a recording's audio and delete it), played by a carrier simulator in the bench's process. The hotline runs as `npm start` runs it with
 * CARRIER=twilio and TWILIO_API_URL pointing here, so it moves its calls exactly as it moves Twilio's, through
 * the `twilio` client, while the simulator places the callers and signs every webhook as Twilio does. The
 * answers have the shapes of test/support/twilio-rest.ts (Twilio's own, as far as the client reads them).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { CallGone, RecordingMissing, type RecordingAudio, type RecordingChannels } from '../../src/telephony/carrier/carrier.ts';
import { Simulator } from '../../src/telephony/carrier/simulator/simulator.ts';
import { OPEN } from './flows.ts';
import { PUBLIC_URL } from './hotline.ts';
import { emptied, runningHotline } from './running.ts';

export type TwilioStandIn = {
  url: string;
  /** Requests answered, by what they asked for (create, fetch, redirect, hangup, refused …). */
  readonly counts: Map<string, number>;
  /** The simulator that carries the calls out; until then every request is answered 503. */
  attach(sim: Simulator): void;
  /**
   * Requests of these kinds (as counted: `redirect`, `participant`, `participant update` …) are answered as
   * Twilio answers when it is in trouble (500, code 20500), until taken out again: a carrier that fails.
   */
  readonly failing: Set<string>;
  close(): Promise<void>;
};

const CALLS = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Calls(?:\/([A-Za-z0-9]+))?\.json$/;
const CALL_RECORDINGS = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Calls\/([A-Za-z0-9]+)\/Recordings(?:\/([A-Za-z0-9]+))?\.json$/;
const RECORDING = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Recordings\/([A-Za-z0-9]+)\.(json|wav)$/;
const PARTICIPANTS = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Conferences\/([^/]+)\/Participants(?:\/([A-Za-z0-9]+))?\.json$/;

/** A Twilio error: the client turns `code` and `message` into its RestException, as the carrier reads it. */
class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export async function twilioStandIn(account: { accountSid: string; authToken: string }): Promise<TwilioStandIn> {
  let sim: Simulator | undefined;
  const counts = new Map<string, number>();
  const failing = new Set<string>();
  const count = (what: string) => {
    counts.set(what, (counts.get(what) ?? 0) + 1);
    if (failing.has(what)) throw new TwilioError(500, 20500, `the stand-in fails ${what} requests, as asked`);
  };
  const authorization = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`;

  const answer = async (req: IncomingMessage): Promise<Answer> => {
    const path = new URL(req.url ?? '/', 'http://twilio.invalid').pathname;
    const ofCall = CALL_RECORDINGS.exec(path);
    if (ofCall) return callRecordings(req, ofCall);
    const recording = RECORDING.exec(path);
    if (recording) return recordings(req, recording);
    const inRoom = PARTICIPANTS.exec(path);
    if (inRoom) return participants(req, path, inRoom);
    const match = CALLS.exec(path);
    if (!match) throw new TwilioError(404, 20404, `The requested resource ${path} was not found`);
    if (req.headers.authorization !== authorization || match[1] !== account.accountSid) throw new TwilioError(401, 20003, 'Authenticate');
    if (!sim) throw new TwilioError(503, 20503, 'the stand-in has no simulator yet');
    const sid = match[2];
    const params = new URLSearchParams(req.method === 'POST' ? await text(req) : '');
    const call = (status: string) => ({ sid, account_sid: account.accountSid, status });

    if (!sid && req.method === 'POST') {
      count('create');
      const machineDetection = params.get('MachineDetection');
      const placed = await sim.placeCall({
        to: params.get('To') ?? '',
        from: params.get('From') ?? '',
        url: params.get('Url') ?? '',
        statusCallback: params.get('StatusCallback') ?? '',
        timeoutSeconds: Number(params.get('Timeout') ?? 60),
        machineDetection: machineDetection === 'DetectMessageEnd' ? 'DetectMessageEnd' : 'Enable',
      });
      return { status: 201, body: { sid: placed.sid, account_sid: account.accountSid, status: 'queued', to: params.get('To'), from: params.get('From'), direction: 'outbound-api' } };
    }
    if (!sid) throw new TwilioError(405, 20004, 'Method not allowed');
    if (req.method === 'GET') {
      count('fetch');
      const state = await sim.callState(sid);
      if (state === 'unknown') throw new TwilioError(404, 20404, `The requested resource ${path} was not found`);
      return { status: 200, body: call(state === 'live' ? 'in-progress' : 'completed') };
    }
    if (req.method !== 'POST') throw new TwilioError(405, 20004, 'Method not allowed');
    if (params.get('Status') === 'completed') {
      count('hangup');
      await sim.hangup(sid);
      return { status: 200, body: call('completed') };
    }
    const url = params.get('Url');
    if (url && (params.get('Method') ?? 'POST') === 'POST' && !params.has('Status')) {
      count('redirect');
      await sim.redirect(sid, url);
      return { status: 200, body: call('in-progress') };
    }
    // Anything else the hotline might start asking for is said plainly, not carried out wrongly.
    throw new TwilioError(400, 20001, `the stand-in does not do this update: ${params.toString()}`);
  };

  /** A call's recordings: start one (create), or pause, resume and stop it (update). */
  const callRecordings = async (req: IncomingMessage, match: RegExpExecArray): Promise<Answer> => {
    if (req.headers.authorization !== authorization || match[1] !== account.accountSid) throw new TwilioError(401, 20003, 'Authenticate');
    if (!sim) throw new TwilioError(503, 20503, 'the stand-in has no simulator yet');
    if (req.method !== 'POST') throw new TwilioError(405, 20004, 'Method not allowed');
    const callSid = match[2]!;
    const recordingSid = match[3];
    const params = new URLSearchParams(await text(req));
    const resource = (sid: string, status: string, channels: RecordingChannels) => ({
      sid,
      call_sid: callSid,
      account_sid: account.accountSid,
      status,
      channels: channels === 'dual' ? 2 : 1,
      source: 'StartCallRecordingAPI',
    });
    if (!recordingSid) {
      count('recording');
      const channels = params.get('RecordingChannels') === 'dual' ? 'dual' : 'mono';
      const started = await sim.startRecording(callSid, { statusCallback: params.get('RecordingStatusCallback') ?? '', channels });
      return { status: 201, body: resource(started.sid, 'in-progress', channels) };
    }
    count('recording update');
    const status = params.get('Status');
    if (status !== 'paused' && status !== 'in-progress' && status !== 'stopped') throw new TwilioError(400, 20001, `Status must be paused, in-progress or stopped, not ${status}`);
    await sim.updateRecording(callSid, recordingSid, status);
    const kept = sim.recordingsOf(callSid).find((r) => r.sid === recordingSid);
    return { status: 200, body: resource(recordingSid, status, kept?.channels ?? 'mono') };
  };

  /** A recording of the account: its audio (`.wav`), or deleting it. */
  const recordings = async (req: IncomingMessage, match: RegExpExecArray): Promise<Answer> => {
    if (req.headers.authorization !== authorization || match[1] !== account.accountSid) throw new TwilioError(401, 20003, 'Authenticate');
    if (!sim) throw new TwilioError(503, 20503, 'the stand-in has no simulator yet');
    const recordingSid = match[2]!;
    if (req.method === 'DELETE' && match[3] === 'json') {
      count('recording delete');
      // As Twilio: a recording it does not have (deleted already, or never made) is 404.
      if (!sim.recording(recordingSid)) throw new TwilioError(404, 20404, `The requested resource /Recordings/${recordingSid}.json was not found`);
      await sim.deleteRecording(recordingSid);
      return { status: 204 };
    }
    if (req.method === 'GET' && match[3] === 'wav') {
      count('recording fetch');
      return { status: 200, audio: await sim.fetchRecording(recordingSid) };
    }
    throw new TwilioError(405, 20004, 'Method not allowed');
  };

  /** Conference participants: dial one in (create), or hold, mute and coach one (update). */
  const participants = async (req: IncomingMessage, path: string, match: RegExpExecArray): Promise<Answer> => {
    if (req.headers.authorization !== authorization || match[1] !== account.accountSid) throw new TwilioError(401, 20003, 'Authenticate');
    if (!sim) throw new TwilioError(503, 20503, 'the stand-in has no simulator yet');
    if (req.method !== 'POST') throw new TwilioError(405, 20004, 'Method not allowed');
    const conference = decodeURIComponent(match[2]!);
    const callSid = match[3];
    const params = new URLSearchParams(await text(req));
    const flag = (name: string) => (params.has(name) ? params.get(name) === 'true' : undefined);
    const participant = (sid: string) => ({ call_sid: sid, conference_sid: conference, account_sid: account.accountSid, label: params.get('Label'), status: 'queued' });
    if (!callSid) {
      count('participant');
      const coach = params.get('CallSidToCoach');
      const conferenceCallback = params.get('ConferenceStatusCallback');
      const added = await sim.addParticipant(conference, {
        to: params.get('To') ?? '',
        from: params.get('From') ?? '',
        label: params.get('Label') ?? '',
        statusCallback: params.get('StatusCallback') ?? '',
        timeoutSeconds: Number(params.get('Timeout') ?? 60),
        startConferenceOnEnter: flag('StartConferenceOnEnter') ?? true,
        endConferenceOnExit: flag('EndConferenceOnExit') ?? false,
        ...(flag('Muted') ? { muted: true } : {}),
        ...(coach ? { callSidToCoach: coach } : {}),
        ...(conferenceCallback ? { conferenceStatusCallback: conferenceCallback } : {}),
      });
      return { status: 201, body: participant(added.callSid) };
    }
    count('participant update');
    const change = {
      ...(flag('Hold') !== undefined ? { hold: flag('Hold') } : {}),
      ...(params.has('HoldUrl') ? { holdUrl: params.get('HoldUrl')! } : {}),
      ...(flag('Muted') !== undefined ? { muted: flag('Muted') } : {}),
      ...(flag('Coaching') !== undefined ? { coaching: flag('Coaching') } : {}),
      ...(params.has('CallSidToCoach') ? { callSidToCoach: params.get('CallSidToCoach')! } : {}),
      ...(flag('EndConferenceOnExit') !== undefined ? { endConferenceOnExit: flag('EndConferenceOnExit') } : {}),
    };
    await sim.updateParticipant(conference, callSid, change);
    return { status: 200, body: participant(callSid) };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    answer(req).then(
      (answered) => {
        if ('audio' in answered) return sendAudio(res, answered.audio);
        if (!('body' in answered)) return void res.writeHead(answered.status).end();
        reply(res, answered.status, answered.body);
      },
      (err: unknown) => {
        // As Twilio: a call that is over cannot be moved (21220); one it does not have is 404 (20404).
        const e =
          err instanceof RecordingMissing
            ? new TwilioError(404, 20404, `The requested resource /Recordings/${err.recordingSid} was not found`)
            : err instanceof CallGone
            ? err.unknown
              ? new TwilioError(404, 20404, `The requested resource was not found: ${err.why}`)
              : new TwilioError(400, 21220, `Call is not in-progress. Cannot redirect. (${err.why})`)
            : err instanceof TwilioError
              ? err
              : new TwilioError(500, 20500, (err as Error).message);
        const outcome = e.status === 500 ? 'failed' : `refused ${e.code}`;
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
        reply(res, e.status, { code: e.code, message: e.message, more_info: `https://www.twilio.com/docs/errors/${e.code}`, status: e.status });
      },
    );
  });
  // The hotline's client keeps its connections; so does this end.
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    failing,
    attach(s) {
      sim = s;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** JSON, no content (a delete), or a recording's audio. */
type Answer = { status: number; body: unknown } | { status: 204 } | { status: 200; audio: RecordingAudio };

function sendAudio(res: ServerResponse, audio: RecordingAudio): void {
  res.writeHead(200, { 'content-type': audio.contentType, ...(audio.length !== undefined ? { 'content-length': audio.length } : {}) });
  const body = Buffer.isBuffer(audio.body) ? Readable.from([audio.body]) : Readable.fromWeb(audio.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('error', () => res.destroy());
  body.pipe(res);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** The account a spec's hotline uses on the stand-in (not Twilio's: nothing leaves the machine). */
export const STAND_IN_ACCOUNT = {
  TWILIO_ACCOUNT_SID: `AC${'7c'.repeat(16)}`,
  TWILIO_AUTH_TOKEN: 'stand-in-spec-auth-token',
  TWILIO_CALLER_ID: '+864008000123',
};

/**
 * One hotline for a spec file running as on Twilio (CARRIER=twilio, its REST calls through the `twilio`
 * client to the stand-in), with a fresh carrier simulator, an empty floor and the clock at OPEN before each
 * spec; the stand-in's failures and counts are cleared then too.
 */
export function hotlineOnTwilioPerFile(options: { env?: Record<string, string> } = {}) {
  let standIn: TwilioStandIn;
  let running: Awaited<ReturnType<typeof runningHotline>>;
  let sim: Simulator | undefined;
  beforeAll(async () => {
    standIn = await twilioStandIn({ accountSid: STAND_IN_ACCOUNT.TWILIO_ACCOUNT_SID, authToken: STAND_IN_ACCOUNT.TWILIO_AUTH_TOKEN });
    running = await runningHotline({ env: { CARRIER: 'twilio', ...STAND_IN_ACCOUNT, TWILIO_API_URL: standIn.url, ...options.env } });
  });
  afterAll(async () => {
    await sim?.close();
    await running.close();
    await standIn.close();
  });
  beforeEach(async () => {
    await sim?.close();
    await emptied(running.database);
    running.clock.now = OPEN;
    sim = new Simulator({
      publicUrl: PUBLIC_URL,
      accountSid: STAND_IN_ACCOUNT.TWILIO_ACCOUNT_SID,
      authToken: STAND_IN_ACCOUNT.TWILIO_AUTH_TOKEN,
      timeScale: 0,
      logger: pino({ level: 'silent' }),
      now: () => running.clock.now,
    });
    sim.setTargetUrl(running.url);
    standIn.attach(sim);
    standIn.failing.clear();
    standIn.counts.clear();
  });
  return { running: () => running, sim: () => sim!, standIn: () => standIn };
}
