import { el } from '../shared/dom.ts';
import type { Staff } from '../shared/session.ts';
import { actionsBar, type Send } from './case-actions.ts';
import { candidatesSection, type Match } from './case-candidates.ts';
import { resolution, timelineList } from './case-timeline.ts';
import { label, labelled, ownerOf, person, when } from './case-words.ts';
import { actOn, CaseApiError, CLOCK_KINDS, matchItem, message, readCase, type CaseDesk, type CaseView, type ClockView } from './cases-api.ts';
import { known, tr, type AgentKey } from './i18n.ts';

export type CaseViewContext = {
  staff: Staff;
  desk: CaseDesk | undefined;
  callSid: () => string | undefined;
  /** Calls the case's passenger now (the phone tab shows the call); resolves with the refusal, if refused. */
  callBack?: (reference: string) => Promise<string | undefined>;
};

/** A case still open: its passenger may be called back. */
const OPEN_STATUSES: readonly string[] = ['new', 'acknowledged', 'in-progress', 'waiting'];

/**
 * One case as GET /api/cases/:reference tells it: its fields, its reply-commitment clocks, the calls linked to
 * it, its whole timeline, and the actions the agent may take; for a lost-item case, the found items that may be
 * the one lost, to match. `show` redraws it from a newer record (after an action, or when the socket says it
 * changed) without losing a half-typed action form.
 */
export function caseView(first: CaseView, ctx: CaseViewContext) {
  let record = first;
  const reference = first.case.reference;
  const error = el('p', { class: 'error', 'data-testid': 'case-error', role: 'alert' });
  const head = el('header', { class: 'case-head' });
  const body = el('div', { class: 'case-body' });
  let actions: ReturnType<typeof actionsBar> | undefined;
  let actionsFor = '';
  const actionsSlot = el('div');
  // "Call back": the passenger called now, from this case (trainers read and change nothing).
  const callBack = tr.label(el('button', { type: 'button', class: 'primary', 'data-testid': 'case-call-back', hidden: true }), 'callBack');
  callBack.addEventListener('click', () => {
    if (!ctx.callBack) return;
    error.textContent = '';
    callBack.disabled = true;
    void ctx
      .callBack(reference)
      .then((refused) => {
        if (refused) error.textContent = refused;
      })
      .finally(() => (callBack.disabled = false));
  });
  const element = el('section', { class: 'case-view card', 'data-testid': 'case-view', 'data-reference': reference }, head, error, actionsSlot, body);

  /** Does something to the case and shows the case it comes back as; a refusal is returned (and reloads on 409). */
  const attempt = async (work: () => Promise<CaseView>): Promise<CaseApiError | undefined> => {
    try {
      show(await work());
      return undefined;
    } catch (err) {
      const refused = err instanceof CaseApiError ? err : new CaseApiError(0, message(err));
      // Someone else changed the case meanwhile: show what it is now, so the next attempt reads it.
      if (refused.field === 'version' || refused.status === 409) await reload().catch(() => undefined);
      return refused;
    }
  };
  const send: Send = async (action, input) => {
    error.textContent = '';
    const refused = await attempt(() => actOn(reference, action, { version: record.case.version, ...input } as never));
    if (refused) error.textContent = refused.message;
    return refused;
  };
  // The refusal of a match is shown beside the item chosen (by the candidates' own error line).
  const match: Match = (foundItemId) => attempt(() => matchItem(reference, { foundItemId, version: record.case.version }));
  const candidates = first.case.type === 'lost-item' ? candidatesSection(reference, match) : undefined;
  let candidatesFor = -1;

  function show(next: CaseView) {
    // A read that set out before the last action may come back after it: the newer version stands.
    if (next.case.version < record.case.version) return;
    record = next;
    const c = next.case;
    element.dataset['status'] = c.status;
    element.dataset['version'] = String(c.version);
    head.replaceChildren(
      el('h3', { 'data-testid': 'case-view-reference' }, label('caseTitle', { reference: c.reference })),
      el(
        'p',
        { class: 'badges' },
        labelled('strong', 'caseStatus', c.status, { class: 'status', 'data-testid': 'case-status' }),
        labelled('span', 'caseType', c.type, { class: 'badge' }),
        labelled('span', 'priority', c.priority, { class: `badge priority-${c.priority}` }),
      ),
      callBack,
    );
    callBack.hidden = !ctx.callBack || ctx.staff.role === 'trainer' || !c.contactNumber || !OPEN_STATUSES.includes(c.status);
    // The status decides which actions there are; an open form stays while it still applies.
    const key = `${c.status}/${c.extended}`;
    if (!actions?.busy || key !== actionsFor) {
      actions = actionsBar(c, { ...ctx, send });
      actionsFor = key;
      actionsSlot.replaceChildren(actions.element);
    }
    body.replaceChildren(
      el('div', { class: 'case-columns' }, fields(next, ctx.desk), el('div', {}, clocks(next.clocks), calls(next))),
      candidates?.element ?? '',
      tr.label(el('h4'), 'timeline'),
      timelineList(next, ctx.desk),
    );
    if (candidates) {
      candidates.allow(ctx.staff.role !== 'trainer' && c.status !== 'closed');
      // A new version may have a new train or date, or a match: the candidates are read again.
      if (c.version !== candidatesFor) {
        candidatesFor = c.version;
        void candidates.load();
      }
    }
  }

  async function reload() {
    show(await readCase(reference));
  }

  show(first);
  return {
    element,
    reference,
    /** Read the case again (the socket said it changed); a failure is shown, not swallowed. */
    refresh: () =>
      reload().catch((err: unknown) => {
        error.textContent = message(err);
      }),
  };
}

