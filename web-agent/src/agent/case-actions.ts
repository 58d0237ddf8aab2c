import { el } from '../shared/dom.ts';
import type { Staff } from '../shared/session.ts';
import { departmentName } from './case-words.ts';
import { RESOLUTION_REASONS, WAITING_ON, type Action, type CaseApiError, type CaseDesk, type CaseRow, type CaseStatus } from './cases-api.ts';
import { known, tr, type AgentKey } from './i18n.ts';

/**
 * What the agent may do with a case now: the actions its status allows (as the server's src/cases/actions.ts
 * has them, so the page offers no button that can only be refused) and the role permits. Acknowledge, start,
 * resume and close act at once; the others ask for what they need in a small form first. The server still
 * decides: a refusal comes back through `send` and is shown, with the field it names marked.
 */

export type Send = (action: Action, body: Record<string, unknown>) => Promise<CaseApiError | undefined>;
export type ActionContext = { staff: Staff; desk: CaseDesk | undefined; callSid: () => string | undefined; send: Send };

const OPEN: CaseStatus[] = ['new', 'acknowledged', 'in-progress', 'waiting'];
const FROM: Partial<Record<Action, CaseStatus[]>> = {
  acknowledge: ['new'],
  start: ['new', 'acknowledged'],
  wait: ['new', 'acknowledged', 'in-progress'],
  resume: ['waiting'],
  note: [...OPEN, 'resolved', 'closed'],
  contacted: OPEN,
  assign: OPEN,
  resolve: OPEN,
  approve: OPEN,
  extend: OPEN,
  close: ['resolved'],
  reopen: ['resolved', 'closed'],
};
const IMMEDIATE: Action[] = ['acknowledge', 'start', 'resume', 'close'];
const SUPERVISING: Array<Staff['role']> = ['supervisor', 'manager'];

/** The actions offered for a case in its present state to this member of staff. */
function actionsFor(c: CaseRow, { staff, desk }: Pick<ActionContext, 'staff' | 'desk'>): Action[] {
  if (staff.role === 'trainer') return []; // trainers read everything and change nothing
  return (Object.keys(FROM) as Action[]).filter((action) => {
    if (!FROM[action]!.includes(c.status)) return false;
    if (action === 'approve') return c.type === 'luggage-claim' && SUPERVISING.includes(staff.role);
    if (action === 'extend') return !!desk?.types[c.type].extendable && !c.extended && SUPERVISING.includes(staff.role);
    return true;
  });
}

export function actionsBar(c: CaseRow, ctx: ActionContext) {
  const slot = el('div', { class: 'action-form-slot' });
  const buttons = actionsFor(c, ctx).map((action) => {
    const button = tr.label(el('button', { type: 'button', 'data-testid': `action-${action}`, 'data-action': action, class: action === 'resolve' ? 'primary' : '' }), known(`action.${action}`));
    button.addEventListener('click', () => {
      if (IMMEDIATE.includes(action)) {
        button.disabled = true;
        void ctx.send(action, {}).finally(() => (button.disabled = false));
        return;
      }
      slot.replaceChildren(actionForm(action, c, ctx, () => slot.replaceChildren()));
      slot.querySelector<HTMLElement>('textarea, input, select')?.focus();
    });
    return button;
  });
  const element = el('div', { class: 'case-actions', 'data-testid': 'case-actions' }, el('div', { class: 'controls' }, ...buttons), slot);
  return {
    element,
    /** A form is open: a refresh must not throw away what the agent is typing. */
    get busy() {
      return slot.childElementCount > 0;
    },
  };
}

type Field = { name: string; control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement; label: AgentKey };

const textArea = (name: string, required = false) => el('textarea', { name, rows: 3, maxlength: 4000, required });
/** A select of [value, text]; text given as a key is translated. */
const select = (name: string, options: Array<[string, string | { key: AgentKey }]>) =>
  el('select', { name }, ...options.map(([value, text]) => (typeof text === 'string' ? el('option', { value }, text) : tr.label(el('option', { value }), text.key))));
const labelled = (prefix: string, values: readonly string[]): Array<[string, { key: AgentKey }]> => values.map((v) => [v, { key: known(`${prefix}.${v}`) }]);
const value = (f: Field) => f.control.value.trim();

