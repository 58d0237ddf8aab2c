/**
 * History does not slow the present: the live board (`liveMetrics`) and a routing pass (`route`) should cost
 * the same with a year of calls behind them as with a day's. For each history size, a fresh database gets N
 * ended calls spread over the past year (with their offers and surveys, as the hotline makes them), then a
 * present: 1,000 calls today, callers waiting in one queue, agents on calls, in wrap-up and free. Then it times
 * - the live board, `runs` times (p50, p99);
 * - a routing pass with one caller waiting in a queue the free agents cannot take and one agent who can,
 *   `runs` times, the caller and their offer deleted after each pass;
 * and prints each figure's ratio to the smallest history's. PostgreSQL (DATABASE_URL, or a local test server
 * that answers) up to 1,000,000 calls; PGlite up to 100,000 (a million takes many minutes to load in WASM).
 *
 *   npm run bench:history
 *   npm run bench:history -- --database postgres --sizes 1000,1000000 --runs 50 --explain
 *
 * `historyBench(options)` returns the rows for bench/capacity.ts.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { route } from '../src/acd/route.ts';
import type { Database, Db, Tx } from '../src/database.ts';
import type { Hotline } from '../src/hotline.ts';
import { liveMetrics, startOfLocalDay } from '../src/metrics/live.ts';
import { hotlineWithoutCarrier, testConfig } from '../test/support/hotline.ts';
import { benchDatabase, ms, postgresUrl, printTable, Samples } from './support.ts';

export type HistoryOptions = {
  /** Which databases; PostgreSQL only where one answers. */
  databases?: Array<'postgres' | 'pglite'>;
  /** History sizes (calls) on PostgreSQL, smallest first; the ratios are to the first. */
  postgresSizes?: number[];
  pgliteSizes?: number[];
  /** Calls today, besides those waiting now. */
  today?: number;
  /** Timed runs of each figure. */
  runs?: number;
  /** Print the plans of the board's and routing's queries at each size (PostgreSQL's EXPLAIN ANALYZE). */
  explain?: boolean;
  log?: (line: string) => void;
};

export type HistoryRow = {
  database: 'postgres' | 'pglite';
  history: number;
  /** Seconds to load the history (and count it). */
  loadSeconds: number;
  liveP50: number;
  liveP99: number;
  routeP50: number;
  routeP99: number;
  /** p50 over the smallest history's p50, for the board and the routing pass. */
  liveRatio: number;
  routeRatio: number;
};

const AGENTS = 50;
const WAITING = 20;
/** Who answered call `g` (SQL), and who missed it first (SQL, from the answering `agent_id`): 40 of the 50. */
const HISTORY_AGENTS = { answering: `11 + g % ${AGENTS - 10}`, missing: `11 + (agent_id + 1) % ${AGENTS - 10}` };
const QUEUES = ['general', 'tickets', 'luggage', 'lost-and-found', 'complaints'];
const IVR = `'{"flow":"hotline","node":"agent","language":"zh-CN","attempt":0,"answers":{},"path":[]}'::jsonb`;

export async function historyBench(options: HistoryOptions = {}): Promise<HistoryRow[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const url = await postgresUrl();
  const kinds = (options.databases ?? ['postgres', 'pglite']).filter((kind) => kind === 'pglite' || url);
  const rows: HistoryRow[] = [];
  for (const kind of kinds) {
    const sizes = kind === 'postgres' ? (options.postgresSizes ?? [1_000, 1_000_000]) : (options.pgliteSizes ?? [1_000, 100_000]);
    const floors: Floor[] = [];
    try {
      for (const history of sizes) floors.push(await loadFloor(await benchDatabase(kind === 'postgres' ? url : undefined), history, options, log));
      const timed = await timeFloors(floors, options.runs ?? 50);
      const base = timed[0]!;
      for (const [i, t] of timed.entries()) {
        rows.push({ database: kind, history: sizes[i]!, loadSeconds: floors[i]!.loadSeconds, ...t, liveRatio: t.liveP50 / base.liveP50, routeRatio: t.routeP50 / base.routeP50 });
      }
    } finally {
      for (const floor of floors) await dropFloor(floor.h.database);
    }
  }
  return rows;
}

