/**
 * A month's history report on a busy hotline: 50,000 calls a day for a year. The year's 30-minute slot rows
 * are generated directly in SQL (not materialised from a year of raw calls, which would take far longer than
 * the report it is for): per queue, 5 queues × 17,520 slots; per agent, the agents who took calls in each slot
 * (about 230 in a daytime half hour, 55 at night: some 2.7 million rows), with sums shaped like the hotline's
 * own. Then one day of raw calls (50,000 calls with their offers and surveys, as the hotline writes them) is
 * materialised the way the sweep does it, and checked: the stored slots of that day add up to what a fresh
 * aggregate of the raw rows gives. Then it times, `runs` times each, a month's report per day per queue and
 * per agent (p50, p99), and one sweep pass (the slots of the last 4.5 hours re-aggregated).
 *
 *   npm run bench:reports
 *   npm run bench:reports -- --database postgres --days 365 --runs 30
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { reportMarks, staff } from '../db/schema.ts';
import { rows, type Database } from '../src/database.ts';
import type { Hotline } from '../src/hotline.ts';
import { startOfLocalDay } from '../src/metrics/live.ts';
import { slotAggregate } from '../src/reports/aggregate.ts';
import { historyReport } from '../src/reports/history.ts';
import { materialiseRange, rollUpDays } from '../src/reports/materialise.ts';
import { hotlineWithoutCarrier, testConfig } from '../test/support/hotline.ts';
import { benchDatabase, ms, postgresUrl, printTable, Samples } from './support.ts';

const { values: args } = parseArgs({
  options: {
    database: { type: 'string', multiple: true },
    days: { type: 'string', default: '365' },
    runs: { type: 'string', default: '20' },
    calls: { type: 'string', default: '50000' },
  },
});
const DAYS = Number(args.days);
const RUNS = Number(args.runs);
const CALLS_PER_DAY = Number(args.calls);
const TZ = 'Asia/Shanghai';
const QUEUES = ['tickets', 'luggage', 'lost-and-found', 'complaints', 'general'];
const STAFF = 300;

/** Daytime (08:00–22:00 local) carries 1.6× the mean, the night 0.35×: 14 × 1.6 + 10 × 0.35 = 25.9 hours' worth. */
const weight = (h: ReturnType<typeof sql>) => sql`(case when extract(hour from ${h} at time zone ${TZ}) between 8 and 21 then 1.6 else 0.35 end)`;
const HOURS_WORTH = 25.9;

async function generateSlots(db: Database['db'], from: Date, to: Date): Promise<void> {
  const perSlot = sql`(${CALLS_PER_DAY} * ${weight(sql`s`)} / ${HOURS_WORTH * 2} / ${QUEUES.length} * (0.85 + 0.3 * random()))::int`;
  await db.execute(sql`insert into report_queue_slots (slot_start, queue, offered, answered, abandoned, short_abandons, abandoned_5, abandoned_15, abandoned_30,
      abandoned_60, abandoned_120, abandoned_over_120, answered_in_time, wait_seconds, missed, rings_measured, within_standard, total_rings, handled,
      talk_seconds, hold_seconds, wrap_seconds, ratings, rating_total, top_two, callbacks_completed, callbacks_in_promise, replies_due, replies_in_time)
    select s, q, o, a, o - a, (o - a) / 4, (o - a) / 4, (o - a) / 4, (o - a) / 4, (o - a) / 8, (o - a) / 16, (o - a) - 4 * ((o - a) / 4) + (o - a) / 4 - (o - a) / 8 - (o - a) / 16,
      (a * 0.8)::int, a * 15.5, o / 50, a, (a * 0.9)::int, a * 2, a, a * 200.0, a * 10.0, a * 30.0, a / 3, (a / 3) * 4, ((a / 3) * 0.85)::int, o / 40, o / 45,
      case when q = 'complaints' then o / 30 else 0 end, case when q = 'complaints' then o / 33 else 0 end
    from generate_series(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz - interval '30 minutes', interval '30 minutes') s
      cross join unnest(${sql.raw(`array[${QUEUES.map((q) => `'${q}'`).join(',')}]`)}) q
      cross join lateral (select ${perSlot} as o) x cross join lateral (select (x.o * 0.92)::int as a) y`);
  // The agents who took calls in each slot: about one per 6.5 calls, each with their share.
  await db.execute(sql`insert into report_agent_slots (slot_start, staff_id, offered, answered, abandoned, answered_in_time, wait_seconds, missed, rings_measured,
      within_standard, total_rings, handled, talk_seconds, hold_seconds, wrap_seconds, ratings, rating_total, top_two, callbacks_completed, callbacks_in_promise, replies_due, replies_in_time)
    select s, a, 7, 6 + a % 2, a % 3 / 2, 5, 90.0 + a % 7, a % 11 / 10, 6, 5 + a % 2, 12 + a % 4, 6, 1200.0 + a, 60.0, 180.0, 2, 8 + a % 3, 2 - a % 5 / 4, a % 9 / 8, a % 9 / 8, a % 13 / 12, a % 13 / 12
    from generate_series(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz - interval '30 minutes', interval '30 minutes') s
      cross join lateral generate_series(1, (${CALLS_PER_DAY} * ${weight(sql`s`)} / ${HOURS_WORTH * 2} / 6.5)::int) a`);
}