/** The inputs each action asks for, and the body they make. */
function formFor(action: Action, c: CaseRow, ctx: ActionContext): { fields: Field[]; body: (get: (name: string) => string) => Record<string, unknown>; ready?: () => void } {
  const note: Field = { name: 'note', control: textArea('note'), label: 'optionalNote' };
  const withNote = (get: (name: string) => string) => (get('note') ? { note: get('note') } : {});
  switch (action) {
    case 'note':
      return { fields: [{ name: 'text', control: textArea('text', true), label: 'noteText' }], body: (get) => ({ text: get('text') }) };
    case 'wait':
      return { fields: [{ name: 'on', control: select('on', labelled('waitingOn', WAITING_ON)), label: 'waitOn' }, note], body: (get) => ({ on: get('on'), ...withNote(get) }) };
    case 'contacted': {
      const sid = ctx.callSid();
      const onCall = el('input', { type: 'checkbox', name: 'callSid', checked: !!sid, disabled: !sid });
      return {
        fields: [{ name: 'callSid', control: onCall, label: 'onThisCall' }, note],
        body: (get) => ({ ...(sid && onCall.checked ? { callSid: sid } : {}), ...withNote(get) }),
      };
    }
    case 'assign': {
      const departments = Object.keys(ctx.desk?.departments ?? {}).map((key): [string, string] => [key, departmentName(ctx.desk, key)]);
      const mine: Array<[string, { key: AgentKey }]> = c.ownerStaffId === ctx.staff.id ? [] : [['me', { key: 'assignMe' }]];
      return {
        fields: [{ name: 'ownerDepartment', control: select('ownerDepartment', [...mine, ...departments.filter(([key]) => key !== c.ownerDepartment)]), label: 'assignTo' }, note],
        body: (get) => ({ ...(get('ownerDepartment') === 'me' ? { ownerStaffId: ctx.staff.id } : { ownerDepartment: get('ownerDepartment') }), ...withNote(get) }),
      };
    }
    case 'resolve': {
      const fields: Field[] = [
        { name: 'reason', control: select('reason', labelled('resolution', RESOLUTION_REASONS)), label: 'resolveReason' },
        { name: 'answer', control: textArea('answer', true), label: 'resolveAnswer' },
      ];
      if (c.type !== 'luggage-claim') return { fields, body: (get) => ({ reason: get('reason'), answer: get('answer') }) };
      const decision = select('decision', [
        ['approved', { key: 'decisionApproved' }],
        ['refused', { key: 'decisionRefused' }],
      ]);
      const amount = el('input', { name: 'decision.amount', type: 'number', min: 0, step: '0.01', value: c.details.approvedAmount ?? c.details.claimedAmount ?? '' });
      const refusal = el('textarea', { name: 'decision.refusal', rows: 2, maxlength: 1000 });
      const amountField = { name: 'decision.amount', control: amount, label: 'amount' } as const;
      const refusalField = { name: 'decision.refusal', control: refusal, label: 'refusal' } as const;
      const shown = () => {
        amount.closest('label')?.toggleAttribute('hidden', decision.value !== 'approved');
        refusal.closest('label')?.toggleAttribute('hidden', decision.value === 'approved');
      };
      decision.addEventListener('change', shown);
      return {
        fields: [...fields, { name: 'decision', control: decision, label: 'decision' }, amountField, refusalField],
        ready: shown,
        body: (get) => ({
          reason: get('reason'),
          answer: get('answer'),
          decision: get('decision') === 'approved' ? { approved: true, amount: Number(get('decision.amount')) } : { approved: false, refusal: get('decision.refusal') },
        }),
      };
    }
    case 'approve':
      return {
        fields: [{ name: 'amount', control: el('input', { name: 'amount', type: 'number', min: 0, step: '0.01', value: c.details.claimedAmount ?? '' }), label: 'amount' }, note],
        body: (get) => ({ amount: Number(get('amount')), ...withNote(get) }),
      };
    case 'extend':
      return { fields: [{ name: 'note', control: textArea('note', true), label: 'extendNote' }], body: (get) => ({ note: get('note') }) };
    case 'reopen':
      return { fields: [{ name: 'reason', control: textArea('reason', true), label: 'reopenReason' }], body: (get) => ({ reason: get('reason') }) };
    default:
      return { fields: [note], body: withNote };
  }
}

function actionForm(action: Action, c: CaseRow, ctx: ActionContext, close: () => void): HTMLFormElement {
  const { fields, body, ready } = formFor(action, c, ctx);
  const submit = tr.label(el('button', { type: 'submit', class: 'primary', 'data-testid': 'action-submit' }), 'submit');
  const cancel = tr.label(el('button', { type: 'button', 'data-testid': 'action-cancel' }), 'cancel');
  cancel.addEventListener('click', close);
  const form = el(
    'form',
    { class: 'action-form', 'data-testid': 'action-form', 'data-action': action, novalidate: true },
    tr.label(el('h4'), known(`action.${action}`)),
    ...fields.map((f) =>
      f.control instanceof HTMLInputElement && f.control.type === 'checkbox'
        ? el('label', { class: 'check' }, f.control, tr.label(el('span'), f.label))
        : el('label', { class: 'field' }, tr.label(el('span'), f.label), f.control),
    ),
    el('div', { class: 'controls' }, submit, cancel),
  );
  ready?.();
  const get = (name: string) => {
    const field = fields.find((f) => f.name === name);
    return field ? value(field) : '';
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const f of fields) f.control.removeAttribute('aria-invalid');
    submit.disabled = true;
    void ctx.send(action, body(get)).then((refused) => {
      submit.disabled = false;
      if (!refused) return close();
      // The field the server named, or the closest one this form has ("decision" for "decision.amount").
      const at = refused.field && fields.find((f) => f.name === refused.field || f.name.startsWith(`${refused.field}.`) || refused.field!.startsWith(`${f.name}.`));
      if (at) {
        at.control.setAttribute('aria-invalid', 'true');
        at.control.focus();
      }
    });
  });
  return form;
}
