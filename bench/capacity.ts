/**
 * `npm run bench`: the hotline's capacity in one table, as a buyer would read it. Every server is a child
 * process started as a user starts it; the load generator (autocannon, bench/load.ts) is another process,
 * and both processes' CPU is reported beside each figure.
 *
 *   floors    node:http answering a constant TwiML document; the same with one postgres.js INSERT per request
 *   webhooks  POST /twilio/voice (new calls) and /twilio/ivr (key presses), on PostgreSQL and on PGlite
 *   workers   the same webhooks with `--workers 2`
 *   memory    the server's RSS with 2,000 agents connected and 10,000 callers waiting
 *   e2e       bench/acd.ts at fixed rates, 2,000 agents on the floor: the hotline a child process as above, the
 *             callers, agents and simulated carrier in bench/acd.ts's process (PostgreSQL only)
 *   history   bench/history.ts's figures
 *   footprint the idle server's RSS and time to healthy (bench/footprint.ts): PGlite fresh and existing data,
 *             PGlite with 10,000 calls of history, PostgreSQL
 *
 *   npm run bench -- --only floors,webhooks --seconds 5
 *
 * PostgreSQL: DATABASE_URL, else the local test server (bench/support.ts); each server gets a database of its
 * own, dropped afterwards. Without one, what can run on PGlite runs there and the table says so.
 * Writes the table as JSON to test-artifacts/capacity.json, and each server's log to test-artifacts/capacity-logs/.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SIMULATOR_AUTH_TOKEN } from '../src/config.ts';
import { openDatabase, POOL_SIZE } from '../src/database.ts';
import { buildServer, startCommand } from '../src/build.ts';
import { loggedProblems, ROOT, startChild, StartError, type Child } from './children.ts';
import type { HttpJob, HttpResult, Job, Reply } from './load.ts';
import { footprintBench, type FootprintRun } from './footprint.ts';
import { historyBench, type HistoryRow } from './history.ts';
import { cpuMeter, processTree, residentMemory } from './proc.ts';
import { freshPostgresDatabase, loggedInAgents, openTimeZone, postgresUrl } from './support.ts';

const SECTIONS = ['floors', 'webhooks', 'workers', 'memory', 'e2e', 'history', 'footprint'] as const;
type Section = (typeof SECTIONS)[number];

/** The issue's targets. */
const TARGET = { floorRatio: 0.5, rssMb: 300, callsPerSecond: 200, offerP99Ms: 50, screenPopP99Ms: 100, idleRssMb: 250 };

const USAGE = `npm run bench -- [options]     (tsx bench/capacity.ts [options])
  --only LIST        sections to run, of ${SECTIONS.join(',')} (default: all)
  --seconds S        measured seconds of each webhook run and of each end-to-end rate (default 10)
  --warmup S         seconds of load before each measured webhook run (default 2)
  --connections N    the load generator's connections (default 32)
  --callers N        callers waiting in the memory row (default 10000)
  --walkers N        callers walked into the queue at once there (default 64)
  --agents N         agents connected in the memory row, and on the floor in the end-to-end rows (default 2000)
  --rates LIST       end-to-end arrival rates, calls/s (default 10,15,25,50,200; stops after one not drained)
  --log-level L      the servers' LOG_LEVEL (default info, as npm start)
  --profile          each server process writes a CPU profile (node --cpu-prof) to
                     test-artifacts/capacity-profiles/<server>/, for Chrome DevTools' Performance panel`;

type Options = {
  only: Set<Section>;
  seconds: number;
  warmup: number;
  connections: number;
  callers: number;
  walkers: number;
  agents: number;
  rates: number[];
  logLevel: string;
  profile: boolean;
};

/** One line of the table; `data` holds the figures as numbers for the JSON. */
type Row = {
  section: Section;
  measurement: string;
  database: string;
  processes: string;
  result: string;
  mean: string;
  p99: string;
  target: string;
  serverCpu: string;
  loadCpu: string;
  notes: string;
  data?: Record<string, unknown>;
};

class UsageError extends Error {}