/** One day of raw calls as the hotline writes them: 92 % answered (with their offer and, for a third, a survey), the rest abandoned. */
async function rawDay(db: Database['db'], day: Date): Promise<void> {
  for (let part = 0; part < 5; part++) await rawCalls(db, day, Math.floor((part * CALLS_PER_DAY) / 5), Math.floor(((part + 1) * CALLS_PER_DAY) / 5) - 1);
  await rawOffersAndSurveys(db);
}

async function rawCalls(db: Database['db'], day: Date, first: number, last: number): Promise<void> {
  const ivr = JSON.stringify({ flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] });
  // Spread over the day: call g of N at g / N of the day, which gives the same count per slot (the shape is the generated year's).
  await db.execute(sql`insert into calls (sid, from_number, to_number, status, ivr, queue, queued_at, started_at, answered_at, agent_id, ended_at, end_reason)
    select 'CA' || lpad(g::text, 32, '0'), '+8613800138000', '+864001234567', 'ended', ${ivr}::jsonb,
      (${sql.raw(`array[${QUEUES.map((q) => `'${q}'`).join(',')}]`)})[1 + g % 5], t, t,
      case when g % 25 <> 0 and g % 25 <> 1 then t + (g % 40) * interval '1 second' end,
      case when g % 25 <> 0 and g % 25 <> 1 then 1 + g % ${STAFF} end,
      t + case when g % 25 <> 0 and g % 25 <> 1 then interval '230 seconds' else (g % 90) * interval '1 second' end,
      case when g % 25 <> 0 and g % 25 <> 1 then 'completed' else 'abandoned-in-queue' end
    from generate_series(${first}::int, ${last}::int) g cross join lateral (select ${day.toISOString()}::timestamptz + (g * 86400.0 / ${CALLS_PER_DAY}) * interval '1 second' as t) x`);
}

async function rawOffersAndSurveys(db: Database['db']): Promise<void> {
  const ivr = JSON.stringify({ flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] });
  await db.execute(sql`insert into offers (call_sid, staff_id, queue, status, offered_at, ring_started_at, answered_at, ended_at, rings, within_standard, hold_seconds)
    select sid, agent_id, queue, 'completed', answered_at - interval '8 seconds', answered_at - interval '8 seconds', answered_at, ended_at, 2, true, 0
    from calls where answered_at is not null`);
  await db.execute(sql`insert into surveys (call_sid, staff_id, queue, language, state, rating, status, started_at)
    select sid, agent_id, queue, 'zh-CN', ${ivr}::jsonb, 1 + abs(hashtext(sid)) % 5, 'complete', ended_at + interval '3 seconds'
    from calls where answered_at is not null and abs(hashtext(sid)) % 3 = 0`);
}

async function time(runs: number, work: () => Promise<unknown>): Promise<Samples> {
  await work(); // warm: plans cached, pages in memory
  const samples = new Samples();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await work();
    samples.add(performance.now() - t);
  }
  return samples;
}

type Row = { database: string; slotRows: string; generate: string; rollUp: string; rawDay: string; materialiseDay: string; agrees: string; sweepPass: string; queueP50: string; queueP99: string; agentP50: string; agentP99: string };

