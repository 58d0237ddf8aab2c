/**
 * The whole hotline under load: callers arrive at a steady rate through the carrier simulator, walk the real
 * IVR in ./ivr-flows into the agent queues, and simulated agents (logged in, on /agents sockets) answer after a
 * random ring, talk, hang up and end their wrap-up at once. Each database gets a fresh one.
 *
 * Where the hotline runs:
 * - PostgreSQL (DATABASE_URL, or the local test server: bench/support.ts): in a child process, exactly as
 *   `npm start` runs it (the bundle, CARRIER=twilio). Twilio is played in this process by the carrier
 *   simulator, which signs every webhook as Twilio does, behind a stand-in for Twilio's REST API
 *   (test/support/twilio-standin.ts). The callers, agents and instruments stay here and see the hotline only from the
 *   outside (webhooks, sockets, its database after each rate), so its CPU and this process's (the load's) are
 *   measured apart.
 * - PGlite, or with --in-process: in this process, as before (src/start.ts `startHotline`, the built-in
 *   simulator). PGlite's folder can be open in one process only, so it always runs this way; here the load
 *   shares the hotline's event loop and its figures say as much about the bench as about the hotline.
 *
 *   npm run bench:acd                                   # ramp 2, 4, 8 … callers/s until the hotline falls behind
 *   npm run bench:acd -- --rate 5,10 --seconds 20       # fixed rates instead
 *   npm run bench:acd -- --database postgres --rate 50,100,200 --agents 2000 --talk-seconds 5-9
 *   npm run bench:acd -- --database postgres --in-process --queries  # count and time the SQL as well
 *   KEEP_BENCH_DB=1 npm run bench:acd -- --database postgres          # keep the run's database (named at the end)
 *
 * Measured at each rate over `--seconds` after `--warmup` seconds:
 * - webhook latency as the carrier sees it (signed request sent → TwiML parsed), per webhook;
 * - the ACD's reaction: from an agent becoming available to their offer when a caller was already waiting,
 *   and from a caller joining the queue to their offer when an agent was already free. In process, from the
 *   ACD's own events (`presence`, `offer`) and the reply with <Enqueue> leaving the server; out of process, as
 *   seen at the agent's socket (the `presence` and `offer` messages arriving) and from the carrier's side (the
 *   simulator receiving TwiML with <Enqueue>);
 * - the screen-pop: in process, from the ACD's `offer` event to its arrival at the agent's socket.io-client;
 *   out of process, from the offer's row (offers.offered_at, read after each rate: the hotline's clock when it
 *   began the match) to that arrival (Date.now(), the same machine's clock);
 * - throughput: calls answered by an agent and ended, per second, and whether the queue kept up;
 * - CPU over each window: the hotline's process tree and this process, apart (in process: one figure).
 * Exits 1 on application errors, hotline errors and warnings, missed offers, lost screen-pops or calls left
 * over, at every rate that did not overload the hotline; on double offers and wrong routing at any rate.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { pino, type Logger } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import type { ScreenPop } from '../src/acd/screen-pop.ts';
import { buildServer, startCommand } from '../src/build.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { openDatabase, rows, type Db } from '../src/database.ts';
import { currentMetrics } from '../src/realtime/managers.ts';
import { addStaff, type Skills } from '../src/staff/staff.ts';
import { startHotline, type Running } from '../src/start.ts';
import type { NewEvent } from '../src/telephony/carrier/simulator/call.ts';
import type { Leg } from '../src/telephony/carrier/simulator/dial.ts';
import { Simulator } from '../src/telephony/carrier/simulator/simulator.ts';
import type { Verb } from '../src/telephony/carrier/simulator/twiml.ts';
import { startChild } from './children.ts';
import { cpuMeter } from './proc.ts';
import { benchDatabase, freshPostgresDatabase, loggedInAgents, ms, openTimeZone, postgresUrl, printTable, Samples } from './support.ts';
import { twilioStandIn } from '../test/support/twilio-standin.ts';

const FLOWS_DIR = fileURLToPath(new URL('../ivr-flows', import.meta.url));
const PROFILE_DIR = fileURLToPath(new URL('../test-artifacts/acd-profiles', import.meta.url));
const PASSWORD = 'bench-password';
/** Idle agents' employee numbers start here: clear of the floor's (10001…) and the manager's (90001). */
const IDLE_AGENTS_FROM = 50001;

/** Where callers go, and how many in 20: the keys pressed after the welcome lead to that queue. */
const PATHS: Array<{ queue: string; presses: string[]; in20: number }> = [
  { queue: 'general', presses: ['1', '0'], in20: 8 }, // Mandarin, an agent
  { queue: 'tickets', presses: ['1', '1', '0', ''], in20: 4 }, // Mandarin, tickets, an agent (no train number)
  { queue: 'luggage', presses: ['2', '2', '0'], in20: 3 }, // English, luggage, an agent
  { queue: 'lost-and-found', presses: ['2', '3', '1234#', '0305'], in20: 2 }, // English, lost: train, date
  { queue: 'complaints', presses: ['3', '4', '1234#'], in20: 3 }, // Cantonese, complaint about train 1234
];
const MIX = PATHS.flatMap((p) => Array<(typeof PATHS)[number]>(p.in20).fill(p));
/** Everyone answers `general`; each specialist skill is held by half the floor (two per agent). */
const SPECIALIST = ['tickets', 'luggage', 'lost-and-found', 'complaints'];
const WEBHOOKS = ['voice', 'ivr', 'wait', 'connect', 'agent-leg', 'after-call', 'queue-exit', 'requeue', 'status'];

/** The issue's targets, on this 2-core machine with PostgreSQL. */
const TARGET = { callsPerSecond: 200, offerP99: 50, screenPopP99: 100 };

/** Wrong at any load: these fail the run even at a rate the hotline could not keep up with. */
const ALWAYS_WRONG = new Set([
  'agent offered two calls',
  'call offered twice',
  'agent rung twice',
  'offer without the skill',
  'screen-pop with the wrong queue',
  'call answered by two agents (SQL)',
  'agent with two live offers (SQL)',
]);

type Options = {
  /** Fixed rates, or undefined: ramp from 2/s, doubling while the hotline keeps up. */
  rates: number[] | undefined;
  maxRate: number;
  seconds: number;
  warmup: number;
  agents: number | undefined;
  timeScale: number;
  drain: number;
  database: 'both' | 'pglite' | 'postgres';
  queries: boolean;
  /** Idle agents connected to /agents (offline) on top of the floor, as a big floor's softphones are. */
  connected: number;
  /** Also print the figures as one machine-readable line (`ACD-JSON {…}`), for bench/capacity.ts. */
  json: boolean;
  /** Run the hotline in this process on PostgreSQL too (PGlite always runs here). */
  inProcess: boolean;
  /** Agents talk this long, in real seconds (not scaled by timeScale); undefined: 1–3 s times timeScale. */
  talkSeconds: [number, number] | undefined;
  /** The hotline's child process writes a CPU profile (node --cpu-prof) to PROFILE_DIR. */
  profile: boolean;
  /** The hotline's server processes (`npm start -- --workers N`), in a child process only. */
  workers: number;
};

const USAGE = `npm run bench:acd -- [options]     (tsx bench/acd.ts [options])
  --rate ramp|N[,N…]   callers arriving per second: ramp (default) doubles from 2/s while the hotline keeps up,
                       then tries once halfway back; or the rates given, in turn
  --max-rate N         the ramp stops here (default 256)
  --seconds S          measured seconds per rate (default 6), after --warmup S seconds (default 2, or with
                       --talk-seconds the longest talk + 3 s: calls that began before the window must be ending in it)
  --agents auto|N      the floor: auto (default) staffs each rate for about 90% occupancy
  --time-scale X       agents' habits: rings 0–3 s, talks 1–3 s, times X (default 0.1)
  --talk-seconds A-B   agents talk A to B real seconds instead (not scaled): with many agents, e.g.
                       --agents 2000 --talk-seconds 5-9, the floor has room for 200 calls/s and more
  --drain S            how long calls still going may take to end after a rate (default 20)
  --database both|pglite|postgres    (default both; PostgreSQL from DATABASE_URL or the local test server)
                       On PostgreSQL the hotline runs in a child process as npm start runs it (CARRIER=twilio,
                       Twilio played by this process), and its CPU is reported apart from this process's (the
                       load). PGlite cannot be opened by two processes: it always runs in this process.
  --in-process         run the hotline in this process on PostgreSQL too (its CPU then includes the load)
  --queries            also count the hotline's SQL statements by shape and time its transactions
                       (hooks into the hotline's database session: PGlite, or PostgreSQL with --in-process)
  --connected N        N more agents connected to /agents but offline, for the whole run (default 0)
  --workers N          the hotline's child runs N server processes (npm start -- --workers N; default 1)
  --profile            the hotline's child process writes a CPU profile (node --cpu-prof) to
                       test-artifacts/acd-profiles/, for Chrome DevTools' Performance panel
  --json               also print the figures as one line: ACD-JSON {...}`;

