import { el } from '../shared/dom.ts';
import type { Staff } from '../shared/session.ts';
import { known, tr } from './i18n.ts';

export const BREAK_REASONS = ['meal', 'training', 'meeting', 'personal'] as const;
type Choice = { state: 'available' | 'break' | 'offline'; reason?: string };

/** The header: who is logged in, their presence, the buttons that change it, the language and log out. */
export function presenceBar(staff: Staff, choose: (choice: Choice) => void, logOut: () => void) {
  // Named from the start, so the header never shows an empty presence before the server's first word.
  const presence = tr.label(el('strong', { 'data-testid': 'presence', 'data-presence': 'offline', class: 'presence' }), known('presence.offline'));
  const reasonLabel = el('span', { class: 'presence-reason' });
  const button = (testid: string, key: 'goAvailable' | 'goBreak' | 'goOffline', onClick: () => void) => {
    const b = tr.label(el('button', { type: 'button', 'data-testid': testid }), key);
    b.addEventListener('click', onClick);
    return b;
  };
  const reason = el('select', { name: 'break-reason' }, ...BREAK_REASONS.map((r) => tr.label(el('option', { value: r }), known(`reason.${r}`))));
  const out = tr.label(el('button', { type: 'button', class: 'quiet' }), 'logOut');
  out.addEventListener('click', logOut);
  const element = el(
    'header',
    { class: 'bar' },
    el('div', { class: 'who' }, el('span', { 'data-testid': 'agent-name' }, staff.name), ' ', el('span', { class: 'employee-no', 'data-testid': 'employee-no' }, `#${staff.employeeNo}`)),
    el('div', { class: 'presence-now' }, presence, reasonLabel),
    el(
      'div',
      { class: 'presence-buttons' },
      button('go-available', 'goAvailable', () => choose({ state: 'available' })),
      el('span', { class: 'break-choice' }, button('go-break', 'goBreak', () => choose({ state: 'break', reason: reason.value })), tr.label(el('label', { class: 'sr' }), 'breakReason'), reason),
      button('go-offline', 'goOffline', () => choose({ state: 'offline' })),
    ),
    el('div', { class: 'tools' }, tr.chooser(), out),
  );
  return {
    element,
    get state() {
      return presence.dataset['presence'] ?? 'offline';
    },
    show(state: string, why: string | null) {
      presence.dataset['presence'] = state;
      document.body.dataset['presence'] = state;
      tr.label(presence, known(`presence.${state}`));
      if (why) tr.label(reasonLabel, known(`reason.${why}`));
      else {
        delete reasonLabel.dataset['i18n'];
        reasonLabel.textContent = '';
      }
    },
  };
}