async function bench(kind: 'pglite' | 'postgres', url: string | undefined): Promise<Row> {
  const database = await benchDatabase(kind === 'postgres' ? url : undefined);
  try {
    const db = database.db;
    const today = startOfLocalDay(new Date(), TZ);
    const rawFrom = new Date(today.getTime() - 86_400_000);
    const yearFrom = new Date(rawFrom.getTime() - DAYS * 86_400_000);
    const now = new Date(today.getTime() + 10 * 60_000);
    const h: Hotline = hotlineWithoutCarrier(testConfig({ HOTLINE_TIME_ZONE: TZ }), database, () => now);
    await db.insert(staff).values(Array.from({ length: STAFF }, (_, i) => ({ employeeNo: String(10_001 + i), name: `Agent ${i + 1}`, role: 'agent' as const, passwordHash: 'x' })));

    let t = performance.now();
    // A month per statement, each within the database's statement timeout.
    for (let from = yearFrom; from < rawFrom; ) {
      const to = new Date(Math.min(rawFrom.getTime(), from.getTime() + 30 * 86_400_000));
      await generateSlots(db, from, to);
      from = to;
    }
    const generate = (performance.now() - t) / 1000;
    const [{ q, a }] = (await rows<{ q: number; a: number }>(db, sql`select (select count(*) from report_queue_slots)::int as q, (select count(*) from report_agent_slots)::int as a`)) as [{ q: number; a: number }];

    t = performance.now();
    await rawDay(db, rawFrom);
    const raw = (performance.now() - t) / 1000;
    t = performance.now();
    await materialiseRange(h, rawFrom, today);
    const materialise = (performance.now() - t) / 1000;
    // A sweep pass at 50,000 calls a day: the slot just closed and the 4 hours before it, re-aggregated.
    const passTo = new Date(rawFrom.getTime() + 15 * 3_600_000);
    const pass = await time(Math.min(RUNS, 5), () => materialiseRange(h, new Date(passTo.getTime() - 4.5 * 3_600_000), passTo));

    await db.insert(reportMarks).values({ id: 1, until: today });
    // The year's settled days rolled up, as the sweep keeps them (once per day on a running hotline).
    t = performance.now();
    await rollUpDays(db, TZ, today);
    const rollUp = (performance.now() - t) / 1000;
    // The materialised day against a fresh aggregate of its raw rows, and against what was written.
    const sumOf = (table: string) => rows<Record<string, number>>(db, sql`select sum(offered)::int as offered, sum(answered)::int as answered, sum(abandoned)::int as abandoned, sum(wait_seconds)::float8 as wait, sum(ratings)::int as ratings, sum(rating_total)::int as total
      from ${sql.raw(table)} where slot_start >= ${rawFrom.toISOString()}::timestamptz and slot_start < ${today.toISOString()}::timestamptz`);
    const freshOf = async (by: 'queue' | 'agent') =>
      (
        await rows<Record<string, number>>(db, sql`select sum(offered)::int as offered, sum(answered)::int as answered, sum(abandoned)::int as abandoned, sum(wait_seconds)::float8 as wait, sum(ratings)::int as ratings, sum(rating_total)::int as total
          from (${slotAggregate(by, { from: rawFrom, to: today, now }, h.queues)}) f`)
      )[0];
    const [stored] = await sumOf('report_queue_slots');
    const [storedAgents] = await sumOf('report_agent_slots');
    const fresh = await freshOf('queue');
    const freshAgents = await freshOf('agent');
    // An offer counts by when it rang: the last calls of the day ring their agent after midnight, in the next day.
    const agrees = JSON.stringify(stored) === JSON.stringify(fresh) && JSON.stringify(storedAgents) === JSON.stringify(freshAgents) && stored!['offered'] === CALLS_PER_DAY;
    if (!agrees) console.error('materialised', stored, storedAgents, 'fresh', fresh, freshAgents);

    const day = (d: Date) => new Date(d.getTime() + 12 * 3_600_000).toISOString().slice(0, 10);
    const month = { from: day(new Date(rawFrom.getTime() - 29 * 86_400_000)), to: day(rawFrom), period: 'day' as const };
    const perQueue = await time(RUNS, () => historyReport(h, { ...month, by: 'queue' }));
    const perAgent = await time(RUNS, () => historyReport(h, { ...month, by: 'agent' }));
    const check = await historyReport(h, { ...month, by: 'queue' });
    if (DAYS >= 29 && check.rows.filter((r) => r.total).length !== 30) throw new Error(`a month's report has ${check.rows.filter((r) => r.total).length} days`);
    return {
      database: kind,
      slotRows: `${q.toLocaleString('en-US')} / ${a.toLocaleString('en-US')}`,
      generate: generate.toFixed(1),
      rollUp: rollUp.toFixed(1),
      rawDay: raw.toFixed(1),
      materialiseDay: materialise.toFixed(1),
      agrees: agrees ? 'yes' : 'NO',
      sweepPass: ms(pass.at(50)),
      queueP50: ms(perQueue.at(50)),
      queueP99: ms(perQueue.at(99)),
      agentP50: ms(perAgent.at(50)),
      agentP99: ms(perAgent.at(99)),
    };
  } finally {
    await database.close();
  }
}

const url = await postgresUrl();
const wanted = (args.database as Array<'pglite' | 'postgres'> | undefined) ?? ['postgres', 'pglite'];
const results: Row[] = [];
for (const kind of wanted) {
  if (kind === 'postgres' && !url) {
    console.log('PostgreSQL: no server answers (set DATABASE_URL); skipped');
    continue;
  }
  console.log(`${kind}: ${DAYS} days of slots at ${CALLS_PER_DAY.toLocaleString('en-US')} calls a day, ${RUNS} runs…`);
  results.push(await bench(kind, url));
}
console.log(`\nA month's report (30 days, per day) with ${DAYS} days of history at ${CALLS_PER_DAY.toLocaleString('en-US')} calls a day; times in ms unless said (s)`);
printTable(
  [
    ['database', 'slot rows (queue / agent)', 'generate s', 'roll up days s', 'raw day s', 'materialise day s', 'agrees', 'sweep pass', 'per queue p50', 'p99', 'per agent p50', 'p99'],
    ...results.map((r) => [r.database, r.slotRows, r.generate, r.rollUp, r.rawDay, r.materialiseDay, r.agrees, r.sweepPass, r.queueP50, r.queueP99, r.agentP50, r.agentP99]),
  ],
  2,
);
process.exit(0);