/** A bad command line: said in one line, without a stack. */
class UsageError extends Error {}

function options(): Options {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: 'ramp' },
      'max-rate': { type: 'string', default: '256' },
      seconds: { type: 'string', default: '6' },
      warmup: { type: 'string' },
      agents: { type: 'string', default: 'auto' },
      'time-scale': { type: 'string', default: '0.1' },
      drain: { type: 'string', default: '20' },
      database: { type: 'string', default: 'both' },
      queries: { type: 'boolean', default: false },
      connected: { type: 'string', default: '0' },
      json: { type: 'boolean', default: false },
      'in-process': { type: 'boolean', default: false },
      'talk-seconds': { type: 'string' },
      profile: { type: 'boolean', default: false },
      workers: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name: string, text: string | undefined, ok: (n: number) => boolean, what: string) => {
    const n = Number(text);
    if (text === undefined || text.trim() === '' || !ok(n)) throw new UsageError(`--${name} must be ${what}, got ${text}`);
    return n;
  };
  const positive = (n: number) => Number.isFinite(n) && n > 0;
  const database = values.database;
  if (database !== 'both' && database !== 'pglite' && database !== 'postgres') throw new UsageError(`--database must be both, pglite or postgres, got ${database}`);
  if (values.queries && database !== 'pglite' && !values['in-process']) {
    throw new UsageError('--queries hooks into the hotline\'s own database session: add --in-process for PostgreSQL (or --database pglite)');
  }
  const talk = values['talk-seconds'];
  const talkSeconds = talk === undefined ? undefined : (talk.split('-').map((t) => number('talk-seconds', t, (n) => Number.isFinite(n) && n >= 0, 'two numbers of seconds such as 5-9')) as [number, number]);
  if (talkSeconds && (talkSeconds.length !== 2 || talkSeconds[0] > talkSeconds[1])) throw new UsageError(`--talk-seconds must be A-B with A <= B, such as 5-9, got ${talk}`);
  return {
    rates: values.rate === 'ramp' ? undefined : values.rate.split(',').map((r) => number('rate', r, positive, 'ramp, or callers per second such as 10 or 5,10,20')),
    maxRate: number('max-rate', values['max-rate'], positive, 'callers per second'),
    seconds: number('seconds', values.seconds, positive, 'a number of seconds'),
    warmup: values.warmup === undefined ? (talkSeconds ? talkSeconds[1] + 3 : 2) : number('warmup', values.warmup, (n) => n >= 0, 'a number of seconds'),
    agents: values.agents === 'auto' ? undefined : number('agents', values.agents, (n) => Number.isInteger(n) && n >= 1, 'auto or a whole number >= 1'),
    timeScale: number('time-scale', values['time-scale'], (n) => n >= 0 && n <= 10, 'from 0 to 10'),
    drain: number('drain', values.drain, positive, 'a number of seconds'),
    database,
    queries: values.queries,
    connected: number('connected', values.connected, (n) => Number.isInteger(n) && n >= 0 && n <= 50_000, 'a whole number from 0 to 50000'),
    json: values.json,
    inProcess: values['in-process'],
    talkSeconds,
    profile: values.profile,
    workers: number('workers', values.workers, (n) => Number.isInteger(n) && n >= 1 && n <= 16, 'a whole number from 1 to 16'),
  };
}

/**
 * An agent's habits: the phone rings 0–3 s times `--time-scale` before they pick up, the talk lasts 1–3 s
 * times the same, or `--talk-seconds` real seconds; the wrap-up is ended at once. The ACD's own wrap-up timer
 * (30–60 s) never runs out.
 */
function habits(o: Pick<Options, 'timeScale' | 'talkSeconds'>) {
  const [shortest, longest] = o.talkSeconds ? o.talkSeconds.map((s) => s * 1000) : [1000 * o.timeScale, 3000 * o.timeScale];
  return {
    ringMs: () => Math.random() * 3000 * o.timeScale,
    talkMs: () => shortest! + Math.random() * (longest! - shortest!),
    /** An agent's time per call, ring to available again, before the hotline's own delays. */
    nominalMs: 1500 * o.timeScale + (shortest! + longest!) / 2,
    said: `pick up after 0–${ms(3000 * o.timeScale)} ms of ringing, talk ${ms(shortest!)}–${ms(longest!)} ms`,
  };
}

async function main(): Promise<void> {
  const o = options();
  const targets: Array<string | undefined> = [];
  if (o.database !== 'postgres') targets.push(undefined);
  if (o.database !== 'pglite') {
    const url = await postgresUrl();
    if (url) targets.push(url);
    else if (o.database === 'postgres') throw new Error('no DATABASE_URL, and nothing answers at the local PostgreSQL');
    else console.error('(no DATABASE_URL and nothing answers at the local PostgreSQL: PGlite only)');
  }
  const runs: DatabaseRun[] = [];
  for (const url of targets) runs.push(await benchmark(url, o));
  report(runs, o);
  if (o.json) console.log(`ACD-JSON ${JSON.stringify(summary(runs))}`);
}

// ---------------------------------------------------------------------------------------------------------
// What is recorded.

type CallRecord = {
  sid: string;
  queue: string;
  /** performance.now() of each step. */
  queuedAt?: number;
  offeredAt?: number;
  liveOffer?: number;
  connected: boolean;
  ended: boolean;
};

type Agent = {
  staffId: number;
  client: string;
  skills: Skills;
  socket: Socket;
  /** Taking calls in this step (else offline). */
  onFloor: boolean;
  /** When the ACD last made them available; undefined while they have a call or are away. */
  availableAt?: number;
  liveOffer?: number;
  legSid?: string;
};

/** One rate: the measured window [from, to), and what happened in it. */
type Step = {
  rate: number;
  agents: number;
  from: number;
  to: number;
  arrived: number;
  completed: number;
  /** Arrivals stopped early: the hotline had clearly fallen behind (performance.now()). */
  gaveUpAt?: number;
  maxArrivalLagMs: number;
  webhooks: Map<string, Samples>;
  agentToOffer: Samples;
  callerToOffer: Samples;
  screenPop: Samples;
  offerToRing: Samples;
  wait: Samples;
  /** With PostgreSQL: the Socket.IO adapter's pg_notify, awaited before every emit reaches a local socket. */
  adapterPublish: Samples;
  /** Agents' time available, summed, within the window. */
  idleMs: number;
  /**
   * This process over the window: CPU (ms, user + system), the event loop's busy share and its delays. In
   * process that is the hotline and the load together; else the load (callers, carrier, agents) alone.
   */
  cpuMs?: number;
  /** Out of process: the hotline's process tree over the window (ms of CPU). */
  serverCpuMs?: number;
  /** Out of process: each screen-pop's arrival and each agent leg's ring (Date.now()), matched with offers.offered_at after the rate. */
  arrivals: Array<{ offerId: number; at: number }>;
  rings: Array<{ callSid: string; at: number }>;
  loopBusy?: number;
  loopDelayP99Ms?: number;
  atEnd?: { waiting: number; oldestWaitMs: number; inFlight: number };
  drainedMs?: number;
  overloaded: boolean;
  keptUp: boolean;
  /** With --queries: statements in the window by their first words, transactions and their durations by kind. */
  queries: Map<string, number>;
  transactions: number;
  transactionMs: Map<string, Samples>;
  problems: Map<string, number>;
  examples: string[];
};

type DatabaseRun = {
  database: string;
  /** The hotline ran in this process (with the load) rather than in a child process of its own. */
  inProcess: boolean;
  steps: Step[];
  /** Problems outside any step (setup, the final checks) and the notes of the final checks. */
  problems: Map<string, number>;
  examples: string[];
  notes: string[];
};

type SessionInternals = {
  logger: { logQuery(query: string, params: unknown[]): void };
  options: Record<string, unknown>;
  transaction(...args: unknown[]): Promise<unknown>;
};

function newStep(rate: number, agents: number, from: number, to: number): Step {
  return {
    rate,
    agents,
    from,
    to,
    arrived: 0,
    completed: 0,
    maxArrivalLagMs: 0,
    webhooks: new Map(),
    agentToOffer: new Samples(),
    callerToOffer: new Samples(),
    screenPop: new Samples(),
    offerToRing: new Samples(),
    wait: new Samples(),
    adapterPublish: new Samples(),
    arrivals: [],
    rings: [],
    idleMs: 0,
    overloaded: false,
    keptUp: false,
    queries: new Map(),
    transactions: 0,
    transactionMs: new Map(),
    problems: new Map(),
    examples: [],
  };
}

