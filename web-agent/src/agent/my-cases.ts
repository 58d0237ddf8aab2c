import { el } from '../shared/dom.ts';
import { caseForm, filedCase } from './case-form.ts';
import { caseView, type CaseViewContext } from './case-view.ts';
import { dueLabel, label, labelled } from './case-words.ts';
import { caseDesk, message, myCases, readCase, type OpenCase } from './cases-api.ts';
import { known, tr } from './i18n.ts';

/** Events come in bursts (a sweep escalates several clocks at once): one read of the list answers them all. */
const SETTLE_MS = 150;

/**
 * "My cases": the agent's open cases, soonest due first (the server's order; overdue ones are the soonest),
 * urgent and overdue ones marked, waiting ones saying on whom, and beside them the case chosen. It reads the
 * list again whenever the socket says one of the agent's cases changed or raised an alert. `counted` hears
 * how many are open and overdue (the tab). "New case" opens the case form for a case not made on a call (a
 * passenger at the station, a letter, an e-mail): once filed, its reference is shown large for the agent to
 * give the passenger, and the case opens beside it.
 */
export function casesPanel(ctx: Omit<CaseViewContext, 'desk'>, counted: (open: number, overdue: number) => void) {
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'cases-error' });
  const rows = el('ul', { class: 'case-rows' });
  const empty = tr.label(el('p', { class: 'muted', hidden: true, 'data-testid': 'no-cases' }), 'noCases');
  const refreshButton = tr.label(el('button', { type: 'button', class: 'quiet', 'data-testid': 'refresh-cases' }), 'refresh');
  refreshButton.addEventListener('click', () => void refresh());
  // Trainers read everything and open nothing.
  const newCase = tr.label(el('button', { type: 'button', 'data-testid': 'new-case-off-call', hidden: ctx.staff.role === 'trainer' }), 'newCase');
  newCase.addEventListener('click', () => startCase());
  const list = el(
    'section',
    { class: 'my-cases card', 'data-testid': 'my-cases', 'aria-busy': 'true' },
    el('header', {}, tr.label(el('h3'), 'myCases'), el('span', { class: 'controls' }, newCase, refreshButton)),
    error,
    empty,
    rows,
  );
  const filed = el('div', { class: 'filed', 'data-testid': 'filed-off-call' });
  const chooseCase = () => tr.label(el('p', { class: 'muted choose' }), 'chooseCase');
  const slot = el('div', { class: 'case-slot' }, chooseCase());
  const formSlot = el('div', { class: 'case-form-slot', hidden: true });
  const element = el('div', { class: 'cases-panel', 'data-testid': 'cases-panel' }, list, el('div', { class: 'case-column' }, filed, formSlot, slot));

  let view: ReturnType<typeof caseView> | undefined;
  let selected: string | undefined;
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function refresh(): Promise<void> {
    clearTimeout(timer);
    const mine = ++asked;
    list.setAttribute('aria-busy', 'true');
    try {
      // The desk's time zone first (read once; a failure leaves this computer's): due times are on the hotline's clock.
      const [cases] = await Promise.all([myCases(), caseDesk().catch(() => undefined)]);
      if (mine !== asked) return; // a later read is on its way
      error.textContent = '';
      rows.replaceChildren(...cases.map(row));
      empty.hidden = cases.length > 0;
      counted(cases.length, cases.filter((c) => c.overdue).length);
    } catch (err) {
      if (mine === asked) error.textContent = message(err);
    } finally {
      if (mine === asked) list.setAttribute('aria-busy', 'false');
    }
  }

  function row(c: OpenCase): HTMLElement {
    const button = el(
      'button',
      { type: 'button', class: 'case-row-button' },
      el('strong', { class: 'reference' }, c.reference),
      labelled('span', 'caseType', c.type),
      labelled('span', 'caseStatus', c.status, { class: 'status' }),
      c.priority === 'urgent' ? labelled('span', 'priority', c.priority, { class: 'priority-urgent', 'data-testid': 'case-urgent' }) : '',
      el('span', { class: 'passenger' }, c.passengerName),
      dueLabel(c),
      c.waitingOn ? el('span', { class: 'waiting-on', 'data-testid': 'case-waiting-on' }, label('waitingOn'), ' ', labelled('span', 'waitingOn', c.waitingOn)) : '',
      c.stage > 0 ? tr.label(el('span', { class: 'case-stage' }), known(`stage.${c.stage}`)) : '',
    );
    button.addEventListener('click', () => void open(c.reference));
    return el(
      'li',
      { 'data-testid': 'case-row', 'data-reference': c.reference, 'data-status': c.status, 'data-priority': c.priority, 'data-overdue': String(c.overdue), 'data-stage': c.stage, 'aria-current': c.reference === selected ? 'true' : 'false' },
      button,
    );
  }

  function markSelected(): void {
    for (const r of rows.querySelectorAll<HTMLElement>('[data-testid="case-row"]')) r.setAttribute('aria-current', String(r.dataset['reference'] === selected));
  }

  /**
   * The case form in the case's place. Opening a case meanwhile (a row, an alert) only hides the form: "New
   * case" brings it back as it was left.
   */
  function startCase(): void {
    filed.replaceChildren();
    selected = undefined;
    markSelected();
    formSlot.hidden = false;
    slot.hidden = true;
    if (!formSlot.firstElementChild) {
      formSlot.replaceChildren(
        caseForm({ type: 'complaint' }, (made) => {
          formSlot.replaceChildren();
          formSlot.hidden = true;
          slot.hidden = false;
          if (!made) return;
          filed.replaceChildren(filedCase(made.reference, made.type, (reference) => void open(reference)));
          void refresh();
          void open(made.reference);
        }),
      );
    }
    formSlot.querySelector<HTMLElement>('select[name="type"]')?.focus();
  }

  async function open(reference: string): Promise<void> {
    // The reference just given stays in sight while its own case is open, and goes when the agent moves on.
    if (!filed.querySelector(`[data-reference="${CSS.escape(reference)}"]`)) filed.replaceChildren();
    formSlot.hidden = true;
    slot.hidden = false;
    selected = reference;
    markSelected();
    try {
      const desk = await caseDesk().catch((err: unknown) => {
        error.textContent = message(err); // the case still shows, with codes where names would be
        return undefined;
      });
      const record = await readCase(reference);
      if (selected !== reference) return;
      view = caseView(record, { ...ctx, desk });
      slot.replaceChildren(view.element);
    } catch (err) {
      if (selected === reference) slot.replaceChildren(el('p', { class: 'error', role: 'alert', 'data-testid': 'case-error' }, message(err)));
    }
  }

  return {
    element,
    refresh,
    open,
    /** One of the agent's cases changed (or raised an alert): the list, and the case if it is the one shown. */
    changed(reference: string) {
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(), SETTLE_MS);
      if (view && view.reference === reference && view.element.isConnected) void view.refresh();
    },
    /** After the socket was away: the list, and the case shown, may have changed unheard. */
    resync() {
      void refresh();
      if (view?.element.isConnected) void view.refresh();
    },
    close() {
      clearTimeout(timer);
    },
  };
}
