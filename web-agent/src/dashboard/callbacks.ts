import { el } from '../shared/dom.ts';
import { hotlineTime } from '../shared/time.ts';
import { tile, type Panel } from './board.ts';
import { count, decimal, NONE, rate } from './format.ts';
import { tr } from './strings.ts';

/**
 * The callbacks beside today's figures: asked for today, completed today (and the share within the time
 * promised), attempts per completed callback, and those waiting now with the oldest due time, red once it has
 * passed. The figures come with every `metrics` update (LiveMetrics.callbacks).
 */
export function callbacksPanel(): Panel {
  const note = () => el('p', { class: 'note' });
  const requested = tile('callbacksRequested', ['callbacksRequested'], note());
  const completed = tile('callbacksCompleted', ['callbacksCompleted', 'callbacksWithinPromise'], tr.label(note(), 'callbacksWithinPromise'));
  const attempts = tile('callbacksAttempts', ['callbacksAttempts'], tr.label(note(), 'callbacksAttemptsNote'));
  const oldest = el('p', { class: 'note', 'data-callbacks-oldest-due': '' });
  const waiting = tile('callbacksWaiting', ['callbacksWaiting'], oldest);
  const tiles = [requested, completed, attempts, waiting];
  const root = el('section', { class: 'panel callbacks', 'aria-labelledby': 'callbacks-heading', 'data-testid': 'callbacks' }, tr.label(el('h2'), 'callbacks'), el('div', { class: 'tiles' }, ...tiles.map((t) => t.root)));
  root.querySelector('h2')!.id = 'callbacks-heading';

  return {
    root,
    update({ metrics: { callbacks, at, timeZone } }) {
      requested.values['callbacksRequested']!.textContent = count(callbacks.requested);
      completed.values['callbacksCompleted']!.textContent = count(callbacks.completed);
      completed.values['callbacksWithinPromise']!.textContent = rate(callbacks.withinPromise);
      attempts.values['callbacksAttempts']!.textContent = decimal(callbacks.attemptsPerCompleted);
      waiting.values['callbacksWaiting']!.textContent = count(callbacks.waiting);
      // A due time may be days back (a passenger not reached since): the day is said with the hour.
      const due = callbacks.oldestDueAt;
      tr.label(oldest, 'callbacksOldestDue', { time: due === null ? NONE : hotlineTime(due, tr.language, timeZone, 'weekday') });
      oldest.dataset['callbacksOldestDue'] = due ?? '';
      waiting.root.dataset['overdue'] = String(due !== null && Date.parse(due) < Date.parse(at));
    },
  };
}