function options(): Options {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', default: SECTIONS.join(',') },
      seconds: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '32' },
      callers: { type: 'string', default: '10000' },
      walkers: { type: 'string', default: '64' },
      agents: { type: 'string', default: '2000' },
      rates: { type: 'string', default: '10,15,25,50,200' },
      'log-level': { type: 'string', default: 'info' },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number >= ${min}, got ${text}`);
    return n;
  };
  const only = values.only.split(',').map((s) => s.trim());
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length) throw new UsageError(`--only takes ${SECTIONS.join(', ')}; not ${unknown.join(', ')}`);
  return {
    only: new Set(only as Section[]),
    seconds: number('seconds', values.seconds, 1),
    warmup: number('warmup', values.warmup, 0),
    connections: Math.round(number('connections', values.connections, 1)),
    callers: Math.round(number('callers', values.callers, 1)),
    walkers: Math.round(number('walkers', values.walkers, 1)),
    agents: Math.round(number('agents', values.agents, 0)),
    rates: values.rates.split(',').map((r) => number('rates', r, 1)),
    logLevel: values['log-level'],
    profile: values.profile,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Formatting.

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number | null | undefined, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
/** CPU as a share of one core over the window (the machine has cpus().length of them). */
const cpuPercent = (cpuMs: number, seconds: number) => `${Math.round(cpuMs / seconds / 10)}%`;
const mb = (bytes: number) => bytes / 1024 / 1024;

function blank(section: Section, measurement: string): Row {
  return { section, measurement, database: '-', processes: '-', result: '-', mean: '-', p99: '-', target: '-', serverCpu: '-', loadCpu: '-', notes: '' };
}

// ---------------------------------------------------------------------------------------------------------
// The load generator process.

/** A forked bench/load.ts and a way to hand it a job and await its answer. */
function startLoad(): { run(job: Job, onMeasuring?: () => void): Promise<Reply>; stop(): Promise<void>; pid: number } {
  const child: ChildProcess = fork(join(ROOT, 'bench/load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let waiting: { done: (reply: Reply) => void; fail: (err: Error) => void; measuring?: () => void } | undefined;
  child.on('message', (reply: Reply) => {
    if (reply.type === 'measuring') return waiting?.measuring?.();
    if (reply.type === 'progress') return console.error(`  … ${reply.text}`);
    const w = waiting;
    waiting = undefined;
    if (reply.type === 'error') w?.fail(new Error(`load generator: ${reply.message}`));
    else w?.done(reply);
  });
  child.on('exit', (code) => waiting?.fail(new Error(`the load generator exited (${code})`)));
  return {
    pid: child.pid!,
    run: (job, onMeasuring) =>
      new Promise((done, fail) => {
        waiting = { done, fail, ...(onMeasuring ? { measuring: onMeasuring } : {}) };
        child.send(job);
      }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      if (child.connected) child.send({ kind: 'exit' } satisfies Job);
      const quit = await Promise.race([exited.then(() => true), new Promise((done) => setTimeout(() => done(false), 5000))]);
      if (!quit) child.kill('SIGKILL');
    },
  };
}

/** One autocannon run against `server`, with the server's CPU (its whole process tree) over the measured run. */
async function measure(server: Child, scenario: HttpJob['scenario'], o: Options): Promise<HttpResult & { serverCpuMs: number }> {
  const load = startLoad();
  const meter = cpuMeter(server.pid);
  try {
    const job: HttpJob = { kind: 'http', scenario, url: server.url, publicUrl: server.url, authToken: SIMULATOR_AUTH_TOKEN, connections: o.connections, warmup: o.warmup, seconds: o.seconds };
    const reply = await load.run(job, () => meter.start());
    const used = meter.stop();
    if (reply.type !== 'http') throw new Error(`unexpected answer ${reply.type}`);
    return { ...reply.result, serverCpuMs: used.cpuMs };
  } finally {
    await load.stop();
  }
}

function httpRow(section: Section, measurement: string, database: string, processes: string, r: HttpResult & { serverCpuMs: number }, floorRps: number | undefined): Row {
  const ratio = floorRps ? r.rps / floorRps : undefined;
  return {
    section,
    measurement,
    database,
    processes,
    result: `${int(r.rps)} req/s`,
    mean: `${fixed(r.meanMs)} ms`,
    p99: `${fixed(r.p99Ms, 0)} ms`,
    target: ratio === undefined ? '' : `${ratio.toFixed(2)}× floor${section === 'floors' ? '' : ratio >= TARGET.floorRatio ? ' ✓' : ` ✗ (≥ ${TARGET.floorRatio}×)`}`,
    serverCpu: cpuPercent(r.serverCpuMs, r.seconds),
    loadCpu: cpuPercent(r.loadCpuMs, r.seconds),
    notes: r.bad ? `${int(r.bad)} bad answers (e.g. ${r.badExample?.slice(0, 120)})` : '',
    data: { ...r, floorRatio: ratio ?? null },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The hotline as a child process.

type Store = { kind: 'postgres'; url: string } | { kind: 'pglite' };
const storeName = (s: Store) => (s.kind === 'postgres' ? 'PostgreSQL' : 'PGlite');

/** A fresh, empty database for one server: a database of its own on PostgreSQL, a new folder for PGlite. */
async function freshStore(s: Store): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (s.kind === 'postgres') {
    const fresh = await freshPostgresDatabase(s.url);
    return { env: { DATABASE_URL: fresh.url }, drop: () => fresh.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sanling-bench-'));
  return { env: { DATABASE_URL: '', DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The hotline's environment: the simulator carrier, so signatures are checked against the simulator's fixed
 * token (src/config.ts) with PUBLIC_URL the address the load requests, as Twilio signs; the clock's zone
 * moved only if the hotline's agents are off duty now (routes to an agent would end at `closed`).
 */
function hotlineEnv(store: Record<string, string>, o: Options): (port: number) => Record<string, string> {
  return (port) => ({
    ...store,
    CARRIER: 'simulator',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: o.logLevel,
    HOTLINE_TIME_ZONE: openTimeZone(),
  });
}

async function startHotlineChild(name: string, store: Record<string, string>, o: Options, workers?: number, args: string[] = []): Promise<Child> {
  const command = startCommand();
  return startChild(name, command.at(-1)!, [...(workers ? ['--workers', String(workers)] : []), ...args], hotlineEnv(store, o), {
    processes: workers ? workers + 1 : 1,
    nodeArgs: [
      ...command.slice(0, -1),
      ...(o.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'test-artifacts/capacity-profiles', name)}`] : []),
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------
// The sections.

