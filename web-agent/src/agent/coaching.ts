import { el } from '../shared/dom.ts';
import type { HotlineSocket } from '../shared/socket.ts';
import { api } from '../shared/session.ts';
import { hotlineTime } from '../shared/time.ts';
import { known, tr } from './i18n.ts';

/**
 * The trainer's coaching notes the agent has not yet acknowledged, above the desk: who scored which call, the
 * score, the note, and "I have read this". Read whenever the desk's socket connects (again) and when the
 * hotline says a note was written or changed (`coaching`); gone once acknowledged.
 */

type CoachingNote = { id: number; text: string; author: string; answeredAt: string; queue: string; score: number };

export function coachingPanel(socket: HotlineSocket<'/agents'>): { element: HTMLElement } {
  const list = el('div', { class: 'coaching-notes' });
  const element = el('section', { class: 'coaching card', 'data-testid': 'coaching', 'aria-live': 'polite', hidden: true }, tr.label(el('h2'), 'coachingTitle'), list);

  async function refresh() {
    const { notes, timeZone } = await api<{ notes: CoachingNote[]; timeZone: string }>('/api/quality/coaching');
    list.replaceChildren(...notes.map((n) => noteCard(n, timeZone)));
    element.hidden = notes.length === 0;
  }

  function noteCard(note: CoachingNote, timeZone: string): HTMLElement {
    const acknowledge = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'acknowledge-coaching' }), 'coachingAcknowledge');
    acknowledge.addEventListener('click', () => {
      acknowledge.disabled = true;
      api(`/api/quality/coaching/${note.id}/acknowledge`, { method: 'POST' }).then(refresh, () => (acknowledge.disabled = false));
    });
    const at = hotlineTime(note.answeredAt, tr.language, timeZone, 'date');
    return el(
      'article',
      { class: 'coaching-note', 'data-testid': 'coaching-note', 'data-note': note.id },
      tr.label(el('p', { class: 'muted', 'data-testid': 'coaching-score' }), 'coachingFrom', { author: note.author, at, queue: tr.t(known(`queue.${note.queue}`)), score: note.score }),
      el('p', { class: 'coaching-text', 'data-testid': 'coaching-text' }, note.text),
      acknowledge,
    );
  }

  const quietly = () => void refresh().catch(() => undefined);
  socket.on('connect', quietly);
  socket.on('coaching', quietly);
  return { element };
}
