import { el } from '../shared/dom.ts';
import { departmentName, label, labelled, person, when } from './case-words.ts';
import type { CaseDesk, CaseView, TimelineEvent } from './cases-api.ts';
import { known, tr, type AgentKey } from './i18n.ts';

/**
 * A case's timeline as the agent reads it: every event, oldest first, with what happened, who did it, when and
 * from where, and what it carried (a field's old → new value, the note, the answer). All of it is the
 * server's data, so all of it goes in as text.
 */
export function timelineList(record: CaseView, desk: CaseDesk | undefined): HTMLElement {
  return el('ol', { class: 'timeline', 'data-testid': 'case-timeline' }, ...record.timeline.map((e) => eventItem(e, record, desk)));
}

function eventItem(e: TimelineEvent, record: CaseView, desk: CaseDesk | undefined): HTMLElement {
  const who = e.actorId !== null ? person(record.people, e.actorId) : tr.t(e.source === 'online' ? 'byPassenger' : 'byHotline');
  return el(
    'li',
    { 'data-testid': 'timeline-event', 'data-type': e.type, 'data-source': e.source },
    el(
      'div',
      { class: 'event-head' },
      tr.label(el('strong', { class: 'event-type' }), known(`event.${e.type}`)),
      ' · ',
      el('span', { class: 'event-who' }, who),
      ' · ',
      el('time', { datetime: e.at }, when(e.at)),
      ' · ',
      labelled('span', 'source', e.source, { class: 'event-source' }),
    ),
    el('div', { class: 'event-data' }, ...details(e, record, desk)),
  );
}

const text = (value: unknown): string => {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** A labelled value: "Reason: Answered". */
const pair = (key: AgentKey, value: Node | string) => el('span', { class: 'pair' }, label(key), ': ', value);
const line = (...parts: Array<Node | string>) => el('div', {}, ...parts);
const noteOf = (data: Record<string, unknown>) => (typeof data['note'] === 'string' && data['note'] ? [line(el('q', { class: 'note-text' }, data['note']))] : []);

type Owner = { ownerStaffId?: number | null; ownerDepartment?: string | null };

function details(e: TimelineEvent, record: CaseView, desk: CaseDesk | undefined): Node[] {
  const d = e.data;
  const owner = (o: Owner | undefined) => (o?.ownerDepartment ? departmentName(desk, o.ownerDepartment) : person(record.people, o?.ownerStaffId));
  switch (e.type) {
    case 'created':
      return [line(labelled('span', 'caseType', text(d['type'])), ' · ', labelled('span', 'channel', text(d['channel'])), d['category'] ? ' · ' : '', d['category'] ? labelled('span', 'category', text(d['category'])) : '')];
    case 'status':
      return [line(labelled('span', 'caseStatus', text(d['from'])), ' → ', labelled('span', 'caseStatus', text(d['to'])))];
    case 'changed':
      return [line(tr.label(el('span', { class: 'field-name' }), known(String(d['field']))), ': ', el('del', {}, text(d['from'])), ' → ', el('ins', {}, text(d['to'])))];
    case 'note':
      return [line(el('q', { class: 'note-text' }, text(d['text'])))];
    case 'paused':
    case 'resumed':
      return [...(d['waitingOn'] ? [line(pair('waitingOn', labelled('span', 'waitingOn', text(d['waitingOn']))))] : []), ...noteOf(d)];
    case 'joined':
    case 'contacted':
      return [...(d['callSid'] ? [line(el('code', {}, text(d['callSid'])))] : []), ...noteOf(d)];
    case 'assigned': {
      const from = d['from'] as Owner | undefined;
      const to = d['to'] as Owner | undefined;
      return [line(pair('owner', `${owner(from)} → ${owner(to)}`)), ...noteOf(d)];
    }
    case 'resolved':
      return resolution(d);
    case 'approved':
      return [line(pair('approvedAmount', text(d['amount']))), ...(d['claimed'] !== null && d['claimed'] !== undefined ? [line(pair('claimedAmount', text(d['claimed'])))] : []), ...noteOf(d)];
    case 'extended':
      return [line(label('clockDue', { at: typeof d['dueAt'] === 'string' ? when(d['dueAt']) : '—' }), ` (${text(d['span'])})`), ...noteOf(d)];
    case 'reopened':
      return [line(el('q', { class: 'note-text' }, text(d['reason'])))];
    case 'clock-met':
      return [line(labelled('span', 'clock', text(d['clock'])))];
    case 'matched':
      return matched(d);
    case 'reminded':
    case 'escalated':
      return [line(labelled('span', 'clock', text(d['clock'])), ' · ', labelled('span', 'level', text(d['level'])), ' · ', label('clockDue', { at: typeof d['dueAt'] === 'string' ? when(d['dueAt']) : '—' }))];
    default:
      // An event this page does not know yet still shows everything it carries.
      return Object.entries(d).map(([key, value]) => line(el('span', { class: 'field-name' }, key), ': ', text(value)));
  }
}

/** A found item matched to the case: what it is, where and when it was found, and where it is kept. */
function matched(d: Record<string, unknown>): Node[] {
  const found = [pair('trainNumber', text(d['trainNumber'])), pair('foundOn', text(d['foundOn'])), ...(d['car'] ? [pair('car', text(d['car']))] : []), ...(d['seat'] ? [pair('seat', text(d['seat']))] : [])];
  return [
    line(label('foundItemNo', { id: text(d['foundItemId']) }), ': ', el('strong', { 'data-field': 'kind' }, text(d['kind'])), ' — ', el('span', { 'data-field': 'description' }, text(d['description']))),
    line(...found.flatMap((p, i) => (i ? [' · ', p] : [p]))),
    line(pair('keptAt', el('strong', { 'data-field': 'keptAt' }, text(d['keptAt'])))),
  ];
}

/** The reason, the answer given to the passenger and, for a claim, the decision. */
export function resolution(d: Record<string, unknown>): Node[] {
  const decision = d['decision'] as { approved: boolean; amount?: number; refusal?: string } | undefined;
  return [
    line(pair('resolveReason', labelled('span', 'resolution', text(d['reason'])))),
    line(pair('resolveAnswer', el('q', { class: 'note-text' }, text(d['answer'])))),
    ...(decision
      ? [line(pair('decision', decision.approved ? label('decisionApprovedText', { amount: text(decision.amount) }) : label('decisionRefusedText', { refusal: text(decision.refusal) })))]
      : []),
  ];
}
