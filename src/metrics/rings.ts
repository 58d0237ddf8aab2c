/**
 * Rings to answer: the operator's standard is that an agent answers within three rings (三鈴). An offer's
 * ring seconds (agent leg ringing → answered) are counted in ring cycles of the local ringback cadence
 * (mainland China: 1 s on, 4 s off, a 5 s cycle).
 */

export const THREE_RING_STANDARD = 3;

/**
 * Ring timestamps have millisecond resolution, but seconds reach us through float arithmetic (and a
 * `real` column): 15 s must not become 14.999999 s and lose the fourth ring. A microsecond is far below
 * what the clocks can tell apart.
 */
const TOLERANCE_SECONDS = 1e-6;

/** rings = floor(ring seconds / ring cycle) + 1: the first ring sounds at once, the next one a cycle later. */
export function ringsFor(ringSeconds: number, cycleSeconds: number): number {
  if (!(ringSeconds >= 0) || !Number.isFinite(ringSeconds)) throw new RangeError(`ring seconds must be 0 or more, got ${ringSeconds}`);
  if (!(cycleSeconds > 0) || !Number.isFinite(cycleSeconds)) throw new RangeError(`the ring cycle must be positive, got ${cycleSeconds}`);
  return Math.floor((ringSeconds + TOLERANCE_SECONDS) / cycleSeconds) + 1;
}

/** Answered within the three-ring standard (with a 5 s cycle: in under 15 s). */
export function withinStandard(rings: number): boolean {
  return rings <= THREE_RING_STANDARD;
}