type Context = { o: Options; pg: string | undefined; rows: Row[]; floorRps?: number };

async function floors(c: Context): Promise<void> {
  const bare = await startChild('floor-bare', 'bench/floor.ts', [], () => ({ FLOOR: 'bare' }));
  try {
    const r = await measure(bare, 'floor', c.o);
    c.rows.push({ ...httpRow('floors', 'floor: node:http, constant TwiML', 'none', '1', r, undefined) });
  } finally {
    await bare.stop();
  }
  if (!c.pg) {
    c.rows.push({ ...blank('floors', 'floor: + 1 postgres.js INSERT per request'), result: 'n/a (no PostgreSQL)' });
    return;
  }
  const db = await freshPostgresDatabase(c.pg);
  try {
    const insert = await startChild('floor-insert', 'bench/floor.ts', [], () => ({ FLOOR: 'insert', DATABASE_URL: db.url, FLOOR_POOL: String(POOL_SIZE) }));
    try {
      const r = await measure(insert, 'floor', c.o);
      c.floorRps = r.rps;
      c.rows.push({ ...httpRow('floors', 'floor: + 1 postgres.js INSERT per request', 'PostgreSQL', '1', r, undefined), target: '1.00× (the floor)' });
    } finally {
      await insert.stop();
    }
  } finally {
    await db.drop();
  }
}

