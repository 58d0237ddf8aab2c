import type { CallFacts } from './facts.ts';
import type { Measure, Scorecard } from './scorecard.ts';

/**
 * The scorecard's arithmetic, over plain data. An item's value is the share of it met, 0 … 1; null means it
 * does not apply to this call (no callback was promised, or it is not yet due; the caller gave no rating; the
 * ring was not measured), and is then left out of the weighting altogether: the items that do apply share the
 * whole 100, so an agent is neither rewarded nor punished for a survey the caller skipped.
 */

/** Each automatic measure, from the call's facts at `now`. */
export function measure(m: Measure, f: CallFacts, now: Date): number | null {
  switch (m) {
    // within the three-ring standard = rings ≤ 3 (metrics.md); an unmeasured ring says nothing.
    case 'rings':
      return f.withinStandard === null ? null : f.withinStandard ? 1 : 0;
    // listen and record: name, contact number, train number, seat number; each a quarter.
    case 'notes-complete': {
      if (!f.notes) return 0;
      const { passengerName, contactNumber, trainNumber, seatNumber } = f.notes;
      return [passengerName, contactNumber, trainNumber, seatNumber].filter((v) => v.trim() !== '').length / 4;
    }
    // kept = the passenger was reached (resolved "answered") with the resolve clock met no later than the due
    // time. Still open and not yet due: the promise can still be kept, so it is not scored yet.
    case 'callback-kept': {
      const c = f.callback;
      if (!c) return null;
      if (c.answered && c.metAt) return c.metAt.getTime() <= c.dueAt.getTime() ? 1 : 0;
      if (c.open && now.getTime() <= c.dueAt.getTime()) return null;
      return 0;
    }
    // CSAT's own scale (metrics.md): (rating − 1) / 4.
    case 'survey':
      return f.survey?.rating == null ? null : (f.survey.rating - 1) / 4;
  }
}

export type AutomaticItems = Record<string, number | null>;

export function automaticItems(card: Scorecard, f: CallFacts, now: Date): AutomaticItems {
  return Object.fromEntries(card.items.flatMap((i) => (i.kind === 'automatic' ? [[i.name, measure(i.measure, f, now)]] : [])));
}

/**
 * score = 100 × Σ weight × value / Σ weight, over the items that apply (value not null). Judged items' value is
 * points / max. Null when nothing applies (a call with no judged points yet and no automatic item).
 */
export function weightedScore(card: Scorecard, automatic: AutomaticItems, judged: Record<string, number>): number | null {
  let points = 0;
  let weights = 0;
  for (const item of card.items) {
    const value = item.kind === 'automatic' ? automatic[item.name] : judged[item.name] === undefined ? null : judged[item.name]! / item.max;
    if (value === null || value === undefined) continue;
    points += item.weight * value;
    weights += item.weight;
  }
  return weights === 0 ? null : Math.round((points / weights) * 1000) / 10;
}
