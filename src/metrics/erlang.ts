/**
 * Erlang C: how many agents a queue needs. Calls arrive at random (Poisson), handle times are exponential
 * with mean AHT, callers wait as long as it takes. Traffic A = arrival rate × AHT, in Erlangs (the number of
 * agents that would be busy all the time); with N agents the queue keeps up only when N > A.
 *
 * The textbook formula has A^N / N!, which overflows a double from about N = 170; the Erlang B recursion
 * below stays between 0 and 1 at every step, so a 500-Erlang hotline is as exact as a 10-Erlang one.
 */

export type Staffing = {
  /** Offered traffic A in Erlangs. */
  traffic: number;
  /** Agents N answering. */
  agents: number;
};
export type Timing = {
  /** Average handle time: talk + hold + wrap-up. */
  ahtSeconds: number;
  /** T of the service level. */
  targetSeconds: number;
};

/** A = arrivals per hour × AHT / 3600 s (100 calls in 30 min at 180 s: 200 × 180 / 3600 = 10 Erlangs). */
export function trafficOf(arrivalsPerHour: number, ahtSeconds: number): number {
  return (arrivalsPerHour * ahtSeconds) / 3600;
}

/** Erlang B recursion, one agent more: B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1)). */
const nextBlocking = (traffic: number, k: number, previous: number) => (traffic * previous) / (k + traffic * previous);

function erlangB(traffic: number, agents: number): number {
  let b = 1;
  for (let k = 1; k <= agents; k++) b = nextBlocking(traffic, k, b);
  return b;
}

/** Pw from Erlang B: N·B / (N − A·(1 − B)). With N ≤ A the queue grows without end: everyone waits. */
function waitProbability(traffic: number, agents: number, blocking: number): number {
  if (agents <= traffic) return 1;
  return (agents * blocking) / (agents - traffic * (1 - blocking));
}

/** SL(T) = 1 − Pw · e^(−(N − A) · T / AHT). */
function serviceLevelFrom(pw: number, { traffic, agents }: Staffing, { ahtSeconds, targetSeconds }: Timing): number {
  if (agents <= traffic) return 0;
  return 1 - pw * Math.exp((-(agents - traffic) * targetSeconds) / ahtSeconds);
}

function checkStaffing({ traffic, agents }: Staffing): void {
  if (!(traffic >= 0) || !Number.isFinite(traffic)) throw new RangeError(`traffic must be 0 Erlangs or more, got ${traffic}`);
  if (!Number.isInteger(agents) || agents < 0) throw new RangeError(`agents must be a whole number 0 or more, got ${agents}`);
}

/** The probability that a caller waits at all (Erlang C, Pw). */
export function erlangC(s: Staffing): number {
  checkStaffing(s);
  return waitProbability(s.traffic, s.agents, erlangB(s.traffic, s.agents));
}

/** The share of callers answered within T seconds; 0 when the agents cannot keep up (N ≤ A). */
export function serviceLevel(s: Staffing & Timing): number {
  return serviceLevelFrom(erlangC(s), s, s);
}

/** ASA = Pw · AHT / (N − A), in seconds; Infinity when the agents cannot keep up (N ≤ A). */
export function averageSpeedOfAnswer(s: Staffing & Pick<Timing, 'ahtSeconds'>): number {
  if (s.agents <= s.traffic) return Infinity;
  return (erlangC(s) * s.ahtSeconds) / (s.agents - s.traffic);
}

/** The share of the agents' time spent on calls: A / N (at most 1: beyond that calls wait, agents do not). */
export function occupancy({ traffic, agents }: Staffing): number {
  return agents === 0 ? 1 : Math.min(1, traffic / agents);
}

export type StaffingGoal = ({ traffic: number } | { arrivalsPerHour: number }) &
  Timing & {
    /** The service-level goal as a share, e.g. 0.8 for "80 % within 20 s". */
    goal: number;
  };

/** The advice: the smallest N whose service level reaches the goal (always at least 1, and more than A). */
export function agentsNeeded(input: StaffingGoal): number {
  const traffic = 'traffic' in input ? input.traffic : trafficOf(input.arrivalsPerHour, input.ahtSeconds);
  checkStaffing({ traffic, agents: 0 });
  if (!(input.goal > 0 && input.goal < 1)) throw new RangeError(`the service-level goal must be a share between 0 and 1, got ${input.goal}`);
  // One Erlang B step per extra agent, rather than recomputing from B(0) for each N tried.
  let b = 1;
  for (let agents = 1; ; agents++) {
    b = nextBlocking(traffic, agents, b);
    const staffing = { traffic, agents };
    if (agents > traffic && serviceLevelFrom(waitProbability(traffic, agents, b), staffing, input) >= input.goal) return agents;
  }
}
