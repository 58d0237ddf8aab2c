import { CASE_TYPES } from '../../../src/cases/choices.ts';
import { el } from '../shared/dom.ts';
import type { CaseSummary } from './case-api.ts';
import { word } from './case-words.ts';
import { count, rate } from './format.ts';
import { tr, type Key } from './strings.ts';

/**
 * The dashboard's case figures per type: open now, overdue now, and today's replies made within their
 * commitment as a share of those due (GET /api/cases/summary).
 */
export function caseFigures(): { root: HTMLElement; show(summary: CaseSummary): void; failed(message: string): void; redraw(): void } {
  const columns: Key[] = ['figureType', 'figureOpen', 'figureOverdue', 'figureReplied', 'figureWithin'];
  const body = el('tbody');
  const error = el('p', { class: 'result error', role: 'alert', 'data-testid': 'case-figures-error' });
  const root = el(
    'section',
    { class: 'panel case-figures', 'data-testid': 'case-figures' },
    tr.label(el('h2'), 'caseFigures'),
    el('div', { class: 'table-scroll' }, el('table', {}, el('thead', {}, el('tr', {}, ...columns.map((k) => tr.label(el('th', { scope: 'col' }), k)))), body)),
    error,
  );
  let last: CaseSummary | undefined;

  const line = (type: string, name: string, f: CaseSummary[keyof CaseSummary]) =>
    el(
      'tr',
      { 'data-case-type': type, class: f.overdue > 0 ? 'has-overdue' : '' },
      el('th', { scope: 'row' }, name),
      el('td', { 'data-case-figure': 'open' }, count(f.open)),
      el('td', { 'data-case-figure': 'overdue' }, count(f.overdue)),
      el('td', { 'data-case-figure': 'replied' }, count(f.repliedToday)),
      el('td', { 'data-case-figure': 'within' }, rate(f.withinShare)),
    );

  return {
    root,
    show(summary) {
      last = summary;
      error.textContent = '';
      body.replaceChildren(...CASE_TYPES.map((type) => line(type, word('caseType', type), summary[type])));
    },
    failed(message) {
      error.textContent = message;
    },
    redraw() {
      if (last) this.show(last);
    },
  };
}
