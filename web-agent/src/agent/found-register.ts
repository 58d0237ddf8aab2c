import { el } from '../shared/dom.ts';
import type { Staff } from '../shared/session.ts';
import { label } from './case-words.ts';
import { caseDesk, CaseApiError, foundItems, hotlineZone, message, recordFoundItem, type FoundItem, type FoundItemInput, type FoundItemQuery } from './cases-api.ts';
import { tr, type AgentKey } from './i18n.ts';

/** Socket events come in bursts: one read of the register answers them all. */
const SETTLE_MS = 150;

/**
 * The "Found items" tab: station or train staff (here, the agents and supervisors at the softphone) record what
 * was found (train, date, car and seat, what it is, a description, where it is kept), and read the register,
 * newest find first, of one train or between two dates, each find saying whether it has been matched to a
 * lost-item case and to which (a button opens that case). `openCase` shows a case on the "My cases" tab.
 * The tab is built the first time it is shown.
 */
export function foundItemsPanel(staff: Pick<Staff, 'role'>, openCase: (reference: string) => void) {
  const element = el('div', { class: 'found-panel', 'data-testid': 'found-panel' });
  let register: ReturnType<typeof registerList> | undefined;
  // Built when first shown: the phone's forms are the page's until the agent comes here.
  const refresh = (): Promise<void> => {
    if (!register) {
      register = registerList(openCase);
      // Trainers read the register and record nothing.
      element.replaceChildren(staff.role === 'trainer' ? '' : recordForm(() => void refresh()), register.element);
    }
    return register.refresh();
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    element,
    /** Reads the register (building the tab the first time). */
    refresh,
    /** A lost-item case changed (it may have been matched): the register, if it is in sight, is read again. */
    changed() {
      if (!register || element.hidden || !element.isConnected) return;
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(), SETTLE_MS);
    },
    close() {
      clearTimeout(timer);
    },
  };
}

type Control = HTMLInputElement | HTMLTextAreaElement;

const field = (key: AgentKey, control: HTMLElement) => el('label', { class: 'field' }, tr.label(el('span'), key), control);
const input = (name: string, attributes: Record<string, string | number | boolean> = {}) => el('input', { name, autocomplete: 'off', ...attributes });

/** Marks the control the hotline named (or clears every mark) and focuses it. */
function markInvalid(form: HTMLFormElement, err: unknown): void {
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  const at = err instanceof CaseApiError && err.field ? form.querySelector<HTMLElement>(`[name="${CSS.escape(err.field)}"]`) : null;
  at?.setAttribute('aria-invalid', 'true');
  at?.focus();
}

function recordForm(recorded: () => void): HTMLFormElement {
  const controls = {
    trainNumber: input('trainNumber', { maxlength: 7, required: true }),
    foundOn: input('foundOn', { type: 'date', required: true, value: today(hotlineZone()) }),
    car: input('car', { maxlength: 4 }),
    seat: input('seat', { maxlength: 6 }),
    kind: input('kind', { maxlength: 60, required: true }),
    description: el('textarea', { name: 'description', rows: 3, maxlength: 1000, required: true }),
    keptAt: input('keptAt', { maxlength: 200, required: true }),
  } satisfies Record<keyof FoundItemInput, Control>;
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'found-item-error' });
  const done = el('p', { class: 'recorded', 'data-testid': 'found-item-recorded' });
  const submit = tr.label(el('button', { type: 'submit', class: 'primary', 'data-testid': 'record-found-item' }), 'recordFoundItem');
  const form = el(
    'form',
    { class: 'found-form card', 'data-testid': 'found-item-form', novalidate: true },
    tr.label(el('h3'), 'recordFound'),
    el('div', { class: 'grid' }, field('trainNumber', controls.trainNumber), field('foundOn', controls.foundOn)),
    el('div', { class: 'grid' }, field('car', controls.car), field('seat', controls.seat)),
    field('itemKind', controls.kind),
    field('description', controls.description),
    field('keptAt', controls.keptAt),
    error,
    done,
    el('div', { class: 'controls' }, submit),
  );
  // "Today" is the hotline's (a find dated after it is refused), which the desk's time zone tells.
  caseDesk().then(
    (d) => {
      const day = today(d.timeZone);
      controls.foundOn.max = day;
      if (!controls.foundOn.dataset['touched']) controls.foundOn.value = day;
    },
    () => undefined, // the browser's own date stands
  );
  controls.foundOn.addEventListener('input', () => (controls.foundOn.dataset['touched'] = 'true'));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    done.replaceChildren();
    delete done.dataset['id'];
    submit.disabled = true;
    const v = (c: Control) => c.value.trim();
    const given = (key: 'car' | 'seat') => (v(controls[key]) ? { [key]: v(controls[key]) } : {});
    const item: FoundItemInput = {
      trainNumber: v(controls.trainNumber),
      foundOn: controls.foundOn.value,
      ...given('car'),
      ...given('seat'),
      kind: v(controls.kind),
      description: v(controls.description),
      keptAt: v(controls.keptAt),
    };
    recordFoundItem(item)
      .then((made) => {
        markInvalid(form, undefined);
        done.replaceChildren(label('foundRecorded', { id: made.id, kind: made.kind, train: made.trainNumber }));
        done.dataset['id'] = String(made.id);
        // The next find is often from the same train, the same day, kept in the same place.
        for (const c of [controls.car, controls.seat, controls.kind, controls.description]) c.value = '';
        controls.kind.focus();
        recorded();
      })
      .catch((err: unknown) => {
        error.textContent = message(err);
        markInvalid(form, err);
      })
      .finally(() => (submit.disabled = false));
  });
  return form;
}