/** Both webhooks against one fresh hotline: new calls, then key presses. */
async function webhookRows(c: Context, section: Section, store: Store, workers?: number): Promise<void> {
  const fresh = await freshStore(store);
  const processes = String(workers ?? 1);
  try {
    let server: Child;
    try {
      server = await startHotlineChild(`hotline-${store.kind}-${processes}`, fresh.env, c.o, workers);
    } catch (err) {
      if (!(err instanceof StartError)) throw err;
      for (const what of ['POST /twilio/voice (new call)', 'POST /twilio/ivr (key press)']) {
        c.rows.push({
          ...blank(section, what),
          database: storeName(store),
          processes,
          result: 'failed to start',
          notes: `${err.message}: ${err.output.split('\n').filter(Boolean).pop()?.slice(0, 160) ?? ''}`,
        });
      }
      console.error(`${err.message}\n${err.output}`);
      return;
    }
    try {
      for (const [scenario, what] of [['voice', 'POST /twilio/voice (new call)'], ['ivr', 'POST /twilio/ivr (key press)']] as const) {
        console.error(`${section}: ${what} on ${storeName(store)}, ${processes} process(es)…`);
        const r = await measure(server, scenario, c.o);
        c.rows.push(httpRow(section, what, storeName(store), processes, r, c.floorRps));
      }
    } finally {
      await server.stop();
    }
    noteLogged(c.rows.at(-1)!, server);
  } finally {
    await fresh.drop();
  }
}

async function webhooks(c: Context): Promise<void> {
  if (c.pg) await webhookRows(c, 'webhooks', { kind: 'postgres', url: c.pg });
  await webhookRows(c, 'webhooks', { kind: 'pglite' });
}

async function workers(c: Context): Promise<void> {
  // Several processes share their state through PostgreSQL: PGlite lives inside one process.
  if (!c.pg) {
    c.rows.push({ ...blank('workers', 'webhooks with --workers 2'), result: 'n/a (needs PostgreSQL)' });
    return;
  }
  await webhookRows(c, 'workers', { kind: 'postgres', url: c.pg }, 2);
}

