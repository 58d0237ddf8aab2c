import { el } from '../shared/dom.ts';
import type { CaseDetail } from './case-api.ts';
import { caseActions, type CaseActions } from './case-actions.ts';
import type { DeskContext } from './case-context.ts';
import { actorName, eventDetails, ownerName, personName, stageWord, when, word, yuan } from './case-words.ts';
import { NONE } from './format.ts';
import { tr, type Key } from './strings.ts';

/**
 * One case as GET /api/cases/:reference tells it: its fields, its reply-commitment clocks, its timeline and
 * the calls that belong to it, with the actions beside them (none for trainers). The actions' forms are made
 * once per case, so a live refresh of the case does not wipe what a supervisor is typing.
 */
export type CaseDetailView = {
  root: HTMLElement;
  reference(): string | null;
  loading(reference: string): void;
  show(detail: CaseDetail): void;
  failed(message: string): void;
  redraw(): void;
  clear(): void;
};

export function caseDetailView(ctx: DeskContext, hooks: { closed(): void; acted(detail: CaseDetail): void; stale(): void }): CaseDetailView {
  const heading = el('h2');
  const close = tr.label(el('button', { type: 'button', class: 'quiet', 'data-close-case': '' }), 'closeDetail');
  const error = el('p', { class: 'result error', role: 'alert', 'data-testid': 'case-detail-error' });
  const fields = el('dl', { class: 'case-fields' });
  const clocks = el('tbody');
  const timeline = el('ol', { class: 'timeline', 'data-testid': 'case-timeline' });
  const calls = el('ul', { class: 'case-calls' });
  const side = el('div', { class: 'case-side' });
  const root = el(
    'section',
    { class: 'panel case-detail', 'data-testid': 'case-detail', hidden: true },
    el('header', {}, heading, close),
    error,
    el(
      'div',
      { class: 'case-columns' },
      el(
        'div',
        {},
        fields,
        tr.label(el('h3'), 'clocksHeading'),
        el('div', { class: 'table-scroll' }, el('table', { class: 'case-clocks' }, el('thead', {}, el('tr', {}, ...(['clockCol', 'spanCol', 'colDue', 'colStage', 'stateCol'] as Key[]).map((k) => tr.label(el('th', { scope: 'col' }), k)))), clocks)),
        tr.label(el('h3'), 'callsHeading'),
        calls,
      ),
      el('div', {}, side, tr.label(el('h3'), 'timelineHeading'), timeline),
    ),
  );
  close.addEventListener('click', () => {
    clear();
    hooks.closed();
  });

  let reference: string | null = null;
  let last: CaseDetail | undefined;
  let actions: CaseActions | undefined;

  const clear = () => {
    reference = null;
    last = undefined;
    actions = undefined;
    root.hidden = true;
    side.replaceChildren();
  };

  const entry = (key: Key, ...value: Array<string | Node>) => [tr.label(el('dt'), key), el('dd', { 'data-field': key }, ...value)];

  const draw = () => {
    if (!last) return;
    const { case: c, people } = last;
    const desk = ctx.desk();
    tr.label(heading, 'caseHeading', { reference: c.reference });
    const d = c.details;
    fields.replaceChildren(
      ...entry('figureType', `${word('caseType', c.type)} · ${word('priority', c.priority)}`),
      ...entry('filterStatus', word('caseStatus', c.status), c.waitingOn ? ` (${word('waitingOn', c.waitingOn)})` : ''),
      ...entry('colOwner', ownerName(desk, people, c)),
      ...entry('colSupervisor', personName(people, c.supervisorId)),
      ...entry('field.channel', word('channel', c.channel)),
      ...entry('field.opened', when(c.createdAt)),
      ...(c.passengerName ? entry('field.passenger', c.passengerName) : []),
      ...(c.contactNumber ? entry('field.contactNumber', c.contactNumber) : []),
      ...entry('field.language', word('language', c.language)),
      ...(c.trainNumber || c.travelDate ? entry('field.train', [c.trainNumber, c.travelDate].filter(Boolean).join(' · ')) : []),
      ...(c.car || c.seat ? entry('field.carSeat', `${c.car || NONE} / ${c.seat || NONE}`) : []),
      ...(c.category ? entry('field.category', c.category) : []),
      ...(d.itemKind ? entry('field.itemKind', d.itemKind) : []),
      ...(d.itemDescription ? entry('field.itemDescription', d.itemDescription) : []),
      ...(d.tagNumber ? entry('field.tagNumber', d.tagNumber) : []),
      ...(d.claimedAmount !== undefined ? entry('field.claimedAmount', yuan(d.claimedAmount)) : []),
      ...(d.approvedAmount !== undefined ? entry('field.approvedAmount', yuan(d.approvedAmount)) : []),
      ...(c.description ? entry('field.description', el('span', { class: 'free-text' }, c.description)) : []),
      ...(c.extended ? entry('field.extended', tr.t('yes')) : []),
      ...(c.resolution ? entry('field.resolution', `${word('reason', c.resolution.reason)}: `, el('span', { class: 'free-text' }, c.resolution.answer)) : []),
    );
    clocks.replaceChildren(
      ...last.clocks.map((k) =>
        el(
          'tr',
          { 'data-clock': k.kind, 'data-stage': k.stage, class: `stage-${k.stage}` },
          el('th', { scope: 'row' }, word('clock', k.kind)),
          el('td', {}, k.span),
          el('td', {}, when(k.dueAt)),
          el('td', {}, stageWord(k.stage)),
          el('td', {}, k.metAt ? tr.t('clockMet', { time: when(k.metAt) }) : k.paused ? tr.t('clockPaused') : tr.t('clockRunning')),
        ),
      ),
    );
    calls.replaceChildren(
      ...(last.calls.length
        ? last.calls.map((call) => el('li', { 'data-call': call.callSid }, `${when(call.at)} · ${word('callLink', call.link)} · `, el('code', {}, call.callSid)))
        : [tr.label(el('li', { class: 'empty' }), 'noCalls')]),
    );
    timeline.replaceChildren(
      ...last.timeline.map((e) => {
        const details = eventDetails(e, desk, people);
        return el(
          'li',
          { 'data-event': e.type, 'data-source': e.source },
          el('time', { datetime: e.at }, when(e.at)),
          ' ',
          el('strong', {}, word('event', e.type)),
          ...(details ? [' ', el('span', { class: 'free-text' }, details)] : []),
          ' ',
          el('span', { class: 'who' }, `${actorName(people, e)} · ${word('source', e.source)}`),
        );
      }),
    );
    actions?.show(last);
  };

  return {
    root,
    reference: () => reference,
    loading(next) {
      if (next !== reference) {
        reference = next;
        last = undefined;
        tr.label(heading, 'caseHeading', { reference: next });
        for (const part of [fields, clocks, timeline, calls]) part.replaceChildren();
        actions = ctx.readOnly ? undefined : caseActions(ctx, next, hooks.acted, hooks.stale);
        side.replaceChildren(...(actions ? [actions.root] : []));
      }
      error.textContent = '';
      root.hidden = false;
    },
    show(detail) {
      if (detail.case.reference !== reference) return;
      last = detail;
      error.textContent = '';
      draw();
    },
    failed(message) {
      error.textContent = message;
    },
    redraw() {
      draw();
      actions?.redraw();
    },
    clear,
  };
}
