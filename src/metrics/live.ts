import type { Presence } from '../../db/schema.ts';
import type { Queues } from '../acd/queues.ts';
import type { Db } from '../database.ts';
import { wallClock } from '../ivr/hours.ts';
import { callbackFigures, type CallbackFigures } from './callbacks.ts';
import { liveBoard, SLOT_SECONDS, type DaySums } from './live-board.ts';
import { counterDaySums } from './live-counters.ts';
import { freshDaySums } from './live-fresh.ts';
import { agentsNow, waitingNow } from './live-now.ts';

/**
 * The managers' live board: who waits in each queue now, the agents who could answer them, the agent board,
 * and today's figures so far. The present is read from current rows (live-now.ts); the day so far from the
 * counters the database keeps per 15-minute slot, queue and agent (live-counters.ts), so a push costs the same
 * with a year of history as with none, and at the day's end as at its start. The definitions are those of
 * metrics.md (and figures.ts), restated where SQL computes them (live-fresh.ts, the aggregate the counters are
 * held to). The callbacks' figures are callbacks.ts's (three more, over the cases).
 *
 * Rates (service level, resolved rate) are between 0 and 1 as in figures.ts; shares (…Share, top-2-box)
 * and CSAT are on a 0–100 scale, as the board shows them.
 */

export type AgentCounts = { available: number; ringing: number; onCall: number; wrapUp: number; break: number };
export type QueueLive = { name: string; waiting: number; longestWaitSeconds: number; agents: AgentCounts };
export type Csat = {
  /** CSAT (mean, 0–100) = (mean rating − 1) / 4 × 100. */
  mean: number | null;
  /** CSAT (top-2-box) = share of 4s and 5s × 100: what the operator's goal "90+" reads. */
  topTwoBox: number | null;
  /** Share (0–1) of "yes" to "was your problem solved" among those who answered it. */
  resolvedRate: number | null;
  /** Surveys with at least one answer (partial ones count for the questions answered). */
  responses: number;
};
export type TodayFigures = {
  offered: number;
  answered: number;
  abandoned: number;
  answeredWithinStandard: number;
  /** answered within three rings / answered offers (with rings measured) × 100. */
  answeredWithinStandardShare: number | null;
  averageRings: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  serviceLevel: number | null;
  /** The T of the service level, for the board to say "within T s". */
  serviceLevelSeconds: number;
  csat: Csat;
};
export type AgentLive = {
  staffId: number;
  employeeNo: string;
  name: string;
  presence: Presence;
  /** When the agent entered this presence (ISO), so the page counts the time in it up live; null if never logged in. */
  presenceSince: string | null;
  breakReason: string | null;
  /** On a call whose caller is on hold. */
  onHold: boolean;
  /** How a supervisor is in the agent's call (listen, whisper, barge), or null. */
  monitored: 'listen' | 'whisper' | 'barge' | null;
  /** Offers the agent answered today. */
  callsToday: number;
  /** Of those, answered within three rings, × 100; null when none. */
  withinStandardShare: number | null;
  /** CSAT mean (0–100) of today's surveys of the agent's calls; null when none. */
  csat: number | null;
  csatTopTwoBox: number | null;
};
export type Slot = { start: string; offered: number; answered: number; abandoned: number };
export type RingsHistogram = { '1': number; '2': number; '3': number; '4+': number };
export type { CallbackFigures } from './callbacks.ts';
export type LiveMetrics = {
  at: string;
  /** The hotline's time zone, in which "today" and the 15-minute slots are read. */
  timeZone: string;
  queues: QueueLive[];
  today: TodayFigures;
  agents: AgentLive[];
  /** Today's calls by the 15 minutes they entered a queue in, from local midnight to now. */
  per15Minutes: Slot[];
  /** Today's answered offers by rings to answer. */
  ringsHistogram: RingsHistogram;
  /** Today's callbacks (requested, completed, within the time promised, attempts) and those waiting now. */
  callbacks: CallbackFigures;
};

export type LiveOptions = {
  now: Date;
  /** The hotline's wall clock: "today" starts at its midnight. */
  timeZone: string;
  /** Listed in this order (queues.yaml's). */
  queues: Queues;
  /** Offers store their rings when answered, so today's figures do not need it. */
  ringCycleSeconds: number;
};

export { LIVE_SERVICE_LEVEL_SECONDS, SLOT_SECONDS } from './live-board.ts';

/** The board, today's figures from the counters. */
export function liveMetrics(db: Db, options: LiveOptions): Promise<LiveMetrics> {
  return board(db, options, (since) =>
    // Counters sum whole slots: a day that does not begin on a quarter hour (no time zone today) is aggregated.
    since.getTime() % (SLOT_SECONDS * 1000) === 0 ? counterDaySums(db, since, options.now) : freshDaySums(db, since, options.now),
  );
}

/** The same board with today's figures aggregated afresh from the day's rows: the check on the counters. */
export function freshLiveMetrics(db: Db, options: LiveOptions): Promise<LiveMetrics> {
  return board(db, options, (since) => freshDaySums(db, since, options.now));
}

async function board(db: Db, { now, timeZone, queues }: LiveOptions, daySums: (since: Date) => Promise<DaySums>): Promise<LiveMetrics> {
  const since = startOfLocalDay(now, timeZone);
  const [waiting, staffed, callbacks, day] = await Promise.all([waitingNow(db, now), agentsNow(db), callbackFigures(db, since, now), daySums(since)]);
  return liveBoard({ now, since, timeZone, queues }, day, { waiting, staffed, callbacks });
}

/**
 * The instant the local day of `now` began in `timeZone`. Local midnight is W − offset, where W is
 * midnight read as if UTC; the offset in force may differ across the day (daylight saving), so each offset
 * seen around that day is tried and the earliest instant that is already on that local date wins. Where a
 * clock change skips midnight, that is the moment of the change.
 */
export function startOfLocalDay(now: Date, timeZone: string): Date {
  const date = wallClock(now, timeZone).date;
  const w = Date.parse(`${date}T00:00:00Z`);
  const day = 86_400_000;
  const candidates = [w - day, w, w + day]
    .map((t) => w - offsetMs(new Date(t), timeZone))
    .filter((t) => wallClock(new Date(t), timeZone).date === date);
  return new Date(Math.min(...candidates));
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** How far the wall clock in `timeZone` is ahead of UTC at `at`, in ms (Shanghai: +8 h). */
function offsetMs(at: Date, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) offsetFormatters.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })));
  const name = f.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT([+-])(\d\d):(\d\d)(?::(\d\d))?$/.exec(name);
  if (!m) return 0; // plain "GMT": UTC itself
  const [, sign, h, min, s] = m;
  return (sign === '-' ? -1 : 1) * ((Number(h) * 60 + Number(min)) * 60 + Number(s ?? 0)) * 1000;
}
