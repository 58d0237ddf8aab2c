import type { Presence } from '../../db/schema.ts';
import type { Queues } from '../acd/queues.ts';
import type { CallbackFigures } from './callbacks.ts';
import { csatOfMeanRating, DEFAULT_SERVICE_LEVEL_SECONDS } from './figures.ts';
import type { AgentCounts, Csat, LiveMetrics, Slot, TodayFigures } from './live.ts';
import type { agentsNow, RosterRow, waitingNow } from './live-now.ts';

/**
 * Today's service level uses one T for all queues (20 s, the common default) rather than each queue's own
 * `serviceLevelSeconds`: the board shows a single figure, and says "within 20 s". The counters' triggers
 * (db/migrations/0006_live_counters.sql) hold the same 20 s, and the 5 s of a short abandon.
 */
export const LIVE_SERVICE_LEVEL_SECONDS = DEFAULT_SERVICE_LEVEL_SECONDS;
export const SLOT_SECONDS = 15 * 60;

/** A 15-minute slot's calls that entered a queue, the slot numbered from local midnight. */
export type SlotSums = {
  slot: number;
  offered: number;
  answered: number;
  abandoned: number;
  answeredInTime: number;
  longAbandons: number;
  totalWaitSeconds: number;
};
/** An agent's answered offers of the day. */
export type OfferSums = {
  staffId: number;
  answered: number;
  /** Answered offers whose rings were measured: the whole of the three-ring share and of average rings. */
  measured: number;
  totalRings: number;
  withinStandard: number;
  rings1: number;
  rings2: number;
  rings3: number;
  rings4Plus: number;
};
/** The day's surveys of an agent (null: of no agent). */
export type SurveySums = {
  staffId: number | null;
  responses: number;
  ratings: number;
  totalRating: number;
  topTwo: number;
  solvedAnswers: number;
  solved: number;
};
/** What the board needs of the day so far, from the counters or aggregated afresh: the same either way. */
export type DaySums = { slots: SlotSums[]; offers: OfferSums[]; surveys: SurveySums[]; roster: RosterRow[] };
export type NowState = {
  waiting: Awaited<ReturnType<typeof waitingNow>>;
  staffed: Awaited<ReturnType<typeof agentsNow>>;
  callbacks: CallbackFigures;
};

const presenceCount: Record<Exclude<Presence, 'offline'>, keyof AgentCounts> = {
  available: 'available',
  ringing: 'ringing',
  'on-call': 'onCall',
  'wrap-up': 'wrapUp',
  break: 'break',
};

/** The board from the day's sums and the present; the day's totals are the sums of the per-slot and per-agent rows. */
export function liveBoard(o: { now: Date; since: Date; timeZone: string; queues: Queues }, day: DaySums, present: NowState): LiveMetrics {
  const offerTotals = sumRows(day.offers, NO_OFFERS);
  const offersOf = new Map(day.offers.map((row) => [row.staffId, row]));
  const surveysOf = new Map(day.surveys.map((row) => [row.staffId, row]));
  return {
    at: o.now.toISOString(),
    timeZone: o.timeZone,
    queues: [...o.queues.values()].map((q) => {
      const w = present.waiting.find((row) => row.queue === q.name);
      const counts: AgentCounts = { available: 0, ringing: 0, onCall: 0, wrapUp: 0, break: 0 };
      // An agent counts in every queue whose skill they have, so the same agent may appear under several.
      for (const row of present.staffed) {
        const presence = presenceCount[row.presence as keyof typeof presenceCount];
        if (presence && Object.hasOwn(row.skills, q.skill)) counts[presence] += row.count;
      }
      return { name: q.name, waiting: w?.waiting ?? 0, longestWaitSeconds: w?.longestWaitSeconds ?? 0, agents: counts };
    }),
    today: todayFigures(sumRows(day.slots, NO_CALLS), offerTotals, csatOf(sumRows(day.surveys, NO_SURVEYS))),
    agents: day.roster.map((a) => {
      const offered = offersOf.get(a.staffId);
      const s = csatOf(surveysOf.get(a.staffId) ?? NO_SURVEYS);
      return {
        staffId: a.staffId,
        employeeNo: a.employeeNo,
        name: a.name,
        presence: a.presence ?? 'offline',
        presenceSince: a.since?.toISOString() ?? null,
        breakReason: a.breakReason,
        onHold: a.onHold,
        monitored: a.monitored,
        callsToday: offered?.answered ?? 0,
        withinStandardShare: percent(offered?.withinStandard ?? 0, offered?.measured ?? 0),
        csat: s.mean,
        csatTopTwoBox: s.topTwoBox,
      };
    }),
    per15Minutes: slotsOfDay(o.since, o.now, day.slots),
    ringsHistogram: { '1': offerTotals.rings1, '2': offerTotals.rings2, '3': offerTotals.rings3, '4+': offerTotals.rings4Plus },
    callbacks: present.callbacks,
  };
}

