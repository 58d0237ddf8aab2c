/**
 * The case desk's recurring work against a long history: one sweep pass of the reply-commitment clocks with a
 * batch due, an agent's "my cases", and the supervisors' board (first page, unfiltered and by type). Each is
 * timed over a small desk (1,000 cases of history, 100 open), the same open cases over 100,000 of history,
 * and a large desk (100,000 of history, 10,000 open), side by side: what the pages and the sweeper do must
 * not slow down as the history grows. Embedded PGlite by default; the PostgreSQL at DATABASE_URL when it is
 * set (in a schema of its own, dropped at the end). About 70 s on PGlite, 45 s on PostgreSQL.
 *
 *   npm run bench:cases
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:cases
 *   npm run bench:cases -- --samples 200 --explain     # more samples (the sweep takes a quarter as many);
 *                                                      # the plans of the sweep's read and of the lists
 *
 * The desks are generated in SQL (INSERT … SELECT over generate_series), with a spread like the hotline's:
 * five types, both priorities, the open statuses and the closed ones, cases owned by agents (about 20 open
 * each) and by departments, clocks met, running, paused and overdue (some escalated already), and a timeline
 * for every case. Then ANALYZE, as autovacuum would have done on a server that has lived with the data.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { and, count, desc, isNotNull, notInArray, sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type postgres from 'postgres';
import * as schema from '../db/schema.ts';
import { cases } from '../db/schema.ts';
import { board, myCases } from '../src/cases/lists.ts';
import { sweepCases } from '../src/cases/sweep.ts';
import { loadConfig } from '../src/config.ts';
import type { Database, Db } from '../src/database.ts';
import type { Hotline } from '../src/hotline.ts';
import { benchDatabase, ms, printTable, Samples } from './support.ts';
import { hotlineWithoutCarrier } from '../test/support/hotline.ts';

const FLOWS_DIR = fileURLToPath(new URL('../ivr-flows', import.meta.url));
/** Wednesday 10:00 in Asia/Shanghai: inside the office's hours, so the sweep sends rather than postpones. */
const NOW = new Date('2026-11-25T02:00:00Z');
/** Clocks due at each sweep pass: one full batch of sweepCases. */
const DUE = 100;
/** Open cases per agent who owns some: "my cases" is timed for an agent with about this many. */
const PER_AGENT = 20;

/**
 * The issue's two desks, and between them the large history with the small desk's open cases: what grows
 * from the first to the second column grows with history, from the second to the third with the open cases.
 */
const DESKS = [
  { name: '1k/100', history: 1_000, open: 100 },
  { name: '100k/100', history: 100_000, open: 100 },
  { name: '100k/10k', history: 100_000, open: 10_000 },
] as const;
type Desk = (typeof DESKS)[number];

const MEASURES = ['sweep', 'mine', 'board', 'board-type'] as const;
type Measure = (typeof MEASURES)[number];
const LABEL: Record<Measure, string> = {
  sweep: `sweep pass (${DUE} due)`,
  mine: 'my cases',
  board: 'board, first page',
  'board-type': 'board, type=complaint',
};

function options() {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '100' }, explain: { type: 'boolean', default: false } } });
  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 5) throw new Error(`--samples must be a whole number >= 5, got ${values.samples}`);
  return { samples, explain: values.explain };
}

async function main(): Promise<void> {
  const o = options();
  const url = process.env.DATABASE_URL || undefined;
  const runs: Array<Awaited<ReturnType<typeof benchmark>>> = [];
  for (const desk of DESKS) runs.push(await benchmark(url, desk, o));
  const [small, history, large] = runs.map((r) => r.samples);
  const growth = (a: Samples, b: Samples) => `${(b.at(50) / a.at(50)).toFixed(1)}×`;
  console.log(`${runs[0]!.name}, cases of history/open: ${DESKS.map((d) => `${d.name} = ${d.history.toLocaleString('en')}/${d.open.toLocaleString('en')}`).join(', ')}`);
  console.log(`times in ms; p50 growth with history (${DESKS[0].name} → ${DESKS[1].name}) and with open cases (${DESKS[1].name} → ${DESKS[2].name})`);
  const rows = MEASURES.map((m) => [
    LABEL[m],
    String(small!.get(m)!.count),
    ...runs.flatMap((r) => [ms(r.samples.get(m)!.at(50)), ms(r.samples.get(m)!.at(99))]),
    growth(small!.get(m)!, history!.get(m)!),
    growth(history!.get(m)!, large!.get(m)!),
  ]);
  printTable([['measure', 'samples', ...DESKS.flatMap((d) => [`p50 ${d.name}`, `p99 ${d.name}`]), 'history', 'open'], ...rows], 1);
}