/** The server's RSS (every process of it) idle, with the agents connected, and with the callers waiting. */
async function memory(c: Context): Promise<void> {
  const { o } = c;
  const store: Store = c.pg ? { kind: 'postgres', url: c.pg } : { kind: 'pglite' };
  const fresh = await freshStore(store);
  const load = startLoad();
  try {
    // The roster and its sessions first, through the hotline's own migrations, before the server opens it
    // (PGlite's folder is one process's at a time).
    const database = await openDatabase(store.kind === 'postgres' ? { url: fresh.env['DATABASE_URL'] } : { dataDir: fresh.env['DATA_DIR']! });
    const agents = await loggedInAgents(database.db, o.agents, 10001, (i) => ({ general: 1, [['tickets', 'luggage', 'lost-and-found', 'complaints'][i % 4]!]: 3 }));
    await database.close();

    const server = await startHotlineChild(`hotline-${store.kind}-memory`, fresh.env, o);
    try {
      const rss = () => residentMemory(processTree(server.pid));
      const total = (list: ReturnType<typeof rss>) => mb(list.reduce((sum, p) => sum + p.bytes, 0));
      const settle = () => new Promise((done) => setTimeout(done, 3000));
      await settle();
      const idle = total(rss());
      console.error(`memory: idle ${idle.toFixed(0)} MB; connecting ${o.agents} agents…`);
      const connected = await load.run({ kind: 'agents', url: server.url, tokens: agents.map((a) => a.token) });
      if (connected.type !== 'agents') throw new Error(`unexpected answer ${connected.type}`);
      await settle();
      const withAgents = total(rss());
      console.error(`memory: ${connected.connected} agents connected in ${connected.seconds.toFixed(1)} s, ${withAgents.toFixed(0)} MB; walking ${o.callers} callers into the queue…`);
      const meter = cpuMeter(server.pid);
      meter.start();
      const callers = await load.run({ kind: 'callers', url: server.url, publicUrl: server.url, authToken: SIMULATOR_AUTH_TOKEN, callers: o.callers, concurrency: o.walkers });
      const walkCpu = meter.stop();
      if (callers.type !== 'callers') throw new Error(`unexpected answer ${callers.type}`);
      await settle();
      const processes = rss();
      const loaded = total(processes);
      console.error(`memory: ${callers.queued} callers waiting after ${callers.seconds.toFixed(0)} s, ${loaded.toFixed(0)} MB`);
      const failures = [connected.failed ? `${connected.failed} agents not connected (${connected.failure})` : '', callers.failed ? `${callers.failed} callers not queued (${callers.failure?.slice(0, 120)})` : ''].filter(Boolean);
      c.rows.push({
        ...blank('memory', `server RSS, ${int(connected.connected)} agents connected + ${int(callers.queued)} callers waiting`),
        database: storeName(store),
        processes: '1',
        result: `${loaded.toFixed(0)} MB`,
        target: loaded < TARGET.rssMb ? `< ${TARGET.rssMb} MB ✓` : `✗ (< ${TARGET.rssMb} MB)`,
        serverCpu: `${cpuPercent(walkCpu.cpuMs, walkCpu.seconds)} while queuing`,
        loadCpu: `${cpuPercent(callers.loadCpuMs, callers.seconds)} while queuing`,
        notes: [
          `idle ${idle.toFixed(0)} MB, with the agents ${withAgents.toFixed(0)} MB`,
          `callers queued in ${callers.seconds.toFixed(0)} s (${int((callers.queued * 3) / callers.seconds)} webhooks/s)`,
          ...(processes.length > 1 ? [`${processes.length} processes: ${processes.map((p) => `${mb(p.bytes).toFixed(0)} MB ${p.command.split(' ')[0]!.split('/').pop()}`).join(', ')}`] : []),
          ...failures,
        ].join('; '),
        data: { idleMb: idle, withAgentsMb: withAgents, loadedMb: loaded, agents: connected, callers, processes },
      });
    } finally {
      await load.stop();
      await server.stop();
    }
    if (c.rows.at(-1)?.section === 'memory') noteLogged(c.rows.at(-1)!, server);
  } finally {
    await load.stop();
    await fresh.drop();
  }
}

/** The server's own warnings and errors while measured, said beside its figures. */
function noteLogged(row: Row, server: Child): void {
  const { count, examples } = loggedProblems(server.logFile);
  if (count) row.notes = [row.notes, `the server logged ${count} warnings/errors (${examples.join('; ')}), see ${server.logFile.slice(ROOT.length)}`].filter(Boolean).join('; ');
}

type AcdSummary = Array<{
  database: string;
  inProcess: boolean;
  problems: Record<string, number>;
  steps: Array<{
    rate: number;
    agents: number;
    arrivedPerSecond: number | null;
    answeredPerSecond: number | null;
    keptUp: boolean;
    arrivalsStoppedAt: number | null;
    webhookP50Ms: number | null;
    webhookP99Ms: number | null;
    offerP99Ms: number | null;
    offerSamples: number;
    callerToOfferP99Ms: number | null;
    callerToOfferSamples: number;
    anyOfferP99Ms: number | null;
    screenPopP99Ms: number | null;
    screenPopSamples: number;
    cpuPercent: number | null;
    serverCpuPercent: number | null;
    loopBusyPercent: number | null;
    problems: Record<string, number>;
  }>;
}>;

/**
 * How long the end-to-end rows' agents talk: 2,000 agents at 5–9 s a call (about 8 s ring to ready again)
 * take some 250 calls/s, so at the issue's 200 calls/s only the hotline can be what falls behind.
 */
const E2E_TALK_SECONDS = '5-9';

/**
 * bench/acd.ts at fixed rates, in a child process of its own, which starts the hotline as another (as npm
 * start does) and plays Twilio, the callers and the agents itself: the server's CPU and the load's are
 * measured apart. Its own tables go to the terminal, its figures to the table. The 2,000 agents on the floor
 * are the issue's "2,000 agent sockets connected", so no idle ones are added (bench/acd.ts's --connected).
 */