/** A row's counts: its numeric columns but the keys it is grouped by. */
type Counts<T> = Omit<T, 'slot' | 'staffId'>;
type CallCounts = Counts<SlotSums>;
type OfferCounts = Counts<OfferSums>;
type SurveyCounts = Counts<SurveySums>;

/** Adds up the columns named in `zero` of per-slot or per-agent rows into the day's. */
function sumRows<T extends object>(rows: T[], zero: Counts<T>): Counts<T> {
  const total = { ...zero } as Record<string, number>;
  for (const row of rows) for (const key of Object.keys(total)) total[key]! += (row as Record<string, number>)[key] ?? 0;
  return total as Counts<T>;
}

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const percent = (part: number, whole: number): number | null => (whole === 0 ? null : (part / whole) * 100);

const NO_CALLS: CallCounts = { offered: 0, answered: 0, abandoned: 0, answeredInTime: 0, longAbandons: 0, totalWaitSeconds: 0 };
const NO_OFFERS: OfferCounts = { answered: 0, measured: 0, totalRings: 0, withinStandard: 0, rings1: 0, rings2: 0, rings3: 0, rings4Plus: 0 };
const NO_SURVEYS: SurveyCounts = { responses: 0, ratings: 0, totalRating: 0, topTwo: 0, solvedAnswers: 0, solved: 0 };

function todayFigures(c: CallCounts, o: OfferCounts, csat: Csat): TodayFigures {
  return {
    offered: c.offered,
    answered: c.answered,
    abandoned: c.abandoned,
    answeredWithinStandard: o.withinStandard,
    // three-ring compliance = offers answered within three rings / offers answered.
    answeredWithinStandardShare: percent(o.withinStandard, o.measured),
    // average rings = mean rings of answered offers.
    averageRings: ratio(o.totalRings, o.measured),
    // ASA = mean wait (answered_at − queued_at) of answered calls.
    averageSpeedOfAnswerSeconds: ratio(c.totalWaitSeconds, c.answered),
    // service level = answered within T / (answered + abandoned after the short-abandon threshold).
    serviceLevel: ratio(c.answeredInTime, c.answered + c.longAbandons),
    serviceLevelSeconds: LIVE_SERVICE_LEVEL_SECONDS,
    csat,
  };
}

/** figures.ts's csatMean, csatTopTwoBox and resolvedRate, over counts instead of responses. */
function csatOf(s: SurveyCounts): Csat {
  return {
    mean: csatOfMeanRating(ratio(s.totalRating, s.ratings)),
    topTwoBox: percent(s.topTwo, s.ratings),
    resolvedRate: ratio(s.solved, s.solvedAnswers),
    responses: s.responses,
  };
}

/** Every 15-minute slot from local midnight to the one `now` is in, with the calls that entered a queue in it. */
function slotsOfDay(since: Date, now: Date, rows: SlotSums[]): Slot[] {
  const count = Math.floor((now.getTime() - since.getTime()) / (SLOT_SECONDS * 1000)) + 1;
  const bySlot = new Map(rows.map((r) => [r.slot, r]));
  return Array.from({ length: count }, (_, i) => {
    const row = bySlot.get(i);
    return {
      start: new Date(since.getTime() + i * SLOT_SECONDS * 1000).toISOString(),
      offered: row?.offered ?? 0,
      answered: row?.answered ?? 0,
      abandoned: row?.abandoned ?? 0,
    };
  });
}
