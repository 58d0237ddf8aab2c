import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ROOT } from '../root.ts';
import { checkedYaml } from '../yaml-file.ts';

/**
 * The quality scorecard (ivr-flows/scorecard.yaml): the items a call is scored on, their weights, and how the
 * trainer's daily sample is drawn. Data, checked at start-up like the flows: a mistake stops the hotline with
 * the file, the item and the field named.
 */

export const SCORECARD_FILE = 'scorecard.yaml';

/** What an automatic item measures, from what the hotline recorded of the call. */
export const MEASURES = ['rings', 'notes-complete', 'callback-kept', 'survey'] as const;
export type Measure = (typeof MEASURES)[number];

export class ScorecardError extends Error {}

const label = z.strictObject({ 'zh-TW': z.string().min(1), 'zh-CN': z.string().min(1), en: z.string().min(1) });
const weight = z.number('must be a number').positive('must be more than 0').max(1000, 'must be at most 1000');
const automatic = z.strictObject({ kind: z.literal('automatic'), measure: z.enum(MEASURES, `must be one of ${MEASURES.join(', ')}`), weight, label });
const judged = z.strictObject({
  kind: z.literal('judged'),
  max: z.number('must be a whole number').int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(5),
  weight,
  label,
});
const itemName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case name (letters, digits and -)');

const scorecardFile = z.strictObject({
  sample: z
    .strictObject({
      perAgentPerDay: z.number('must be a whole number').int('must be a whole number').min(0, 'must be 0 or more').max(100, 'must be at most 100').default(3),
      lowSurveyRating: z.number('must be a whole number').int('must be a whole number').min(0, 'must be from 0 (never) to 5').max(5, 'must be from 0 (never) to 5').default(2),
      complaintQueues: z.array(z.string()).default(['complaints']),
    })
    .prefault({}),
  items: z
    .record(itemName, z.discriminatedUnion('kind', [automatic, judged], { error: 'kind must be automatic or judged' }))
    .refine((items) => Object.values(items).some((i) => i.kind === 'judged'), 'needs at least one judged item (a trainer scores by listening)'),
});

export type ScorecardItem =
  | { name: string; kind: 'automatic'; measure: Measure; weight: number; label: Record<'zh-TW' | 'zh-CN' | 'en', string> }
  | { name: string; kind: 'judged'; max: number; weight: number; label: Record<'zh-TW' | 'zh-CN' | 'en', string> };

export type Scorecard = {
  items: ScorecardItem[];
  sample: { perAgentPerDay: number; lowSurveyRating: number; complaintQueues: string[] };
};

/**
 * Read and check dir/scorecard.yaml. A flows folder without one (an older installation, a test's own folder)
 * scores with the scorecard shipped in the repository's ivr-flows; a file that is there but wrong stops start-up.
 */
export function loadScorecard(dir: string): Scorecard {
  const own = join(dir, SCORECARD_FILE);
  const path = existsSync(own) ? own : join(ROOT, 'ivr-flows', SCORECARD_FILE);
  return parseScorecard(path, readFileSync(path, 'utf8'));
}

export function parseScorecard(path: string, text: string): Scorecard {
  const file = checkedYaml(path, text, scorecardFile, describe, (message) => new ScorecardError(message));
  const items = Object.entries(file.items).map(([name, item]): ScorecardItem => ({ name, ...item }));
  const measured = items.flatMap((i) => (i.kind === 'automatic' ? [i] : []));
  for (const [n, item] of measured.entries())
    if (measured.findIndex((other) => other.measure === item.measure) !== n)
      throw new ScorecardError(`${path}: item ${item.name}, field measure: ${item.measure} is measured by another item already`);
  return { items, sample: file.sample };
}

function describe(issue: z.core.$ZodIssue): string {
  let { path, message } = issue;
  if (issue.code === 'unrecognized_keys') [path, message] = [[...path, issue.keys.join(', ')], 'is not a known field (misspelt?)'];
  if (issue.code === 'invalid_key') message = `is not an item name: ${issue.issues[0]?.message}`;
  const [top, item, ...rest] = path.map(String);
  const where = top === 'items' && item ? `item ${item}${rest.length ? `, field ${rest.join('.')}` : ''}` : `field ${path.join('.') || '(top level)'}`;
  return `${where}: ${message}`;
}