/** One desk on a fresh database: generated, analysed, then each measure warmed up and timed. */
async function benchmark(url: string | undefined, desk: Desk, o: ReturnType<typeof options>) {
  const database = await benchDatabase(url);
  const name = database.kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
  try {
    const h = hotline(database);
    const db = database.db;
    const started = performance.now();
    await generate(db, desk);
    const generated = (performance.now() - started) / 1000;
    const agent = await busiestAgent(db);
    console.error(`${name} ${desk.name}: ${desk.history + desk.open} cases generated and analysed in ${generated.toFixed(1)} s; "my cases" of an agent with ${agent.open} open`);

    const samples = new Map<Measure, Samples>(MEASURES.map((m) => [m, new Samples()]));
    const time = async (measure: Measure, times: number, warmup: number, work: () => Promise<unknown>, before?: () => Promise<void>) => {
      for (let i = 0; i < warmup + times; i++) {
        await before?.();
        const t = performance.now();
        await work();
        if (i >= warmup) samples.get(measure)!.add(performance.now() - t);
      }
    };
    await time('sweep', Math.max(5, Math.round(o.samples / 4)), 3, async () => {
      const sent = await sweepCases(h);
      if (sent !== DUE) throw new Error(`the sweep sent ${sent} alerts, not the ${DUE} due`);
    }, () => armBatch(db));
    await time('mine', o.samples, 10, async () => {
      const mine = await myCases(db, agent.id, NOW);
      if (mine.length !== agent.open) throw new Error(`my cases: ${mine.length}, not ${agent.open}`);
    });
    await time('board', o.samples, 10, () => board(db, { page: 0 }, NOW));
    await time('board-type', o.samples, 10, () => board(db, { type: 'complaint', page: 0 }, NOW));
    if (o.explain) await explain(database, h, agent.id, desk);
    return { name, samples };
  } finally {
    await database.close();
  }
}

function hotline(database: Database): Hotline {
  return hotlineWithoutCarrier(loadConfig({ LOG_LEVEL: 'silent', IVR_FLOWS_DIR: FLOWS_DIR }), database, () => NOW);
}

// ---------------------------------------------------------------------------------------------------------
// The desk, in SQL. Spreads come from multiplying the row number by primes: deterministic, and uncorrelated
// enough between columns for the planner and the pages to see a mixed desk.