type Floor = { h: Hotline; now: Date; loadSeconds: number };

async function loadFloor(database: Database, history: number, options: HistoryOptions, log: (line: string) => void): Promise<Floor> {
  const db = database.db;
  const config = testConfig();
  const since = startOfLocalDay(new Date(), config.timeZone);
  // The afternoon of today, whatever the hour the bench runs at.
  const now = new Date(since.getTime() + 14 * 3600_000);
  const h: Hotline = { ...hotlineWithoutCarrier(config, database, () => now) };
  // Ringing the agent asks the carrier to move the caller: here it just says yes.
  h.carrier = { ...h.carrier, redirect: () => Promise.resolve() };
  try {
    const loading = performance.now();
    await addStaff(db);
    await loadHistory(db, history, since);
    const loadSeconds = (performance.now() - loading) / 1000;
    await addPresent(db, options.today ?? 1_000, since, now);
    // As autovacuum leaves a table the hotline has written for a while (a vacuum taking over 10 s is skipped).
    for (const table of ['calls', 'offers', 'surveys', 'live_call_counts', 'live_offer_counts']) {
      await db.execute(sql.raw(`vacuum analyze ${table}`)).catch(() => db.execute(sql.raw(`analyze ${table}`)));
    }
    log(`${database.kind}: ${history.toLocaleString('en')} calls of history loaded in ${loadSeconds.toFixed(1)} s`);
    if (options.explain && database.kind === 'postgres') await explain(db, now, log);
    return { h, now, loadSeconds };
  } catch (err) {
    log(`${database.kind}: loading ${history.toLocaleString('en')} calls failed: ${String((err as { cause?: unknown }).cause ?? err)}`);
    await dropFloor(database);
    throw err;
  }
}

/** Emptied first (in a transaction without the statement timeout), so dropping the schema is quick. */
async function dropFloor(database: Database): Promise<void> {
  await database.db.transaction(async (tx) => {
    await tx.execute(sql`set local statement_timeout = 0`);
    await tx.execute(sql`truncate calls, offers, surveys, call_events`);
  });
  await database.close();
}

/**
 * The floors' runs interleaved (one run of each in turn), so whatever else loads the machine meanwhile weighs
 * on every history size alike and the ratios stay fair.
 */
async function timeFloors(floors: Floor[], runs: number) {
  const live = floors.map(() => new Samples());
  const routing = floors.map(() => new Samples());
  const failures = floors.map(() => new Set<string>());
  const board = (f: Floor) => ({ now: f.now, timeZone: f.h.config.timeZone, queues: f.h.queues, ringCycleSeconds: f.h.config.ringCycleSeconds });
  for (let i = -3; i < runs; i++) {
    for (const [k, f] of floors.entries()) {
      const db = f.h.database.db;
      let start = performance.now();
      await liveMetrics(db, board(f));
      if (i >= 0) live[k]!.add(performance.now() - start);
      await oneCallerOneAgent(db, i, f.now);
      start = performance.now();
      // A pass that fails (the statement timeout: a plan that scans the history) counts as the time it took.
      const rung = await route(f.h).catch((err: unknown) => {
        failures[k]!.add(String((err as { cause?: unknown }).cause ?? err).slice(0, 120));
        return 1;
      });
      if (i >= 0) routing[k]!.add(performance.now() - start);
      if (rung !== 1) throw new Error(`the routing pass rang ${rung} agents, not 1`);
      await resetRouting(db, i);
    }
  }
  for (const [k, f] of floors.entries()) for (const failure of failures[k]!) console.error(`${f.h.database.kind} floor ${k + 1}: routing failed: ${failure}`);
  return floors.map((_, k) => ({ liveP50: live[k]!.at(50), liveP99: live[k]!.at(99), routeP50: routing[k]!.at(50), routeP99: routing[k]!.at(99) }));
}