// ---------------------------------------------------------------------------------------------------------
// The floor, the callers and the instruments, around one running hotline.

/** The hotline the bench drives, in this process or in a child process. */
type Target = {
  /** Where it listens: sockets and logins go here. */
  url: string;
  /** Its database, for the roster, the sessions and the checks (out of process: a connection of the bench's own). */
  db: Db;
  /** Twilio: the carrier simulator that places the callers and rings the agents. */
  sim: Simulator;
  /** In process only: the hotline itself, for the instruments that read its internals (bus, server, SQL session). */
  running?: Running;
  /** Out of process only: the hotline's process (its CPU), and its warnings and errors logged since last asked. */
  pid?: number;
  logged?: () => Array<{ at: number; kind: string; detail: string }>;
  /** Out of process only: the REST requests the hotline made of the Twilio stand-in, by kind. */
  restRequests?: ReadonlyMap<string, number>;
  close(): Promise<void>;
};

class Bench {
  readonly calls = new Map<string, CallRecord>();
  readonly agents = new Map<number, Agent>();
  readonly byClient = new Map<string, Agent>();
  /** Every agent made, in employee-number order; the first ones are on the floor. */
  readonly roster: Agent[] = [];
  readonly waiting = new Set<CallRecord>();
  readonly sockets: Socket[] = [];
  /** In process: performance.now() of each offer's bus event, until its screen-pop arrives. */
  readonly popsDue = new Map<number, number>();
  /** Out of process: every offer whose screen-pop arrived at an agent's socket. */
  readonly popsSeen = new Set<number>();
  readonly problems = new Map<string, number>();
  readonly examples: string[] = [];
  inFlight = 0;
  step: Step | undefined;
  closing = false;
  metricsPushed = 0;
  managerToken: string | undefined;
  readonly sim: Simulator;
  readonly running: Running | undefined;
  private readonly habit: ReturnType<typeof habits>;
  private readonly longestTalkSeconds: number;

  constructor(
    readonly target: Target,
    readonly o: Options,
  ) {
    this.habit = habits(o);
    this.longestTalkSeconds = o.talkSeconds?.[1] ?? 3 * o.timeScale;
    this.sim = target.sim;
    this.running = target.running;
  }

  /** Something went wrong: counted against a step (by default the current one; or the run, outside steps). */
  problem(kind: string, detail: string, step = this.step): void {
    if (this.closing) return;
    const [problems, examples] = step ? [step.problems, step.examples] : [this.problems, this.examples];
    problems.set(kind, (problems.get(kind) ?? 0) + 1);
    if (examples.length < 8 && !examples.some((e) => e.startsWith(`${kind}:`))) examples.push(`${kind}: ${detail}`);
  }

  inWindow(t: number): boolean {
    return !!this.step && t >= this.step.from && t < this.step.to;
  }