function registerList(openCase: (reference: string) => void) {
  const filter = {
    train: input('train', { maxlength: 7 }),
    from: input('from', { type: 'date' }),
    to: input('to', { type: 'date' }),
  } satisfies Record<keyof FoundItemQuery, HTMLInputElement>;
  const showButton = tr.label(el('button', { type: 'submit', 'data-testid': 'found-filter-show' }), 'show');
  const filterForm = el(
    'form',
    { class: 'found-filter', 'data-testid': 'found-filter', novalidate: true },
    field('trainNumber', filter.train),
    field('dateFrom', filter.from),
    field('dateTo', filter.to),
    el('div', { class: 'controls' }, showButton),
  );
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'found-register-error' });
  const empty = tr.label(el('p', { class: 'muted', hidden: true, 'data-testid': 'no-found-items' }), 'noFoundItems');
  const rows = el('tbody');
  const heading = (key: AgentKey) => tr.label(el('th', { scope: 'col' }), key);
  const table = el(
    'table',
    { class: 'found-register', 'data-testid': 'found-register' },
    el('thead', {}, el('tr', {}, heading('foundOn'), heading('trainNumber'), heading('carSeat'), heading('itemKind'), heading('description'), heading('keptAt'), heading('matchedTo'))),
    rows,
  );
  const refreshButton = tr.label(el('button', { type: 'button', class: 'quiet', 'data-testid': 'refresh-found' }), 'refresh');
  const element = el(
    'section',
    { class: 'found-list card', 'data-testid': 'found-items', 'aria-busy': 'true' },
    el('header', {}, tr.label(el('h3'), 'foundRegister'), refreshButton),
    filterForm,
    error,
    empty,
    el('div', { class: 'table-scroll' }, table),
  );

  let asked = 0;
  async function refresh(): Promise<void> {
    const mine = ++asked;
    element.setAttribute('aria-busy', 'true');
    const query = Object.fromEntries(Object.entries(filter).map(([key, c]) => [key, c.value.trim()]).filter(([, value]) => value !== '')) as FoundItemQuery;
    try {
      const items = await foundItems(query);
      if (mine !== asked) return; // a later read is on its way
      error.textContent = '';
      markInvalid(filterForm, undefined);
      rows.replaceChildren(...items.map(row));
      empty.hidden = items.length > 0;
    } catch (err) {
      if (mine !== asked) return;
      error.textContent = message(err);
      markInvalid(filterForm, err);
    } finally {
      if (mine === asked) element.setAttribute('aria-busy', 'false');
    }
  }

  function row(item: FoundItem): HTMLElement {
    const matched = item.caseReference;
    let matchedCell: Node;
    if (matched) {
      const open = el('button', { type: 'button', class: 'link reference', 'data-testid': 'found-item-case' }, matched);
      open.addEventListener('click', () => openCase(matched));
      matchedCell = open;
    } else matchedCell = tr.label(el('span', { class: 'muted' }), 'notMatched');
    const place = [item.car, item.seat].filter((s) => s !== '').join(' / ');
    return el(
      'tr',
      { 'data-testid': 'found-item', 'data-id': item.id, 'data-train': item.trainNumber, 'data-found-on': item.foundOn, 'data-matched': String(matched !== null), 'data-case-reference': matched ?? '' },
      el('td', { 'data-field': 'foundOn' }, item.foundOn),
      el('td', { 'data-field': 'trainNumber' }, item.trainNumber),
      el('td', { 'data-field': 'carSeat' }, place),
      el('td', { 'data-field': 'kind' }, item.kind),
      el('td', { 'data-field': 'description', class: 'description' }, item.description),
      el('td', { 'data-field': 'keptAt' }, item.keptAt),
      el('td', { 'data-field': 'case' }, matchedCell),
    );
  }

  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void refresh();
  });
  refreshButton.addEventListener('click', () => void refresh());
  return { element, refresh };
}

/** Today's date (YYYY-MM-DD) in a time zone (the hotline's), or on this computer's calendar. */
function today(timeZone: string | undefined): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date());
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
