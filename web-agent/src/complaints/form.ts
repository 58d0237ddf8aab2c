import { el, show } from '../shared/dom.ts';
import { fileCase, ONLINE_TYPES, Refused, type CaseTypes, type Filed, type Filing, type OnlineType } from './api.ts';
import { dateInWords } from './format.ts';
import { tr, worded, type Key } from './strings.ts';

/**
 * The filing card: what the case is about (a complaint, a lost item, a luggage claim, each with its own
 * questions), who the passenger is and what happened; once sent, the reference, prominently, with what happens
 * next and what was sent. Whatever the passenger typed is shown back as text (textContent), never as markup.
 */

export type FilingCard = { root: HTMLElement };

/** What the passenger typed, kept beside the answer for the receipt. */
type Sent = { filing: Filing; filed: Filed };

export function filingCard(types: CaseTypes, checkCase: (reference: string, phone: string) => void): FilingCard {
  // The form stays in the page while the receipt shows, hidden, so a change of language relabels it too.
  const receiptBox = el('div', { hidden: true });
  let sent: Sent | undefined;
  const again = () => {
    sent = undefined;
    form.reset();
    receiptBox.replaceChildren();
    show(receiptBox, false);
    show(form.root, true);
  };
  const showReceipt = () => {
    if (!sent) return;
    receipt(receiptBox, sent, checkCase, again);
    show(form.root, false);
    show(receiptBox, true);
  };
  const form = filingForm(types, (done) => {
    sent = done;
    showReceipt();
  });
  // The receipt's dates are words in the chosen language: written again when it changes.
  tr.onChange(showReceipt);
  return { root: el('section', { class: 'card filing', 'aria-labelledby': 'file-heading' }, form.root, receiptBox) };
}

const text = (attributes: Record<string, string | number | boolean>) => el('input', { type: 'text', ...attributes });

/** A labelled control: its words above it, "optional" beside them when it may be left empty. */
function field(key: Key, control: HTMLElement, options: { optional?: boolean; hint?: Key } = {}): HTMLLabelElement {
  return el(
    'label',
    { class: 'field' },
    el('span', { class: 'label' }, tr.label(el('span'), key), ...(options.optional ? [' ', tr.label(el('small', { class: 'muted' }), 'optional')] : [])),
    control,
    ...(options.hint ? [tr.label(el('small', { class: 'muted hint' }), options.hint)] : []),
  );
}

function choices(id: string, prefix: string, keys: string[], required: boolean): HTMLSelectElement {
  return el('select', { id, required }, tr.label(el('option', { value: '' }), 'choose'), ...keys.map((key) => worded(el('option', { value: key }), prefix, key)));
}

