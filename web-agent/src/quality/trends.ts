import type { PeriodFigures, QualityOverTime } from '../../../src/quality/scores.ts';
import { el } from '../shared/dom.ts';
import { api } from '../shared/session.ts';
import { tr, type Key } from './strings.ts';
import { hotlineDay } from './worklist.ts';

/**
 * Quality over time: per agent, per team (the queue answered in) and for the floor, each period's quality score
 * next to answered-within-three-rings, handle time and CSAT, as tables (a row per agent or team, a column per
 * period).
 */
export function trendsPanel(timeZone: string) {
  const today = new Date();
  const from = el('input', { type: 'date', name: 'from', 'data-testid': 'trend-from', value: hotlineDay(timeZone, new Date(today.getTime() - 6 * 86_400_000)) });
  const to = el('input', { type: 'date', name: 'to', 'data-testid': 'trend-to', value: hotlineDay(timeZone, today) });
  const by = el('select', { name: 'by', 'data-testid': 'trend-by' }, tr.label(el('option', { value: 'day' }), 'by.day'), tr.label(el('option', { value: 'week' }), 'by.week'));
  const show = tr.label(el('button', { type: 'button', 'data-testid': 'show-trends' }), 'show');
  const error = el('p', { class: 'error', role: 'alert' });
  const tables = el('div', { class: 'trend-tables' });
  show.addEventListener('click', () => void refresh());

  async function refresh() {
    error.textContent = '';
    try {
      const q = await api<QualityOverTime>(`/api/quality/agents?from=${from.value}&to=${to.value}&by=${by.value}`);
      tables.replaceChildren(
        table('floor', q, [{ name: tr.t('floor'), key: 'floor', periods: q.floor }]),
        table('teams', q, q.teams.map((t) => ({ name: t.queue, key: t.queue, periods: t.periods }))),
        table('agents', q, q.agents.map((a) => ({ name: `${a.name} (${a.employeeNo})`, key: a.employeeNo, periods: a.periods }))),
      );
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : String(err);
    }
  }

  function table(title: Key, q: QualityOverTime, rows: { name: string; key: string; periods: PeriodFigures[] }[]): HTMLElement {
    const starts = q.floor.map((p) => p.start);
    return el(
      'div',
      { class: 'table-scroll' },
      tr.label(el('h3'), title),
      el(
        'table',
        { class: 'trend', 'data-testid': `trend-${title}` },
        el('thead', {}, el('tr', {}, el('th'), ...starts.map((s) => el('th', {}, s)))),
        el('tbody', {}, ...rows.map((r) => el('tr', { 'data-row': r.key }, el('th', {}, r.name), ...r.periods.map(cell)))),
      ),
    );
  }

  function cell(p: PeriodFigures): HTMLElement {
    const line = (key: Key, value: string) => el('div', {}, el('span', { class: 'muted' }, `${tr.t(key)} `), value);
    const or = (v: number | null, f: (v: number) => string) => (v === null ? '–' : f(v));
    return el(
      'td',
      { 'data-start': p.start, 'data-quality': p.quality ?? '' },
      el('strong', { class: 'quality-score' }, or(p.quality, (v) => `${v}`)),
      el('small', { class: 'muted' }, ` (${p.scored} ${tr.t('scored')})`),
      line('answered', String(p.answered)),
      line('withinStandard', or(p.withinStandard, (v) => `${Math.round(v * 100)} %`)),
      line('handle', or(p.handleSeconds, (v) => tr.t('seconds', { n: Math.round(v) }))),
      line('csat', or(p.csat, (v) => `${v}`)),
    );
  }

  const element = el(
    'section',
    { class: 'panel trends', 'data-testid': 'trends' },
    tr.label(el('h2'), 'trends'),
    el('div', { class: 'trend-controls' }, el('label', {}, tr.label(el('span'), 'from'), from), el('label', {}, tr.label(el('span'), 'to'), to), el('label', {}, tr.label(el('span'), 'by'), by), show),
    tr.label(el('p', { class: 'muted note' }), 'teamNote'),
    error,
    tables,
  );
  void refresh();
  return { element, refresh };
}
