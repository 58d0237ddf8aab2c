import { el } from '../shared/dom.ts';
import { dueLabel, labelled } from './case-words.ts';
import type { OpenCase } from './cases-api.ts';
import { tr } from './i18n.ts';

/**
 * The caller's open cases on the screen-pop, soonest due first as the server sends them: reference, type,
 * status and due time, overdue marked. A reference opens the case (the agent can tell the passenger where it
 * stands while they speak).
 */
export function openCasesSection(cases: OpenCase[], open: (reference: string) => void): HTMLElement | string {
  if (cases.length === 0) return '';
  return el(
    'div',
    { class: 'open-cases', 'data-testid': 'open-cases' },
    tr.label(el('h3'), 'openCases'),
    el('ul', {}, ...cases.map((c) => item(c, open))),
  );
}

function item(c: OpenCase, open: (reference: string) => void): HTMLElement {
  const reference = el('button', { type: 'button', class: 'link reference', 'data-testid': 'open-case' }, c.reference);
  reference.addEventListener('click', () => open(c.reference));
  return el(
    'li',
    { 'data-reference': c.reference, 'data-status': c.status, 'data-overdue': String(c.overdue) },
    reference,
    ' · ',
    labelled('span', 'caseType', c.type),
    ' · ',
    labelled('span', 'caseStatus', c.status, { class: 'status' }),
    ' · ',
    dueLabel(c),
  );
}