function filingForm(types: CaseTypes, filed: (sent: Sent) => void) {
  const typeChoices = ONLINE_TYPES.map((type) =>
    el('label', { class: 'type-choice' }, el('input', { type: 'radio', name: 'type', value: type, checked: type === 'complaint' }), tr.label(el('span'), `type.${type}`)),
  );
  const category = choices('category', 'category', types.complaint.categories, true);
  const itemKind = choices('item-kind', 'item', types['lost-item'].categories, true);
  const itemDescription = el('textarea', { id: 'item-description', rows: 2, maxlength: 1000, required: true });
  const luggageCategory = choices('luggage-category', 'luggage', types['luggage-claim'].categories, false);
  const tagNumber = text({ id: 'tag-number', maxlength: 30, required: true, autocomplete: 'off' });
  const claimedAmount = el('input', { id: 'claimed-amount', type: 'number', min: 0, max: 10_000_000, step: 0.01, inputmode: 'decimal', required: true });
  const passengerName = text({ id: 'passenger-name', maxlength: 100, required: true, autocomplete: 'name' });
  const contactNumber = el('input', { id: 'contact-number', type: 'tel', maxlength: 30, required: true, autocomplete: 'tel', pattern: '[+0-9][0-9 \\(\\)\\-]{6,29}' });
  const trainNumber = text({ id: 'train-number', maxlength: 7, pattern: '[A-Za-z]{0,2}[0-9]{1,5}', autocapitalize: 'characters', autocomplete: 'off' });
  const travelDate = el('input', { id: 'travel-date', type: 'date' });
  const car = text({ id: 'car', maxlength: 4, autocomplete: 'off' });
  const seat = text({ id: 'seat', maxlength: 6, autocomplete: 'off' });
  const description = el('textarea', { id: 'description', rows: 5, maxlength: 4000, required: true });
  const descriptionWords = el('span');
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'file-error' });
  const send = tr.label(el('button', { id: 'send', type: 'submit', class: 'primary' }), 'send');

  // Only the chosen type's questions are asked: the others' are disabled, so the browser neither checks nor sends them.
  const perType: Record<OnlineType, HTMLFieldSetElement> = {
    complaint: el('fieldset', { class: 'per-type' }, field('category', category)),
    'lost-item': el('fieldset', { class: 'per-type' }, field('itemKind', itemKind), field('itemDescription', itemDescription)),
    'luggage-claim': el(
      'fieldset',
      { class: 'per-type' },
      field('luggageCategory', luggageCategory, { optional: true }),
      el('div', { class: 'row' }, field('tagNumber', tagNumber), field('claimedAmount', claimedAmount)),
    ),
  };
  const chosenType = (): OnlineType => (typeChoices.map((c) => c.querySelector('input')!).find((input) => input.checked)?.value as OnlineType | undefined) ?? 'complaint';
  const showType = () => {
    const type = chosenType();
    for (const t of ONLINE_TYPES) {
      perType[t].disabled = t !== type;
      show(perType[t], t === type);
    }
    tr.label(descriptionWords, `description.${type}`);
  };

  const form = el(
    'form',
    { class: 'filing-form' },
    tr.label(el('h2', { id: 'file-heading' }), 'fileHeading'),
    el('fieldset', { class: 'types' }, tr.label(el('legend'), 'type'), ...typeChoices),
    ...ONLINE_TYPES.map((t) => perType[t]),
    el(
      'fieldset',
      { class: 'about' },
      tr.label(el('legend'), 'aboutYou'),
      el('div', { class: 'row' }, field('passengerName', passengerName), field('contactNumber', contactNumber, { hint: 'contactHint' })),
      el('div', { class: 'row' }, field('trainNumber', trainNumber, { optional: true }), field('travelDate', travelDate, { optional: true })),
      el('div', { class: 'row' }, field('car', car, { optional: true }), field('seat', seat, { optional: true })),
    ),
    el('label', { class: 'field' }, el('span', { class: 'label' }, descriptionWords), description),
    error,
    el('div', { class: 'actions' }, send),
  );
  form.addEventListener('change', (event) => {
    if ((event.target as HTMLInputElement).name === 'type') showType();
  });
  showType();

  /** The control a field named in a refusal is, and its words. */
  const controls: Record<string, [HTMLElement, Key]> = {
    passengerName: [passengerName, 'passengerName'],
    contactNumber: [contactNumber, 'contactNumber'],
    trainNumber: [trainNumber, 'trainNumber'],
    travelDate: [travelDate, 'travelDate'],
    car: [car, 'car'],
    seat: [seat, 'seat'],
    'details.itemKind': [itemKind, 'itemKind'],
    'details.itemDescription': [itemDescription, 'itemDescription'],
    'details.tagNumber': [tagNumber, 'tagNumber'],
    'details.claimedAmount': [claimedAmount, 'claimedAmount'],
  };
  /** Fields whose control depends on the type chosen: a lost item's category is its kind. */
  const controlOf = (name: string): [HTMLElement, Key] | undefined => {
    const type = chosenType();
    if (name === 'description') return [description, `description.${type}`];
    if (name !== 'category') return controls[name];
    return type === 'complaint' ? [category, 'category'] : type === 'lost-item' ? [itemKind, 'itemKind'] : [luggageCategory, 'luggageCategory'];
  };

  const filing = (): Filing => {
    const type = chosenType();
    const optional = (value: string) => (value.trim() ? value.trim() : undefined);
    const details =
      type === 'lost-item'
        ? { itemKind: itemKind.value, itemDescription: itemDescription.value }
        : type === 'luggage-claim'
          ? { tagNumber: tagNumber.value, claimedAmount: claimedAmount.valueAsNumber }
          : undefined;
    const chosenCategory = type === 'complaint' ? category.value : type === 'luggage-claim' ? optional(luggageCategory.value) : undefined;
    const out: Filing = { type, passengerName: passengerName.value, contactNumber: contactNumber.value, language: tr.language, description: description.value };
    for (const [key, value] of [
      ['trainNumber', optional(trainNumber.value)?.toUpperCase()],
      ['travelDate', optional(travelDate.value)],
      ['car', optional(car.value)],
      ['seat', optional(seat.value)],
      ['category', chosenCategory],
    ] as const) {
      if (value !== undefined) out[key] = value;
    }
    if (details) out.details = details;
    return out;
  };

  /** What to tell the passenger of a refusal, in their language; a field at fault is marked and focused. */
  const refused = (err: unknown) => {
    for (const invalid of form.querySelectorAll('[aria-invalid]')) invalid.removeAttribute('aria-invalid');
    const named = err instanceof Refused && err.status === 400 && err.field ? controlOf(err.field) : undefined;
    if (named) {
      const [control, words] = named;
      control.setAttribute('aria-invalid', 'true');
      control.focus();
      // The server says what is wrong in English, after the field's name.
      tr.label(error, 'checkField', { field: tr.t(words), message: (err as Refused).message.replace(/^\S+ /, '') });
    } else if (err instanceof Refused && err.status === 429) {
      tr.label(error, 'tooMany', { minutes: Math.max(1, Math.ceil((err.retryAfterSeconds ?? 60) / 60)) });
    } else if (err instanceof Refused && err.status === 413) {
      tr.label(error, 'tooLong');
    } else {
      tr.label(error, 'failed');
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const sending = filing();
    send.disabled = true;
    tr.label(send, 'sending');
    error.textContent = '';
    delete error.dataset['i18n'];
    fileCase(sending)
      .then((answer) => filed({ filing: sending, filed: answer }), refused)
      .finally(() => {
        send.disabled = false;
        tr.label(send, 'send');
      });
  });

  return {
    root: form,
    reset() {
      form.reset();
      error.textContent = '';
      delete error.dataset['i18n'];
      showType();
    },
  };
}