/**
 * Staff 1–50 are the floor's agents (general and tickets; the first ten only luggage, so free agents have
 * nothing to take while callers wait in complaints); staff 51 is the one the routing pass rings.
 */
async function addStaff(db: Db): Promise<void> {
  await db.execute(sql.raw(`
    insert into staff (employee_no, name, role, skills, password_hash)
    select 'A' || lpad(g::text, 4, '0'), 'Agent ' || g, 'agent',
      case when g <= 10 then '{"luggage":3}' else '{"general":2,"tickets":3,"luggage":1}' end::jsonb, 'not-a-real-hash'
    from generate_series(1, ${AGENTS}) g`));
  await db.execute(sql.raw(`insert into staff (employee_no, name, role, skills, password_hash) values ('B0001', 'Bench agent', 'agent', '{"tickets":3}', 'not-a-real-hash')`));
}

/**
 * Ended calls of `prefix`, entering a queue at `from` minus 10 min … minus `spanSeconds` (a spread that never
 * repeats within a year), with their offers and surveys: 85 % answered (one completed offer each, a missed one
 * before it for one in ten, a survey for three in ten), 10 % abandoned in the queue, 5 % hung up in the IVR.
 * Callers are 100,000 numbers, so at a million calls a number has called ten times before.
 */
export async function addCalls(db: Db | Tx, prefix: string, n: number, from: Date, spanSeconds: number, first = 1, agents = HISTORY_AGENTS): Promise<void> {
  await db.execute(
    sql.raw(`
    insert into calls (sid, from_number, to_number, status, ivr, seq, queue, priority, queued_at, agent_id, answered_at, started_at, ended_at, end_reason, duration_seconds)
    select '${prefix}' || g, '+86138' || lpad((g % 100000)::text, 8, '0'), '+864001234567', 'ended', ${IVR}, 5,
      case when k < 95 then q end, case when k < 95 then 0 end, case when k < 95 then t end,
      case when k < 85 then ${agents.answering} end,
      case when k < 85 then t + (g % 41) * interval '1 second' end,
      t - interval '1 minute',
      t + (case when k < 85 then g % 41 + 180 else g % 60 end) * interval '1 second',
      case when k < 85 then 'completed' when k < 95 then 'abandoned-in-queue' else 'abandoned-in-ivr' end,
      240
    from (
      select g, (g * 37) % 100 as k, (array['${QUEUES.join("','")}'])[1 + g % ${QUEUES.length}] as q,
        '${from.toISOString()}'::timestamptz - interval '1 second' * (600 + (g::bigint * 7919) % ${spanSeconds}) as t
      from generate_series(${first}, ${first + n - 1}) g
    ) s`),
  );
  const mine = `sid like '${prefix}%' and answered_at is not null`;
  await db.execute(
    sql.raw(`
    insert into offers (call_sid, staff_id, queue, status, offered_at, ring_started_at, answered_at, ended_at, ring_seconds, rings, within_standard, end_reason)
    select sid, agent_id, queue, 'completed', answered_at - r * interval '1 second', answered_at - r * interval '1 second', answered_at, ended_at,
      r, floor(r / 5) + 1, floor(r / 5) + 1 <= 3, 'completed'
    from (select *, (hashtext(sid) & 15) as r from calls where ${mine}) c`),
  );
  await db.execute(
    sql.raw(`
    insert into offers (call_sid, staff_id, queue, status, offered_at, deadline_at, ended_at, end_reason)
    select sid, ${agents.missing}, queue, 'missed', queued_at, queued_at + interval '25 seconds', queued_at + interval '25 seconds', 'ring-limit'
    from calls where ${mine} and right(sid, 1) = '7'`),
  );
  await db.execute(
    sql.raw(`
    insert into surveys (call_sid, staff_id, queue, language, state, seq, rating, solved, status, started_at, ended_at)
    select sid, agent_id, queue, 'zh-CN', ${IVR}, 2, 1 + (hashtext(sid) & 3) + (hashtext(sid) >> 8 & 1), (hashtext(sid) >> 4 & 3) > 0,
      'complete', ended_at, ended_at + interval '30 seconds'
    from calls where ${mine} and right(sid, 1) in ('1', '2', '3')`),
  );
}

