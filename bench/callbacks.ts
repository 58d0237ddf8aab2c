/**
 * Callbacks against a long history: the routing pass that now ranks the callbacks waiting with the callers
 * holding, the live board's callback figures, and the pacing of the calls placed once agents accept. Routing
 * and figures are timed with 100 callers holding and 0, 1,000 and 10,000 callbacks waiting to be dialled,
 * each over 100,000 resolved callbacks of history (about 30 days, with their resolve clocks and 1–3
 * attempts each, some today), side by side: a pass must not slow down as callbacks pile up. Then pacing: 30
 * callbacks accepted at once by 30 agents at OUTBOUND_CALLS_PER_SECOND = 10, through a carrier that answers
 * at once (no webhooks follow; the attempts stay dialling). Embedded PGlite by default; the PostgreSQL at
 * DATABASE_URL when it is set (in a schema of its own, dropped at the end). About 35 s on PGlite, 25 s on
 * PostgreSQL (a third of it generating the history).
 *
 *   npm run bench:callbacks
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:callbacks
 *   npm run bench:callbacks -- --samples 200      # more samples of the routing pass and of the figures
 *
 * A routing pass is timed with one agent available (general skill): it makes exactly one offer, rings it
 * (a carrier that redirects at once; a callback only pops on the agent's page) and finds nobody else free.
 * Between samples, untimed, the offer is withdrawn, the agent made available again and the one offered goes
 * to the back of the line (a caller re-queued, a callback due again), as if someone new joined as one left:
 * every sample sees the same numbers waiting. The head of the line alternates caller and callback (the first
 * 100 callbacks' places fall between the callers'; the rest wait behind), so with callbacks waiting every
 * other pass offers a callback; the table also shows the passes of each kind apart.
 *
 * One database: the history is generated once, then each column's line in turn (the last one's cleared
 * first). Everything in SQL (INSERT … SELECT over generate_series), then ANALYZE, as autovacuum would have
 * done on a server that has lived with the data.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { agents, callbackAttempts, offers, staff } from '../db/schema.ts';
import { route } from '../src/acd/route.ts';
import { acceptCallback } from '../src/callbacks/offers.ts';
import { loadConfig } from '../src/config.ts';
import type { Database, Db } from '../src/database.ts';
import type { Hotline } from '../src/hotline.ts';
import { callbackFigures, type CallbackFigures } from '../src/metrics/callbacks.ts';
import { startOfLocalDay } from '../src/metrics/live.ts';
import type { PlaceCall } from '../src/telephony/carrier/carrier.ts';
import { benchDatabase, ms, printTable, Samples } from './support.ts';
import { hotlineWithoutCarrier } from '../test/support/hotline.ts';

const FLOWS_DIR = fileURLToPath(new URL('../ivr-flows', import.meta.url));
/** Wednesday 10:00 in Asia/Shanghai: inside the calling window, with ten hours of "today" behind it. */
const NOW = new Date('2026-11-25T02:00:00Z');
const HISTORY = 100_000;
const CALLERS = 100;
/** The callbacks waiting, per column. */
const LINES = [
  { name: '0', callbacks: 0 },
  { name: '1k', callbacks: 1_000 },
  { name: '10k', callbacks: 10_000 },
] as const;
type Line = (typeof LINES)[number];
/** Pacing: this many accepted at once, placed no faster than this. */
const PACED = 30;
const PER_SECOND = 10;

const MEASURES = ['route', 'route-call', 'route-callback', 'figures'] as const;
type Measure = (typeof MEASURES)[number];
const LABEL: Record<Measure, string> = {
  route: 'routing pass, one offer',
  'route-call': '  of which: a caller offered',
  'route-callback': '  of which: a callback offered',
  figures: 'live callback figures',
};

/** Where the line starts, and where the one offered goes back in (behind the alternating head, before the rest). */
const HEAD = NOW.getTime() - 10 * 60_000;
const STEP = 3_000;
const TAIL = HEAD + CALLERS * STEP;
/** The callbacks beyond the first CALLERS wait behind: placed over the four minutes before now. */
const REST = NOW.getTime() - 4 * 60_000;

function options() {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '100' } } });
  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 5) throw new Error(`--samples must be a whole number >= 5, got ${values.samples}`);
  // The offered ones go back in 1 ms apart, in the minute between the head and the rest: room for 60,000.
  if (samples > 50_000) throw new Error('--samples must be at most 50000');
  return { samples };
}

