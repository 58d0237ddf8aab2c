import { el } from '../shared/dom.ts';
import { departmentName, labelled } from './case-words.ts';
import { CASE_CHANNELS, caseDesk, CaseApiError, fileCase, message, type CaseChanged, type CaseChannel, type CaseDesk, type CaseType, type NewCaseInput } from './cases-api.ts';
import { known, tr, type AgentKey } from './i18n.ts';
import type { NotesInput, ScreenPop } from './softphone.ts';

/**
 * The kinds of case staff open by hand, on a call or not; callbacks are made by the notes ("callback promised")
 * and by the IVR.
 */
const BY_HAND = ['complaint', 'lost-item', 'luggage-claim', 'enquiry'] as const satisfies readonly CaseType[];
export type HandCaseType = (typeof BY_HAND)[number];
/** The case a call's topic most likely needs. */
const BY_TOPIC: Record<string, HandCaseType> = { complaint: 'complaint', 'lost-item': 'lost-item', luggage: 'luggage-claim' };

type Notes = { current(): NotesInput; onOutcome(listener: (disposition: string) => void): void };

/**
 * The cases opened on this call. "Complaint filed" in the notes opens the form for a complaint, and "New case"
 * opens it for any kind; it starts from the notes and the screen-pop (name, number, train, seat, the IVR's
 * answers, the caller's language) and is filed with the call linked. The reference the hotline gives back is
 * shown large, for the agent to read to the passenger.
 */
export function callCases(pop: ScreenPop, notes: Notes, open: (reference: string) => void) {
  const newCase = tr.label(el('button', { type: 'button', 'data-testid': 'new-case' }), 'newCase');
  const filed = el('div', { class: 'filed' });
  const slot = el('div', { class: 'case-form-slot' });
  const element = el('section', { class: 'call-cases card', 'data-testid': 'call-cases' }, el('header', {}, tr.label(el('h3'), 'casesOfCall'), newCase), filed, slot);
  const filedTypes = new Set<CaseType>();

  const add = (reference: string, type: CaseType) => {
    filedTypes.add(type);
    if (filed.querySelector(`[data-reference="${CSS.escape(reference)}"]`)) return; // the socket may tell of it first
    filed.prepend(filedCase(reference, type, open));
  };
  const openForm = (type: HandCaseType) => {
    if (slot.firstElementChild) return (slot.querySelector('select[name="type"]') as HTMLSelectElement | null)?.focus();
    slot.replaceChildren(caseForm({ type, call: { pop, notes: notes.current() } }, (done) => {
      slot.replaceChildren();
      if (done) add(done.reference, done.type);
    }));
  };
  newCase.addEventListener('click', () => openForm(BY_TOPIC[notes.current().topic ?? ''] ?? 'enquiry'));
  notes.onOutcome((disposition) => {
    if (disposition === 'complaint-filed' && !filedTypes.has('complaint')) openForm('complaint');
  });
  return {
    element,
    /**
     * One of the agent's cases changed: if it was made on this call by the hotline itself (the callback the
     * notes promised), it is listed here too, so its reference can be read to the passenger.
     */
    changed(c: CaseChanged) {
      if (c.callSid === pop.callSid && c.status !== 'closed') add(c.reference, c.type);
    },
  };
}

/** A case just filed: its reference, large, for the agent to read to the passenger, and a button to open it. */
export function filedCase(reference: string, type: CaseType, open: (reference: string) => void): HTMLElement {
  const openButton = tr.label(el('button', { type: 'button', 'data-testid': 'open-filed-case' }), 'openCase');
  openButton.addEventListener('click', () => open(reference));
  return el(
    'div',
    { class: 'filed-case', 'data-testid': 'filed-case', 'data-reference': reference },
    tr.label(el('p'), 'readReference'),
    el('p', { class: 'reference-line' }, el('strong', { class: 'reference big', 'data-testid': 'case-reference' }, reference), ' ', labelled('span', 'caseType', type), ' ', openButton),
  );
}

export type Filed = { reference: string; type: CaseType } | undefined;

/**
 * Where a case form starts: the type first chosen, and either the call it is made on (prefilled from the
 * notes and the screen-pop, filed with the call linked, channel phone) or none (a passenger at the station, a
 * letter or an e-mail: the agent says by which channel it came, on site unless told otherwise).
 */
export type FormStart = { type: HandCaseType; call?: { pop: ScreenPop; notes: NotesInput } };

