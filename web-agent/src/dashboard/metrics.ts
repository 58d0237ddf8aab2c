/**
 * The `metrics` the server pushes on the `/managers` namespace (and answers at GET /api/metrics/live): the
 * page's copy of src/metrics/live.ts's LiveMetrics, which the browser bundle cannot import.
 */

export type Presence = 'offline' | 'available' | 'ringing' | 'on-call' | 'wrap-up' | 'break';
export type AgentCounts = { available: number; ringing: number; onCall: number; wrapUp: number; break: number };
export type QueueLive = { name: string; waiting: number; longestWaitSeconds: number; agents: AgentCounts };
export type TodayFigures = {
  offered: number;
  answered: number;
  abandoned: number;
  answeredWithinStandard: number;
  /** 0–100 */
  answeredWithinStandardShare: number | null;
  averageRings: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  /** 0–1 */
  serviceLevel: number | null;
  serviceLevelSeconds: number;
  csat: { mean: number | null; topTwoBox: number | null; resolvedRate: number | null; responses: number };
};
export type AgentLive = {
  staffId: number;
  employeeNo: string;
  name: string;
  presence: Presence;
  presenceSince: string | null;
  breakReason: string | null;
  callsToday: number;
  withinStandardShare: number | null;
  csat: number | null;
  csatTopTwoBox: number | null;
};
export type Slot = { start: string; offered: number; answered: number; abandoned: number };
export type RingsHistogram = { '1': number; '2': number; '3': number; '4+': number };
export type LiveMetrics = {
  at: string;
  timeZone: string;
  queues: QueueLive[];
  today: TodayFigures;
  agents: AgentLive[];
  per15Minutes: Slot[];
  ringsHistogram: RingsHistogram;
};

/** The operator's goals, as the board shows them against the figures. */
export const ASA_GOAL_SECONDS = 30;
export const CSAT_GOAL = 90;

/**
 * A received update, with the browser's clock when it came: times counting up live are the server's own
 * durations (at − since) plus the time since the update, so the two clocks never need to agree.
 */
export type Received = { metrics: LiveMetrics; receivedAt: number };

export function secondsSince(received: Received, since: string | null, extraSeconds = 0): number | null {
  const base = since === null ? null : (Date.parse(received.metrics.at) - Date.parse(since)) / 1000;
  if (base === null) return null;
  return Math.max(0, base + extraSeconds + (Date.now() - received.receivedAt) / 1000);
}

/** A waiting time that counts up between updates; none waiting, nothing to count. */
export function liveWait(received: Received, queue: QueueLive): number {
  if (queue.waiting === 0) return 0;
  return queue.longestWaitSeconds + (Date.now() - received.receivedAt) / 1000;
}
