import { el } from '../shared/dom.ts';
import type { Report, ReportRow } from '../../../src/reports/history.ts';
import { tr, type Key } from './strings.ts';

/**
 * The report as a table: a row per queue or agent and period, then the period's total row in bold. The same
 * rows the CSV and XLSX exports hold (src/reports/export.ts). ASA and CSAT are coloured against the goals.
 */

const NONE = '—';
const count = (n: number) => n.toLocaleString('en-US');
const rate = (n: number | null) => (n === null ? NONE : `${(n * 100).toFixed(1)} %`);
const share = (n: number | null) => (n === null ? NONE : `${n.toFixed(1)} %`);
const score = (n: number | null) => (n === null ? NONE : n.toFixed(1));
const seconds = (n: number | null) => (n === null ? NONE : `${n.toFixed(1)} s`);

type Cell = { key: Key; value: (r: ReportRow) => string; goal?: (r: ReportRow) => boolean | null };

const CELLS: Cell[] = [
  { key: 'offered', value: (r) => count(r.figures.offered) },
  { key: 'answered', value: (r) => count(r.figures.answered) },
  { key: 'abandoned', value: (r) => count(r.figures.abandoned) },
  { key: 'shortAbandons', value: (r) => count(r.figures.shortAbandons) },
  { key: 'abandonedAfter', value: (r) => Object.values(r.figures.abandonedAfter).join(' · ') },
  { key: 'abandonRate', value: (r) => rate(r.figures.abandonRate) },
  { key: 'missed', value: (r) => count(r.figures.missed) },
  { key: 'asa', value: (r) => seconds(r.figures.averageSpeedOfAnswerSeconds), goal: (r) => (r.figures.averageSpeedOfAnswerSeconds === null ? null : r.figures.averageSpeedOfAnswerSeconds < 30) },
  { key: 'serviceLevel', value: (r) => rate(r.figures.serviceLevel) },
  { key: 'withinStandard', value: (r) => share(r.figures.withinStandardShare) },
  { key: 'aht', value: (r) => seconds(r.figures.averageHandleTimeSeconds) },
  { key: 'hold', value: (r) => seconds(r.figures.averageHoldSeconds) },
  { key: 'csatTopTwoBox', value: (r) => score(r.figures.csatTopTwoBox), goal: (r) => (r.figures.csatTopTwoBox === null ? null : r.figures.csatTopTwoBox >= 90) },
  { key: 'csatMean', value: (r) => score(r.figures.csatMean) },
  { key: 'callbacks', value: (r) => rate(r.figures.callbacksWithinPromise) },
  { key: 'replies', value: (r) => rate(r.figures.repliesWithinCommitment) },
  { key: 'quality', value: (r) => score(r.figures.qualityScore) },
];

export function reportTable(report: Report): HTMLElement {
  const head = el(
    'tr',
    {},
    tr.label(el('th', { scope: 'col' }), 'periodColumn'),
    tr.label(el('th', { scope: 'col' }), report.by === 'queue' ? 'queue' : 'agent'),
    ...CELLS.map((c) => tr.label(el('th', { scope: 'col' }), c.key)),
  );
  const body = el(
    'tbody',
    {},
    ...report.rows.map((r) =>
      el(
        'tr',
        { class: r.total ? 'total' : '', 'data-period': r.period, 'data-row': r.total ? 'total' : (r.queue ?? r.agent?.employeeNo ?? '') },
        el('td', {}, r.period),
        r.total ? tr.label(el('td'), 'total') : el('td', {}, r.queue ?? `${r.agent!.employeeNo} ${r.agent!.name}`),
        ...CELLS.map((c) => {
          const met = c.goal?.(r) ?? null;
          return el('td', { 'data-cell': c.key, class: met === null ? '' : met ? 'goal-met' : 'goal-missed' }, c.value(r));
        }),
      ),
    ),
  );
  if (!report.rows.length) return tr.label(el('p', { class: 'empty', 'data-testid': 'no-rows' }), 'noRows');
  return el('table', { 'data-testid': 'report-table' }, el('thead', {}, head), body);
}
