import { inArray, sql, type SQL } from 'drizzle-orm';
import { staff } from '../../db/schema.ts';
import { rows } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { wallClock } from '../ivr/hours.ts';
import { REPORT_SERVICE_LEVEL_SECONDS, slotAggregate, slotOf, SLOT_MS, type SlotKey } from './aggregate.ts';
import { figuresOf, type QualitySums, type ReportFigures } from './figures.ts';
import { marks, type Marks } from './materialise.ts';
import { qualityScores } from './quality.ts';
import { addSums, noSums, SUM_COLUMNS, SUM_NAMES, sumsOf, type Sums } from './sums.ts';

/**
 * A history report: per day, week (Monday to Sunday) or month of the hotline's wall clock, per queue or per
 * agent, the figures of figures.ts over a range of local dates (both included). It is a sum over slot rows:
 * the stored ones (every slot before the materialised mark) and, for the slots after it (the half hour now
 * running, or more when the sweep is behind), the same aggregate computed live. So a month is a few thousand
 * stored rows summed in SQL, whatever the number of calls, and today's figures are as fresh as the live board's.
 */

export type Period = 'day' | 'week' | 'month';
export type ReportQuery = { from: string; to: string; period: Period; by: SlotKey; queue?: string | undefined; agent?: number | undefined };

export type ReportRow = {
  /** The period's first local day (YYYY-MM-DD): the day, the week's Monday, the month's 1st. */
  period: string;
  /** The queue's name, or the agent; neither on a period's total row. */
  queue?: string;
  agent?: { staffId: number; employeeNo: string; name: string };
  total: boolean;
  sums: Sums;
  figures: ReportFigures;
};

export type Report = ReportQuery & {
  timeZone: string;
  serviceLevelSeconds: number;
  /** Per period: a row per queue or agent with calls, then the period's total row. */
  rows: ReportRow[];
};

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** The instants a range of local dates spans in the hotline's zone: [midnight of `from`, midnight after `to`). */
async function bounds(h: Hotline, from: string, to: string): Promise<{ lo: Date; hi: Date }> {
  const tz = h.config.timeZone;
  const [row] = await rows<{ lo: string | Date; hi: string | Date }>(
    h.database.db,
    sql`select (${from}::timestamp at time zone ${tz}) as lo, ((${to}::date + 1)::timestamp at time zone ${tz}) as hi`,
  );
  return { lo: new Date(row!.lo), hi: new Date(row!.hi) };
}

/**
 * Sums per period and key (queue name, or staff id as text) over the local dates [from, to]: the settled days
 * from the day rows, the slots after them from the slot rows, and the slots after the mark live.
 */
async function periodSums(h: Hotline, by: SlotKey, q: { period: Period; from: string; to: string; key?: string | undefined; marks: Marks | undefined }) {
  const now = h.now();
  const tz = h.config.timeZone;
  const { lo, hi } = await bounds(h, q.from, q.to);
  const keyed = (table: string) => sql.identifier(`report_${by}_${table}`);
  const keyText = by === 'queue' ? sql`queue` : sql`staff_id::text`;
  const filter = q.key === undefined ? sql`` : by === 'queue' ? sql` and queue = ${q.key}` : sql` and staff_id = ${Number(q.key)}`;
  const columns = sql.join(
    SUM_NAMES.map((n) => sql.identifier(SUM_COLUMNS[n])),
    sql`, `,
  );
  const periodOfSlot = sql`to_char(date_trunc(${q.period}, slot_start at time zone ${tz}), 'YYYY-MM-DD')`;
  const parts: SQL[] = [];
  // Whole days rolled up in this zone: the range's dates before the roll-up's mark.
  let slotsFrom = lo;
  const daysUntil = q.marks?.timeZone === tz ? q.marks.daysUntil : null;
  if (daysUntil && q.from < daysUntil) {
    const last = addDay(q.to) < daysUntil ? addDay(q.to) : daysUntil;
    parts.push(
      sql`select to_char(date_trunc(${q.period}, day::timestamp), 'YYYY-MM-DD') as period, ${keyText} as key, ${columns} from ${keyed('days')}
        where day >= ${q.from}::date and day < ${last}::date${filter}`,
    );
    slotsFrom = last === addDay(q.to) ? hi : (await bounds(h, last, last)).lo;
  }
  const storedUntil = q.marks ? new Date(Math.min(hi.getTime(), q.marks.until.getTime())) : slotsFrom;
  if (storedUntil > slotsFrom) {
    parts.push(sql`select ${periodOfSlot} as period, ${keyText} as key, ${columns} from ${keyed('slots')} where slot_start >= ${ts(slotsFrom)} and slot_start < ${ts(storedUntil)}${filter}`);
  }
  // The live part ends with the slot now is in: nothing has happened after it.
  const liveTo = new Date(Math.min(hi.getTime(), slotOf(now).getTime() + SLOT_MS));
  const liveFrom = storedUntil > slotsFrom ? storedUntil : slotsFrom;
  if (liveTo > liveFrom) {
    const live = slotAggregate(by, { from: liveFrom, to: liveTo, now }, h.queues);
    parts.push(sql`select ${periodOfSlot} as period, key, ${columns} from (${live}) live${q.key === undefined ? sql`` : sql` where key = ${q.key}`}`);
  }
  if (!parts.length) return { lo, hi, rows: [] };
  const totals = SUM_NAMES.map((n) => sql`sum(${sql.identifier(SUM_COLUMNS[n])})::float8 as ${sql.identifier(n)}`);
  const found = await rows<Record<string, unknown> & { period: string; key: string }>(
    h.database.db,
    sql`select period, key, ${sql.join(totals, sql`, `)} from (${sql.join(parts, sql` union all `)}) parts group by 1, 2`,
  );
  return { lo, hi, rows: found };
}

const addDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The first local day of the period `at` is in (weeks begin on Monday, as date_trunc's do). */
export function periodOf(at: Date, timeZone: string, period: Period): string {
  const date = wallClock(at, timeZone).date;
  if (period === 'day') return date;
  if (period === 'month') return `${date.slice(0, 8)}01`;
  const d = new Date(`${date}T00:00:00Z`);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
}

export async function historyReport(h: Hotline, q: ReportQuery): Promise<Report> {
  const tz = h.config.timeZone;
  const key = q.by === 'queue' ? q.queue : q.agent === undefined ? undefined : String(q.agent);
  const { lo, hi, rows: keyed } = await periodSums(h, q.by, { period: q.period, from: q.from, to: q.to, key, marks: await marks(h.database.db) });
  const scores = await qualityScores(h, { from: lo, to: hi });

  // Quality per period and agent (and per period for the totals).
  const quality = new Map<string, QualitySums>();
  const addQuality = (k: string, score: number) => {
    const s = quality.get(k) ?? { total: 0, count: 0 };
    s.total += score;
    s.count += 1;
    quality.set(k, s);
  };
  for (const s of scores) {
    if (q.by === 'agent' && q.agent !== undefined && s.staffId !== q.agent) continue;
    const period = periodOf(s.at, tz, q.period);
    addQuality(`${period}|${s.staffId}`, s.score);
    if (q.by === 'agent' || q.queue === undefined) addQuality(`${period}|*`, s.score);
  }

  const ids = q.by === 'agent' ? [...new Set(keyed.map((r) => Number(r.key)))].filter((id) => id !== 0) : [];
  const people = ids.length ? await h.database.db.select({ id: staff.id, employeeNo: staff.employeeNo, name: staff.name }).from(staff).where(inArray(staff.id, ids)) : [];
  const personOf = new Map(people.map((p) => [p.id, p]));

  const periods = new Map<string, ReportRow[]>();
  const totals = new Map<string, Sums>();
  for (const r of keyed) {
    const sums = sumsOf(r);
    const list = periods.get(r.period) ?? [];
    periods.set(r.period, list);
    totals.set(r.period, addSums(totals.get(r.period) ?? noSums(), sums));
    // Facts of no queue (reply commitments) count in the totals of the per-queue report, on no row of their own.
    if (q.by === 'queue' && r.key === '') continue;
    if (q.by === 'queue') {
      list.push({ period: r.period, queue: r.key, total: false, sums, figures: figuresOf(sums) });
    } else {
      const id = Number(r.key);
      const p = personOf.get(id);
      const agent = { staffId: id, employeeNo: p?.employeeNo ?? '', name: p?.name ?? (id === 0 ? '—' : `#${id}`) };
      list.push({ period: r.period, agent, total: false, sums, figures: figuresOf(sums, quality.get(`${r.period}|${id}`)) });
    }
  }
  for (const k of quality.keys()) {
    const [period, who] = k.split('|');
    if (who === '*' && !periods.has(period!)) periods.set(period!, []);
  }
  const out: ReportRow[] = [];
  for (const period of [...periods.keys()].sort()) {
    const list = periods.get(period)!;
    // By employee number (the staff of no one last), or by queue name; plain code-point order, as the SQL's.
    const order = (r: ReportRow) => (r.agent ? r.agent.employeeNo || '\uffff' : r.queue!);
    list.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
    const sums = totals.get(period) ?? noSums();
    out.push(...list, { period, total: true, sums, figures: figuresOf(sums, quality.get(`${period}|*`)) });
  }
  return { ...q, timeZone: tz, serviceLevelSeconds: REPORT_SERVICE_LEVEL_SECONDS, rows: out };
}