async function generate(db: Db, desk: Desk): Promise<void> {
  const now = NOW.toISOString();
  const agents = Math.ceil((desk.open * 0.8) / PER_AGENT);
  const supervisors = Math.max(2, Math.ceil(agents / 20));
  await db.execute(sql`
    insert into staff (employee_no, name, role, skills, password_hash)
    select (10000 + g)::text, 'Agent ' || g, 'agent', '{"general": 3}'::jsonb, 'not-a-hash' from generate_series(1, ${agents}::int) g
    union all
    select (20000 + g)::text, 'Supervisor ' || g, 'supervisor', '{}'::jsonb, 'not-a-hash' from generate_series(1, ${supervisors}::int) g
    union all
    select (30000 + g)::text, 'Manager ' || g, 'manager', '{}'::jsonb, 'not-a-hash' from generate_series(1, 2) g`);

  // One case in (history / open + 1) is open. Open ones are recent (callbacks: minutes; the rest: up to six
  // weeks, so some are overdue); history spans two years. Agents own 80 % of the open cases, 70 % of the rest.
  const every = Math.round(desk.history / desk.open) + 1;
  await db.execute(sql`
    insert into cases (reference, type, priority, status, waiting_on, channel, passenger_name, contact_number, contact_key, language,
      train_number, travel_date, category, details, description, owner_staff_id, owner_department, supervisor_id, resolution,
      created_by, created_at, updated_at, resolved_at, closed_at, version)
    select 'X' || lpad(g::text, 7, '0'), type, case when (g * 13) % 10 = 0 then 'urgent' else 'normal' end,
      status, case when status = 'waiting' then (case when g % 2 = 0 then 'passenger' else 'department' end) end,
      (array['phone', 'phone', 'phone', 'phone', 'phone', 'phone', 'phone', 'online', 'online', 'on-site'])[1 + (g * 17) % 10],
      'Passenger ' || g, '+86 138 ' || lpad(((g * 7919) % 100000000)::text, 8, '0'), lpad(((g * 7919) % 100000000)::text, 8, '0'),
      (array['zh-CN', 'zh-CN', 'zh-TW', 'yue-HK', 'en-US'])[1 + (g * 23) % 5],
      'G' || (1 + (g * 31) % 2000), (created_at at time zone 'Asia/Shanghai')::date,
      case type when 'complaint' then 'train-service' when 'lost-item' then 'bag' when 'luggage-claim' then 'delayed' when 'callback' then 'requested-in-queue' else 'refund' end,
      case when type = 'lost-item' then '{"itemKind": "backpack", "itemDescription": "black backpack"}'::jsonb else '{}'::jsonb end,
      'What the passenger said, case ' || g,
      case when agent then 1 + (g * 37) % ${agents}::int end,
      case when not agent then (case type when 'complaint' then 'station' when 'lost-item' then 'lost-and-found' when 'luggage-claim' then 'luggage-office' else 'hotline' end) end,
      ${agents}::int + 1 + (g * 41) % ${supervisors}::int,
      case when not open then '{"reason": "answered", "answer": "Answered."}'::jsonb end,
      1 + (g * 43) % ${agents}::int, created_at, created_at,
      case when not open then created_at + interval '3 days' end,
      case when not open and status = 'closed' then created_at + interval '10 days' end,
      case when open then 1 else 5 end
    from (
      select g, open, type, status, agent,
        case
          when open and type = 'callback' then ${now}::timestamptz - ((g * 7) % 60) * interval '1 minute'
          when open then ${now}::timestamptz - ((g * 31) % 1000) * interval '1 hour'
          else ${now}::timestamptz - interval '45 days' - ((g * 53) % 1000) * interval '16 hours'
        end as created_at
      from (
        select g, g % ${every}::int = 0 as open,
          case when (g * 7) % 100 < 30 then 'complaint' when (g * 7) % 100 < 50 then 'lost-item' when (g * 7) % 100 < 60 then 'luggage-claim'
               when (g * 7) % 100 < 90 then 'callback' else 'enquiry' end as type,
          case when g % ${every}::int <> 0 then (case when (g * 11) % 100 < 85 then 'closed' else 'resolved' end)
               else (array['new', 'new', 'new', 'acknowledged', 'acknowledged', 'in-progress', 'in-progress', 'in-progress', 'waiting', 'waiting'])[1 + (g / ${every}::int * 3) % 10] end as status,
          (g * 19) % 100 < (case when g % ${every}::int = 0 then 80 else 70 end) as agent
        from generate_series(1, ${desk.history + desk.open}::int) g
      ) numbered
    ) timed`);

  // Clocks as the policy starts them (callbacks: resolve only, as promised 15 minutes on). History: all met.
  // Open: acknowledged once worked on, first reply given on half of those in progress, resolve running;
  // paused while waiting; the stage each has reached by now, and the next threshold to sweep at.
  await db.execute(sql`
    insert into case_clocks (case_id, kind, span, working, calendar, started_at, due_at, remind_at, manager_at, stage, next_at, paused_at, met_at)
    select case_id, kind, span, working, calendar, started_at, due_at, remind_at, manager_at, stage,
      case when met_at is null and paused_at is null then (array[remind_at, due_at, manager_at])[stage + 1] end, paused_at, met_at
    from (
      select *, case when met_at is not null then 0 when manager_at <= ${now}::timestamptz then 3 when due_at <= ${now}::timestamptz then 2
                     when remind_at <= ${now}::timestamptz then 1 else 0 end as stage
      from (
        select c.id as case_id, k.kind, k.span, k.working, case when c.type = 'callback' then 'hotline' else 'office' end as calendar,
          c.created_at as started_at, c.created_at + k.length as due_at, c.created_at + k.length * 0.75 as remind_at, c.created_at + k.length * 1.5 as manager_at,
          case
            when c.status in ('resolved', 'closed') then c.created_at + k.length * 0.5
            when k.kind = 'acknowledge' and c.status <> 'new' then c.created_at + k.length * 0.3
            when k.kind = 'first-reply' and c.status = 'in-progress' and c.id % 2 = 0 then c.created_at + k.length * 0.6
          end as met_at,
          case when c.status = 'waiting' then ${now}::timestamptz - interval '2 hours' end as paused_at
        from cases c
        join (values
          ('acknowledge', '1 working day', true, interval '1 day', false),
          ('first-reply', '5 working days', true, interval '7 days', false),
          ('resolve', '1 month', false, interval '30 days', false),
          ('resolve', 'as promised', false, interval '15 minutes', true)
        ) as k(kind, span, working, length, callback)
          on (c.type = 'callback') = k.callback
      ) spans
    ) staged`);

  // Each case's copy of its clocks, as src/cases/clocks.ts keeps it.
  await db.execute(sql`
    update cases c set due_at = k.due_at, stage = k.stage, paused = k.paused
    from (select case_id, min(due_at) as due_at, max(stage) as stage, bool_or(paused_at is not null) as paused from case_clocks where met_at is null group by case_id) k
    where k.case_id = c.id`);

  // A timeline for every case: created, a status change and a note; the history's resolution and closing too.
  await db.execute(sql`
    insert into case_events (case_id, at, type, actor_id, source, data)
    select c.id, c.created_at + (k - 1) * interval '1 hour', (array['created', 'status', 'note', 'resolved', 'status'])[k], c.owner_staff_id, 'softphone',
      jsonb_build_object('step', k, 'reference', c.reference)
    from cases c cross join generate_series(1, 5) k
    where k <= case when c.status in ('resolved', 'closed') then 5 else 3 end`);

  // The clocks each sweep pass finds due, picked once across the open cases' running clocks.
  await db.execute(sql`
    create table bench_batch as
    select case_id, kind from case_clocks where met_at is null and paused_at is null
    order by (case_id * 7919) % 10007, kind limit ${DUE}::int`);
  await db.execute(sql`analyze`);
}