/** Channels a case made without a call may have come by; on site first (the station's counter). */
const CHANNELS_BY_HAND: readonly CaseChannel[] = ['on-site', ...CASE_CHANNELS.filter((c) => c !== 'on-site')];

export function caseForm(start: FormStart, done: (filed: Filed) => void): HTMLFormElement {
  const { call } = start;
  const written: Partial<NotesInput> = call?.notes ?? {};
  const pop = call?.pop;
  const input = (name: string, attributes: Record<string, string | number> = {}) => el('input', { name, autocomplete: 'off', ...attributes });
  const controls = {
    type: el('select', { name: 'type' }, ...BY_HAND.map((t) => option(t, `caseType.${t}`, t === start.type))),
    priority: el('select', { name: 'priority' }, ...['normal', 'urgent'].map((p) => option(p, `priority.${p}`))),
    channel: el('select', { name: 'channel' }, ...CHANNELS_BY_HAND.map((c) => option(c, `channel.${c}`, c === 'on-site'))),
    passengerName: input('passengerName', { maxlength: 100, value: written.passengerName ?? '' }),
    contactNumber: input('contactNumber', { type: 'tel', maxlength: 30, value: written.contactNumber || (pop && isPhoneNumber(pop.from) ? pop.from : '') }),
    language: el('select', { name: 'language' }),
    trainNumber: input('trainNumber', { maxlength: 7, value: (written.trainNumber || pop?.answers['trainNumber'] || '').toUpperCase() }),
    travelDate: input('travelDate', { type: 'date', value: travelDate(pop?.answers['travelDate'], new Date()) }),
    car: input('car', { maxlength: 4 }),
    seat: input('seat', { maxlength: 6, value: written.seatNumber ?? '' }),
    category: el('select', { name: 'category' }),
    description: el('textarea', { name: 'description', rows: 4, maxlength: 4000 }),
    itemKind: input('details.itemKind', { maxlength: 60 }),
    itemDescription: el('textarea', { name: 'details.itemDescription', rows: 2, maxlength: 1000 }),
    tagNumber: input('details.tagNumber', { maxlength: 30 }),
    claimedAmount: input('details.claimedAmount', { type: 'number', min: 0, step: '0.01' }),
    owner: el('select', { name: 'ownerDepartment' }, tr.label(el('option', { value: '' }), 'assignMe')),
  };
  controls.description.value = written.text ?? '';
  const trainHint = tr.label(el('small', { class: 'hint', 'data-testid': 'train-letter-hint' }), 'trainLetter');
  const field = (key: AgentKey, control: HTMLElement, extra: Node | string = '') => el('label', { class: 'field' }, tr.label(el('span'), key), control, extra);
  const lostItem = el('div', {}, field('itemKind', controls.itemKind), field('itemDescription', controls.itemDescription));
  const claim = el('div', { class: 'grid' }, field('tagNumber', controls.tagNumber), field('claimedAmount', controls.claimedAmount));
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'case-form-error' });
  const submit = tr.label(el('button', { type: 'submit', class: 'primary', 'data-testid': 'file-case' }), 'fileCase');
  const cancel = tr.label(el('button', { type: 'button', 'data-testid': 'cancel-case' }), 'cancel');
  const form = el(
    'form',
    { class: 'case-form', 'data-testid': 'case-form', novalidate: true },
    tr.label(el('h4'), call ? 'caseForm' : 'caseFormByHand'),
    el('div', { class: 'grid' }, field('caseType', controls.type), field('priority', controls.priority)),
    call ? '' : el('div', { class: 'grid' }, field('channel', controls.channel)),
    el('div', { class: 'grid' }, field('passengerName', controls.passengerName), field('contactNumber', controls.contactNumber)),
    el('div', { class: 'grid' }, field('trainNumber', controls.trainNumber, trainHint), field('travelDate', controls.travelDate)),
    el('div', { class: 'grid' }, field('car', controls.car), field('seat', controls.seat)),
    el('div', { class: 'grid' }, field('category', controls.category), field('language', controls.language)),
    lostItem,
    claim,
    field('description', controls.description),
    field('owner', controls.owner),
    error,
    el('div', { class: 'controls' }, submit, cancel),
  );

  let desk: CaseDesk | undefined;
  const type = () => controls.type.value as HandCaseType;
  const shape = () => {
    form.dataset['type'] = type();
    lostItem.hidden = type() !== 'lost-item';
    claim.hidden = type() !== 'luggage-claim';
    const chosen = controls.category.value;
    const categories = desk?.types[type()].categories ?? [];
    controls.category.replaceChildren(...['', ...categories].map((c) => option(c, `category.${c}`, c === chosen)));
  };
  // The IVR gathers only the train's digits; the case wants its letter too (G1234), which the agent asks for.
  const trainShown = () => (trainHint.hidden = !/^\d+$/.test(controls.trainNumber.value.trim()));
  controls.type.addEventListener('change', shape);
  controls.trainNumber.addEventListener('input', trainShown);
  shape();
  trainShown();
  submit.disabled = true;
  caseDesk().then(
    (d) => {
      desk = d;
      const language = pop && d.languages.includes(pop.language) ? pop.language : 'zh-CN';
      controls.language.replaceChildren(...d.languages.map((l) => option(l, `lang.${l}`, l === language)));
      controls.owner.append(...Object.keys(d.departments).map((key) => el('option', { value: key }, departmentName(d, key))));
      shape();
      submit.disabled = false;
    },
    (err: unknown) => (error.textContent = message(err)),
  );

  cancel.addEventListener('click', () => done(undefined));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const c of Object.values(controls)) c.removeAttribute('aria-invalid');
    error.textContent = '';
    submit.disabled = true;
    fileCase(newCase())
      .then((made) => done({ reference: made.case.reference, type: made.case.type }))
      .catch((err: unknown) => {
        submit.disabled = false;
        error.textContent = message(err);
        const at = err instanceof CaseApiError && err.field ? form.querySelector<HTMLElement>(`[name="${CSS.escape(err.field)}"]`) : null;
        at?.setAttribute('aria-invalid', 'true');
        at?.focus();
      });
  });

  /** What is filled in; what is empty is left out (the server's defaults apply). */
  function newCase(): NewCaseInput {
    const v = (c: { value: string }) => c.value.trim();
    const given = <K extends string>(key: K, value: string) => (value ? ({ [key]: value } as Record<K, string>) : {});
    const details = {
      ...(type() === 'lost-item' ? given('itemKind', v(controls.itemKind)) : {}),
      ...(type() === 'lost-item' ? given('itemDescription', v(controls.itemDescription)) : {}),
      ...(type() === 'luggage-claim' ? given('tagNumber', v(controls.tagNumber)) : {}),
      ...(type() === 'luggage-claim' && v(controls.claimedAmount) ? { claimedAmount: Number(v(controls.claimedAmount)) } : {}),
    };
    return {
      type: type(),
      priority: controls.priority.value as NewCaseInput['priority'],
      ...(pop ? { channel: 'phone', callSid: pop.callSid } : { channel: controls.channel.value as CaseChannel }),
      ...given('passengerName', v(controls.passengerName)),
      ...given('contactNumber', v(controls.contactNumber)),
      ...given('language', controls.language.value),
      ...given('trainNumber', v(controls.trainNumber)),
      ...given('travelDate', controls.travelDate.value),
      ...given('car', v(controls.car)),
      ...given('seat', v(controls.seat)),
      ...given('category', controls.category.value),
      ...given('description', v(controls.description)),
      ...given('ownerDepartment', controls.owner.value),
      ...(Object.keys(details).length ? { details } : {}),
    } as NewCaseInput;
  }
  return form;
}

const option = (value: string, key: string, selected = false) => tr.label(el('option', { value, selected }), known(key));
const isPhoneNumber = (n: string) => /^[+\d][\d\s()-]*$/.test(n) && n.replace(/\D/g, '').length >= 7;

/**
 * The IVR's travel date ("0312", month and day) as a date. Passengers call about journeys made, or about to be
 * made: the latest such date no more than two months ahead, so a December trip reported in January is last
 * year's. Empty when it is not a date.
 */
export function travelDate(mmdd: string | undefined, today: Date): string {
  const m = /^(\d{2})(\d{2})$/.exec(mmdd ?? '');
  if (!m) return '';
  const [month, day] = [Number(m[1]), Number(m[2])];
  const horizon = new Date(today.getFullYear(), today.getMonth() + 2, today.getDate());
  const date = [1, 0, -1]
    .map((shift) => new Date(today.getFullYear() + shift, month - 1, day))
    .find((d) => d.getMonth() === month - 1 && d.getDate() === day && d <= horizon);
  if (!date) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