  /** Time each request the carrier makes, by webhook; see callers join queues as the server answers. */
  instrument(): void {
    const { sim, running } = this;
    const fetchTwiml = sim.fetchTwiml.bind(sim);
    sim.fetchTwiml = async (call, url, params) => {
      const started = performance.now();
      try {
        const verbs: Verb[] = await fetchTwiml(call, url, params);
        // Out of process the carrier's side is all there is to see: the caller is queued once it has the TwiML.
        if (!running && verbs.some((verb) => verb.name === 'Enqueue')) this.queued(call.sid);
        return verbs;
      } finally {
        this.timed(url, started);
      }
    };
    const notify = sim.notify.bind(sim);
    sim.notify = async (url, params) => {
      const started = performance.now();
      try {
        await notify(url, params);
      } finally {
        this.timed(url, started);
      }
    };
    // In process, a caller joins a queue when a reply with <Enqueue> leaves the server: the routing pass that
    // step started runs from then on, whatever the carrier is still doing.
    running?.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!req.url?.startsWith('/twilio/')) return;
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        const chunk = args[0];
        if ((typeof chunk === 'string' || Buffer.isBuffer(chunk)) && chunk.includes('<Enqueue')) {
          const sid = (req as IncomingMessage & { body?: { CallSid?: string } }).body?.CallSid;
          if (sid) this.queued(sid);
        }
        return end(...args);
      }) as typeof res.end;
    });
  }

  private queued(sid: string): void {
    const call = this.calls.get(sid);
    // An offer seen before the carrier had the TwiML (out of process the two race): that wait is over already.
    if (!call || call.ended || call.liveOffer !== undefined) return;
    call.queuedAt = performance.now();
    this.waiting.add(call);
  }

  private timed(url: string, started: number): void {
    if (!this.step || !this.inWindow(started)) return;
    const name = new URL(url).pathname.replace(/^\/twilio\//, '');
    const list = this.step.webhooks.get(name) ?? new Samples();
    this.step.webhooks.set(name, list);
    list.add(performance.now() - started);
  }

  /**
   * With --queries: count the hotline's SQL through drizzle's query logger, and time its transactions by
   * their first statement. A bench-only hook into drizzle's session (every transaction's session copies
   * the logger from its options).
   */
  countQueries(): void {
    const session = (this.running!.hotline.database.db as unknown as { session: SessionInternals }).session;
    const inTransaction = new AsyncLocalStorage<{ first?: string }>();
    const shapeOf = (query: string) => query.replace(/\s+/g, ' ').replace(/"([a-z_]+)"/g, '$1').replace(/\$\d+/g, '?').slice(0, 110);
    const logger = {
      logQuery: (query: string) => {
        if (!this.step || !this.inWindow(performance.now())) return;
        const shape = shapeOf(query);
        const tx = inTransaction.getStore();
        if (tx && tx.first === undefined) tx.first = shape;
        this.step.queries.set(shape, (this.step.queries.get(shape) ?? 0) + 1);
      },
    };
    session.logger = logger;
    session.options = { ...session.options, logger };
    const transaction = session.transaction.bind(session);
    session.transaction = (...args: unknown[]) => {
      const started = performance.now();
      const step = this.step;
      if (!step || !this.inWindow(started)) return transaction(...args);
      step.transactions++;
      const tx: { first?: string } = {};
      const done = inTransaction.run(tx, () => transaction(...args));
      const time = () => {
        const kind = tx.first ?? '(no statement)';
        const list = step.transactionMs.get(kind) ?? new Samples();
        step.transactionMs.set(kind, list);
        list.add(performance.now() - started);
      };
      done.then(time, time);
      return done;
    };
  }

  /** Time the Socket.IO adapter's publishing (PostgreSQL only: a pg_notify before every emit to a room). */
  timeAdapter(): void {
    const adapter = this.running!.realtime.io.of('/agents').adapter as unknown as { doPublish?: (message: unknown) => Promise<unknown> };
    const publish = adapter.doPublish?.bind(adapter);
    if (!publish) return;
    adapter.doPublish = async (message) => {
      const started = performance.now();
      try {
        return await publish(message);
      } finally {
        if (this.inWindow(started)) this.step?.adapterPublish.add(performance.now() - started);
      }
    };
  }

  /** In process: the ACD's own events, heard before the realtime layer forwards them. */
  listen(): void {
    const bus = this.running!.hotline.bus;
    bus.prependListener('presence', ({ staffId, presence, reason }) => {
      const agent = this.agents.get(staffId);
      if (agent) this.presence(agent, presence, reason);
    });
    bus.prependListener('offer', ({ staffId, offerId, screenPop }) => {
      const now = performance.now();
      this.popsDue.set(offerId, now);
      this.offered(staffId, offerId, screenPop.callSid, now);
    });
    bus.prependListener('ended', ({ staffId, offerId, callSid }) => this.over(staffId, offerId, callSid));
    bus.prependListener('offer-withdrawn', ({ staffId, offerId, callSid, reason }) => this.withdrawn(staffId, offerId, callSid, reason));
  }

  private presence(agent: Agent, presence: string, reason: string | null): void {
    agent.availableAt = presence === 'available' ? performance.now() : undefined;
    if (presence === 'break') this.problem('agent put on a break', `${agent.client}: ${reason}`);
  }

  /** An offer made: in process at the ACD's `offer` event, else as its screen-pop arrives at the agent's socket. */
  private offered(staffId: number, offerId: number, callSid: string, now: number): void {
    const agent = this.agents.get(staffId);
    const call = this.calls.get(callSid);
    if (!agent || !call) return this.problem('offer to someone unknown', `offer ${offerId}: staff ${staffId}, call ${callSid}`);
    if (agent.liveOffer !== undefined) this.problem('agent offered two calls', `${agent.client}: offer ${offerId} while offer ${agent.liveOffer} is live`);
    if (call.liveOffer !== undefined) this.problem('call offered twice', `${call.sid}: offer ${offerId} while offer ${call.liveOffer} is live`);
    // Out of process the queues are not to be read: those in ./ivr-flows are named after their skill.
    const skill = this.running?.hotline.queues.get(call.queue)?.skill ?? call.queue;
    if (!Object.hasOwn(agent.skills, skill)) {
      this.problem('offer without the skill', `${agent.client} (${Object.keys(agent.skills).join(', ')}) offered a ${call.queue} caller`);
    }
    const available = agent.availableAt ?? now;
    const queued = call.queuedAt ?? now;
    const step = this.step;
    if (step && this.inWindow(now)) {
      // The pair could be made from the later of the two moments: whose wait ended says which delay it is.
      if (available > queued) step.agentToOffer.add(now - available);
      else step.callerToOffer.add(now - queued);
      step.wait.add(now - queued);
      step.idleMs += now - Math.max(available, step.from);
    }
    agent.availableAt = undefined;
    agent.liveOffer = offerId;
    call.liveOffer = offerId;
    call.offeredAt = now;
    this.waiting.delete(call);
  }

  private over(staffId: number, offerId: number, callSid: string): void {
    const agent = this.agents.get(staffId);
    if (agent?.liveOffer === offerId) agent.liveOffer = undefined;
    const call = this.calls.get(callSid);
    if (call?.liveOffer === offerId) call.liveOffer = undefined;
  }

  private withdrawn(staffId: number, offerId: number, callSid: string, reason: string): void {
    this.problem('offer withdrawn', `offer ${offerId} for ${callSid}: ${reason}`);
    this.popsDue.delete(offerId);
    this.over(staffId, offerId, callSid);
  }

  /** The agents' softphones ring: each picks up after a while, talks, hangs up. */
  answerRings(): void {
    this.sim.rings.on('ring', (leg: Leg) => {
      const agent = this.byClient.get(leg.client);
      if (!agent) return this.problem('ring for nobody', leg.client);
      if (agent.legSid) this.problem('agent rung twice', `${agent.client}: ${leg.sid} while on ${agent.legSid}`);
      agent.legSid = leg.sid;
      if (this.running) {
        const offeredAt = this.calls.get(leg.parentSid)?.offeredAt;
        if (offeredAt !== undefined && this.inWindow(offeredAt)) this.step?.offerToRing.add(performance.now() - offeredAt);
      } else if (this.inWindow(performance.now())) {
        this.step?.rings.push({ callSid: leg.parentSid, at: Date.now() });
      }
      setTimeout(() => {
        try {
          this.sim.answer(leg.sid);
        } catch (err) {
          agent.legSid = undefined;
          return this.problem('could not answer', `${agent.client}: ${(err as Error).message}`);
        }
        setTimeout(() => {
          this.sim
            .hangup(leg.sid)
            // The caller rates the call 5 and says it was solved, typed ahead of the survey's questions.
            .then(() => this.sim.press(leg.parentSid, '51'))
            .catch((err: Error) => this.problem('could not hang up', `${agent.client}: ${err.message}`))
            .finally(() => {
              if (agent.legSid === leg.sid) agent.legSid = undefined;
            });
        }, this.habit.talkMs());
      }, this.habit.ringMs());
    });
  }

  /**
   * Put `count` agents on the floor, available; the rest of the roster goes offline. New agents are added to
   * the roster, logged in (straight in the database: bench/support.ts) and connected to /agents first.
   */
  async staffFloor(count: number): Promise<void> {
    const { db } = this.target;
    const first = this.roster.length;
    const skillsOf = (i: number): Skills => ({ general: 1, [SPECIALIST[i % 4]!]: 3, [SPECIALIST[(i + 1) % 4]!]: 2 });
    const made = await loggedInAgents(db, Math.max(0, count - first), 10001 + first, (k) => skillsOf(first + k));
    const people = made.map((m, k) => ({ ...m, i: first + k, skills: skillsOf(first + k) }));
    await inBatches(people, 50, async ({ i, employeeNo, skills, staffId, token }) => {
      const socket = await this.socket('/agents', token);
      const agent: Agent = { staffId, client: `agent_${employeeNo}`, skills, socket, onFloor: false };
      this.agents.set(staffId, agent);
      this.byClient.set(agent.client, agent);
      this.roster[i] = agent;
      this.softphone(agent);
    });
    // A hundred at a time, as a shift comes on: thousands in the same instant would measure a burst no floor makes.
    await inBatches(
      this.roster.map((agent, i) => ({ agent, wanted: i < count })).filter(({ agent, wanted }) => agent.onFloor !== wanted),
      100,
      async ({ agent, wanted }) => {
        agent.onFloor = wanted;
        await this.ack(agent, 'presence', { state: wanted ? 'available' : 'offline' });
      },
    );
    // A roster written in bulk a moment ago has no planner statistics yet (autovacuum analyzes within a minute
    // or so): the routing query then took 60 ms a match with 2,000 agents available instead of 0.2 ms.
    // Measured as a database in service would plan it.
    await db.execute(sql`analyze`);
  }

  get onFloor(): number {
    return this.roster.filter((agent) => agent.onFloor).length;
  }

  /** A manager watching the live figures, as on any working floor. */
  async managerWatching(): Promise<void> {
    await addStaff(this.target.db, { employeeNo: '90001', name: 'Bench manager', role: 'manager', skills: {}, password: PASSWORD });
    this.managerToken = await this.logIn('90001');
    const manager = await this.socket('/managers', this.managerToken);
    manager.on('metrics', () => this.metricsPushed++);
  }

  /**
   * `count` more agents on /agents, offline the whole run: the softphones of a big floor that are not taking
   * calls still hold a socket (and a room) each. Logged in straight in the database (bench/support.ts).
   */
  async connectIdle(count: number): Promise<void> {
    const made = await loggedInAgents(this.target.db, count, IDLE_AGENTS_FROM, () => ({ general: 1 }));
    await inBatches(made, 100, async ({ token }) => {
      const socket = await this.socket('/agents', token);
      socket.on('disconnect', (reason) => this.problem('agent socket closed', `idle agent: ${reason}`));
    });
  }

  private softphone(agent: Agent): void {
    const { socket } = agent;
    socket.on('offer', (pop: ScreenPop) => {
      const now = performance.now();
      if (this.running) {
        const at = this.popsDue.get(pop.offerId);
        if (at === undefined) return this.problem('screen-pop without an offer', `${agent.client}: offer ${pop.offerId}`);
        this.popsDue.delete(pop.offerId);
        if (this.inWindow(at)) this.step?.screenPop.add(now - at);
      } else {
        if (this.popsSeen.has(pop.offerId)) this.problem('screen-pop twice', `${agent.client}: offer ${pop.offerId}`);
        this.popsSeen.add(pop.offerId);
        if (this.inWindow(now)) this.step?.arrivals.push({ offerId: pop.offerId, at: Date.now() });
        this.offered(agent.staffId, pop.offerId, pop.callSid, now);
      }
      const call = this.calls.get(pop.callSid);
      if (call && pop.queue !== call.queue) this.problem('screen-pop with the wrong queue', `${pop.callSid}: ${pop.queue}, expected ${call.queue}`);
    });
    // The notes say how the call ended (wrap-up needs it) and wrap-up is ended at once; an agent put on a
    // "missed" break is back at once too.
    socket.on('ended', async ({ callSid, offerId }: { callSid: string; offerId: number }) => {
      if (!this.running) this.over(agent.staffId, offerId, callSid);
      await this.ack(agent, 'notes', { callSid, version: 1, disposition: 'resolved' });
      await this.ack(agent, 'wrap-up-done');
    });
    socket.on('presence', (p: { presence: string; reason: string | null }) => {
      if (!this.running) this.presence(agent, p.presence, p.reason);
      if (p.presence === 'break') void this.ack(agent, 'presence', { state: 'available' });
    });
    if (!this.running) {
      socket.on('offer-withdrawn', ({ offerId, callSid, reason }: { offerId: number; callSid: string; reason: string }) => this.withdrawn(agent.staffId, offerId, callSid, reason));
    }
    socket.on('disconnect', (reason) => this.problem('agent socket closed', `${agent.client}: ${reason}`));
  }

  private async ack(agent: Agent, event: string, ...args: unknown[]): Promise<void> {
    try {
      const answer = (await agent.socket.timeout(15_000).emitWithAck(event, ...args)) as { ok: boolean; error?: string };
      if (!answer.ok) this.problem(`${event} refused`, `${agent.client}: ${answer.error}`);
    } catch (err) {
      this.problem(`${event} not acknowledged`, `${agent.client}: ${(err as Error).message}`);
    }
  }

  private async logIn(employeeNo: string): Promise<string> {
    const res = await fetch(`${this.target.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ employeeNo, password: PASSWORD }),
    });
    if (res.status !== 200) throw new Error(`login of ${employeeNo}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { token: string }).token;
  }

  private socket(namespace: '/agents' | '/managers', token: string): Promise<Socket> {
    const socket = connect(`${this.target.url}${namespace}`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    this.sockets.push(socket);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  /** A caller dials: a path of the mix, from one of a few thousand numbers (some have called before). */
  call(): void {
    const path = MIX[Math.floor(Math.random() * MIX.length)]!;
    const from = `+86138${String(Math.floor(Math.random() * 5000)).padStart(8, '0')}`;
    const call = this.sim.call({ from, presses: path.presses });
    const record: CallRecord = { sid: call.sid, queue: path.queue, connected: false, ended: false };
    this.calls.set(call.sid, record);
    this.inFlight++;
    const recordEvent = call.record.bind(call);
    call.record = (event: NewEvent) => {
      recordEvent(event);
      this.observe(record, event);
    };
  }

  private observe(call: CallRecord, event: NewEvent): void {
    if (event.type === 'application-error') this.problem('application error', `${call.sid} (${call.queue}): ${event.message}`);
    else if (event.type === 'connected') call.connected = true;
    else if (event.type === 'ended') {
      call.ended = true;
      this.inFlight--;
      this.waiting.delete(call);
      if (!call.connected) this.problem('caller never reached an agent', `${call.sid} (${call.queue}) ended by ${event.by}`);
      else if (this.step && this.inWindow(performance.now())) this.step.completed++;
      // Forget it: a long run must not keep every call.
      this.calls.delete(call.sid);
    }
  }

  /** One rate: warm-up, the measured window, then the calls still going are let finish. */
  async run(rate: number): Promise<Step> {
    const started = performance.now();
    const startedAt = Date.now();
    const from = started + this.o.warmup * 1000;
    const step = newStep(rate, this.onFloor, from, from + this.o.seconds * 1000);
    this.step = step;
    let cpu: NodeJS.CpuUsage | undefined;
    let elu: EventLoopUtilization | undefined;
    const delays = monitorEventLoopDelay({ resolution: 10 });
    const server = this.target.pid === undefined ? undefined : cpuMeter(this.target.pid);
    const measuring = setTimeout(() => {
      cpu = process.cpuUsage();
      elu = performance.eventLoopUtilization();
      delays.enable();
      server?.start();
    }, from - performance.now());

    const interval = 1000 / rate;
    for (let n = 0; ; n++) {
      const due = started + n * interval;
      if (due >= step.to) break;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const now = performance.now();
      if (this.inWindow(now)) {
        step.maxArrivalLagMs = Math.max(step.maxArrivalLagMs, now - due);
        step.arrived++;
      }
      // Clearly behind (several seconds of callers waiting, or calls piling up beyond what long talks explain):
      // stop feeding it.
      if (now > started + 2000 && (this.waiting.size > 4 * rate + 10 || this.inFlight > rate * (10 + this.longestTalkSeconds) + 20)) {
        step.gaveUpAt = now;
        break;
      }
      this.call();
    }
    // Even after arrivals stopped the window runs its course: the CPU is then that of working off the backlog.
    await sleep(step.to - performance.now());
    const end = performance.now();
    clearTimeout(measuring);
    if (cpu && elu) {
      const used = process.cpuUsage(cpu);
      step.cpuMs = (used.user + used.system) / 1000;
      step.loopBusy = performance.eventLoopUtilization(elu).utilization;
      step.loopDelayP99Ms = delays.percentile(99) / 1e6;
      if (server) step.serverCpuMs = server.stop().cpuMs;
    }
    delays.disable();
    for (const agent of this.agents.values()) {
      if (agent.availableAt !== undefined) step.idleMs += Math.max(0, Math.min(end, step.to) - Math.max(agent.availableAt, step.from));
    }
    const oldest = Math.min(end, ...[...this.waiting].map((c) => c.queuedAt ?? end));
    step.atEnd = { waiting: this.waiting.size, oldestWaitMs: end - oldest, inFlight: this.inFlight };

    const deadline = end + this.o.drain * 1000;
    while (this.inFlight > 0 && performance.now() < deadline) await sleep(50);
    if (this.inFlight === 0) step.drainedMs = performance.now() - end;
    // Let the last wrap-ups land before the next rate.
    await sleep(300);
    // Overloaded: the hotline fell behind, callers piled up. Kept up: not that, and answered as they came.
    step.overloaded =
      step.gaveUpAt !== undefined || step.drainedMs === undefined || (step.atEnd.waiting > 2 * rate && step.atEnd.oldestWaitMs >= 2000);
    step.keptUp = !step.overloaded && step.completed >= 0.9 * step.arrived;
    if (step.drainedMs === undefined) this.problem('calls still going after the drain', `${this.inFlight} calls, ${this.waiting.size} of them waiting`);
    if (!this.running) await this.fromOfferRows(step, startedAt);
    // The hotline's own warnings and errors: this step's since it began, the run's before (staffing the floor).
    for (const e of this.target.logged?.() ?? []) this.problem(e.kind, e.detail, e.at >= startedAt ? step : undefined);
    this.step = undefined;
    return step;
  }

  /**
   * Out of process: the screen-pops and rings seen in the window, timed from their offers' rows
   * (offers.offered_at: the hotline's clock, this machine's, when it began the match that made the offer).
   */
  private async fromOfferRows(step: Step, since: number): Promise<void> {
    const made = await rows<{ id: number; call_sid: string | null; at: number }>(
      this.target.db,
      sql`select id, call_sid, (extract(epoch from offered_at) * 1000)::float8 as at from offers where offered_at >= ${new Date(since - 60_000).toISOString()}::timestamptz order by offered_at`,
    );
    const offeredAt = new Map(made.map((r) => [r.id, Number(r.at)]));
    for (const { offerId, at } of step.arrivals) {
      const when = offeredAt.get(offerId);
      if (when === undefined) this.problem('screen-pop of an offer not in the database', `offer ${offerId}`, step);
      else step.screenPop.add(at - when);
    }
    // A ring belongs to the call's latest offer made before it.
    const byCall = new Map<string, number[]>();
    for (const r of made) if (r.call_sid) byCall.set(r.call_sid, [...(byCall.get(r.call_sid) ?? []), Number(r.at)]);
    for (const { callSid, at } of step.rings) {
      const when = byCall.get(callSid)?.filter((t) => t <= at).at(-1);
      if (when !== undefined) step.offerToRing.add(at - when);
    }
  }

  /** An agent's time per answered call in this step (the agents' busy time over the calls answered). */
  cyclePerCallMs(step: Step): number | undefined {
    if (!step.completed) return undefined;
    return (step.agents * (step.to - step.from) - step.idleMs) / step.completed;
  }
}

// ---------------------------------------------------------------------------------------------------------
// One database: a hotline on it, a floor of agents, then each rate in turn.

async function benchmark(url: string | undefined, o: Options): Promise<DatabaseRun> {
  const apart = url !== undefined && !o.inProcess;
  const name = url === undefined ? 'PGlite' : 'PostgreSQL';
  let bench: Bench | undefined;
  const onProblem = (kind: string, detail: string) => bench?.problem(kind, detail);
  const target = apart ? await hotlineChild(url, o, onProblem) : await hotlineHere(url, onProblem);
  bench = new Bench(target, o);
  const run: DatabaseRun = { database: name, inProcess: !apart, steps: [], problems: bench.problems, examples: bench.examples, notes: [] };
  try {
    bench.instrument();
    bench.answerRings();
    if (target.running) {
      bench.listen();
      bench.timeAdapter();
      if (o.queries) bench.countQueries();
    }
    await bench.managerWatching();
    if (o.connected) {
      const t = performance.now();
      await bench.connectIdle(o.connected);
      console.error(`${name}: ${o.connected} idle agents connected to /agents in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }

    const nominal = habits(o).nominalMs;
    // Until a step has measured it, assume the hotline adds 0.4 s to each call's agent time.
    let cycleMs = nominal + 400;
    // About 90% busy: callers wait now and then, so agents often come free to a waiting caller.
    let atLeast = 0;
    const agentsFor = (rate: number) => o.agents ?? Math.max(4, atLeast, Math.ceil((rate * cycleMs) / 1000 / 0.9));
    const fixed = o.rates;
    let rate = fixed ? fixed[0]! : 2;
    let lastGood: number | undefined;
    let halved = false;
    let retried = false;
    let next = 1;
    for (;;) {
      const setup = performance.now();
      const before = bench.roster.length;
      await bench.staffFloor(agentsFor(rate));
      if (bench.roster.length > before) {
        console.error(`${name}: ${bench.roster.length - before} more agents in the roster, logged in (${bench.onFloor} on the floor) in ${((performance.now() - setup) / 1000).toFixed(1)} s`);
      }
      const step = await bench.run(rate);
      run.steps.push(step);
      console.error(
        `${name} ${rate}/s: ${step.completed} calls answered and ended in the ${o.seconds} s window` +
          (step.gaveUpAt
            ? step.gaveUpAt < step.from
              ? `, arrivals stopped ${((step.gaveUpAt - step.from + o.warmup * 1000) / 1000).toFixed(1)} s into the warm-up (fallen behind)`
              : `, arrivals stopped after ${((step.gaveUpAt - step.from) / 1000).toFixed(1)} s (fallen behind)`
            : '') +
          `; ${step.atEnd!.waiting} waiting at the end; ${step.drainedMs !== undefined ? `drained in ${(step.drainedMs / 1000).toFixed(1)} s` : 'not drained'}; kept up: ${step.keptUp ? 'yes' : 'no'}`,
      );
      if (step.drainedMs === undefined) break;
      const cycle = bench.cyclePerCallMs(step);
      // The next, busier step will not be quicker per call than this one was.
      if (cycle !== undefined && step.keptUp) cycleMs = Math.max(nominal + 100, cycle * 1.1);
      // Behind because every agent was busy, not because of the hotline: once, more agents and the same rate.
      if (!step.keptUp && agentBound(step) && o.agents === undefined && !retried) {
        retried = true;
        atLeast = Math.ceil(bench.onFloor * 1.4);
        continue;
      }
      if (fixed) {
        if (next >= fixed.length) break;
        rate = fixed[next++]!;
        continue;
      }
      // The ramp: double while it keeps up; after the first rate it cannot, try once halfway back.
      if (step.keptUp) lastGood = rate;
      if (step.keptUp && !halved && rate * 2 <= o.maxRate) rate *= 2;
      else if (!step.keptUp && !halved && lastGood !== undefined && rate / lastGood > 1.3) {
        rate = Math.round((lastGood + rate) / 2);
        halved = true;
      } else break;
    }
    run.notes = await checks(bench, name);
  } finally {
    bench.closing = true;
    for (const socket of bench.sockets) socket.disconnect();
    await target.close();
  }
  return run;
}

/** Warnings and errors (pino's, level 40 and up) as problems of the run: `who` says whose log it was. */
function problemsLogger(who: string, onProblem: (kind: string, detail: string) => void): Logger {
  return pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n')) {
          if (!line) continue;
          const entry = JSON.parse(line) as { level: number; msg: string; err?: { message?: string } };
          onProblem(`${who} ${entry.level >= 50 ? 'error' : 'warning'}: ${entry.msg}`, entry.err?.message?.slice(0, 200) ?? line.slice(0, 200));
        }
        done();
      },
    }),
  );
}

/** The hotline in this process (src/start.ts), with its built-in simulator, on a fresh database. */
async function hotlineHere(url: string | undefined, onProblem: (kind: string, detail: string) => void): Promise<Target> {
  const database = await benchDatabase(url);
  const hours = openHours();
  try {
    const running = await startHotline(hours.config, {
      log: problemsLogger('hotline', onProblem),
      database,
      simulatorTimeScale: 0,
      sweepEveryMs: 250,
      ...(hours.now ? { now: hours.now } : {}),
    });
    return {
      url: running.url,
      db: database.db,
      sim: running.simulator!,
      running,
      async close() {
        await running.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** Twilio credentials of the right shapes for src/config.ts; nothing here ever reaches Twilio. */
const TWILIO = {
  TWILIO_ACCOUNT_SID: `AC${'5a'.repeat(16)}`,
  TWILIO_AUTH_TOKEN: 'bench-auth-token-not-twilio',
  TWILIO_API_KEY: `SK${'5a'.repeat(16)}`,
  TWILIO_API_SECRET: 'bench-api-secret',
  TWILIO_TWIML_APP_SID: `AP${'5a'.repeat(16)}`,
  TWILIO_CALLER_ID: '+864008000123',
};

/**
 * The hotline as `npm start` runs it, in a child process, on a fresh PostgreSQL database, with CARRIER=twilio:
 * its REST calls go to the stand-in (test/support/twilio-standin.ts), which a carrier simulator here carries out,
 * and the simulator signs its webhooks with the same account, for the address the hotline says it has.
 * The bench opens the database too (the roster, the sessions, the checks). Everything it started is stopped
 * by `close()`, or killed if this process exits first.
 */
async function hotlineChild(url: string, o: Options, onProblem: (kind: string, detail: string) => void): Promise<Target> {
  const undo: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const step of undo.reverse()) await step().catch((err: unknown) => console.error(`bench/acd.ts: while stopping: ${(err as Error).message}`));
    undo.length = 0;
  };
  try {
    const fresh = await freshPostgresDatabase(url);
    undo.push(() => (process.env.KEEP_BENCH_DB ? (console.error(`kept ${fresh.url}`), Promise.resolve()) : fresh.drop()));
    // Migrated here first, so the roster can be written before and while the hotline runs.
    const database = await openDatabase({ url: fresh.url, applicationName: 'sanling-bench' });
    undo.push(() => database.close());
    const standIn = await twilioStandIn({ accountSid: TWILIO.TWILIO_ACCOUNT_SID, authToken: TWILIO.TWILIO_AUTH_TOKEN });
    undo.push(() => standIn.close());
    // The bundle, built from the sources as they are now (as `npm install` does through `prepare`).
    await buildServer();
    const command = startCommand();
    const child = await startChild(
      'acd-hotline-postgres',
      command.at(-1)!,
      o.workers > 1 ? ['--workers', String(o.workers)] : [],
      (port) => ({
        ...TWILIO,
        CARRIER: 'twilio',
        TWILIO_API_URL: standIn.url,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: fresh.url,
        // Agents are on duty only 06:00–23:00 where the hotline is: its zone is one where they are now.
        HOTLINE_TIME_ZONE: openTimeZone(),
        LOG_LEVEL: 'info',
      }),
      { nodeArgs: [...command.slice(0, -1), ...(o.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [])], processes: o.workers > 1 ? o.workers + 1 : 1 },
    );
    const kill = () => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    };
    const interrupted = () => {
      kill();
      process.exit(130);
    };
    process.once('exit', kill);
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    undo.push(async () => {
      await child.stop();
      process.off('exit', kill);
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
    });
    const sim = new Simulator({
      publicUrl: child.url,
      accountSid: TWILIO.TWILIO_ACCOUNT_SID,
      authToken: TWILIO.TWILIO_AUTH_TOKEN,
      timeScale: 0,
      logger: problemsLogger('carrier simulator', onProblem),
    });
    sim.setTargetUrl(child.url);
    standIn.attach(sim);
    // Callers still on the line hang up while the hotline can take their last status callbacks.
    undo.push(() => Promise.race([sim.close(), sleep(20_000)]));
    return { url: child.url, db: database.db, sim, pid: child.pid, logged: logReader(child.logFile), restRequests: standIn.counts, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The warnings and errors a child logged (pino's JSON, level 40 and up; anything else on stderr) since last asked. */
function logReader(file: string): () => Array<{ at: number; kind: string; detail: string }> {
  let offset = 0;
  let partial = '';
  const decoder = new StringDecoder('utf8');
  return () => {
    const fd = openSync(file, 'r');
    let text: string;
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.max(0, size - offset));
      offset += readSync(fd, buffer, 0, buffer.length, offset);
      text = partial + decoder.write(buffer);
    } finally {
      closeSync(fd);
    }
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    const found: Array<{ at: number; kind: string; detail: string }> = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      let entry: { level?: number; time?: string; msg?: string; err?: { message?: string } };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        found.push({ at: Date.now(), kind: 'hotline output that is not its log', detail: line.slice(0, 200) });
        continue;
      }
      if ((entry.level ?? 0) < 40) continue;
      const at = entry.time ? Date.parse(entry.time) : Date.now();
      found.push({ at, kind: `hotline ${entry.level! >= 50 ? 'error' : 'warning'}: ${entry.msg}`, detail: entry.err?.message?.slice(0, 200) ?? line.slice(0, 200) });
    }
    return found;
  };
}

/** After the run, in the database: nobody answered twice, nobody holding two calls, every call over. */
async function checks(bench: Bench, name: string): Promise<string[]> {
  const { db, running } = bench.target;
  const count = async (query: ReturnType<typeof sql>) => (await rows<{ n: number }>(db, query))[0]?.n ?? 0;
  const twice = await count(sql`
    select count(*)::int as n from (select call_sid from offers where status in ('connected', 'completed') group by call_sid having count(*) > 1) x`);
  if (twice > 0) bench.problem('call answered by two agents (SQL)', `${twice} calls`);
  const live = await count(sql`
    select count(*)::int as n from (select staff_id from offers where status in ('ringing', 'connected') group by staff_id having count(*) > 1) x`);
  if (live > 0) bench.problem('agent with two live offers (SQL)', `${live} agents`);
  const open = await count(sql`select count(*)::int as n from calls where status <> 'ended'`);
  if (open > 0) bench.problem('calls not ended (SQL)', `${open} calls`);
  if (bench.popsDue.size > 0) bench.problem('screen-pop never arrived', `${bench.popsDue.size} offers`);
  if (!running) {
    const made = await rows<{ id: number }>(db, sql`select id from offers where call_sid is not null`);
    const lost = made.filter((r) => !bench.popsSeen.has(r.id)).length;
    if (lost > 0) bench.problem('screen-pop never arrived (offers in the database that no agent socket heard of)', `${lost} offers`);
  }
  for (const e of bench.target.logged?.() ?? []) bench.problem(e.kind, e.detail, undefined);
  const offers = await rows<{ status: string; n: number }>(db, sql`select status, count(*)::int as n from offers group by status order by status`);
  const calls = await count(sql`select count(*)::int as n from calls`);
  // What the managers' board costs now that the day has this many calls in it: in process the computation
  // itself, else the request a manager's page makes.
  const times = new Samples();
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    if (running) await currentMetrics(running.hotline);
    else {
      const res = await fetch(`${bench.target.url}/api/metrics/live`, { headers: { authorization: `Bearer ${bench.managerToken}` } });
      await res.arrayBuffer();
      if (!res.ok) bench.problem('live figures refused', `HTTP ${res.status}`);
    }
    times.add(performance.now() - t);
  }
  return [
    `${name}: ${calls} calls in the database; offers by status: ${offers.map((r) => `${r.status} ${r.n}`).join(', ')}`,
    running
      ? `${name}: the managers' live figures took ${ms(times.at(50))} ms to compute at the end (pushed ${bench.metricsPushed} times during the run)`
      : `${name}: GET /api/metrics/live (the managers' live figures) took ${ms(times.at(50))} ms at the end (pushed ${bench.metricsPushed} times during the run)`,
    ...(bench.target.restRequests
      ? [`${name}: the hotline's requests to Twilio's REST API (the stand-in): ${[...bench.target.restRequests].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`]
      : []),
  ];
}

/**
 * Agents work 06:00–23:00 in the hotline's time zone: outside those hours the flow closes before the queues,
 * so then the hotline's clock is moved into the working day (by whole hours, running at real speed).
 */
function openHours(): { config: Config; now?: () => Date } {
  const config = loadConfig({ PORT: '0', PUBLIC_URL: 'http://hotline.bench.test', LOG_LEVEL: 'silent', IVR_FLOWS_DIR: FLOWS_DIR });
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: config.timeZone, hour: 'numeric', hourCycle: 'h23' }).format(new Date()));
  if (hour >= 7 && hour <= 21) return { config };
  const shift = (((10 - hour) % 24) + 24) % 24;
  return { config, now: () => new Date(Date.now() + shift * 3_600_000) };
}

// ---------------------------------------------------------------------------------------------------------
// The tables.

function report(runs: DatabaseRun[], o: Options): void {
  console.log(
    `\nThe hotline under load: callers ${PATHS.map((p) => `${p.queue} ${p.in20 * 5}%`).join(', ')}; agents ${habits(o).said}, end their wrap-up at once. ` +
      `Each rate: ${o.warmup} s warm-up, ${o.seconds} s measured. Times in ms. Load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (this machine's other work shares its cores).`,
  );
  for (const run of runs) {
    console.log(
      run.inProcess
        ? `${run.database}: the hotline ran in this process, with the simulated carrier, callers and agents: its CPU is theirs too, and offers are timed from the ACD's own events.`
        : `${run.database}: the hotline ran in a child process as npm start runs it (CARRIER=twilio; Twilio played here by the carrier simulator behind a stand-in REST API). ` +
            `Offers are timed as seen at the agent's socket and the carrier; screen-pops from the offer's row (offered_at) to the socket. (PGlite cannot be shared by two processes: it always runs in this process.)`,
    );
  }

  const p = (s: Samples, q: number) => ms(s.at(q));
  const summary: string[][] = [['database', 'rate', 'webhooks p50', 'p99', 'agent free → offer p50', 'p99', 'n', 'caller queued → offer p50', 'p99', 'n', 'offer → screen-pop p50', 'p99']];
  for (const run of runs) {
    for (const s of run.steps) {
      const all = allWebhooks(s);
      summary.push([
        label(run),
        `${s.rate}/s`,
        p(all, 50),
        p(all, 99),
        p(s.agentToOffer, 50),
        p(s.agentToOffer, 99),
        String(s.agentToOffer.count),
        p(s.callerToOffer, 50),
        p(s.callerToOffer, 99),
        String(s.callerToOffer.count),
        p(s.screenPop, 50),
        p(s.screenPop, 99),
      ]);
    }
  }
  console.log(
    '\nLatency at each rate (webhooks as the carrier sees them; in process, offers from the ACD\'s events and screen-pops from its `offer` event; ' +
      'in a child process, offers seen at the agent\'s socket (agent free: its `presence` message; caller queued: the carrier getting <Enqueue>) and screen-pops from offers.offered_at):',
  );
  printTable(summary, 2);

  const flow: string[][] = [
    ['database', 'rate', 'agents', 'arrived/s', 'answered/s', 'occupancy', 'waiting at end', 'oldest wait', 'drained in', 'hotline CPU', 'load CPU', 'bench loop busy', 'loop delay p99', 'kept up'],
  ];
  for (const run of runs) {
    for (const s of run.steps) {
      const seconds = (s.to - s.from) / 1000;
      const cpu = (used: number | undefined) => (used === undefined ? '-' : `${Math.round(used / seconds / 10)}%`);
      flow.push([
        label(run),
        `${s.rate}/s`,
        String(s.agents),
        (s.arrived / seconds).toFixed(1),
        (s.completed / seconds).toFixed(1),
        `${Math.round(occupancy(s) * 100)}%`,
        String(s.atEnd?.waiting ?? '-'),
        `${((s.atEnd?.oldestWaitMs ?? Number.NaN) / 1000).toFixed(1)} s`,
        s.drainedMs === undefined ? 'no' : `${(s.drainedMs / 1000).toFixed(1)} s`,
        run.inProcess ? `${cpu(s.cpuMs)} (with the load)` : cpu(s.serverCpuMs),
        run.inProcess ? 'inside' : cpu(s.cpuMs),
        s.loopBusy === undefined ? '-' : `${Math.round(s.loopBusy * 100)}%`,
        s.loopDelayP99Ms === undefined ? '-' : ms(s.loopDelayP99Ms),
        s.keptUp ? 'yes' : agentBound(s) ? 'no (agents all busy)' : s.gaveUpAt ? 'no (fell behind)' : 'no',
      ]);
    }
  }
  console.log(
    '\nThroughput (answered = answered by an agent and ended; CPU in % of one core over the measured window: hotline = its whole process tree, ' +
      'load = this process (simulated carrier and its REST stand-in, callers, agents\' sockets); in process the two are one figure; bench loop = this process\'s event loop):',
  );
  printTable(flow, 2);
  for (const run of runs) {
    for (const s of run.steps) {
      if (s.maxArrivalLagMs > 50) console.log(`${label(run)} ${s.rate}/s: callers arrived up to ${ms(s.maxArrivalLagMs)} ms late (the event loop was busy)`);
      if (!run.inProcess && (s.loopBusy ?? 0) > 0.9) console.log(`${label(run)} ${s.rate}/s: the load's own event loop was ${Math.round(s.loopBusy! * 100)}% busy: these figures are partly the bench's`);
    }
  }

  // The detail at the highest rate each database kept up with (or its first rate).
  for (const run of runs) {
    const ref = reference(run);
    if (!ref) continue;
    const rows: string[][] = [['webhook', 'count', 'p50', 'p99', 'max']];
    const names = [...WEBHOOKS.filter((n) => ref.webhooks.has(n)), ...[...ref.webhooks.keys()].filter((n) => !WEBHOOKS.includes(n))];
    for (const name of names) {
      const s = ref.webhooks.get(name)!;
      rows.push([name, String(s.count), p(s, 50), p(s, 99), p(s, 100)]);
    }
    const all = allWebhooks(ref);
    rows.push(['all webhooks', String(all.count), p(all, 50), p(all, 99), p(all, 100)]);
    console.log(`\n${label(run)} at ${ref.rate}/s, webhooks:`);
    printTable(rows, 1);
    const acd: string[][] = [['delay', 'count', 'p50', 'p99', 'max', 'target p99']];
    const line = (what: string, s: Samples, target?: number) =>
      acd.push([what, String(s.count), p(s, 50), p(s, 99), p(s, 100), target === undefined ? '' : `< ${target}: ${verdict(s, target)}`]);
    const seen = run.inProcess ? '' : ', seen at the agent\'s socket';
    line(`agent available → offer (a caller waiting)${seen}`, ref.agentToOffer, TARGET.offerP99);
    line(`caller queued → offer (an agent free)${seen}`, ref.callerToOffer);
    line(run.inProcess ? 'offer → screen-pop at the agent\'s socket' : 'offer\'s match began (offered_at) → screen-pop at the agent\'s socket', ref.screenPop, TARGET.screenPopP99);
    line(run.inProcess ? 'offer → agent\'s phone rings' : 'offer\'s match began (offered_at) → agent\'s phone rings at the carrier', ref.offerToRing);
    line(`caller queued → offered (the wait)${seen}`, ref.wait);
    if (ref.adapterPublish.count) line('socket.io adapter pg_notify (each emit waits for it)', ref.adapterPublish);
    console.log(`\n${label(run)} at ${ref.rate}/s, the ACD:`);
    printTable(acd, 1);
  }

  if (o.queries) {
    for (const run of runs) {
      if (!run.inProcess) continue;
      const { database } = run;
      for (const s of run.steps) {
        const total = [...s.queries.values()].reduce((a, b) => a + b, 0);
        const perCall = (n: number) => (s.arrived ? (n / s.arrived).toFixed(1) : '-');
        console.log(`\n${database} ${s.rate}/s: ${total} SQL statements (${perCall(total)} per call arriving, ${(total / o.seconds).toFixed(0)}/s) in ${s.transactions} transactions (${perCall(s.transactions)} per call), BEGIN and COMMIT not counted`);
        const top = [...s.queries].sort((a, b) => b[1] - a[1]).slice(0, 25);
        printTable([['statement', 'count', 'per call'], ...top.map(([q, n]) => [q, String(n), perCall(n)])], 1);
        console.log(`${database} ${s.rate}/s: transactions by their first statement, most time first (ms, from asking for a connection to COMMIT):`);
        const kinds = [...s.transactionMs].sort((a, b) => b[1].count * b[1].mean() - a[1].count * a[1].mean()).slice(0, 12);
        printTable([['first statement', 'count', 'p50', 'p99', 'max'], ...kinds.map(([q, t]) => [q, String(t.count), p(t, 50), p(t, 99), p(t, 100)])], 1);
      }
    }
  }

  console.log('\nTargets (for PostgreSQL on this 2-core machine):');
  for (const run of runs) {
    const ref = reference(run);
    const best = run.steps.filter((s) => s.keptUp).sort((a, b) => b.rate - a.rate)[0];
    const sustained = best ? best.completed / ((best.to - best.from) / 1000) : 0;
    const at = ref ? ` at ${ref.rate}/s` : '';
    console.log(
      `  ${label(run)}: ${TARGET.callsPerSecond} calls/s sustained: ${sustained >= TARGET.callsPerSecond * 0.95 ? 'met' : 'not met'} ` +
        `(kept up with ${best ? `${best.rate}/s: ${sustained.toFixed(1)} calls/s answered` : 'no rate tried'}); ` +
        `offer p99 < ${TARGET.offerP99} ms${at}: ${ref ? `${verdict(ref.agentToOffer, TARGET.offerP99)} (${p(ref.agentToOffer, 99)}, n=${ref.agentToOffer.count})` : '-'}; ` +
        `screen-pop p99 < ${TARGET.screenPopP99} ms${at}: ${ref ? `${verdict(ref.screenPop, TARGET.screenPopP99)} (${p(ref.screenPop, 99)}, n=${ref.screenPop.count})` : '-'}`,
    );
  }

  let failed = false;
  console.log('');
  for (const run of runs) {
    for (const note of run.notes) console.log(note);
    const lines = (where: string, problems: Map<string, number>, examples: string[], fatal: (kind: string) => boolean) => {
      for (const [kind, n] of problems) {
        const fails = fatal(kind);
        failed ||= fails;
        const example = examples.find((e) => e.startsWith(`${kind}:`));
        console.error(`${run.database}${where}: ${fails ? 'FAILED' : 'under overload'}: ${kind} × ${n}${example ? ` (e.g. ${example.slice(kind.length + 2)})` : ''}`);
      }
    };
    for (const s of run.steps) lines(` ${s.rate}/s`, s.problems, s.examples, (kind) => !s.overloaded || ALWAYS_WRONG.has(kind));
    lines('', run.problems, run.examples, () => true);
  }
  if (failed) process.exitCode = 1;
}

/** The database, and where the hotline ran. */
function label(run: DatabaseRun): string {
  return `${run.database} (${run.inProcess ? 'in process' : 'child process'})`;
}

/** Each database's steps as numbers (NaN as null), for a program to read: bench/capacity.ts. */
function summary(runs: DatabaseRun[]) {
  const n = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? null : Math.round(v * 10) / 10);
  return runs.map(({ database, inProcess, steps, problems }) => ({
    database,
    inProcess,
    problems: Object.fromEntries(problems),
    steps: steps.map((s) => {
      const seconds = (s.to - s.from) / 1000;
      const all = allWebhooks(s);
      const offers = new Samples();
      for (const v of [...s.agentToOffer.values, ...s.callerToOffer.values]) offers.add(v);
      const percent = (used: number | undefined) => (used === undefined ? null : n(used / seconds / 10));
      return {
        rate: s.rate,
        agents: s.agents,
        arrivedPerSecond: n(s.arrived / seconds),
        answeredPerSecond: n(s.completed / seconds),
        keptUp: s.keptUp,
        overloaded: s.overloaded,
        /** Seconds into the window that arrivals stopped because the hotline had fallen behind (negative: in the warm-up). */
        arrivalsStoppedAt: s.gaveUpAt === undefined ? null : n((s.gaveUpAt - s.from) / 1000),
        webhookP50Ms: n(all.at(50)),
        webhookP99Ms: n(all.at(99)),
        offerP99Ms: n(s.agentToOffer.at(99)),
        offerSamples: s.agentToOffer.count,
        callerToOfferP99Ms: n(s.callerToOffer.at(99)),
        callerToOfferSamples: s.callerToOffer.count,
        /** Every offer made with one side already waiting (agent free → offer and caller queued → offer together). */
        anyOfferP99Ms: n(offers.at(99)),
        screenPopP99Ms: n(s.screenPop.at(99)),
        screenPopSamples: s.screenPop.count,
        /** This process: in process the hotline and the load together, else the load alone. */
        cpuPercent: percent(s.cpuMs),
        /** Out of process: the hotline's process tree. */
        serverCpuPercent: percent(s.serverCpuMs),
        loopBusyPercent: s.loopBusy === undefined ? null : n(s.loopBusy * 100),
        problems: Object.fromEntries(s.problems),
      };
    }),
  }));
}

