import { el } from '../shared/dom.ts';
import { when } from './case-words.ts';
import type { CaseAlert } from './cases-api.ts';
import { known, tr } from './i18n.ts';

/**
 * A reminder or an escalation pushed by the hotline (`case-alert`): a notice at the top of the page that stays
 * until the agent dismisses it or opens the case, so one that arrives mid-call is still there afterwards.
 */
export function caseAlerts(open: (reference: string) => void) {
  const element = el('div', { class: 'case-alerts', 'aria-live': 'assertive' });

  return {
    element,
    show(alert: CaseAlert) {
      // One notice per clock of a case: an escalation replaces the reminder before it.
      const id = `${alert.reference}/${alert.clock}`;
      for (const earlier of element.querySelectorAll<HTMLElement>('[data-testid="case-alert"]')) if (earlier.dataset['alert'] === id) earlier.remove();
      const clock = tr.t(known(`clock.${alert.clock}`));
      const text = tr.label(el('span', { class: 'alert-text' }), known(`alert.${alert.level}`), { reference: alert.reference, at: when(alert.dueAt), clock });
      const openButton = tr.label(el('button', { type: 'button', 'data-testid': 'case-alert-open' }), 'openCase');
      const dismiss = tr.label(el('button', { type: 'button', class: 'quiet', 'data-testid': 'case-alert-dismiss' }), 'dismiss');
      const notice = el(
        'div',
        { class: 'case-alert', role: 'alert', 'data-testid': 'case-alert', 'data-alert': id, 'data-level': alert.level, 'data-reference': alert.reference, 'data-clock': alert.clock },
        text,
        openButton,
        dismiss,
      );
      openButton.addEventListener('click', () => {
        notice.remove();
        open(alert.reference);
      });
      dismiss.addEventListener('click', () => notice.remove());
      element.append(notice);
    },
  };
}