async function main(): Promise<void> {
  const o = options();
  const url = process.env.DATABASE_URL || undefined;
  const started = performance.now();
  const database = await benchDatabase(url);
  const name = database.kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
  const placed = new Map<string, number>();
  const h = hotline(database, placed);
  const db = database.db;
  try {
    let t = performance.now();
    await generateHistory(db);
    console.error(`${name}: ${HISTORY.toLocaleString('en')} resolved callbacks of history generated and analysed in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const runs: Array<{ line: Line; samples: Map<Measure, Samples> }> = [];
    for (const line of LINES) {
      t = performance.now();
      await generateLine(db, line);
      const samples = new Map<Measure, Samples>(MEASURES.map((m) => [m, new Samples()]));
      const mix = await timeRouting(h, o.samples, samples);
      const figures = await timeFigures(h, o.samples, samples.get('figures')!);
      console.error(
        `${name} ${line.name}: ${CALLERS} callers and ${line.callbacks.toLocaleString('en')} callbacks waiting; offered ${mix.calls} callers and ${mix.callbacks} callbacks; ` +
          `figures ${JSON.stringify(figures)}; ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      runs.push({ line, samples });
    }

    t = performance.now();
    const paced = await pacing(h, placed);
    console.error(`${name} pacing: ${PACED} accepted at once, placed at ${PER_SECOND}/s, in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    console.log(`${name}, ${CALLERS} callers holding and ${LINES.map((l) => l.name).join(' / ')} callbacks waiting, over ${HISTORY.toLocaleString('en')} resolved callbacks`);
    console.log(`times in ms; samples per column`);
    const rows = MEASURES.map((m) => [
      LABEL[m],
      runs.map((r) => String(r.samples.get(m)!.count)).join('/'),
      ...runs.flatMap((r) => [ms(r.samples.get(m)!.at(50)), ms(r.samples.get(m)!.at(99))]),
    ]);
    // Pacing is one run (after the 10k column): its delay in the last column, its rates in the first.
    const none = ['', ''];
    rows.push(
      [`pacing: accept → placed (${PACED} at ${PER_SECOND}/s)`, String(paced.delays.count), ...none, ...none, ms(paced.delays.at(50)), ms(paced.delays.at(99))],
      ['pacing: placed per second, first to last', String(PACED), paced.perSecond.toFixed(2), '', ...none, ...none],
      [`pacing: most placed in any 1 s (≤ ${PER_SECOND + 1})`, String(PACED), String(paced.burst), '', ...none, ...none],
    );
    printTable([['measure', 'samples', ...LINES.flatMap((l) => [`p50 ${l.name}`, `p99 ${l.name}`])], ...rows], 2);
    if (paced.burst > PER_SECOND + 1) {
      console.error(`pacing broken: ${paced.burst} calls placed within one second at ${PER_SECOND}/s`);
      process.exitCode = 1;
    }
    console.error(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
  } finally {
    await database.close();
  }
}

/**
 * The case desk's hotline at NOW, with a carrier that answers at once: redirects and hang-ups succeed, every
 * call is live, and a placed call gets a sid (the moment it was asked for noted in `placed`); no webhook
 * ever follows.
 */
function hotline(database: Database, placed: Map<string, number>): Hotline {
  const config = loadConfig({ LOG_LEVEL: 'silent', IVR_FLOWS_DIR: FLOWS_DIR, OUTBOUND_CALLS_PER_SECOND: String(PER_SECOND) });
  const base = hotlineWithoutCarrier(config, database, () => NOW);
  let sids = 0;
  const done = async () => {};
  return {
    ...base,
    carrier: {
      kind: 'simulator',
      redirect: done,
      hangup: done,
      callState: async () => 'live',
      addParticipant: () => Promise.reject(new Error('no conferences in this bench')),
      updateParticipant: done,
      startRecording: () => Promise.reject(new Error('no recordings in this bench')),
      updateRecording: done,
      deleteRecording: done,
      fetchRecording: () => Promise.reject(new Error('no recordings in this bench')),
      placeCall: async (_call: PlaceCall) => {
        const sid = `CA${(++sids).toString(16).padStart(32, '0')}`;
        placed.set(sid, Date.now());
        return { sid };
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Timing.

/** One routing pass per sample, one offer each; the line put back as it was (untimed) between samples. */
async function timeRouting(h: Hotline, times: number, samples: Map<Measure, Samples>) {
  const db = h.database.db;
  const [agent] = await db.select({ id: staff.id }).from(staff).where(eq(staff.employeeNo, '10001'));
  const mix = { calls: 0, callbacks: 0 };
  const warmup = 10;
  for (let i = 0; i < warmup + times; i++) {
    const t = performance.now();
    const made = await route(h);
    const took = performance.now() - t;
    if (made !== 1) throw new Error(`the routing pass made ${made} offers, not 1`);
    const [offer] = await db.select().from(offers).where(eq(offers.status, 'ringing'));
    if (!offer || offer.staffId !== agent!.id) throw new Error(`no offer ringing for the agent: ${JSON.stringify(offer)}`);
    if (i >= warmup) {
      samples.get('route')!.add(took);
      samples.get(offer.caseId ? 'route-callback' : 'route-call')!.add(took);
      mix[offer.caseId ? 'callbacks' : 'calls']++;
    }
    await backInLine(db, offer, tail++);
  }
  return mix;
}

/** Where the next one offered goes back in: 1 ms after the last, behind the alternating head. */
let tail = TAIL;

/** Untimed: the offer withdrawn, the agent available again, the one offered at the back of the line. */
async function backInLine(db: Db, offer: typeof offers.$inferSelect, at: number): Promise<void> {
  const place = new Date(at).toISOString();
  const now = NOW.toISOString();
  await db.execute(sql`update offers set status = 'withdrawn', end_reason = 'bench', ended_at = ${now}::timestamptz where id = ${offer.id}`);
  if (offer.callSid) await db.execute(sql`update calls set status = 'queued', queued_at = ${place}::timestamptz where sid = ${offer.callSid}`);
  else await db.execute(sql`update cases set dial_after = ${now}::timestamptz, place_at = ${place}::timestamptz where id = ${offer.caseId}`);
  await db.update(agents).set({ presence: 'available', since: NOW }).where(eq(agents.staffId, offer.staffId));
}

async function timeFigures(h: Hotline, times: number, samples: Samples): Promise<CallbackFigures> {
  const since = startOfLocalDay(NOW, h.config.timeZone);
  let figures: CallbackFigures | undefined;
  for (let i = 0; i < 10 + times; i++) {
    const t = performance.now();
    figures = await callbackFigures(h.database.db, since, NOW);
    if (i >= 10) samples.add(performance.now() - t);
  }
  return figures!;
}

/**
 * PACED agents come available (the callers gone, the routing agent on a break) and one pass offers each a
 * callback; all accept at once. Each placement's moment comes from the carrier; the delay is from the accept
 * being sent to the carrier being asked.
 */
async function pacing(h: Hotline, placed: Map<string, number>) {
  const db = h.database.db;
  await db.execute(sql`update calls set status = 'ended' where status = 'queued'`);
  await db.execute(sql`update agents set presence = 'break' where staff_id = (select id from staff where employee_no = '10001')`);
  await db.execute(sql`
    update agents a set presence = 'available', since = ${NOW.toISOString()}::timestamptz
    from staff s where s.id = a.staff_id and s.employee_no like '2%'`);
  const made = await route(h);
  const ringing = await db.select({ id: offers.id, staffId: offers.staffId }).from(offers).where(and(eq(offers.status, 'ringing'), isNotNull(offers.caseId)));
  if (made !== PACED || ringing.length !== PACED) throw new Error(`pacing: ${made} offers made, ${ringing.length} callbacks ringing, not ${PACED}`);

  placed.clear();
  const acceptedAt = new Map<number, number>();
  await Promise.all(
    ringing.map((o) => {
      acceptedAt.set(o.id, Date.now());
      return acceptCallback(h, o.staffId, o.id);
    }),
  );
  // Placed in the background after each accept: wait for every call to have its sid on the attempt.
  const deadline = Date.now() + 30_000;
  let attempts: Array<{ offerId: number; callSid: string | null }> = [];
  for (;;) {
    attempts = await db
      .select({ offerId: callbackAttempts.offerId, callSid: callbackAttempts.callSid })
      .from(callbackAttempts)
      .where(and(inArray(callbackAttempts.offerId, [...acceptedAt.keys()]), isNotNull(callbackAttempts.callSid)));
    if (attempts.length >= PACED && placed.size >= PACED) break;
    if (Date.now() > deadline) throw new Error(`pacing: ${placed.size} of ${PACED} placed after 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const delays = new Samples();
  for (const a of attempts) delays.add(placed.get(a.callSid!)! - acceptedAt.get(a.offerId)!);
  const times = [...placed.values()].sort((a, b) => a - b);
  const span = (times.at(-1)! - times[0]!) / 1000;
  let burst = 0;
  for (let i = 0; i < times.length; i++) burst = Math.max(burst, times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length);
  return { delays, perSecond: (times.length - 1) / span, burst };
}

// ---------------------------------------------------------------------------------------------------------
// The data, in SQL. Spreads come from multiplying the row number by primes: deterministic, and uncorrelated
// enough between columns for the planner to see a mixed history.

async function generateHistory(db: Db): Promise<void> {
  const now = NOW.toISOString();
  // The routing agent (10001), the pacing agents (2xxxx, on a break until then) and those who took the history.
  await db.execute(sql`
    insert into staff (employee_no, name, role, skills, password_hash)
    select '10001', 'Routing agent', 'agent', '{"general": 3}'::jsonb, 'not-a-hash'
    union all
    select (20000 + g)::text, 'Pacing agent ' || g, 'agent', '{"general": 3}'::jsonb, 'not-a-hash' from generate_series(1, ${PACED}::int) g
    union all
    select (30000 + g)::text, 'Agent ' || g, 'agent', '{"general": 3, "tickets": 2}'::jsonb, 'not-a-hash' from generate_series(1, 50) g
    union all
    select '40001', 'Supervisor', 'supervisor', '{}'::jsonb, 'not-a-hash'`);
  await db.execute(sql`
    insert into agents (staff_id, presence, since, idle_since)
    select id, case when employee_no = '10001' then 'available' when employee_no like '2%' then 'break' else 'offline' end,
      ${now}::timestamptz - interval '1 hour', ${now}::timestamptz - interval '1 hour' + id * interval '1 second'
    from staff where role = 'agent'`);

  // 100,000 callbacks made over the last 30 days (a little over 1 % of them today, before 10:00), each tried
  // 1–3 times and resolved: nine in ten answered, the rest unreachable after three tries.
  await db.execute(sql`
    insert into cases (reference, type, priority, status, channel, passenger_name, contact_number, contact_key, language, category,
      description, owner_department, supervisor_id, resolution, call_sid, queue, created_at, updated_at, resolved_at, version,
      place_at, line_priority, dial_after, attempts)
    select 'H' || lpad(g::text, 7, '0'), 'callback', 'normal', 'resolved', 'phone', 'Passenger ' || g,
      '+86 138 ' || lpad(((g * 7919) % 100000000)::text, 8, '0'), lpad(((g * 7919) % 100000000)::text, 8, '0'),
      (array['zh-CN', 'zh-CN', 'zh-TW', 'yue-HK', 'en-US'])[1 + (g * 23) % 5], 'requested-in-queue', 'Asked to be called back, case ' || g,
      'hotline', (select id from staff where employee_no = '40001'),
      case when answered then '{"reason": "answered", "answer": "called back"}'::jsonb else '{"reason": "unreachable", "answer": "not reached"}'::jsonb end,
      null, 'general', created_at, resolved_at, resolved_at, 4,
      created_at - interval '90 seconds', 0, null, tries
    from (
      select g, answered, tries, created_at,
        -- Resolved 1 to 17 minutes after the last try started: most within the 15 minutes promised.
        created_at + (tries - 1) * interval '2 minutes' + (1 + (g * 5) % 17) * interval '1 minute' as resolved_at
      from (
        select g, (g * 11) % 10 <> 0 as answered,
          case when (g * 11) % 10 = 0 then 3 else 1 + (g * 13) % 3 end as tries,
          ${now}::timestamptz - interval '30 minutes' - ((g * 7877) % ${HISTORY}::int) * (interval '30 days' / ${HISTORY}::int) as created_at
        from generate_series(1, ${HISTORY}::int) g
      ) numbered
    ) timed`);

  // Their resolve clocks ("as promised", 15 minutes), all met; and their attempts, the last answered if any was.
  await db.execute(sql`
    insert into case_clocks (case_id, kind, span, working, calendar, started_at, due_at, remind_at, manager_at, stage, next_at, met_at)
    select id, 'resolve', 'as promised', false, 'hotline', created_at, created_at + interval '15 minutes',
      created_at + interval '11 minutes 15 seconds', created_at + interval '22 minutes 30 seconds', 0, null, resolved_at
    from cases where type = 'callback' and status = 'resolved'`);
  await db.execute(sql`
    insert into callback_attempts (case_id, offer_id, staff_id, number, call_sid, outcome, answered_by, counted, started_at, placed_at, answered_at, ended_at, talk_seconds)
    select c.id, 10000000 + c.id * 3 + k, s.id, c.contact_number, 'CH' || lpad((c.id * 3 + k)::text, 32, '0'), outcome,
      case when outcome = 'answered' then 'human' when outcome = 'machine' then 'machine_end_beep' end,
      (c.id * k * 13) % 20 <> 0, started_at, started_at + interval '1 second',
      case when outcome = 'answered' then started_at + interval '15 seconds' end, started_at + interval '40 seconds',
      case when outcome = 'answered' then 25 end
    from cases c
    cross join generate_series(1, 3) k
    join staff s on s.employee_no = (30000 + 1 + (c.id * 37 + k) % 50)::text
    cross join lateral (select c.created_at + (k - 1) * interval '2 minutes' as started_at,
      case when k = c.attempts and c.resolution->>'reason' = 'answered' then 'answered'
           else (array['no-answer', 'busy', 'machine'])[1 + (c.id + k) % 3] end as outcome) a
    where c.type = 'callback' and c.status = 'resolved' and k <= c.attempts`);
  await db.execute(sql`analyze`);
}

/**
 * The line of a column: CALLERS callers holding in `general` from HEAD, STEP apart; the first CALLERS callbacks
 * placed between them (STEP / 2 after each), the rest over the minutes before now; all due to be dialled,
 * each with the call it was asked on (a calls row now 'callback'). Whatever the previous column left waiting
 * (and the offers made for it) is gone first.
 */
async function generateLine(db: Db, line: Line): Promise<void> {
  const now = NOW.toISOString();
  const head = new Date(HEAD).toISOString();
  const rest = new Date(REST).toISOString();
  tail = TAIL;
  await db.execute(sql`delete from offers`);
  await db.execute(sql`delete from case_events where case_id in (select id from cases where reference like 'W%')`);
  await db.execute(sql`delete from cases where reference like 'W%'`);
  await db.execute(sql`delete from call_events`);
  await db.execute(sql`delete from calls`);
  await db.execute(sql`update agents a set presence = 'available', since = ${now}::timestamptz from staff s where s.id = a.staff_id and s.employee_no = '10001'`);

  const ivr = JSON.stringify({ flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: { trainNumber: 'G1234' }, path: ['welcome', 'language', 'menu', 'agent'] });
  await db.execute(sql`
    insert into calls (sid, from_number, to_number, status, ivr, seq, queue, priority, queued_at, started_at)
    select 'CA' || lpad(g::text, 32, '0'), '+86137' || lpad(((g * 7919) % 100000000)::text, 8, '0'), '+864008000123', 'queued', ${ivr}::jsonb, 4,
      'general', 0, ${head}::timestamptz + (g - 1) * ${STEP}::int * interval '1 millisecond', ${head}::timestamptz + (g - 1) * ${STEP}::int * interval '1 millisecond' - interval '40 seconds'
    from generate_series(1, ${CALLERS}::int) g`);
  if (line.callbacks === 0) {
    await db.execute(sql`analyze`);
    return;
  }
  await db.execute(sql`
    insert into calls (sid, from_number, to_number, status, ivr, seq, queue, priority, queued_at, started_at, ended_at, end_reason)
    select 'CB' || lpad(g::text, 32, '0'), '+86139' || lpad(((g * 7919) % 100000000)::text, 8, '0'), '+864008000123', 'callback', ${ivr}::jsonb, 6,
      'general', 0, place_at, place_at - interval '40 seconds', place_at + interval '90 seconds', 'callback-requested'
    from (select g, case when g <= ${CALLERS}::int then ${head}::timestamptz + ((g - 1) * ${STEP}::int + ${STEP / 2}::int) * interval '1 millisecond'
                         else ${rest}::timestamptz + (g - ${CALLERS}::int) * (interval '4 minutes' / ${line.callbacks}::int) end as place_at
          from generate_series(1, ${line.callbacks}::int) g) placed`);
  await db.execute(sql`
    insert into cases (reference, type, priority, status, channel, passenger_name, contact_number, contact_key, language, category, description,
      owner_department, call_sid, queue, created_at, updated_at, version, due_at, place_at, line_priority, dial_after, attempts)
    select 'W' || lpad(g::text, 7, '0'), 'callback', 'normal', 'new', 'phone', '',
      c.from_number, right(c.from_number, 8), 'zh-CN', 'requested-in-queue', 'Asked to be called back while waiting',
      'hotline', c.sid, 'general', least(c.ended_at, ${now}::timestamptz), least(c.ended_at, ${now}::timestamptz), 1,
      least(c.ended_at, ${now}::timestamptz) + interval '15 minutes', c.queued_at, 0, ${now}::timestamptz, 0
    from generate_series(1, ${line.callbacks}::int) g
    join calls c on c.sid = 'CB' || lpad(g::text, 32, '0')`);
  await db.execute(sql`analyze`);
}

await main();
