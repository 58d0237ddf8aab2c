import type { WorkItem } from '../../../src/quality/sample.ts';
import { el } from '../shared/dom.ts';
import { api } from '../shared/session.ts';
import { hotlineTime } from '../shared/time.ts';
import { tr, type Key } from './strings.ts';

/** The hotline's day of `at`, YYYY-MM-DD (Canada writes dates so). */
export function hotlineDay(timeZone: string, at = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * The work list of a day: drawn first (a trainer or supervisor opening a day draws its sample; drawing again
 * adds nothing), then the calls not yet scored, then those scored.
 */
export function workListPanel(o: { scorer: boolean; timeZone: string; open: (offerId: number) => void }) {
  const day = el('input', { type: 'date', name: 'day', 'data-testid': 'day', value: hotlineDay(o.timeZone) });
  const error = el('p', { class: 'error', role: 'alert' });
  const body = el('tbody');
  const empty = tr.label(el('p', { class: 'muted', hidden: true }), 'nothingSampled');
  const th = (key: Key) => tr.label(el('th'), key);
  const table = el('table', { class: 'work-list', 'data-testid': 'work-list' }, el('thead', {}, el('tr', {}, th('agent'), th('queue'), th('answeredAt'), th('reason'), th('score'), el('th'))), body);
  day.addEventListener('change', () => void refresh({ draw: true }));

  /** Draws the day first when asked (opening a day); after a save the list is only read again. */
  async function refresh(options: { draw?: boolean } = {}) {
    error.textContent = '';
    try {
      if (o.scorer && options.draw) await api('/api/quality/samples', { method: 'POST', body: { day: day.value } });
      const { calls } = await api<{ calls: WorkItem[] }>(`/api/quality/worklist?day=${encodeURIComponent(day.value)}`);
      body.replaceChildren(...calls.map(row));
      empty.hidden = calls.length > 0;
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : String(err);
    }
  }

  function row(c: WorkItem): HTMLElement {
    const open = tr.label(el('button', { type: 'button', 'data-testid': 'open-call' }), 'open');
    open.addEventListener('click', () => o.open(c.offerId));
    return el(
      'tr',
      { 'data-testid': 'work-item', 'data-offer': c.offerId, 'data-scored': String(c.score !== null) },
      el('td', {}, `${c.agentName} (${c.employeeNo})`),
      el('td', {}, c.queue),
      el('td', {}, hotlineTime(c.answeredAt, tr.language, o.timeZone, 'weekday')),
      tr.label(el('td'), `reason.${c.reason}` as Key),
      c.score === null ? tr.label(el('td', { class: 'muted' }), 'notScored') : el('td', { 'data-testid': 'work-score' }, String(c.score)),
      el('td', {}, open),
    );
  }

  const element = el('section', { class: 'panel' }, tr.label(el('h2'), 'workList'), el('label', { class: 'inline' }, tr.label(el('span'), 'day'), day), error, el('div', { class: 'table-scroll' }, table), empty);
  return { element, refresh };
}
