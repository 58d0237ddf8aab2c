import { withinStandard } from './rings.ts';

/**
 * The contact-center figures of a queue over a period, and of the post-call survey, as pure functions over
 * plain records (read from the call event log by the caller). Each definition is the one in metrics.md and
 * is written next to its code. A figure with nothing to divide by is null ("no data"), never NaN: a quiet
 * morning has no service level, not a service level of 0 %.
 *
 * Rates and shares are between 0 and 1; CSAT is on the 0–100 scale the operator's goal ("90+") uses.
 */

/** One caller's stay in one queue. The caller picks the stays of the period (those queued in it). */
export type QueuedCall = {
  queuedAt: Date;
  /** When an agent answered; unset when nobody did. */
  answeredAt?: Date | null;
  /** When the caller hung up before an agent answered (waiting, or while an agent's phone rang). */
  abandonedAt?: Date | null;
  /** Left the queue by asking to be called back. */
  callbackRequested?: boolean;
  /** Rings of the offer the agent answered (see rings.ts); unset when not measured. */
  rings?: number | null;
  /** The answered call's handling; a part not given counts as 0 (most calls are never put on hold). */
  talkSeconds?: number;
  holdSeconds?: number;
  wrapUpSeconds?: number;
};

/** Abandoned within this long of entering the queue: a short abandon (a wrong key, a change of mind). */
export const SHORT_ABANDON_SECONDS = 5;
/** T of the service level when a queue does not set its own: the common "80/20". */
export const DEFAULT_SERVICE_LEVEL_SECONDS = 20;

const seconds = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 1000;
const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const mean = (values: number[]): number | null => ratio(values.reduce((sum, v) => sum + v, 0), values.length);

/** answered = an agent answered the call. */
export const isAnswered = (c: QueuedCall): c is QueuedCall & { answeredAt: Date } => !!c.answeredAt;

/** abandoned = the caller hung up before an agent answered (an answer wins over a later hang-up). */
export const isAbandoned = (c: QueuedCall): c is QueuedCall & { abandonedAt: Date } => !isAnswered(c) && !!c.abandonedAt;

/** short abandon = abandoned within 5 s (inclusive) of entering the queue. */
export const isShortAbandon = (c: QueuedCall): boolean => isAbandoned(c) && seconds(c.queuedAt, c.abandonedAt) <= SHORT_ABANDON_SECONDS;

/** callback requested = left the queue by asking for a callback: neither answered nor abandoned. */
export const isCallbackRequested = (c: QueuedCall): boolean => !!c.callbackRequested && !isAnswered(c) && !isAbandoned(c);

/** wait = answered_at − queued_at (the agent's ring time included), or abandoned_at − queued_at; else none. */
export function waitSeconds(c: QueuedCall): number | undefined {
  if (isAnswered(c)) return seconds(c.queuedAt, c.answeredAt);
  if (isAbandoned(c)) return seconds(c.queuedAt, c.abandonedAt);
  return undefined;
}

/** ASA = mean wait of answered calls. The operator's goal: under 30 s. */
export function averageSpeedOfAnswer(calls: QueuedCall[]): number | null {
  return mean(calls.filter(isAnswered).map((c) => seconds(c.queuedAt, c.answeredAt)));
}

/**
 * service level (T) = answered within T (wait ≤ T) / (answered + abandoned after the short-abandon
 * threshold). Short abandons are left out: a caller who gave up in 3 s was not failed by the agents.
 */
export function serviceLevel(calls: QueuedCall[], targetSeconds = DEFAULT_SERVICE_LEVEL_SECONDS): number | null {
  const answered = calls.filter(isAnswered);
  const inTime = answered.filter((c) => seconds(c.queuedAt, c.answeredAt) <= targetSeconds).length;
  return ratio(inTime, answered.length + countLongAbandons(calls));
}

/** abandon rate = abandoned (without short abandons) / (offered − short abandons). */
export function abandonRate(calls: QueuedCall[]): number | null {
  return ratio(countLongAbandons(calls), calls.length - calls.filter(isShortAbandon).length);
}

const countLongAbandons = (calls: QueuedCall[]) => calls.filter((c) => isAbandoned(c) && !isShortAbandon(c)).length;