/** The reference to keep, what happens next and by when, and what was sent (as text). */
function receipt(root: HTMLElement, { filing, filed }: Sent, checkCase: (reference: string, phone: string) => void, another: () => void): void {
  const due = (key: Key, iso: string | null, withTime: boolean) => (iso ? [tr.label(el('p', { 'data-testid': key === 'nextReply' ? 'reply-by' : 'acknowledge-by' }), key, { date: dateInWords(iso, tr.language, withTime) })] : []);
  const entry = (key: Key, value: string | number | undefined, worded?: HTMLElement) =>
    value === undefined || value === '' ? [] : [el('div', {}, tr.label(el('dt'), key), worded ?? el('dd', {}, String(value)))];
  const { details = {} } = filing;
  const againButton = tr.label(el('button', { type: 'button', id: 'file-another' }), 'fileAnother');
  const checkButton = tr.label(el('button', { type: 'button', id: 'check-filed', class: 'primary' }), 'checkIt');
  againButton.addEventListener('click', another);
  checkButton.addEventListener('click', () => checkCase(filed.reference, filing.contactNumber));
  root.replaceChildren(
    el(
      'div',
      { class: 'receipt', 'data-testid': 'receipt' },
      tr.label(el('h2'), 'filed', { kind: tr.t(`kind.${filed.type}`) }),
      el(
        'div',
        { class: 'reference-box' },
        tr.label(el('p', { class: 'reference-label' }), 'yourReference'),
        el('output', { class: 'reference', 'data-testid': 'case-reference' }, filed.reference),
        tr.label(el('p', { class: 'muted' }), 'keepReference'),
      ),
      tr.label(el('h3'), 'next'),
      ...due('nextAcknowledge', filed.acknowledgeBy, true),
      ...due('nextReply', filed.dueAt, false),
      tr.label(el('h3'), 'whatYouSent'),
      el(
        'dl',
        { class: 'summary', 'data-testid': 'sent' },
        ...entry('type', filing.type, tr.label(el('dd'), `type.${filing.type}`)),
        ...entry('category', filing.type === 'complaint' ? filing.category : undefined, worded(el('dd'), 'category', filing.category ?? '')),
        ...entry('luggageCategory', filing.type === 'luggage-claim' ? filing.category : undefined, worded(el('dd'), 'luggage', filing.category ?? '')),
        ...entry('itemKind', details.itemKind, worded(el('dd'), 'item', details.itemKind ?? '')),
        ...entry('itemDescription', details.itemDescription),
        ...entry('tagNumber', details.tagNumber),
        ...entry('claimedAmount', details.claimedAmount),
        ...entry('passengerName', filing.passengerName),
        ...entry('contactNumber', filing.contactNumber),
        ...entry('trainNumber', filing.trainNumber),
        ...entry('travelDate', filing.travelDate),
        ...entry('car', filing.car),
        ...entry('seat', filing.seat),
        ...entry(`description.${filing.type}`, filing.description, el('dd', { class: 'free-text', 'data-testid': 'sent-description' }, filing.description)),
      ),
      el('div', { class: 'actions' }, againButton, checkButton),
    ),
  );
}
