import { CASE_STATUSES, CASE_TYPES } from '../../../src/cases/choices.ts';
import { el } from '../shared/dom.ts';
import type { Board, CaseAlert, CaseDesk, Filter, OpenCase } from './case-api.ts';
import type { DeskContext } from './case-context.ts';
import { ownerName, personName, stageWord, when, word } from './case-words.ts';
import { tr, type Key } from './strings.ts';

/**
 * The supervisors' case board: filters (type, status, department, and a supervisor's own cases), one page
 * of cases as the server orders them (overdue first, then near breach, then soonest due) and names them,
 * urgent ones marked and waiting ones saying on whom, paging, and the notices of reminders and escalations
 * as they arrive.
 */
export type CaseBoard = {
  root: HTMLElement;
  filter(): Filter;
  choices(desk: CaseDesk): void;
  show(board: Board): void;
  /** Draws the last page again (the language changed). */
  redraw(): void;
  failed(message: string | null): void;
  alert(alert: CaseAlert): void;
  select(reference: string | null): void;
};

const ALERTS_KEPT = 5;

export function caseBoard(ctx: DeskContext, changed: () => void): CaseBoard {
  const option = (value: string, text: string) => el('option', { value }, text);
  const type = el('select', { name: 'case-type' });
  const status = el('select', { name: 'case-status' });
  const department = el('select', { name: 'case-department' });
  const mine = el('input', { type: 'checkbox', name: 'case-mine' });
  const labelled = (key: Key, control: HTMLElement) => el('label', {}, tr.label(el('span'), key), control);
  const filters = el(
    'div',
    { class: 'case-filters' },
    labelled('figureType', type),
    labelled('filterStatus', status),
    labelled('filterDepartment', department),
    // A supervisor's own cases; managers and trainers answer for none.
    ...(ctx.me.role === 'supervisor' ? [el('label', { class: 'check' }, mine, tr.label(el('span'), 'mineOnly'))] : []),
  );
  const alerts = el('div', { class: 'case-alerts', 'aria-live': 'assertive' });
  const error = el('p', { class: 'result error', role: 'alert', 'data-testid': 'case-error' });
  const body = el('tbody');
  const columns: Key[] = ['colReference', 'figureType', 'filterStatus', 'colOwner', 'colSupervisor', 'colDue', 'colStage'];
  const empty = tr.label(el('p', { class: 'empty' }), 'noCases');
  const previous = tr.label(el('button', { type: 'button', 'data-page': 'previous' }), 'previousPage');
  const next = tr.label(el('button', { type: 'button', 'data-page': 'next' }), 'nextPage');
  const position = el('span', { 'data-page-position': '' });
  const root = el(
    'section',
    { class: 'panel case-board', 'data-testid': 'case-board' },
    tr.label(el('h2'), 'caseBoard'),
    ...(ctx.readOnly ? [tr.label(el('p', { class: 'note', 'data-read-only': '' }), 'readOnly')] : []),
    alerts,
    filters,
    error,
    el('div', { class: 'table-scroll' }, el('table', {}, el('thead', {}, el('tr', {}, ...columns.map((k) => tr.label(el('th', { scope: 'col' }), k)))), body)),
    empty,
    el('div', { class: 'paging' }, previous, position, next),
  );

  let page = 0;
  let last: Board | undefined;
  let selected: string | null = null;
  const received: CaseAlert[] = [];

  const fillTypesAndStatuses = () => {
    const [t, s] = [type.value, status.value];
    type.replaceChildren(option('', tr.t('allTypes')), ...CASE_TYPES.map((v) => option(v, word('caseType', v))));
    status.replaceChildren(option('', tr.t('allOpen')), ...CASE_STATUSES.map((v) => option(v, word('caseStatus', v))));
    [type.value, status.value] = [t, s];
  };
  const fillDepartments = (desk: CaseDesk | undefined) => {
    const d = department.value;
    department.replaceChildren(option('', tr.t('allDepartments')), ...Object.entries(desk?.departments ?? {}).map(([key, name]) => option(key, name)));
    department.value = d;
  };
  fillTypesAndStatuses();
  fillDepartments(undefined);

  for (const control of [type, status, department, mine]) {
    control.addEventListener('change', () => {
      page = 0;
      changed();
    });
  }
  previous.addEventListener('click', () => {
    page = Math.max(0, page - 1);
    changed();
  });
  next.addEventListener('click', () => {
    page += 1;
    changed();
  });

  const row = (c: OpenCase, people: Board['people']) => {
    const open = el('button', { type: 'button', class: 'link', 'data-open-case': c.reference }, c.reference);
    open.addEventListener('click', () => ctx.open(c.reference));
    const desk = ctx.desk();
    return el(
      'tr',
      {
        'data-testid': 'case-row',
        'data-reference': c.reference,
        'data-stage': c.stage,
        'data-overdue': String(c.overdue),
        'data-status': c.status,
        'data-priority': c.priority,
        class: [`stage-${c.stage}`, c.overdue ? 'overdue' : '', c.priority, c.reference === selected ? 'selected' : ''].filter(Boolean).join(' '),
      },
      el('th', { scope: 'row' }, open, ...(c.priority === 'urgent' ? [el('span', { class: 'badge urgent', 'data-urgent': '' }, word('priority', c.priority))] : [])),
      el('td', { 'data-type': c.type }, word('caseType', c.type)),
      // A paused case says what it waits for: the passenger, or a department.
      el('td', { 'data-case-status': c.status }, word('caseStatus', c.status), ...(c.waitingOn ? [el('span', { class: 'badge', 'data-waiting-on': c.waitingOn }, word('waitingOn', c.waitingOn))] : [])),
      el('td', { 'data-owner': '' }, ownerName(desk, people, c)),
      el('td', { 'data-supervisor': '' }, personName(people, c.supervisorId)),
      el('td', { 'data-due': c.dueAt ?? '' }, when(c.dueAt), ...(c.overdue ? [el('span', { class: 'badge overdue' }, tr.t('overdue'))] : [])),
      el('td', { 'data-stage-words': '' }, stageWord(c.stage)),
    );
  };

  const draw = () => {
    if (!last) return;
    const { people } = last;
    body.replaceChildren(...last.cases.map((c) => row(c, people)));
    empty.hidden = last.cases.length > 0;
    const from = last.total === 0 ? 0 : last.page * last.pageSize + 1;
    tr.label(position, 'pageOf', { from, to: last.page * last.pageSize + last.cases.length, total: last.total });
    previous.disabled = last.page === 0;
    next.disabled = (last.page + 1) * last.pageSize >= last.total;
  };

  const drawAlerts = () => {
    alerts.replaceChildren(
      ...received.map((a, i) => {
        const dismiss = tr.label(el('button', { type: 'button', class: 'quiet' }), 'dismiss');
        dismiss.addEventListener('click', () => {
          received.splice(i, 1);
          drawAlerts();
        });
        const open = el('button', { type: 'button', class: 'link' }, a.reference);
        open.addEventListener('click', () => ctx.open(a.reference));
        const message = tr.t('caseAlert', { reference: '\u0000', level: word('level', a.level), clock: word('clock', a.clock), due: when(a.dueAt) });
        // The reference is a button that opens the case, set in the sentence where the language puts it.
        const [before, after] = message.split('\u0000') as [string, string?];
        return el('div', { class: `case-alert level-${a.level}`, role: 'alert', 'data-testid': 'case-alert', 'data-reference': a.reference, 'data-level': a.level }, el('span', {}, before, open, after ?? ''), dismiss);
      }),
    );
  };

  return {
    root,
    filter() {
      return {
        type: (type.value || undefined) as Filter['type'],
        status: (status.value || undefined) as Filter['status'],
        department: department.value || undefined,
        supervisorId: mine.checked ? ctx.me.id : undefined,
        page,
      };
    },
    choices(desk) {
      fillDepartments(desk);
    },
    show(board) {
      last = board;
      // The page asked for may be past the end now (cases closed meanwhile): show the last that has cases.
      if (board.cases.length === 0 && board.page > 0 && board.total > 0) {
        page = Math.ceil(board.total / board.pageSize) - 1;
        changed();
      }
      draw();
    },
    redraw() {
      fillTypesAndStatuses();
      fillDepartments(ctx.desk());
      draw();
      drawAlerts();
    },
    failed(message) {
      error.textContent = message ?? '';
    },
    alert(a) {
      // One notice per case: a later alert about the same case replaces the earlier.
      const at = received.findIndex((r) => r.reference === a.reference);
      if (at >= 0) received.splice(at, 1);
      received.unshift(a);
      received.splice(ALERTS_KEPT);
      drawAlerts();
    },
    select(reference) {
      selected = reference;
      for (const line of body.querySelectorAll<HTMLElement>('tr[data-reference]')) line.classList.toggle('selected', line.dataset['reference'] === reference);
    },
  };
}
