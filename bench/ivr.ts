/**
 * Latency of the hotline's Twilio voice webhooks over real HTTP. Simulated callers walk the real flows in
 * ./ivr-flows (answer, a few key presses, hang up), many at once, against a fresh database: embedded PGlite
 * always, and PostgreSQL when DATABASE_URL is set or a local test server answers at LOCAL_POSTGRES.
 *
 *   npm run bench -- --journeys 300 --concurrency 20 --warmup 50
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import postgres from 'postgres';
import twilio from 'twilio';
import { loadConfig } from '../src/config.ts';
import { loadRules } from '../src/rules.ts';
import { openDatabase, type Database } from '../src/database.ts';
import type { Hotline } from '../src/hotline.ts';
import { speak } from '../src/ivr/engine.ts';
import { newBus } from '../src/acd/bus.ts';
import { createApp } from '../src/server.ts';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
const FLOWS_DIR = fileURLToPath(new URL('../ivr-flows', import.meta.url));
/** 10:00 in Asia/Shanghai: agents work 06:00–23:00, so routes to an agent reach a queue, not `closed`. */
const OPEN = new Date('2026-11-25T02:00:00Z');

/** Keys pressed after the welcome, and the verb the last reply must hold: a queue, or an answer that waits for 9/*\/0. */
const PATHS: Array<{ keys: string[]; ends: 'Enqueue' | 'Gather' }> = [
  { keys: ['2', '2', '0'], ends: 'Enqueue' }, // English, luggage, agent → luggage queue
  { keys: ['1', '1', '1'], ends: 'Gather' }, // Mandarin, tickets, refund fees
  { keys: ['3', '4', '1234'], ends: 'Enqueue' }, // Cantonese, complaint about train 1234 → complaints queue
  { keys: ['2', '3', '1234', '0305'], ends: 'Enqueue' }, // English, lost and found: train, date → its queue
  { keys: ['1', '5', '1'], ends: 'Gather' }, // Mandarin, boarding, boarding process
];