/**
 * The past year, through the counters' triggers as the hotline writes it, in batches of 25,000 calls: each
 * batch's transaction (and its deferred counting at commit) stays well inside the connection's 15 s of silence.
 */
async function loadHistory(db: Db, n: number, since: Date): Promise<void> {
  const BATCH = 25_000;
  for (let first = 1; first <= n; first += BATCH) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local statement_timeout = 0`);
      await addCalls(tx, `H${first}-`, Math.min(BATCH, n - first + 1), since, 365 * 86_400, first);
    });
  }
}

/**
 * Today so far, with the triggers on: `n` ended calls since midnight, callers waiting in complaints (which no
 * free agent takes), 20 agents on calls, 10 in wrap-up, the ten luggage agents free, 10 logged out.
 */
async function addPresent(db: Db, n: number, since: Date, now: Date): Promise<void> {
  const spread = Math.max(1, Math.floor((now.getTime() - since.getTime()) / 1000) - 1_200);
  await addCalls(db, 'P', n, now, spread);
  await db.execute(
    sql.raw(`
    insert into calls (sid, from_number, to_number, status, ivr, seq, queue, priority, queued_at, started_at)
    select 'W' || g, '+86139' || lpad(g::text, 8, '0'), '+864001234567', 'queued', ${IVR}, 5, 'complaints', 0,
      '${now.toISOString()}'::timestamptz - g * interval '7 seconds', '${now.toISOString()}'::timestamptz - g * interval '7 seconds' - interval '1 minute'
    from generate_series(1, ${WAITING}) g`),
  );
  await db.execute(
    sql.raw(`
    insert into agents (staff_id, presence, since, idle_since)
    select g, case when g <= 10 then 'available' when g <= 30 then 'on-call' when g <= 40 then 'wrap-up' else 'offline' end,
      '${now.toISOString()}'::timestamptz - g * interval '1 minute', '${now.toISOString()}'::timestamptz - g * interval '1 minute'
    from generate_series(1, ${AGENTS}) g`),
  );
  await db.execute(sql.raw(`insert into agents (staff_id, presence, since) values (${AGENTS + 1}, 'offline', '${now.toISOString()}')`));
}

/** One caller in tickets, and the bench agent free (and idle longest, so the pass takes them first). */
async function oneCallerOneAgent(db: Db, i: number, now: Date): Promise<void> {
  const at = new Date(now.getTime() - 5_000).toISOString();
  await db.execute(
    sql.raw(`
    insert into calls (sid, from_number, to_number, status, ivr, seq, queue, priority, queued_at, started_at)
    values ('R${i}', '+8613700000001', '+864001234567', 'queued', ${IVR}, 5, 'tickets', 0, '${at}', '${at}')`),
  );
  await db.execute(sql.raw(`update agents set presence = 'available', idle_since = '${at}'::timestamptz - interval '1 hour', since = '${at}' where staff_id = ${AGENTS + 1}`));
}

/** The pass's caller, offer and events gone, the agent logged out: the next pass finds what this one found. */
async function resetRouting(db: Db, i: number): Promise<void> {
  await db.execute(sql.raw(`delete from offers where call_sid = 'R${i}'`));
  await db.execute(sql.raw(`delete from call_events where call_sid = 'R${i}'`));
  await db.execute(sql.raw(`delete from calls where sid = 'R${i}'`));
  await db.execute(sql.raw(`update agents set presence = 'offline' where staff_id = ${AGENTS + 1}`));
}

/**
 * The plans that would scan history if any did: the board's present (callers waiting now) and its counters,
 * and route.ts's two selects (the free agent with a caller to take, the caller), restated here as SQL.
 */
async function explain(db: Db, now: Date, log: (line: string) => void): Promise<void> {
  await db.execute(sql.raw(`update agents set presence = 'available', idle_since = '${now.toISOString()}' where staff_id = ${AGENTS + 1}`));
  await db.execute(sql.raw(`insert into calls (sid, from_number, to_number, status, ivr, queue, priority, queued_at, started_at) values ('X', '+8613700000001', '+864001234567', 'queued', ${IVR}, 'tickets', 0, '${now.toISOString()}', '${now.toISOString()}')`));
  await db.execute(sql`analyze`);
  const n = `'${now.toISOString()}'::timestamptz`;
  const since = `${n} - interval '14 hours'`;
  const routable = `calls.status = 'queued' and (calls.route_after is null or calls.route_after <= ${n})`;
  const queries: Record<string, string> = {
    'waiting now': `select queue, count(*), min(queued_at) from calls where status in ('queued', 'offered') group by queue`,
    'calls per slot (counters)': `select slot_start, sum(offered) from live_call_counts where slot_start >= ${since} and slot_start <= ${n} group by 1`,
    'offers per agent (counters)': `select staff_id, sum(answered) from live_offer_counts where slot_start >= ${since} and slot_start <= ${n} group by 1`,
    'route: the free agent': `select agents.staff_id from agents join staff on staff.id = agents.staff_id
      where agents.presence = 'available' and not staff.disabled and agents.gone_at is null
        and exists (select 1 from calls where ${routable} and (staff.skills ->> calls.queue) is not null)
      order by agents.idle_since, agents.staff_id limit 1 for update of agents skip locked`,
    'route: the caller': `select sid from calls where ${routable} and ('{"tickets":3}'::jsonb ->> calls.queue) is not null
      order by priority desc, queued_at limit 1 for update skip locked`,
    'screen-pop: earlier calls': `select sid from calls where from_number = '+8613800000001' and sid <> 'X' order by started_at desc limit 5`,
  };
  for (const [name, query] of Object.entries(queries)) {
    const result = await db.execute(sql.raw(`explain (analyze, costs off, timing off) ${query}`));
    const lines = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<Record<string, string>>;
    log(`  ${name}:`);
    for (const line of lines) log(`    ${Object.values(line)[0]}`);
  }
  await db.execute(sql.raw(`delete from calls where sid = 'X'`));
  await db.execute(sql.raw(`update agents set presence = 'offline' where staff_id = ${AGENTS + 1}`));
}

export function printHistory(rows: HistoryRow[]): void {
  printTable([
    ['database', 'history', 'load s', 'live p50', 'live p99', 'live ×', 'route p50', 'route p99', 'route ×'],
    ...rows.map((r) => [
      r.database,
      r.history.toLocaleString('en'),
      r.loadSeconds.toFixed(1),
      ms(r.liveP50),
      ms(r.liveP99),
      r.liveRatio.toFixed(2),
      ms(r.routeP50),
      ms(r.routeP99),
      r.routeRatio.toFixed(2),
    ]),
  ]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      database: { type: 'string' },
      sizes: { type: 'string' },
      runs: { type: 'string' },
      today: { type: 'string' },
      explain: { type: 'boolean' },
    },
  });
  const sizes = values.sizes?.split(',').map(Number);
  const rows = await historyBench({
    ...(values.database ? { databases: [values.database as 'postgres' | 'pglite'] } : {}),
    ...(sizes ? { postgresSizes: sizes, pgliteSizes: sizes } : {}),
    ...(values.runs ? { runs: Number(values.runs) } : {}),
    ...(values.today ? { today: Number(values.today) } : {}),
    explain: values.explain ?? false,
  });
  printHistory(rows);
  // The bound: the present costs at most 1.2× with the largest history.
  const worst = Math.max(...rows.map((r) => Math.max(r.liveRatio, r.routeRatio)));
  console.log(`\nworst p50 ratio ${worst.toFixed(2)} (the bound is 1.2); a p99 in seconds is a pass that timed out (see above)`);
}
