/**
 * The quality desk's reads at volume, for the figures in the README: `perDay` answered calls a day for `days`
 * days over 50 agents (a third rated, one in fifty scored), then the day's draw, the work list, a month of
 * quality over time and the reports' score rows, each timed. PGlite unless DATABASE_URL is set.
 *   npm run bench:quality -- 50000 31
 */
import { sql } from 'drizzle-orm';
import { testDatabase } from '../test/support/database.ts';
import { hotlineWithoutCarrier, testConfig } from '../test/support/hotline.ts';
import { drawSample, workList } from '../src/quality/sample.ts';
import { qualityOverTime, qualityScoreRows } from '../src/quality/scores.ts';

const perDay = Number(process.argv[2] ?? 5000);
const days = Number(process.argv[3] ?? 31);
const database = await testDatabase(process.env.DATABASE_URL, 'bench');
const h = hotlineWithoutCarrier(testConfig(), database, () => new Date('2026-12-01T00:00:00Z'));
const t0 = Date.now();
const run = (q: string) => database.db.execute(sql.raw(q));
await run(`insert into staff (employee_no, name, role, password_hash) select (1000 + g)::text, 'Agent ' || g, 'agent', 'x' from generate_series(1, 50) g`);
for (let d = 0; d < days; d++) {
  const [a, b] = [d * perDay + 1, (d + 1) * perDay];
  await run(`with c as (insert into calls (sid, from_number, to_number, status, ivr, queue, answered_at, started_at)
    select 'CA' || lpad(g::text, 32, '0'), '+8613900000000', '+8612306', 'ended', '{}', 'general', timestamptz '2026-10-31 16:00:00+00' + (g * (86400.0 / ${perDay})) * interval '1 second', timestamptz '2026-10-31 16:00:00+00' from generate_series(${a}, ${b}) g returning sid, answered_at)
    insert into offers (call_sid, staff_id, queue, status, offered_at, ring_started_at, answered_at, ended_at, rings, within_standard)
    select sid, 1 + (abs(hashtext(sid)) % 50), 'general', 'completed', answered_at - interval '5 seconds', answered_at - interval '5 seconds', answered_at, answered_at + interval '180 seconds', 2, true from c`);
  await run(`insert into surveys (call_sid, staff_id, queue, language, state, rating, status, started_at)
    select call_sid, staff_id, queue, 'zh-CN', '{}', 1 + (id % 5), 'complete', ended_at from offers where id between ${a} and ${b} and id % 3 = 0`);
  await run(`insert into quality_scores (offer_id, call_sid, staff_id, queue, answered_at, judged, automatic, score, scored_by, scored_at)
    select id, call_sid, staff_id, queue, answered_at, '{}', '{}', 60 + (id % 40), 1, now() from offers where id between ${a} and ${b} and id % 50 = 0`);
}
await run('analyze');
console.log(`${perDay * days} answered calls generated in ${Date.now() - t0} ms (${database.kind})`);
const time = async (what: string, f: () => Promise<unknown>, runs = 5) => {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) { const s = performance.now(); await f(); ms.push(performance.now() - s); }
  ms.sort((a, b) => a - b);
  console.log(`${what}: median ${ms[Math.floor(runs / 2)]!.toFixed(0)} ms, max ${ms.at(-1)!.toFixed(0)} ms`);
};
await time('drawSample (one day)', () => drawSample(h, '2026-11-02'), 3);
await time('workList (one day)', () => workList(h, '2026-11-02'));
await time('GET agents, a month by day', () => qualityOverTime(h, { from: '2026-11-01', to: '2026-11-30', by: 'day' }));
await time('GET agents, a month by week', () => qualityOverTime(h, { from: '2026-11-01', to: '2026-11-30', by: 'week' }));
await time('qualityScoreRows, a month', () => qualityScoreRows(h, { from: new Date('2026-10-31T16:00:00Z'), to: new Date('2026-11-30T16:00:00Z') }));
await database.close();