/** Make the batch due again (untimed): back at stage 0, past its reminder; the sweep moves each clock on and alerts once. */
async function armBatch(db: Db): Promise<void> {
  const due = new Date(NOW.getTime() - 60_000).toISOString();
  await db.execute(sql`
    update case_clocks c set stage = 0, remind_at = ${due}::timestamptz, next_at = ${due}::timestamptz
    from bench_batch b where c.case_id = b.case_id and c.kind = b.kind`);
}

/** The first agent with the most open cases: the one "my cases" is timed for. */
async function busiestAgent(db: Db): Promise<{ id: number; open: number }> {
  const [row] = await db
    .select({ id: cases.ownerStaffId, open: count() })
    .from(cases)
    .where(and(isNotNull(cases.ownerStaffId), notInArray(cases.status, ['resolved', 'closed'])))
    .groupBy(cases.ownerStaffId)
    .orderBy(desc(count()), cases.ownerStaffId)
    .limit(1);
  return { id: row!.id!, open: Number(row!.open) };
}

// ---------------------------------------------------------------------------------------------------------
// --explain: the reads' plans, as the list functions send them (captured from drizzle's query log).

async function explain(database: Database, h: Hotline, agentId: number, desk: Desk): Promise<void> {
  let captured: Array<{ query: string; params: unknown[] }> = [];
  const logger = { logQuery: (query: string, params: unknown[]) => captured.push({ query, params }) };
  // postgres.js on both databases (PGlite is served to it from its thread: src/pglite.ts).
  const client = (database.db as unknown as { $client: postgres.Sql }).$client;
  const logged = drizzlePostgres(client, { schema, logger }) as unknown as Db;
  // Of the sweep, the query that finds the clocks due (the rest is per clock, by primary key).
  await armBatch(database.db);
  await sweepCases({ ...h, database: { ...database, db: logged } });
  captured = captured.filter((q) => /for update/i.test(q.query));
  await armBatch(database.db);
  await myCases(logged, agentId, NOW);
  await board(logged, { page: 0 }, NOW);
  await board(logged, { type: 'complaint', page: 0 }, NOW);
  for (const { query, params } of captured) {
    const text = `explain (analyze, buffers, costs off) ${query}`;
    const plan = (await client.unsafe(text, params as never[])) as unknown as Array<Record<string, string>>;
    console.error(`\n--- ${desk.name}: ${query.slice(0, 120)}…\n${plan.map((r) => Object.values(r)[0]).join('\n')}`);
  }
}

await main();