async function e2e(c: Context): Promise<void> {
  const { o } = c;
  const what = (rate: number) => `end to end at ${rate} calls/s, ${int(o.agents)} agents on the floor`;
  if (!c.pg) {
    c.rows.push({ ...blank('e2e', what(o.rates[0]!)), result: 'n/a (needs PostgreSQL: the hotline runs in a process of its own, and PGlite cannot be opened by two)' });
    return;
  }
  const args = ['--import', 'tsx', 'bench/acd.ts', '--rate', o.rates.join(','), '--seconds', String(o.seconds), '--database', 'postgres', '--agents', String(o.agents), '--talk-seconds', E2E_TALK_SECONDS, '--json'];
  console.error(`e2e: tsx ${args.slice(2).join(' ')}`);
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, DATABASE_URL: c.pg }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    process.stderr.write(chunk);
  });
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  const line = out.split('\n').find((l) => l.startsWith('ACD-JSON '));
  if (!line) {
    c.rows.push({ ...blank('e2e', 'IVR → queue → offer → answer → wrap-up → survey'), result: `failed (bench/acd.ts exited ${code})` });
    return;
  }
  const percent = (n: number | null) => (n === null ? '-' : `${Math.round(n)}%`);
  const runs = JSON.parse(line.slice('ACD-JSON '.length)) as AcdSummary;
  for (const run of runs) {
    for (const s of run.steps) {
      const met = s.keptUp && (s.answeredPerSecond ?? 0) >= 0.95 * s.rate;
      const problems = Object.entries(s.problems).map(([k, n]) => `${k} × ${n}`);
      c.rows.push({
        ...blank('e2e', what(s.rate)),
        database: run.database,
        processes: '1',
        result:
          s.arrivalsStoppedAt !== null && s.arrivalsStoppedAt < 0
            ? `fell behind in the warm-up (arrivals stopped); ${fixed(s.answeredPerSecond)} answered/s working off the backlog`
            : `${fixed(s.answeredPerSecond)} answered/s of ${fixed(s.arrivedPerSecond)} arriving; kept up: ${s.keptUp ? 'yes' : 'no'}`,
        mean: '-',
        p99: `offer ${fixed(s.anyOfferP99Ms)} ms; pop ${fixed(s.screenPopP99Ms)} ms`,
        target:
          (s.rate >= TARGET.callsPerSecond ? `${met ? '✓' : '✗'} ${TARGET.callsPerSecond}/s; ` : '') +
          `offer < ${TARGET.offerP99Ms} ${(s.anyOfferP99Ms ?? Infinity) < TARGET.offerP99Ms ? '✓' : '✗'}, pop < ${TARGET.screenPopP99Ms} ${(s.screenPopP99Ms ?? Infinity) < TARGET.screenPopP99Ms ? '✓' : '✗'}`,
        serverCpu: run.inProcess ? `${percent(s.cpuPercent)} (load inside)` : percent(s.serverCpuPercent),
        loadCpu: run.inProcess ? 'in the server process' : `${percent(s.cpuPercent)} (loop ${percent(s.loopBusyPercent)} busy)`,
        notes: [
          `${s.agents} agents answering; webhooks p99 ${fixed(s.webhookP99Ms)} ms; offer p99 agent free → offer ${fixed(s.offerP99Ms)} ms (n=${s.offerSamples}), caller queued → offer ${fixed(s.callerToOfferP99Ms)} ms (n=${s.callerToOfferSamples}); pop n=${s.screenPopSamples}`,
          ...problems,
        ].join('; '),
        data: s,
      });
    }
    // bench/acd.ts stops after a rate whose calls did not drain: the rates after it were never tried.
    for (const rate of o.rates.filter((r) => !run.steps.some((s) => s.rate === r))) {
      c.rows.push({ ...blank('e2e', what(rate)), database: run.database, processes: '1', result: 'not tried: a lower rate did not drain' });
    }
    const runProblems = Object.entries(run.problems);
    if (runProblems.length) c.rows.at(-1)!.notes += `; run: ${runProblems.map(([k, n]) => `${k} × ${n}`).join(', ')}`;
  }
  c.rows.at(-1)!.notes += '; the hotline\'s log: test-artifacts/capacity-logs/acd-hotline-postgres.log';
  if (code !== 0) c.rows.at(-1)!.notes += `; bench/acd.ts exited ${code} (see its output above)`;
}

