import type { Hotline } from '../hotline.ts';
import { wallClock } from '../ivr/hours.ts';
import { historyReport, periodOf, type Period } from './history.ts';

/**
 * The operator's goals against the figures, for the live dashboard: satisfaction 90+ (read on the CSAT
 * top-2-box: the share of 4s and 5s) and an average speed of answer under 30 s, for today, this week and this
 * month so far, each with the previous period whole (yesterday, last week, last month) for the trend. From the
 * history reports (slot rows and the open slots live), so the figures are the reports' own.
 */

export const CSAT_GOAL = 90;
export const ASA_GOAL_SECONDS = 30;

export type GoalFigures = { start: string; csatTopTwoBox: number | null; csatMean: number | null; surveys: number; averageSpeedOfAnswerSeconds: number | null; answered: number };
export type GoalPeriod = {
  period: Period;
  current: GoalFigures;
  previous: GoalFigures;
  /** Goal met so far in the current period; null without data. */
  csatMet: boolean | null;
  asaMet: boolean | null;
  /** Current − previous (null when either has no data): up is better for CSAT, down for ASA. */
  csatChange: number | null;
  asaChange: number | null;
};
export type Goals = { at: string; timeZone: string; csatGoal: number; asaGoalSeconds: number; periods: GoalPeriod[] };

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
function previousStart(start: string, period: Period): string {
  if (period === 'day') return addDays(start, -1);
  if (period === 'week') return addDays(start, -7);
  const [y, m] = start.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, '0')}-01`;
}
const change = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);

export async function goals(h: Hotline): Promise<Goals> {
  const now = h.now();
  const tz = h.config.timeZone;
  const today = wallClock(now, tz).date;
  const periods = await Promise.all(
    (['day', 'week', 'month'] as const).map(async (period): Promise<GoalPeriod> => {
      const start = periodOf(now, tz, period);
      const before = previousStart(start, period);
      const report = await historyReport(h, { from: before, to: today, period, by: 'queue' });
      const of = (p: string): GoalFigures => {
        const f = report.rows.find((r) => r.total && r.period === p)?.figures;
        return {
          start: p,
          csatTopTwoBox: f?.csatTopTwoBox ?? null,
          csatMean: f?.csatMean ?? null,
          surveys: f?.surveys ?? 0,
          averageSpeedOfAnswerSeconds: f?.averageSpeedOfAnswerSeconds ?? null,
          answered: f?.answered ?? 0,
        };
      };
      const current = of(start);
      const previous = of(before);
      return {
        period,
        current,
        previous,
        csatMet: current.csatTopTwoBox === null ? null : current.csatTopTwoBox >= CSAT_GOAL,
        asaMet: current.averageSpeedOfAnswerSeconds === null ? null : current.averageSpeedOfAnswerSeconds < ASA_GOAL_SECONDS,
        csatChange: change(current.csatTopTwoBox, previous.csatTopTwoBox),
        asaChange: change(current.averageSpeedOfAnswerSeconds, previous.averageSpeedOfAnswerSeconds),
      };
    }),
  );
  return { at: now.toISOString(), timeZone: tz, csatGoal: CSAT_GOAL, asaGoalSeconds: ASA_GOAL_SECONDS, periods };
}
