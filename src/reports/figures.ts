import { csatOfMeanRating } from '../metrics/figures.ts';
import type { Sums } from './sums.ts';

/**
 * A report row's figures from its sums (metrics.md; the sums are defined in aggregate.ts). A figure with
 * nothing to divide by is null ("no data"), never 0 or NaN. Rates are between 0 and 1; shares (…Share) and
 * CSAT on 0–100, as the live board has them.
 */
export type ReportFigures = {
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandons: number;
  /** Abandoned calls by how long the caller waited: (0,5], (5,15], (15,30], (30,60], (60,120], over 120 s. */
  abandonedAfter: Record<AbandonBucket, number>;
  /** Per agent: offers not answered (ring limit, rejected). */
  missed: number;
  /** Answered within three rings, and their share of the answered offers with a ring count (× 100). */
  withinStandard: number;
  withinStandardShare: number | null;
  averageRings: number | null;
  /** ASA = wait seconds / answered. */
  averageSpeedOfAnswerSeconds: number | null;
  /** answered within T / (answered + abandoned after the short-abandon threshold). */
  serviceLevel: number | null;
  /** abandoned without short abandons / (offered − short abandons). */
  abandonRate: number | null;
  /** AHT = (talk + hold + wrap-up) / conversations handled. */
  averageHandleTimeSeconds: number | null;
  /** Hold time per conversation handled. */
  averageHoldSeconds: number | null;
  surveys: number;
  /** (mean rating − 1) / 4 × 100. */
  csatMean: number | null;
  /** Share of 4s and 5s × 100. */
  csatTopTwoBox: number | null;
  callbacksCompleted: number;
  /** Completed callbacks whose resolve clock was met by its due time / completed. */
  callbacksWithinPromise: number | null;
  repliesDue: number;
  /** Reply commitments (first reply, resolve) met by their due time / those that fell due. */
  repliesWithinCommitment: number | null;
  /** Mean quality score (0–100) of the calls scored, and how many. */
  qualityScore: number | null;
  qualityScored: number;
};

export const ABANDON_BUCKETS = ['0-5', '5-15', '15-30', '30-60', '60-120', '120+'] as const;
export type AbandonBucket = (typeof ABANDON_BUCKETS)[number];

export type QualitySums = { total: number; count: number };

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const percent = (part: number, whole: number): number | null => (whole === 0 ? null : (part / whole) * 100);

export function figuresOf(s: Sums, quality: QualitySums = { total: 0, count: 0 }): ReportFigures {
  const longAbandons = s.abandoned - s.shortAbandons;
  return {
    offered: s.offered,
    answered: s.answered,
    abandoned: s.abandoned,
    shortAbandons: s.shortAbandons,
    abandonedAfter: {
      '0-5': s.abandoned5,
      '5-15': s.abandoned15,
      '15-30': s.abandoned30,
      '30-60': s.abandoned60,
      '60-120': s.abandoned120,
      '120+': s.abandonedOver120,
    },
    missed: s.missed,
    withinStandard: s.withinStandard,
    withinStandardShare: percent(s.withinStandard, s.ringsMeasured),
    averageRings: ratio(s.totalRings, s.ringsMeasured),
    averageSpeedOfAnswerSeconds: ratio(s.waitSeconds, s.answered),
    serviceLevel: ratio(s.answeredInTime, s.answered + longAbandons),
    abandonRate: ratio(longAbandons, s.offered - s.shortAbandons),
    averageHandleTimeSeconds: ratio(s.talkSeconds + s.holdSeconds + s.wrapSeconds, s.handled),
    averageHoldSeconds: ratio(s.holdSeconds, s.handled),
    surveys: s.ratings,
    csatMean: csatOfMeanRating(ratio(s.ratingTotal, s.ratings)),
    csatTopTwoBox: percent(s.topTwo, s.ratings),
    callbacksCompleted: s.callbacksCompleted,
    callbacksWithinPromise: ratio(s.callbacksInPromise, s.callbacksCompleted),
    repliesDue: s.repliesDue,
    repliesWithinCommitment: ratio(s.repliesInTime, s.repliesDue),
    qualityScore: ratio(quality.total, quality.count),
    qualityScored: quality.count,
  };
}
