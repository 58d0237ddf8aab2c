import { el } from '../shared/dom.ts';
import { known, tr, type AgentKey } from './i18n.ts';
import { DISPOSITIONS, TOPICS, type Notes, type NotesInput, type SaveAck } from './softphone.ts';

type State = 'saved' | 'unsaved' | 'saving' | 'offline';
type Save = (notes: NotesInput & { callSid: string }) => Promise<SaveAck>;

const DEBOUNCE_MS = 400;
const TEXT_FIELDS = ['passengerName', 'contactNumber', 'trainNumber', 'seatNumber'] as const;
const MAX: Record<(typeof TEXT_FIELDS)[number], number> = { passengerName: 100, contactNumber: 30, trainNumber: 10, seatNumber: 10 };

/**
 * "Listen and record": the call's notes, saved while the agent types. Every change bumps the page's version;
 * the latest unsaved version is kept here until the server acknowledges it (or a newer one), and sent again
 * when the socket comes back, so no keystroke is lost; the server keeps only the newest version.
 */
/**
 * `callSid` is read at each save: a callback's call exists only once the passenger is called (until then it is
 * '' and what is typed waits, unsaved, for `reconnected`).
 */
export function notesForm(callSid: () => string, save: Save, online: () => boolean, report: (message: string) => void, savedOk: () => void) {
  const input = (name: string, attributes: Record<string, string | number> = {}) => el('input', { name, autocomplete: 'off', ...attributes });
  const fields = Object.fromEntries(TEXT_FIELDS.map((name) => [name, input(name, { maxlength: MAX[name] })])) as Record<(typeof TEXT_FIELDS)[number], HTMLInputElement>;
  fields.contactNumber.type = 'tel';
  const options = (prefix: 'topic' | 'disposition', values: readonly string[]) =>
    ['', ...values].map((value) => tr.label(el('option', { value }), known(`${prefix}.${value}`)));
  const topic = el('select', { name: 'topic' }, ...options('topic', TOPICS));
  const text = el('textarea', { name: 'text', rows: 5, maxlength: 4000 });
  const disposition = el('select', { name: 'disposition', required: true }, ...options('disposition', DISPOSITIONS));
  const callbackDueAt = input('callbackDueAt', { type: 'datetime-local' });
  const dueHint = tr.label(el('small', { class: 'hint', hidden: true }), 'dueTimeRequired');
  const stateLabel = el('span', { 'data-testid': 'notes-state', 'data-state': 'saved', role: 'status' });
  const field = (key: AgentKey, control: HTMLElement, extra: Node | string = '') => el('label', { class: `field field-${control.getAttribute('name')}` }, tr.label(el('span'), key), control, extra);
  const due = field('callbackDueAt', callbackDueAt, dueHint);
  const element = el(
    'form',
    { class: 'notes card', 'data-testid': 'notes', novalidate: true },
    el('header', {}, tr.label(el('h3'), 'notes'), stateLabel),
    el('div', { class: 'grid' }, ...TEXT_FIELDS.map((name) => field(name, fields[name])), field('topic', topic)),
    field('text', text),
    el('div', { class: 'grid' }, field('disposition', disposition), due),
  );
  element.addEventListener('submit', (event) => event.preventDefault());

  let version = 0;
  let saved = 0;
  let refused = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending: Promise<void> | undefined;

  const setState = (state: State) => {
    stateLabel.dataset['state'] = state;
    tr.label(stateLabel, known(`notes.${state}`));
  };
  const dueIso = (): string | null => {
    const at = callbackDueAt.value ? new Date(callbackDueAt.value) : undefined;
    return at && at.getTime() > Date.now() ? at.toISOString() : null;
  };
  const promised = () => disposition.value === 'callback-promised';
  const values = (v: number): NotesInput => {
    // A promised callback without a (future) due time would be refused with everything else typed: send the
    // rest without the outcome until the due time is there.
    const dueAt = promised() ? dueIso() : null;
    const outcome = promised() && !dueAt ? null : ((disposition.value || null) as NotesInput['disposition']);
    return {
      version: v,
      ...(Object.fromEntries(TEXT_FIELDS.map((name) => [name, fields[name].value])) as Pick<NotesInput, (typeof TEXT_FIELDS)[number]>),
      topic: (topic.value || null) as NotesInput['topic'],
      text: text.value,
      disposition: outcome,
      callbackDueAt: dueAt,
    };
  };
  const showDue = () => {
    due.hidden = !promised();
    dueHint.hidden = !promised() || dueIso() !== null;
  };

  async function flush(): Promise<void> {
    clearTimeout(timer);
    if (saved >= version) return setState('saved');
    if (!online()) return setState('offline');
    if (!callSid()) return setState('unsaved'); // no call yet to save them with
    if (sending) {
      await sending;
      return flush();
    }
    const sent = version;
    setState('saving');
    let lost = false;
    sending = save({ callSid: callSid(), ...values(sent) }).then(
      (ack) => {
        if (ack.ok) {
          saved = Math.max(saved, sent);
          savedOk();
        } else {
          refused = sent;
          report(ack.field === 'callbackDueAt' ? tr.t('dueTimeRequired') : ack.error);
        }
      },
      () => {
        lost = true; // timed out or the socket dropped: kept here, sent again
      },
    );
    await sending;
    sending = undefined;
    if (saved >= version) return setState('saved');
    if (lost || !online()) {
      setState(online() ? 'unsaved' : 'offline');
      if (online()) timer = setTimeout(() => void flush(), 1_000);
      return;
    }
    if (refused === version) return setState('unsaved'); // the next change tries again
    return flush(); // typed while it was saving
  }

  const changed = () => {
    version += 1;
    showDue();
    setState(online() ? 'unsaved' : 'offline');
    clearTimeout(timer);
    timer = setTimeout(() => void flush(), DEBOUNCE_MS);
  };
  // Selects fire `input` too, so one listener sees every change.
  element.addEventListener('input', changed);
  const outcomeListeners: Array<(disposition: string) => void> = [];
  disposition.addEventListener('change', () => outcomeListeners.forEach((listener) => listener(disposition.value)));
  showDue();
  setState('saved');

  return {
    element,
    /** Shows notes (saved ones, or the IVR's pre-fill); `version` is where the page's counter continues from. */
    fill(notes: Partial<Notes>) {
      for (const name of TEXT_FIELDS) if (notes[name] !== undefined) fields[name].value = notes[name] ?? '';
      if (notes.topic !== undefined) topic.value = notes.topic ?? '';
      if (notes.text !== undefined) text.value = notes.text;
      if (notes.disposition !== undefined) disposition.value = notes.disposition ?? '';
      if (notes.callbackDueAt) callbackDueAt.value = localInput(new Date(notes.callbackDueAt));
      if (notes.version !== undefined) version = saved = Math.max(version, notes.version);
      showDue();
    },
    /** What the agent has written so far (the case form starts from it). */
    current() {
      return values(version);
    },
    /** The agent chose an outcome (not called when saved notes are shown again after a reload). */
    onOutcome(listener: (disposition: string) => void) {
      outcomeListeners.push(listener);
    },
    /** Saves what is shown even without a keystroke (the pre-filled train number, once the call connects). */
    touch: changed,
    flush,
    reconnected() {
      if (saved < version) void flush();
    },
    disconnected() {
      if (saved < version) setState('offline');
    },
    close() {
      clearTimeout(timer);
    },
  };
}

/** A moment as a datetime-local input wants it: local wall time, to the minute. */
function localInput(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}
