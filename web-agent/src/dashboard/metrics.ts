/**
 * The `metrics` the server pushes on the `/managers` namespace (and answers at GET /api/metrics/live): the
 * server's own types, imported for the type-checker only (esbuild drops them).
 */
import type { LiveMetrics, QueueLive } from '../../../src/metrics/live.ts';

export type { AgentCounts, AgentLive, LiveMetrics, QueueLive, RingsHistogram, Slot, TodayFigures } from '../../../src/metrics/live.ts';
export type { Presence } from '../../../db/schema.ts';

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
