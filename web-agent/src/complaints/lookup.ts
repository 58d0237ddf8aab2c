import { el, show } from '../shared/dom.ts';
import { caseStatus, Refused, type CaseStatus } from './api.ts';
import { dateInWords } from './format.ts';
import { tr, worded } from './strings.ts';

/**
 * The status card: a reference and the phone number given → the case's status, when its answer is due and the
 * answer given (as text, as the staff wrote it). Nothing else of the case is shown, or known to the page.
 */

export type LookupCard = { root: HTMLElement; check(reference: string, phone: string): void };

export function lookupCard(): LookupCard {
  const reference = el('input', { id: 'lookup-reference', type: 'text', maxlength: 40, required: true, autocomplete: 'off', autocapitalize: 'characters', spellcheck: false });
  const phone = el('input', { id: 'lookup-phone', type: 'tel', maxlength: 30, required: true, autocomplete: 'tel' });
  const button = tr.label(el('button', { id: 'look-up', type: 'submit', class: 'primary' }), 'lookUp');
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'lookup-error' });
  const result = el('div', { class: 'found', 'data-testid': 'case-found', 'aria-live': 'polite', hidden: true });
  const form = el(
    'form',
    { class: 'lookup-form' },
    el('label', { class: 'field' }, tr.label(el('span', { class: 'label' }), 'reference'), reference),
    el('label', { class: 'field' }, tr.label(el('span', { class: 'label' }), 'phone'), phone),
    el('div', { class: 'actions' }, button),
  );
  const root = el(
    'section',
    { class: 'card lookup', id: 'lookup', 'aria-labelledby': 'lookup-heading' },
    tr.label(el('h2', { id: 'lookup-heading' }), 'lookupHeading'),
    tr.label(el('p', { class: 'muted' }), 'lookupIntro'),
    form,
    error,
    result,
  );

  let found: CaseStatus | undefined;
  const render = () => {
    show(result, !!found);
    if (!found) return result.replaceChildren();
    result.replaceChildren(
      tr.label(el('h3'), 'caseOf', { reference: found.reference, kind: tr.t(`kind.${found.type}` as never) }),
      el(
        'dl',
        { class: 'summary' },
        el('div', {}, tr.label(el('dt'), 'status'), worded(el('dd', { 'data-testid': 'case-status', 'data-status': found.status }), 'status', found.status)),
        el('div', {}, tr.label(el('dt'), 'dueBy'), found.dueAt ? el('dd', { 'data-testid': 'case-due' }, dateInWords(found.dueAt, tr.language)) : tr.label(el('dd', { 'data-testid': 'case-due' }), 'noDue')),
        el(
          'div',
          {},
          tr.label(el('dt'), 'answer'),
          found.answer === null ? tr.label(el('dd', { 'data-testid': 'case-answer', class: 'muted' }), 'noAnswer') : el('dd', { 'data-testid': 'case-answer', class: 'free-text' }, found.answer),
        ),
      ),
    );
  };
  tr.onChange(render);

  const look = () => {
    button.disabled = true;
    error.textContent = '';
    delete error.dataset['i18n'];
    found = undefined;
    render();
    caseStatus(reference.value.trim(), phone.value.trim())
      .then(
        (answer) => {
          found = answer;
          render();
        },
        (err: unknown) => {
          if (!(err instanceof Refused)) tr.label(error, 'failed');
          else if (err.status === 404) tr.label(error, 'notFound');
          else if (err.status === 429) tr.label(error, 'tooMany', { minutes: Math.max(1, Math.ceil((err.retryAfterSeconds ?? 60) / 60)) });
          // A malformed reference or number is as good as one that matches nothing, to the passenger.
          else if (err.status === 400) tr.label(error, 'notFound');
          else tr.label(error, 'failed');
        },
      )
      .finally(() => {
        button.disabled = false;
      });
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    look();
  });

  return {
    root,
    check(ref, number) {
      reference.value = ref;
      phone.value = number;
      root.scrollIntoView({ behavior: 'smooth', block: 'start' });
      look();
    },
  };
}