type Webhook = 'voice' | 'ivr' | 'status' | 'journey';
type Run = {
  base: string;
  authToken: string;
  accountSid: string;
  /** What the hotline says when a webhook failed inside: it still answers 200 TwiML, so the text tells. */
  apology: string | undefined;
  ms: Record<Webhook, number[]>;
  failures: string[];
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { journeys: { type: 'string', default: '300' }, concurrency: { type: 'string', default: '20' }, warmup: { type: 'string', default: '50' } },
  });
  const count = (name: keyof typeof values, min: number) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got ${values[name]}`);
    return n;
  };
  const [journeys, concurrency, warmup] = [count('journeys', 1), count('concurrency', 1), count('warmup', 0)];

  const targets: Array<string | undefined> = [undefined];
  const url = await postgresUrl();
  if (url) targets.push(url);
  else console.error(`(no DATABASE_URL and nothing answers at ${LOCAL_POSTGRES}: PGlite only)`);

  const rows: string[][] = [];
  let failed = 0;
  for (const target of targets) {
    const run = await benchmark(target, journeys, concurrency, warmup);
    rows.push(...run.rows);
    failed += run.failures.length;
    for (const f of run.failures.slice(0, 5)) console.error(`${run.rows[0]![0]}: ${f}`);
  }
  console.log(`${journeys} journeys, ${concurrency} at a time, after ${warmup} warm-up journeys; times in ms`);
  printTable([['database', 'webhook', 'count', 'p50', 'p99', 'max', 'calls/s'], ...rows]);
  if (failed > 0) {
    console.error(`${failed} failed requests or journeys`);
    process.exitCode = 1;
  }
}

/** Only an explicit DATABASE_URL or a server that answers: a bench run must not wait on an absent one. */
async function postgresUrl(): Promise<string | undefined> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const probe = postgres(LOCAL_POSTGRES, { max: 1, connect_timeout: 2, onnotice: () => {} });
  const answers = await probe`select 1`.then(() => true, () => false);
  await probe.end({ timeout: 1 });
  return answers ? LOCAL_POSTGRES : undefined;
}

/** One database: a fresh hotline on it, warm-up, the measured journeys, then everything torn down. */
async function benchmark(url: string | undefined, journeys: number, concurrency: number, warmup: number) {
  // A schema of its own on a server, so the bench never touches other rows and can drop all it wrote.
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const database: Database = url ? await openDatabase({ url, schema }) : await openDatabase({ dataDir: null });
  // Listen first so PUBLIC_URL is the real address: signatures and the TwiML's Gather actions then match
  // exactly what the client requests, as they do for Twilio.
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  try {
    const config = loadConfig({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'silent', IVR_FLOWS_DIR: FLOWS_DIR });
    const unused = () => Promise.reject(new Error('the carrier is not used by these webhooks'));
    const rules = loadRules(config);
    const hotline: Hotline = {
      config,
      database,
      ...rules,
      bus: newBus(),
      carrier: { kind: 'simulator', redirect: unused, hangup: unused, callState: unused, placeCall: unused, addParticipant: unused, updateParticipant: unused, startRecording: unused, updateRecording: unused, deleteRecording: unused, fetchRecording: unused },
      log: pino({ level: 'silent' }),
      processId: 'bench',
      now: () => OPEN,
    };
    server.on('request', createApp(hotline));

    const run: Run = {
      base: config.publicUrl,
      authToken: config.twilio.authToken,
      accountSid: config.twilio.accountSid,
      apology: apologyOf(rules.flows.get('hotline')!),
      ms: { voice: [], ivr: [], status: [], journey: [] },
      failures: [],
    };
    await runJourneys(run, warmup, concurrency); // JIT, connection pools, query plans
    for (const list of Object.values(run.ms)) list.length = 0;
    const started = performance.now();
    await runJourneys(run, journeys, concurrency);
    const callsPerSecond = journeys / ((performance.now() - started) / 1000);

    const rows = (Object.keys(run.ms) as Webhook[]).map((webhook) => {
      const sorted = run.ms[webhook].sort((a, b) => a - b);
      const at = (p: number) => (sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN).toFixed(1);
      const rate = webhook === 'journey' ? callsPerSecond.toFixed(1) : '';
      return [database.kind, webhook, String(sorted.length), at(50), at(99), at(100), rate];
    });
    return { rows, failures: run.failures };
  } finally {
    server.closeAllConnections(); // keep-alive sockets would hold the server open
    await new Promise((done) => server.close(done));
    if (url) await database.db.execute(sql.raw(`DROP SCHEMA "${schema}" CASCADE`));
    await database.close();
  }
}

/** `count` journeys, at most `concurrency` in flight, as a busy hour's callers overlap. */
async function runJourneys(run: Run, count: number, concurrency: number): Promise<void> {
  let next = 0;
  const caller = async () => {
    while (next < count) await journey(run, next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, caller));
}

/** A call: answered, keys pressed into whatever the last reply's <Gather> asks for, then hung up. */
async function journey(run: Run, n: number): Promise<void> {
  const { keys, ends } = PATHS[n % PATHS.length]!;
  const sid = `CA${randomBytes(16).toString('hex')}`;
  const call = { CallSid: sid, AccountSid: run.accountSid, From: '+8613800138000', To: '+864001234567', CallStatus: 'in-progress', Direction: 'inbound', ApiVersion: '2010-04-01' };
  const started = performance.now();
  let twiml = await post(run, 'voice', `${run.base}/twilio/voice`, call);
  for (const key of keys) {
    // The next step number is whatever the hotline put in the action URL; a retry would reuse it.
    const action = twiml && /<Gather\b[^>]*\baction="([^"]+)"/.exec(twiml)?.[1]?.replaceAll('&amp;', '&');
    if (!action) {
      if (twiml) run.failures.push(`${sid}: no <Gather> to press ${key} into: ${twiml}`);
      twiml = undefined;
      break;
    }
    twiml = await post(run, 'ivr', action, { ...call, Digits: key });
  }
  if (twiml && !twiml.includes(`<${ends}`)) run.failures.push(`${sid} pressed ${keys.join(',')}, expected <${ends}> last: ${twiml}`);
  await post(run, 'status', `${run.base}/twilio/status`, { ...call, CallStatus: 'completed', CallDuration: '42' });
  run.ms.journey.push(performance.now() - started);
}

/** A signed form POST, timed from send to the last byte; the TwiML, or undefined when it failed. */
async function post(run: Run, webhook: Webhook, url: string, params: Record<string, string>): Promise<string | undefined> {
  // Twilio signs the full URL it requests plus the POST parameters; signing is the carrier's cost, not timed.
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': twilio.getExpectedTwilioSignature(run.authToken, url, params),
  };
  const started = performance.now();
  try {
    const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params) });
    const body = await res.text();
    run.ms[webhook].push(performance.now() - started);
    // The status callback answers 204 with no body; the others answer TwiML.
    const ok = webhook === 'status' ? res.status === 204 : res.status === 200 && /^text\/xml\b/.test(res.headers.get('content-type') ?? '');
    if (!ok) run.failures.push(`${webhook} ${url}: ${res.status} ${res.headers.get('content-type')}: ${body.slice(0, 200)}`);
    else if (run.apology && body.includes(run.apology)) run.failures.push(`${webhook} ${url}: the hotline failed inside and apologised`);
    else return body;
  } catch (err) {
    run.failures.push(`${webhook} ${url}: ${(err as Error).message}`);
  }
  return undefined;
}

/** The first English sentence of the flow's "technical problem" apology (plain ASCII, so TwiML does not escape it). */
function apologyOf(flow: Parameters<typeof speak>[0]): string | undefined {
  return speak(flow, flow.messages.unavailable, { language: 'en-US', answers: {} }).flatMap((u) => ('say' in u ? [u.say] : []))[0];
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  // Text left, numbers right, as numbers are read.
  for (const r of rows) console.log(r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
}

await main();
