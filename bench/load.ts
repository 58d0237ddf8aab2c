/**
 * The capacity bench's load generator, in a process of its own (forked by bench/capacity.ts, told what to do
 * over IPC) so the server's CPU and the load's are measured apart. Plays the carrier: every request a signed
 * Twilio webhook, as Twilio would send it.
 *
 * Jobs:
 * - `http`: autocannon against one webhook for `warmup` then `seconds` (the measured run); `voice` is a new
 *   call each request (a fresh CallSid), `ivr` a key press that is the valid next step of one of a pool of
 *   calls made beforehand (each in the tickets menu: `1` hears the refund fees, `*` goes back, and again);
 *   `floor` is `voice` against a floor server (bench/floor.ts).
 * - `agents`: connect agents' Socket.IO clients to /agents with the tokens given, and keep them.
 * - `callers`: walk new calls into the general queue (welcome 1, main menu 0), with no agent available.
 */
import { randomBytes } from 'node:crypto';
import autocannon, { type Request } from 'autocannon';
import { io as connect, type Socket } from 'socket.io-client';
import twilio from 'twilio';
import { SIMULATOR_ACCOUNT_SID } from '../src/config.ts';

export type HttpJob = {
  kind: 'http';
  scenario: 'voice' | 'ivr' | 'floor';
  /** Where the server listens, and the PUBLIC_URL it checks signatures against. */
  url: string;
  publicUrl: string;
  authToken: string;
  connections: number;
  warmup: number;
  seconds: number;
};
export type AgentsJob = { kind: 'agents'; url: string; tokens: string[] };
export type CallersJob = { kind: 'callers'; url: string; publicUrl: string; authToken: string; callers: number; concurrency: number };
export type Job = HttpJob | AgentsJob | CallersJob | { kind: 'exit' };

export type HttpResult = {
  /** Good answers (2xx with the TwiML expected) per second of the measured run. */
  rps: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  /** Non-2xx, connection errors, timeouts, and 2xx whose TwiML was not the one expected (an apology). */
  bad: number;
  badExample?: string;
  seconds: number;
  /** This load process's CPU over the measured run. */
  loadCpuMs: number;
};
export type Reply =
  | { type: 'measuring' }
  | { type: 'http'; result: HttpResult }
  | { type: 'agents'; connected: number; failed: number; failure?: string; seconds: number }
  | { type: 'callers'; queued: number; failed: number; failure?: string; seconds: number; loadCpuMs: number }
  | { type: 'progress'; text: string }
  | { type: 'error'; message: string };

const send = (reply: Reply) => process.send!(reply);

/** The hotline's apology when it fails inside, in the three languages (it still answers 200 TwiML). */
const APOLOGY = /technical problem|技术故障|技術問題/;
const gatherSeq = (twiml: string) => /<Gather\b[^>]*\baction="[^"]*[?&](?:amp;)?seq=(\d+)/.exec(twiml)?.[1];

type Call = { sid: string; from: string; seq: number; at: 'menu' | 'info' };

function newCall(): Call {
  return { sid: `CA${randomBytes(16).toString('hex')}`, from: `+86138${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`, seq: 0, at: 'menu' };
}

/** What Twilio posts: the call's parameters (as for an incoming call to the hotline) plus the step's own. */
function params(call: Call, extra: Record<string, string> = {}): Record<string, string> {
  const to = '+864008000123';
  return {
    AccountSid: SIMULATOR_ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    CallSid: call.sid,
    CallStatus: extra['Digits'] === undefined ? 'ringing' : 'in-progress',
    Called: to,
    Caller: call.from,
    Direction: 'inbound',
    From: call.from,
    FromCountry: 'CN',
    To: to,
    ToCountry: 'CN',
    ...extra,
  };
}

/** A signed form request for autocannon or fetch: Twilio signs the full URL it requests plus the POST parameters. */
function signed(publicUrl: string, authToken: string, path: string, form: Record<string, string>) {
  return {
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, `${publicUrl}${path}`, form),
    },
    body: new URLSearchParams(form).toString(),
  };
}