/** Rings of the answered offers that were measured (an answered call without a ring count is left out). */
const answeredRings = (calls: QueuedCall[]) => calls.filter(isAnswered).flatMap((c) => (typeof c.rings === 'number' ? [c.rings] : []));

/** three-ring compliance = offers answered within three rings / offers answered. */
export function threeRingCompliance(calls: QueuedCall[]): number | null {
  const rings = answeredRings(calls);
  return ratio(rings.filter(withinStandard).length, rings.length);
}

/** average rings = mean rings of answered offers. */
export function averageRings(calls: QueuedCall[]): number | null {
  return mean(answeredRings(calls));
}

/** AHT = mean of talk + hold + wrap-up time of answered calls. */
export function averageHandleTime(calls: QueuedCall[]): number | null {
  return mean(calls.filter(isAnswered).map((c) => (c.talkSeconds ?? 0) + (c.holdSeconds ?? 0) + (c.wrapUpSeconds ?? 0)));
}

export type QueueFigures = {
  /** offered = calls that entered the queue in the period. */
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandons: number;
  callbacksRequested: number;
  averageSpeedOfAnswerSeconds: number | null;
  serviceLevel: number | null;
  /** The T the service level was computed with; the UI says which. */
  serviceLevelSeconds: number;
  abandonRate: number | null;
  threeRingCompliance: number | null;
  averageRings: number | null;
  averageHandleTimeSeconds: number | null;
};

/** Every queue figure of a period at once, for reports. */
export function queueFigures(calls: QueuedCall[], serviceLevelSeconds = DEFAULT_SERVICE_LEVEL_SECONDS): QueueFigures {
  return {
    offered: calls.length,
    answered: calls.filter(isAnswered).length,
    abandoned: calls.filter(isAbandoned).length,
    shortAbandons: calls.filter(isShortAbandon).length,
    callbacksRequested: calls.filter(isCallbackRequested).length,
    averageSpeedOfAnswerSeconds: averageSpeedOfAnswer(calls),
    serviceLevel: serviceLevel(calls, serviceLevelSeconds),
    serviceLevelSeconds,
    abandonRate: abandonRate(calls),
    threeRingCompliance: threeRingCompliance(calls),
    averageRings: averageRings(calls),
    averageHandleTimeSeconds: averageHandleTime(calls),
  };
}

/** One post-call survey; a caller who hung up part-way answered only some questions. */
export type SurveyResponse = {
  /** 1–5. */
  rating?: number | null;
  /** "Was your problem solved?" */
  resolved?: boolean | null;
};

const ratings = (responses: SurveyResponse[]) => responses.flatMap((r) => (typeof r.rating === 'number' ? [r.rating] : []));

/** CSAT (mean, 0–100) = (mean rating − 1) / 4 × 100: a 1 is 0, a 5 is 100. */
export function csatMean(responses: SurveyResponse[]): number | null {
  return csatOfMeanRating(mean(ratings(responses)));
}

/** The CSAT scale of a mean rating (for figures summed in SQL). */
export const csatOfMeanRating = (meanRating: number | null): number | null => (meanRating === null ? null : ((meanRating - 1) / 4) * 100);

/** CSAT (top-2-box) = share of 4s and 5s × 100; the operator's "satisfaction 90+" reads naturally as this. */
export function csatTopTwoBox(responses: SurveyResponse[]): number | null {
  const all = ratings(responses);
  const share = ratio(all.filter((r) => r >= 4).length, all.length);
  return share === null ? null : share * 100;
}

/** resolved rate = share of "yes" to "was your problem solved" among those who answered it. */
export function resolvedRate(responses: SurveyResponse[]): number | null {
  const answered = responses.flatMap((r) => (typeof r.resolved === 'boolean' ? [r.resolved] : []));
  return ratio(answered.filter(Boolean).length, answered.length);
}

/** An agent's time in a period, in seconds. */
export type AgentTime = {
  talkSeconds: number;
  holdSeconds: number;
  wrapUpSeconds: number;
  loggedInSeconds: number;
  /** Part of the logged-in time on break. */
  breakSeconds: number;
};

/** occupancy = (talk + hold + wrap-up time) / (time logged in and not on break). */
export function agentOccupancy(t: AgentTime): number | null {
  return ratio(t.talkSeconds + t.holdSeconds + t.wrapUpSeconds, t.loggedInSeconds - t.breakSeconds);
}