/** bench/history.ts: the live board and a routing pass with little and much history. */
async function history(c: Context): Promise<void> {
  // One database: PostgreSQL where there is one (a million calls take minutes to load into PGlite).
  const out = await historyBench({ databases: [c.pg ? 'postgres' : 'pglite'], log: (line: string) => console.error(line) });
  for (const row of out) c.rows.push(historyRow(row));
}

function historyRow(r: HistoryRow): Row {
  const ratio = (n: number) => `${n.toFixed(2)}×`;
  return {
    ...blank('history', `live figures · routing pass, ${int(r.history)} calls of history`),
    database: r.database === 'pglite' ? 'PGlite' : 'PostgreSQL',
    processes: '1',
    result: `p50 ${fixed(r.liveP50)} ms · ${fixed(r.routeP50)} ms`,
    p99: `${fixed(r.liveP99)} ms · ${fixed(r.routeP99)} ms`,
    target: `${ratio(r.liveRatio)} · ${ratio(r.routeRatio)} the smallest history's p50`,
    notes: `history loaded in ${fixed(r.loadSeconds, 0)} s (bench/history.ts, in this process)`,
    data: r,
  };
}

/** bench/footprint.ts: the idle server as `npm start -- --demo` starts it, on PGlite and PostgreSQL. */
async function footprint(c: Context): Promise<void> {
  const runs = await footprintBench({ pg: c.pg, start: (name, store) => startHotlineChild(name, store, c.o, undefined, ['--demo']), log: (line) => console.error(line) });
  for (const r of runs) c.rows.push(footprintRow(r));
  if (!c.pg) c.rows.push({ ...blank('footprint', 'idle server RSS'), database: 'PostgreSQL', result: 'n/a (no PostgreSQL)' });
}