async function post(job: { url: string; publicUrl: string; authToken: string }, path: string, form: Record<string, string>): Promise<string> {
  const r = signed(job.publicUrl, job.authToken, path, form);
  const res = await fetch(`${job.url}${path}`, { method: 'POST', headers: r.headers, body: r.body });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}: ${body.slice(0, 200)}`);
  if (APOLOGY.test(body)) throw new Error(`${path}: the hotline apologised: ${body.slice(0, 300)}`);
  return body;
}

/** A call answered and walked to the tickets menu (English, tickets), ready for the key-press run. */
async function callInTicketsMenu(job: HttpJob): Promise<Call> {
  const call = newCall();
  let twiml = await post(job, '/twilio/voice', params(call));
  for (const key of ['2', '1']) {
    const seq = gatherSeq(twiml);
    if (!seq) throw new Error(`no <Gather> to press ${key} into: ${twiml.slice(0, 300)}`);
    twiml = await post(job, `/twilio/ivr?seq=${seq}`, params(call, { Digits: key }));
  }
  call.seq = Number(gatherSeq(twiml));
  if (!call.seq) throw new Error(`no <Gather> in the tickets menu: ${twiml.slice(0, 300)}`);
  return call;
}

async function runHttp(job: HttpJob): Promise<HttpResult> {
  let counting = false;
  let bad = 0;
  let badExample: string | undefined;
  const wrong = (why: string) => {
    if (!counting) return;
    bad++;
    badExample ??= why;
  };

  let request: Request;
  if (job.scenario === 'ivr') {
    // Calls wait here between presses; a connection takes one, presses its next key, puts it back. Four per
    // connection: at most one per connection is in flight, unless a connection is dropped mid-request.
    const pool: Call[] = [];
    const size = job.connections * 4;
    for (let i = 0; i < size; i += 16) pool.push(...(await Promise.all(Array.from({ length: Math.min(16, size - i) }, () => callInTicketsMenu(job)))));
    // Calls taken, oldest first, with the lease each was taken under. autocannon reconnects a dropped
    // connection without the answer, so a call can be left out: when the pool is empty, the call taken
    // longest ago is pressed again at the same step (to the hotline a carrier's retry, answered from its
    // stored reply) and the first answer to come back under the current lease moves it on.
    const taken = new Map<Call, number>();
    let leases = 0;
    request = {
      setupRequest: (req, context) => {
        const call = pool.shift() ?? taken.keys().next().value;
        if (!call) throw new Error('no call to press a key for');
        const lease = ++leases;
        taken.delete(call);
        taken.set(call, lease);
        context['call'] = call;
        context['lease'] = lease;
        const key = call.at === 'menu' ? '1' : '*';
        return { ...req, ...signed(job.publicUrl, job.authToken, `/twilio/ivr?seq=${call.seq}`, params(call, { Digits: key })) };
      },
      onResponse: (status, body, context) => {
        const call = context['call'] as Call;
        if (taken.get(call) !== context['lease']) return; // taken again since: that request moves it on
        taken.delete(call);
        const seq = gatherSeq(body);
        if (status !== 200 || !seq || APOLOGY.test(body)) {
          // Out of step now: replaced by a fresh call, so the run goes on with valid presses only.
          wrong(`HTTP ${status}: ${body.slice(0, 200)}`);
          void callInTicketsMenu(job).then((fresh) => pool.push(fresh), (err: Error) => wrong(err.message));
          return;
        }
        call.seq = Number(seq);
        call.at = call.at === 'menu' ? 'info' : 'menu';
        pool.push(call);
      },
    };
  } else {
    request = {
      setupRequest: (req) => ({ ...req, ...signed(job.publicUrl, job.authToken, '/twilio/voice', params(newCall())) }),
      onResponse: (status, body) => {
        if (status !== 200 || !body.includes('<Gather') || APOLOGY.test(body)) wrong(`HTTP ${status}: ${body.slice(0, 200)}`);
      },
    };
  }

  const run = (seconds: number) => autocannon({ url: job.url, connections: job.connections, duration: seconds, requests: [request], timeout: 10 });
  if (job.warmup > 0) await run(job.warmup);
  counting = true;
  send({ type: 'measuring' });
  const cpu = process.cpuUsage();
  const r = await run(job.seconds);
  const used = process.cpuUsage(cpu);
  const good = Math.max(0, r['2xx'] - bad);
  return {
    rps: good / r.duration,
    meanMs: r.latency.mean,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    requests: r.requests.total,
    bad: bad + r.non2xx + r.errors + r.timeouts,
    ...(badExample ? { badExample } : r.errors + r.timeouts ? { badExample: `${r.errors} connection errors, ${r.timeouts} timeouts` } : {}),
    seconds: r.duration,
    loadCpuMs: (used.user + used.system) / 1000,
  };
}

const sockets: Socket[] = [];

/** Agents' softphones on /agents, a hundred connecting at a time; connected once the hotline sent their presence. */
async function runAgents(job: AgentsJob): Promise<Reply> {
  const started = performance.now();
  let connected = 0;
  let failed = 0;
  let failure: string | undefined;
  for (let i = 0; i < job.tokens.length; i += 100) {
    await Promise.all(
      job.tokens.slice(i, i + 100).map(
        (token) =>
          new Promise<void>((done) => {
            const socket = connect(`${job.url}/agents`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
            sockets.push(socket);
            const timer = setTimeout(() => fail('no presence within 30 s'), 30_000);
            function fail(why: string) {
              clearTimeout(timer);
              failed++;
              failure ??= why;
              done();
            }
            socket.once('presence', () => {
              clearTimeout(timer);
              connected++;
              done();
            });
            socket.once('connect_error', (err) => fail(err.message));
          }),
      ),
    );
    if ((i / 100) % 5 === 4) send({ type: 'progress', text: `${connected} agents connected` });
  }
  return { type: 'agents', connected, failed, ...(failure ? { failure } : {}), seconds: (performance.now() - started) / 1000 };
}

/** New calls into the general queue: welcome `1` (Mandarin), main menu `0` (an agent); the reply must hold <Enqueue>. */
async function runCallers(job: CallersJob): Promise<Reply> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  let queued = 0;
  let failed = 0;
  let failure: string | undefined;
  const walk = async () => {
    const call = newCall();
    let twiml = await post(job, '/twilio/voice', params(call));
    for (const key of ['1', '0']) {
      const seq = gatherSeq(twiml);
      if (!seq) throw new Error(`no <Gather> to press ${key} into: ${twiml.slice(0, 200)}`);
      twiml = await post(job, `/twilio/ivr?seq=${seq}`, params(call, { Digits: key }));
    }
    if (!twiml.includes('<Enqueue')) throw new Error(`not queued: ${twiml.slice(0, 200)}`);
  };
  const walker = async () => {
    while (next < job.callers) {
      const n = next++;
      await walk().then(
        () => queued++,
        (err: Error) => {
          failed++;
          failure ??= err.message;
        },
      );
      if (n % 2000 === 1999) send({ type: 'progress', text: `${queued} callers waiting (${((performance.now() - started) / 1000).toFixed(0)} s)` });
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, walker));
  const used = process.cpuUsage(cpu);
  return { type: 'callers', queued, failed, ...(failure ? { failure } : {}), seconds: (performance.now() - started) / 1000, loadCpuMs: (used.user + used.system) / 1000 };
}

process.on('message', (job: Job) => {
  const work = async (): Promise<Reply | undefined> => {
    if (job.kind === 'http') return { type: 'http', result: await runHttp(job) };
    if (job.kind === 'agents') return runAgents(job);
    if (job.kind === 'callers') return runCallers(job);
    for (const socket of sockets) socket.disconnect();
    process.disconnect();
    return undefined;
  };
  work().then(
    (reply) => reply && send(reply),
    (err: Error) => send({ type: 'error', message: err.stack ?? err.message }),
  );
});
