import { OPEN_STATUSES, RESOLUTION_REASONS } from '../../../src/cases/choices.ts';
import { el, show } from '../shared/dom.ts';
import { act, CaseApiError, type Action, type CaseDetail, type Person } from './case-api.ts';
import type { DeskContext } from './case-context.ts';
import { word, yuan } from './case-words.ts';
import { tr, type Key } from './strings.ts';

/**
 * The supervisors' actions on one case (POST /api/cases/:reference/<action>, sent with the version the page
 * last read): reassign, approve a claim's amount, extend a reply date, resolve, close, reopen,
 * note. Only those the case's status allows are offered; the server decides, and what it refuses is shown
 * as it said it, with the field it names marked.
 */
export type CaseActions = { root: HTMLElement; show(detail: CaseDetail): void; redraw(): void };

type Body = Record<string, unknown>;
type Offer = { action: Action; root: HTMLDetailsElement; form: HTMLFormElement; offered(d: CaseDetail): boolean; refresh?(d: CaseDetail): void };

const isOpen = (status: string) => (OPEN_STATUSES as readonly string[]).includes(status);
const trimmed = (control: { value: string }) => control.value.trim() || undefined;
const number = (control: { value: string }) => (control.value.trim() === '' ? undefined : Number(control.value));

export function caseActions(ctx: DeskContext, reference: string, acted: (detail: CaseDetail) => void, stale: () => void): CaseActions {
  const result = el('p', { class: 'result', role: 'status', 'aria-live': 'polite', 'data-testid': 'case-action-result' });
  let current: CaseDetail | undefined;

  const field = (key: Key, control: HTMLElement, hint?: HTMLElement) => el('label', { class: 'field' }, tr.label(el('span'), key), control, ...(hint ? [hint] : []));
  const note = (name = 'note', key: Key = 'noteOptional') => {
    const area = el('textarea', { name, rows: 2, maxlength: 2000 });
    return { area, label: field(key, area) };
  };

  const say = (outcome: 'ok' | 'error', text: string, action: Action) => {
    result.textContent = text;
    result.className = `result ${outcome}`;
    result.dataset['outcome'] = outcome;
    result.dataset['resultOf'] = action;
  };

  const offer = (action: Action, fields: HTMLElement[], body: () => Body, offered: Offer['offered'], refresh?: Offer['refresh']): Offer => {
    const submit = tr.label(el('button', { type: 'submit', class: action === 'close' ? 'danger' : 'primary' }), `action.${action}` as Key);
    const form = el('form', { class: 'case-action-form' }, ...fields, el('div', { class: 'actions' }, submit));
    const root = el('details', { class: 'case-action', 'data-action': action }, tr.label(el('summary'), `action.${action}` as Key), form);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!current) return;
      for (const marked of form.querySelectorAll('[aria-invalid]')) marked.removeAttribute('aria-invalid');
      submit.disabled = true;
      act(reference, action, { version: current.case.version, ...body() })
        .then((detail) => {
          say('ok', tr.t('actionDone', { action: tr.t(`action.${action}` as Key) }), action);
          form.reset();
          root.open = false;
          acted(detail);
        })
        .catch((err: unknown) => {
          say('error', err instanceof Error ? err.message : String(err), action);
          if (err instanceof CaseApiError) {
            const at = err.field && CSS.escape(err.field.split('.')[0]!);
            if (at) form.querySelector(`[name="${at}"], [data-fields~="${at}"]`)?.setAttribute('aria-invalid', 'true');
            // Someone else changed the case meanwhile: show what it is now (the message stays).
            if (err.status === 409 && err.field === 'version') stale();
          }
        })
        .finally(() => {
          submit.disabled = false;
        });
    });
    return { action, root, form, offered, ...(refresh ? { refresh } : {}) };
  };

  // Reassign: to someone a case may be given to (GET /api/case-desk/staff) or a department, and/or to another
  // supervisor. Each choice is the part of the body it makes.
  const owner = el('select', { name: 'owner', 'data-fields': 'ownerStaffId ownerDepartment' });
  const supervisorId = el('select', { name: 'supervisorId' });
  const assignNote = note();
  const choice = (part: Body | undefined, text: string) => el('option', { value: part ? JSON.stringify(part) : '' }, text);
  const named = (p: Person) => `${p.employeeNo} ${p.name}`;
  const assign = offer(
    'assign',
    [field('assignTo', owner), field('colSupervisor', supervisorId), assignNote.label],
    () => ({ ...(JSON.parse(owner.value || '{}') as Body), ...(JSON.parse(supervisorId.value || '{}') as Body), note: trimmed(assignNote.area) }),
    (d) => isOpen(d.case.status),
    () => {
      const [ownerWas, supervisorWas] = [owner.value, supervisorId.value];
      const group = (key: Key, options: HTMLOptionElement[]) => el('optgroup', { label: tr.t(key) }, ...options);
      owner.replaceChildren(
        choice(undefined, tr.t('unchanged')),
        group('staffGroup', ctx.staff().map((p) => choice({ ownerStaffId: p.id }, named(p)))),
        group('filterDepartment', Object.entries(ctx.desk()?.departments ?? {}).map(([key, name]) => choice({ ownerDepartment: key }, name))),
      );
      supervisorId.replaceChildren(choice(undefined, tr.t('unchanged')), ...ctx.staff().filter((p) => p.role === 'supervisor').map((p) => choice({ supervisorId: p.id }, named(p))));
      [owner.value, supervisorId.value] = [ownerWas, supervisorWas];
    },
  );

  // Approve a luggage claim's amount (claims above the threshold need it before they are resolved).
  const amount = el('input', { name: 'amount', type: 'number', min: 0, step: 0.01, inputmode: 'decimal' });
  const approvalHint = el('small', { class: 'hint' });
  const approveNote = note();
  const approve = offer(
    'approve',
    [field('amount', amount, approvalHint), approveNote.label],
    () => ({ amount: number(amount), note: trimmed(approveNote.area) }),
    (d) => d.case.type === 'luggage-claim' && isOpen(d.case.status),
    (d) => {
      const limit = ctx.desk()?.types[d.case.type]?.approvalAbove;
      approvalHint.textContent = tr.t('approvalHint', { claimed: yuan(d.case.details.claimedAmount), limit: limit ?? '—' });
    },
  );

  // Extend a reply date, once, for a type with a longer commitment to extend to, saying how the passenger was told.
  const told = note('note', 'howTold');
  const extend = offer('extend', [told.label], () => ({ note: told.area.value }), (d) => !!ctx.desk()?.types[d.case.type]?.extendable && isOpen(d.case.status) && !d.case.extended);

  // Resolve: the reason, the answer the passenger was given, and for a claim the decision.
  const reason = el('select', { name: 'reason' });
  const answer = el('textarea', { name: 'answer', rows: 3, maxlength: 4000 });
  const decision = el('select', { name: 'decision' });
  const decidedAmount = el('input', { name: 'decisionAmount', type: 'number', min: 0, step: 0.01, inputmode: 'decimal' });
  const refusal = el('input', { name: 'refusal', maxlength: 1000 });
  const decisionFields = el('div', { class: 'decision' }, field('decision', decision), field('amount', decidedAmount), field('refusal', refusal));
  const decide = () => {
    show(decidedAmount.parentElement!, decision.value === 'approved');
    show(refusal.parentElement!, decision.value === 'refused');
  };
  decision.addEventListener('change', decide);
  const resolve = offer(
    'resolve',
    [field('reason', reason), field('answer', answer), decisionFields],
    () => ({
      reason: reason.value,
      answer: answer.value,
      ...(current?.case.type === 'luggage-claim'
        ? { decision: decision.value === 'approved' ? { approved: true, amount: number(decidedAmount) } : { approved: false, refusal: refusal.value } }
        : {}),
    }),
    (d) => isOpen(d.case.status),
    (d) => {
      const was = [reason.value, decision.value];
      const reasons = ctx.desk()?.reasons ?? [...RESOLUTION_REASONS];
      reason.replaceChildren(...reasons.map((r) => el('option', { value: r }, word('reason', r))));
      decision.replaceChildren(...(['approved', 'refused'] as const).map((k) => el('option', { value: k }, tr.t(`decision.${k}`))));
      if (was[0]) reason.value = was[0];
      if (was[1]) decision.value = was[1];
      show(decisionFields, d.case.type === 'luggage-claim');
      decide();
    },
  );

  const closeNote = note();
  const close = offer('close', [closeNote.label], () => ({ note: trimmed(closeNote.area) }), (d) => d.case.status === 'resolved');

  const why = note('reason', 'reopenReason');
  const reopen = offer('reopen', [why.label], () => ({ reason: why.area.value }), (d) => d.case.status === 'resolved' || d.case.status === 'closed');

  const text = note('text', 'note');
  const noted = offer('note', [text.label], () => ({ text: text.area.value }), () => true);

  const offers = [assign, approve, extend, resolve, close, reopen, noted];
  const root = el('section', { class: 'case-actions', 'data-testid': 'case-actions' }, tr.label(el('h3'), 'actionsHeading'), ...offers.map((o) => o.root), result);

  const refresh = () => {
    if (!current) return;
    for (const o of offers) {
      show(o.root, o.offered(current));
      o.refresh?.(current);
    }
  };

  return {
    root,
    show(detail) {
      current = detail;
      refresh();
    },
    redraw: refresh,
  };
}
