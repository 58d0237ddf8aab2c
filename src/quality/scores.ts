import { and, asc, gte, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { offers, qualityScores, staff, surveys } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { csatOfMeanRating } from '../metrics/figures.ts';

/**
 * Quality over time, per agent and per team, next to the figures it should be read with: answered within the
 * three-ring standard, handle time and CSAT.
 *
 * A team: the schema has none (staff have per-queue skills, nobody has a team). The hotline's natural groups
 * are its queues, each a skill group (tickets, luggage, complaints …), so a "team" here is the queue the call
 * was answered in; and the whole floor besides.
 *
 * Handle time here is the conversation (answered to ended, hold included): wrap-up is not logged per call.
 */

/** One row per scored call, `at` when the agent answered it (the monthly reports read this). */
export async function qualityScoreRows(h: Hotline, range: { from: Date; to: Date }): Promise<{ staffId: number; at: Date; score: number }[]> {
  return h.database.db
    .select({ staffId: qualityScores.staffId, at: qualityScores.answeredAt, score: qualityScores.score })
    .from(qualityScores)
    .where(and(gte(qualityScores.answeredAt, range.from), lt(qualityScores.answeredAt, range.to)))
    .orderBy(asc(qualityScores.answeredAt), asc(qualityScores.id));
}

export type Period = 'day' | 'week';

/** The sums a period's figures are made of: they add up across agents and queues, so teams and the floor are sums too. */
type Sums = { answered: number; measured: number; within: number; talkSeconds: number; ended: number; ratings: number; ratingTotal: number; topTwo: number; scored: number; scoreTotal: number };
const ZERO: Sums = { answered: 0, measured: 0, within: 0, talkSeconds: 0, ended: 0, ratings: 0, ratingTotal: 0, topTwo: 0, scored: 0, scoreTotal: 0 };

export type PeriodFigures = {
  /** The period's first local day (a week starts on Monday). */
  start: string;
  answered: number;
  /** Mean quality score (0–100) of the calls scored, and how many; null when none was. */
  quality: number | null;
  scored: number;
  /** Share (0–1) of answered calls within three rings, of those whose rings were measured. */
  withinStandard: number | null;
  /** Mean conversation seconds of answered calls that ended. */
  handleSeconds: number | null;
  /** CSAT mean (0–100) and top-2-box (0–100) of the ratings given. */
  csat: number | null;
  csatTopTwo: number | null;
  ratings: number;
};

export type QualityOverTime = {
  from: string;
  to: string;
  by: Period;
  timeZone: string;
  agents: Array<{ staffId: number; employeeNo: string; name: string; periods: PeriodFigures[] }>;
  teams: Array<{ queue: string; periods: PeriodFigures[] }>;
  floor: PeriodFigures[];
};

const ratio = (part: number, whole: number, scale = 1) => (whole === 0 ? null : Math.round((part / whole) * scale * 10) / 10);

function figures(start: string, s: Sums): PeriodFigures {
  return {
    start,
    answered: s.answered,
    quality: ratio(s.scoreTotal, s.scored),
    scored: s.scored,
    withinStandard: s.measured === 0 ? null : Math.round((s.within / s.measured) * 1000) / 1000,
    handleSeconds: ratio(s.talkSeconds, s.ended),
    csat: s.ratings === 0 ? null : Math.round(csatOfMeanRating(s.ratingTotal / s.ratings)! * 10) / 10,
    csatTopTwo: ratio(s.topTwo, s.ratings, 100),
    ratings: s.ratings,
  };
}

/**
 * The figures of the local days `from` … `to` (inclusive, YYYY-MM-DD), per day or per week. Each table is
 * summed by the database per agent, queue and period (the local day of the moment, in the hotline's zone),
 * so what comes back is small whatever the volume; teams and the floor add those sums up.
 */
export async function qualityOverTime(h: Hotline, q: { from: string; to: string; by: Period }): Promise<QualityOverTime> {
  const tz = h.config.timeZone;
  const start = DateTime.fromISO(q.from, { zone: tz }).startOf('day').toJSDate();
  const end = DateTime.fromISO(q.to, { zone: tz }).startOf('day').plus({ days: 1 }).toJSDate();
  const period = (column: unknown) => sql<string>`to_char(date_trunc(${sql.raw(`'${q.by}'`)}, ${column} at time zone ${tz}), 'YYYY-MM-DD')`;
  const db = h.database.db;

  const [answered, rated, scored] = await Promise.all([
    db
      .select({
        staffId: offers.staffId,
        queue: offers.queue,
        period: period(offers.answeredAt),
        answered: sql<number>`count(*)::int`,
        measured: sql<number>`count(${offers.withinStandard})::int`,
        within: sql<number>`(count(*) filter (where ${offers.withinStandard}))::int`,
        talkSeconds: sql<number>`coalesce(sum(extract(epoch from ${offers.endedAt} - ${offers.answeredAt})), 0)::float8`,
        ended: sql<number>`count(${offers.endedAt})::int`,
      })
      .from(offers)
      // offered_at (indexed) bounds the scan; a call is answered seconds after it is offered.
      .where(and(gte(offers.offeredAt, new Date(start.getTime() - 3600_000)), lt(offers.offeredAt, end), gte(offers.answeredAt, start), lt(offers.answeredAt, end), isNotNull(offers.callSid), isNull(offers.caseId)))
      .groupBy(sql`1, 2, 3`),
    db
      .select({
        staffId: surveys.staffId,
        queue: surveys.queue,
        period: period(surveys.startedAt),
        ratings: sql<number>`count(${surveys.rating})::int`,
        ratingTotal: sql<number>`coalesce(sum(${surveys.rating}), 0)::int`,
        topTwo: sql<number>`(count(*) filter (where ${surveys.rating} >= 4))::int`,
      })
      .from(surveys)
      .where(and(gte(surveys.startedAt, start), lt(surveys.startedAt, end), isNotNull(surveys.staffId)))
      .groupBy(sql`1, 2, 3`),
    db
      .select({ staffId: qualityScores.staffId, queue: qualityScores.queue, period: period(qualityScores.answeredAt), scored: sql<number>`count(*)::int`, scoreTotal: sql<number>`sum(${qualityScores.score})::float8` })
      .from(qualityScores)
      .where(and(gte(qualityScores.answeredAt, start), lt(qualityScores.answeredAt, end)))
      .groupBy(sql`1, 2, 3`),
  ]);

  // Every (agent, queue, period) cell's sums, then rolled up three ways.
  const cells = new Map<string, { staffId: number; queue: string; period: string; sums: Sums }>();
  const cell = (staffId: number, queue: string, p: string) => {
    const key = `${staffId}|${queue}|${p}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { staffId, queue, period: p, sums: { ...ZERO } }));
    return c.sums;
  };
  for (const r of answered) Object.assign(cell(r.staffId, r.queue, r.period), { answered: r.answered, measured: r.measured, within: r.within, talkSeconds: Number(r.talkSeconds), ended: r.ended });
  for (const r of rated) Object.assign(cell(r.staffId!, r.queue ?? '', r.period), { ratings: r.ratings, ratingTotal: r.ratingTotal, topTwo: r.topTwo });
  for (const r of scored) Object.assign(cell(r.staffId, r.queue, r.period), { scored: r.scored, scoreTotal: Number(r.scoreTotal) });

  const periods = periodStarts(q.from, q.to, q.by);
  const rollUp = (pick: (c: { staffId: number; queue: string }) => boolean) =>
    periods.map((p) => {
      const total = { ...ZERO };
      for (const c of cells.values()) if (c.period === p && pick(c)) for (const k of Object.keys(total) as (keyof Sums)[]) total[k] += c.sums[k];
      return figures(p, total);
    });

  const staffIds = [...new Set([...cells.values()].map((c) => c.staffId))];
  const people = staffIds.length ? await db.select({ id: staff.id, employeeNo: staff.employeeNo, name: staff.name }).from(staff).where(inArray(staff.id, staffIds)) : [];
  const queues = [...new Set([...cells.values()].map((c) => c.queue))].filter((x) => x !== '').sort();
  return {
    from: q.from,
    to: q.to,
    by: q.by,
    timeZone: tz,
    agents: people.sort((a, b) => a.employeeNo.localeCompare(b.employeeNo)).map((p) => ({ staffId: p.id, employeeNo: p.employeeNo, name: p.name, periods: rollUp((c) => c.staffId === p.id) })),
    teams: queues.map((queue) => ({ queue, periods: rollUp((c) => c.queue === queue) })),
    floor: rollUp(() => true),
  };
}

/** The first local day of each period from `from` to `to` (weeks start on Monday, as date_trunc's do). */
export function periodStarts(from: string, to: string, by: Period): string[] {
  const starts: string[] = [];
  let day = DateTime.fromISO(from).startOf(by === 'week' ? 'week' : 'day');
  const last = DateTime.fromISO(to);
  for (; day <= last; day = day.plus(by === 'week' ? { weeks: 1 } : { days: 1 })) starts.push(day.toISODate()!);
  return starts;
}