/** The agents' busy share of the window. */
function occupancy(s: Step): number {
  return 1 - s.idleMs / (s.agents * (s.to - s.from));
}

/** Every agent was busy while the hotline itself had time to spare: the floor, not the hotline, was short. */
function agentBound(s: Step): boolean {
  // Out of process the hotline's spare time is its CPU (one event loop, so under 90% of a core); in process, the shared loop's.
  const hotlineBusy = s.serverCpuMs !== undefined ? s.serverCpuMs / (s.to - s.from) : (s.loopBusy ?? 1);
  return occupancy(s) >= 0.93 && hotlineBusy < 0.9;
}

function allWebhooks(s: Step): Samples {
  const all = new Samples();
  for (const list of s.webhooks.values()) for (const v of list.values) all.add(v);
  return all;
}

/** The step the details are shown for: the highest rate kept up with, else the first. */
function reference(run: DatabaseRun): Step | undefined {
  return run.steps.filter((s) => s.keptUp).sort((a, b) => b.rate - a.rate)[0] ?? run.steps[0];
}

function verdict(s: Samples, target: number): string {
  if (s.count === 0) return 'no samples';
  return `${s.at(99) < target ? 'met' : 'not met'}${s.count < 20 ? ' (few samples)' : ''}`;
}

async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, Math.max(0, ms)));

await main().catch((err: unknown) => {
  const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  if (!usage) throw err;
  console.error(`bench/acd.ts: ${(err as Error).message}`);
  process.exitCode = 2;
});