function footprintRow(r: FootprintRun): Row {
  const what = {
    fresh: 'idle server RSS, fresh data (first start)',
    existing: 'idle server RSS, existing data (next start)',
    history: `idle server RSS, ${int(r.history)} calls of history`,
    postgres: 'idle server RSS',
  }[r.what];
  const pglite = r.database === 'PGlite';
  return {
    ...blank('footprint', what),
    database: r.database,
    processes: String(r.processes),
    result: `${r.idleMb.toFixed(0)} MB`,
    target: pglite ? (r.idleMb <= TARGET.idleRssMb ? `≤ ${TARGET.idleRssMb} MB ✓` : `✗ (≤ ${TARGET.idleRssMb} MB)`) : '',
    notes: [
      `spawn → /healthz 200 in ${fixed(r.healthySeconds)} s`,
      `peak (VmHWM) ${r.peakMb.toFixed(0)} MB`,
      ...(r.wasm && pglite ? [`PGlite's wasm memory ${r.wasm.mb.toFixed(0)} MB, ${r.wasm.residentMb.toFixed(0)} MB of it resident`] : []),
      `see ${r.logFile.slice(ROOT.length)}`,
    ].join('; '),
    data: r,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The table.

const COLUMNS: Array<[keyof Row, string]> = [
  ['measurement', 'Measurement'],
  ['database', 'Database'],
  ['processes', 'Processes'],
  ['result', 'Result'],
  ['mean', 'Mean'],
  ['p99', 'p99'],
  ['target', 'vs floor / target'],
  ['serverCpu', 'Server CPU'],
  ['loadCpu', 'Load CPU'],
  ['notes', 'Notes'],
];

function markdown(rows: Row[]): string {
  const cell = (v: unknown) => String(v ?? '').replaceAll('|', '\\|');
  return [
    `| ${COLUMNS.map(([, h]) => h).join(' | ')} |`,
    `|${COLUMNS.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${COLUMNS.map(([k]) => cell(r[k])).join(' | ')} |`),
  ].join('\n');
}

function machine(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.versions.node}`;
}

async function main(): Promise<void> {
  const o = options();
  const started = performance.now();
  const pg = await postgresUrl();
  if (!pg) console.error('(no DATABASE_URL and nothing answers at the local PostgreSQL: the rows that need it say n/a; the rest runs on PGlite)');
  // The servers run as `npm start` runs them: the bundle, built from the sources as they are now.
  await buildServer();
  const c: Context = { o, pg, rows: [] };
  const sections: Record<Section, (c: Context) => Promise<void>> = { floors, webhooks, workers, memory, e2e, history, footprint };
  let failed = false;
  for (const section of SECTIONS) {
    if (!o.only.has(section)) continue;
    console.error(`\n== ${section}`);
    try {
      await sections[section](c);
    } catch (err) {
      failed = true;
      console.error(`${section} failed:`, err);
      c.rows.push({ ...blank(section, section), result: 'failed', notes: (err as Error).message.slice(0, 200) });
    }
  }
  const minutes = (performance.now() - started) / 60_000;
  const header = [
    `Capacity of the hotline (npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}), ${new Date().toISOString().slice(0, 16)}Z, ${machine()}.`,
    `Webhooks: autocannon, ${o.connections} connections, ${o.warmup} s warm-up then ${o.seconds} s measured, from a process of its own; every request signed. ` +
      `CPU in % of one core (the machine has ${cpus().length}): the server's whole process tree, and the load generator's. Load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; took ${minutes.toFixed(1)} min.`,
  ];
  const table = markdown(c.rows);
  const measured = new Set(c.rows.map((r) => r.section));
  const legend = [
    ...(measured.has('webhooks') || measured.has('workers') ? [`vs floor: the webhook's req/s over the persisted floor's (node:http + one INSERT per request); target ≥ ${TARGET.floorRatio}×.`] : []),
    ...(measured.has('footprint')
      ? [`Footprint: VmRSS of the server's processes (npm start -- --demo, as npm start runs it) after 10 s idle from its first healthy /healthz; the history written into the tables with the server stopped; target on PGlite ≤ ${TARGET.idleRssMb} MB.`]
      : []),
    ...(measured.has('memory') ? [`Memory: VmRSS of every process of the server (run as npm start runs it), callers walked into the general queue by signed webhooks with no agent available; target < ${TARGET.rssMb} MB.`] : []),
    ...(measured.has('e2e')
      ? [
          `End to end: bench/acd.ts with agents talking ${E2E_TALK_SECONDS} s; the hotline runs as npm start runs it (CARRIER=twilio), Twilio is played by the carrier simulator in bench/acd.ts's process behind a stand-in REST API, ` +
            `and the callers and agents' sockets are there too: Server CPU is the hotline's process tree, Load CPU that process. ` +
            `p99: offer = every offer made with a caller or an agent already waiting, as seen at the agent's socket (agent free → offer and caller queued → offer, each in the notes); ` +
            `pop = the offer's match beginning (offers.offered_at) → screen-pop at the agent's socket; targets ${TARGET.callsPerSecond} calls/s, < ${TARGET.offerP99Ms} ms, < ${TARGET.screenPopP99Ms} ms.`,
        ]
      : []),
  ];
  console.log(`\n${header.join('\n')}\n\n${table}\n\n${legend.join('\n')}\n`);
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  const json = { at: new Date().toISOString(), machine: machine(), options: { ...o, only: [...o.only] }, postgres: Boolean(pg), header, legend, rows: c.rows, markdown: table };
  writeFileSync(join(ROOT, 'test-artifacts', 'capacity.json'), `${JSON.stringify(json, null, 2)}\n`);
  console.log('Written to test-artifacts/capacity.json; the servers\' logs are in test-artifacts/capacity-logs/.');
  if (failed) process.exitCode = 1;
}

await main().catch((err: unknown) => {
  const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  if (!usage) throw err;
  console.error(`bench/capacity.ts: ${(err as Error).message}`);
  process.exitCode = 2;
});
