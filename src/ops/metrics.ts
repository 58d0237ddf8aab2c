import { and, gte, lte, sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { liveCallCounts, liveOfferCounts, type Presence } from '../../db/schema.ts';
import { within } from '../deadline.ts';
import type { Hotline } from '../hotline.ts';
import { startOfLocalDay } from '../metrics/live.ts';
import { agentsNow, waitingNow } from '../metrics/live-now.ts';
import type { PoolStats } from '../realtime/adapter.ts';
import { doorOf } from '../telephony/door.ts';

/**
 * The hotline's figures for Prometheus, in a registry of its own (several hotlines may run in one process, as
 * in the tests: nothing goes to prom-client's global registry).
 *
 * Two kinds of series:
 * - this process's own: webhook latency, sweep durations, database statements and failures, the process's
 *   memory and CPU. Summed across processes.
 * - the hotline's, read from the database at scrape time (bounded reads: the live counters of today's
 *   15-minute slots, and the rows of callers waiting and agents logged in): calls offered, answered and
 *   abandoned today per queue, the rings of today's answered offers, queue sizes, longest waits, agents by
 *   presence. Every process reports the same values: aggregate them with max(), not sum(). The call counters
 *   start again at local midnight (HOTLINE_TIME_ZONE), which rate() and increase() take as a counter reset.
 */
export type OpsMetrics = {
  registry: Registry;
  /** One scrape: the exposition text, the database read once for it. */
  scrape(): Promise<string>;
  /** Time a webhook's answer: `route` is the /twilio path, or `unmatched`. */
  webhook(route: string, status: number, seconds: number): void;
  /** A deadline sweep's duration (src/acd/deadlines.ts). */
  sweep(seconds: number, failed: boolean): void;
  /** The Socket.IO adapter's connection pool (PostgreSQL only), once the realtime layer has started. */
  watchAdapterPool(stats: () => PoolStats): void;
};

/** A scrape waits this long for the database; past it the hotline's series are left out and db_up says 0. */
const READ_LIMIT_MS = 2_000;

const PRESENCES: Exclude<Presence, 'offline'>[] = ['available', 'ringing', 'on-call', 'wrap-up', 'break'];

type Snapshot = {
  waiting: Map<string, { waiting: number; longestWaitSeconds: number }>;
  agents: Map<string, number>;
  calls: Map<string, { offered: number; answered: number; abandoned: number }>;
  rings: { rings1: number; rings2: number; rings3: number; rings4Plus: number; totalRings: number; measured: number };
};

export function opsMetrics(h: Hotline): OpsMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sanling_' });
  const registers = [registry];

  const webhookSeconds = new Histogram({
    name: 'sanling_webhook_duration_seconds',
    help: "Time to answer the carrier's webhooks, per route and status code (Twilio waits 15 s).",
    labelNames: ['route', 'code'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers,
  });
  const sweepSeconds = new Histogram({
    name: 'sanling_sweep_duration_seconds',
    help: 'Duration of the deadline sweeps (offers rung out, wrap-ups, cases, recordings …), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });

  // Every metric's `collect` of one scrape shares one read of the database (scrape() starts a new one).
  let reading: Promise<Snapshot | undefined> | undefined;
  const snapshot = () =>
    (reading ??= within(READ_LIMIT_MS, readSnapshot(h), 'metrics scrape').catch((err: unknown) => {
      h.log.warn({ err: (err as Error).message }, 'metrics: could not read the database');
      return undefined;
    }));
  const queueNames = () => [...h.queues.keys()];

  new Gauge({
    name: 'sanling_database_up',
    help: 'Whether this scrape could read the hotline figures from the database (1) or not (0).',
    registers,
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sanling_queue_waiting_calls',
    help: 'Callers waiting in each queue now (queued, or an agent ringing for them).',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) for (const queue of queueNames()) this.set({ queue }, s.waiting.get(queue)?.waiting ?? 0);
    },
  });
  new Gauge({
    name: 'sanling_queue_longest_wait_seconds',
    help: 'How long the oldest caller still waiting in each queue has waited.',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) for (const queue of queueNames()) this.set({ queue }, s.waiting.get(queue)?.longestWaitSeconds ?? 0);
    },
  });
  new Gauge({
    name: 'sanling_agents',
    help: 'Agents logged in (of enabled staff), by presence.',
    labelNames: ['presence'] as const,
    registers,
    async collect() {
      const s = await snapshot();
      this.reset();
      if (s) for (const presence of PRESENCES) this.set({ presence }, s.agents.get(presence) ?? 0);
    },
  });
  const callCounter = (what: 'offered' | 'answered' | 'abandoned', help: string) =>
    new Counter({
      name: `sanling_calls_${what}_total`,
      help: `${help} today (since local midnight), per queue, as the live board counts them.`,
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        const s = await snapshot();
        this.reset();
        if (s) for (const queue of queueNames()) this.inc({ queue }, s.calls.get(queue)?.[what] ?? 0);
      },
    });
  callCounter('offered', 'Calls that entered a queue');
  callCounter('answered', 'Calls an agent answered');
  callCounter('abandoned', 'Calls whose caller hung up before an agent answered');
  registry.registerMetric(ringsHistogram(snapshot));

  const door = doorOf(h);
  new Gauge({
    name: 'sanling_door_shut',
    help: '1 while this process holds new callers at the door (it is overloaded: src/telephony/door.ts), else 0.',
    registers,
    collect() {
      this.set(door.state().shut ? 1 : 0);
    },
  });
  new Counter({
    name: 'sanling_door_holds_total',
    help: "New-call webhooks this process answered by holding the caller at the door (busy message, music, ask again).",
    registers,
    collect() {
      this.reset();
      this.inc(door.state().holds);
    },
  });

  const stats = () => h.database.stats;
  new Gauge({
    name: 'sanling_database_pool_size',
    help: 'The most statements this process runs on the database at once (postgres.js pool; PGlite runs one).',
    registers,
    collect() {
      this.set(stats()?.poolSize ?? 0);
    },
  });
  new Gauge({
    name: 'sanling_database_statements_in_flight',
    help: "This process's database statements sent and not yet answered.",
    registers,
    collect() {
      this.set(stats()?.inFlight ?? 0);
    },
  });
  new Counter({
    name: 'sanling_database_errors_total',
    help: "This process's failed database statements: unavailable (the database away: refused, dropped, timed out) or query (any other failure).",
    labelNames: ['kind'] as const,
    registers,
    collect() {
      const s = stats();
      this.reset();
      this.inc({ kind: 'unavailable' }, s?.unavailable ?? 0);
      this.inc({ kind: 'query' }, s ? s.failed - s.unavailable : 0);
    },
  });

  let adapterPool: (() => PoolStats) | undefined;
  new Gauge({
    name: 'sanling_socketio_adapter_connections',
    help: "The Socket.IO adapter's PostgreSQL connections (it carries emits between processes): open, idle, and requests waiting for one.",
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.reset();
      const pool = adapterPool?.();
      if (!pool) return;
      this.set({ state: 'open' }, pool.total);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'waiting' }, pool.waiting);
    },
  });

  return {
    registry,
    watchAdapterPool(stats) {
      adapterPool = stats;
    },
    scrape() {
      reading = undefined;
      return registry.metrics();
    },
    webhook(route, status, seconds) {
      webhookSeconds.observe({ route, code: String(status) }, seconds);
    },
    sweep(seconds, failed) {
      sweepSeconds.observe({ outcome: failed ? 'failed' : 'ok' }, seconds);
    },
  };
}

