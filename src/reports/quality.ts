import type { Hotline } from '../hotline.ts';
import { qualityScoreRows } from '../quality/scores.ts';

/**
 * The quality scores a report shows, from the quality part (src/quality/scores.ts), read when the report is
 * asked for rather than materialised: scores are few (a trainer's sample) and change when a trainer
 * re-scores a call, which no slot would hear of. Grouped by when the call was answered.
 */
export type QualityScoreRow = { staffId: number; at: Date; score: number };

export function qualityScores(h: Hotline, range: { from: Date; to: Date }): Promise<QualityScoreRow[]> {
  return qualityScoreRows(h, range);
}