function fields(record: CaseView, desk: CaseDesk | undefined): HTMLElement {
  const c = record.case;
  const rows: Array<[AgentKey, string, Node | string]> = [
    ['channel', 'channel', labelled('span', 'channel', c.channel)],
    ['passengerName', 'passengerName', c.passengerName],
    ['contactNumber', 'contactNumber', c.contactNumber],
    ['language', 'language', tr.label(el('span'), known(`lang.${c.language}`))],
    ['trainNumber', 'trainNumber', c.trainNumber],
    ['travelDate', 'travelDate', c.travelDate ?? ''],
    ['car', 'car', c.car],
    ['seat', 'seat', c.seat],
    ['category', 'category', c.category ? labelled('span', 'category', c.category) : ''],
    ['itemKind', 'itemKind', c.details.itemKind ?? ''],
    ['itemDescription', 'itemDescription', c.details.itemDescription ?? ''],
    ['tagNumber', 'tagNumber', c.details.tagNumber ?? ''],
    ['claimedAmount', 'claimedAmount', c.details.claimedAmount?.toString() ?? ''],
    ['approvedAmount', 'approvedAmount', c.details.approvedAmount?.toString() ?? ''],
    ['description', 'description', c.description],
    ['owner', 'owner', ownerOf(c, record.people, desk)],
    ['supervisor', 'supervisor', person(record.people, c.supervisorId)],
    ['openedAt', 'createdAt', when(c.createdAt)],
    ['waitingOn', 'waitingOn', c.waitingOn ? labelled('span', 'waitingOn', c.waitingOn) : ''],
    ['extended', 'extended', c.extended ? label('yes') : ''],
  ];
  const list = el('dl', { class: 'case-fields', 'data-testid': 'case-fields' });
  for (const [key, name, value] of rows) {
    if (value === '') continue; // what the case does not say is left out rather than shown empty
    list.append(el('div', { class: 'row' }, tr.label(el('dt'), key), el('dd', { 'data-field': name }, value)));
  }
  if (c.resolution) list.append(el('div', { class: 'row' }, tr.label(el('dt'), 'resolution'), el('dd', { 'data-field': 'resolution' }, ...resolution(c.resolution))));
  if (c.ownerDepartment) list.querySelector('[data-field="owner"]')?.setAttribute('data-department', c.ownerDepartment);
  return list;
}

function clocks(list: ClockView[]): HTMLElement {
  const items = [...list].sort((a, b) => CLOCK_KINDS.indexOf(a.kind) - CLOCK_KINDS.indexOf(b.kind)).map((k) => {
    // Overdue as the hotline's clock has it, not this computer's.
    const state = k.metAt ? 'met' : k.paused ? 'paused' : k.overdue ? 'overdue' : 'running';
    return el(
      'li',
      { 'data-clock': k.kind, 'data-state': state, 'data-stage': k.stage },
      labelled('strong', 'clock', k.kind),
      ` (${k.span}) `,
      k.metAt ? label('clockMet', { at: when(k.metAt) }) : label('clockDue', { at: when(k.dueAt) }),
      k.paused ? el('span', {}, ' · ', label('pausedClock')) : '',
      state === 'overdue' ? el('span', {}, ' ', tr.label(el('strong', { class: 'overdue-mark' }), 'overdue')) : '',
      k.stage > 0 && !k.metAt ? el('span', { class: 'case-stage' }, ' · ', tr.label(el('span'), known(`stage.${k.stage}`))) : '',
    );
  });
  return el('div', { class: 'case-clocks' }, tr.label(el('h4'), 'clocks'), items.length ? el('ul', { 'data-testid': 'case-clocks' }, ...items) : tr.label(el('p', { class: 'muted' }), 'noClocks'));
}

function calls(record: CaseView): HTMLElement {
  const items = record.calls.map((call) =>
    el('li', { 'data-call-sid': call.callSid, 'data-link': call.link }, el('code', {}, call.callSid), ' · ', tr.label(el('span'), known(`link.${call.link}`)), ' · ', el('time', { datetime: call.at }, when(call.at))),
  );
  return el('div', { class: 'case-calls' }, tr.label(el('h4'), 'linkedCalls'), items.length ? el('ul', { 'data-testid': 'case-calls' }, ...items) : tr.label(el('p', { class: 'muted' }), 'noCalls'));
}