/**
 * Rings to answer of today's answered offers, as a Prometheus histogram (le 1, 2, 3: the three-ring standard
 * is the le="3" bucket over the count). prom-client's Histogram only counts observations made here, and the
 * hotline's counts are the database's (buckets kept per slot by the live counters): so a metric of its own.
 */
function ringsHistogram(snapshot: () => Promise<Snapshot | undefined>): Metric {
  const name = 'sanling_answer_rings';
  const help = 'Rings before an agent answered, of the offers answered today (since local midnight); the standard is three.';
  return {
    name,
    help,
    type: 'histogram',
    async get() {
      const s = await snapshot();
      if (!s) return { name, help, type: 'histogram', aggregator: 'max', values: [] };
      const r = s.rings;
      const bucket = (le: string, value: number) => ({ metricName: `${name}_bucket`, labels: { le }, value });
      return {
        name,
        help,
        type: 'histogram',
        aggregator: 'max',
        values: [
          bucket('1', r.rings1),
          bucket('2', r.rings1 + r.rings2),
          bucket('3', r.rings1 + r.rings2 + r.rings3),
          bucket('+Inf', r.measured),
          { metricName: `${name}_sum`, labels: {}, value: r.totalRings },
          { metricName: `${name}_count`, labels: {}, value: r.measured },
        ],
      };
    },
  } as unknown as Metric;
}

/** Four bounded reads: waiting callers and logged-in agents (current rows), today's counter slots. */
async function readSnapshot(h: Hotline): Promise<Snapshot> {
  const db = h.database.db;
  const now = h.now();
  const since = startOfLocalDay(now, h.config.timeZone);
  const [waiting, staffed, calls, [rings]] = await Promise.all([
    waitingNow(db, now),
    agentsNow(db),
    db
      .select({
        queue: liveCallCounts.queue,
        offered: sql<number>`sum(${liveCallCounts.offered})::int`,
        answered: sql<number>`sum(${liveCallCounts.answered})::int`,
        abandoned: sql<number>`sum(${liveCallCounts.abandoned})::int`,
      })
      .from(liveCallCounts)
      .where(and(gte(liveCallCounts.slotStart, since), lte(liveCallCounts.slotStart, now)))
      .groupBy(liveCallCounts.queue),
    db
      .select({
        rings1: sql<number>`coalesce(sum(${liveOfferCounts.rings1}), 0)::int`,
        rings2: sql<number>`coalesce(sum(${liveOfferCounts.rings2}), 0)::int`,
        rings3: sql<number>`coalesce(sum(${liveOfferCounts.rings3}), 0)::int`,
        rings4Plus: sql<number>`coalesce(sum(${liveOfferCounts.rings4Plus}), 0)::int`,
        totalRings: sql<number>`coalesce(sum(${liveOfferCounts.totalRings}), 0)::int`,
        measured: sql<number>`coalesce(sum(${liveOfferCounts.measured}), 0)::int`,
      })
      .from(liveOfferCounts)
      .where(and(gte(liveOfferCounts.slotStart, since), lte(liveOfferCounts.slotStart, now))),
  ]);
  const agents = new Map<string, number>();
  for (const row of staffed) agents.set(row.presence, (agents.get(row.presence) ?? 0) + row.count);
  return {
    waiting: new Map(waiting.map((w) => [w.queue ?? '', { waiting: w.waiting, longestWaitSeconds: w.longestWaitSeconds }])),
    agents,
    calls: new Map(calls.map((c) => [c.queue, c])),
    rings: rings ?? { rings1: 0, rings2: 0, rings3: 0, rings4Plus: 0, totalRings: 0, measured: 0 },
  };
}
