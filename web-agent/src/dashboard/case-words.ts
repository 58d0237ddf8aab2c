import type { CaseDesk, CaseEvent, People } from './case-api.ts';
import { hotlineTime } from '../shared/time.ts';
import { NONE } from './format.ts';
import { tr, type Key } from './strings.ts';

/**
 * How the case pages say things: the words for types, statuses and stages in the chosen language, due times,
 * owners, and one line per timeline event. Everything the server wrote (notes, answers, names) goes into the
 * page as text, never as markup: callers append these strings as text nodes.
 */

/** A word from a family of keys ("caseType.complaint"); a value the table does not know shows as itself. */
export function word(family: string, value: string): string {
  const key = `${family}.${value}` as Key;
  const said = tr.t(key);
  return said === key ? value : said;
}

export const stageWord = (stage: number) => tr.t(`stage.${Math.min(3, Math.max(0, stage))}` as Key);

/** The hotline's zone (GET /api/case-desk): every page shows times on the hotline's wall clock. */
let zone: string | undefined;
export function useTimeZone(timeZone: string): void {
  zone = timeZone;
}

export function when(iso: string | null | undefined): string {
  return iso ? hotlineTime(iso, tr.language, zone, 'weekday') : NONE;
}

export const yuan = (amount: unknown) => (typeof amount === 'number' ? tr.t('yuan', { amount: amount.toFixed(2).replace(/\.00$/, '') }) : NONE);

/** A staff member by id: their employee number and name, as the server named them. */
export function personName(people: People, id: number | null | undefined): string {
  if (id === null || id === undefined) return tr.t('nobody');
  const p = people[id];
  return p ? `${p.employeeNo} ${p.name}` : tr.t('staffNo', { id });
}

export function departmentName(desk: CaseDesk | undefined, key: string): string {
  return desk?.departments[key] ?? key;
}

/** Who owns a case: its department, or the person. */
export function ownerName(desk: CaseDesk | undefined, people: People, c: { ownerStaffId: number | null; ownerDepartment: string | null }): string {
  return c.ownerDepartment ? departmentName(desk, c.ownerDepartment) : personName(people, c.ownerStaffId);
}

/** Who acted, as the timeline says it. */
export function actorName(people: People, e: CaseEvent): string {
  if (e.actorId !== null) return personName(people, e.actorId);
  return e.source === 'online' ? tr.t('thePassenger') : tr.t('theHotline');
}

const text = (v: unknown): string => (v === null || v === undefined || v === '' ? NONE : typeof v === 'object' ? JSON.stringify(v) : String(v));
const ofData = (data: Record<string, unknown>, name: string) => (typeof data[name] === 'string' ? (data[name] as string) : '');
const id = (v: unknown) => (typeof v === 'number' ? v : null);

/** What an event says beyond its name: the change, the note, the level, in the page's language. */
export function eventDetails(e: CaseEvent, desk: CaseDesk | undefined, people: People): string {
  const d = e.data;
  const note = ofData(d, 'note');
  const parts: string[] = [];
  switch (e.type) {
    case 'created':
      parts.push(word('channel', ofData(d, 'channel')));
      break;
    case 'changed':
      parts.push(`${ofData(d, 'field')}: ${text(d['from'])} → ${text(d['to'])}`);
      break;
    case 'status':
      parts.push(`${word('caseStatus', ofData(d, 'from'))} → ${word('caseStatus', ofData(d, 'to'))}`);
      break;
    case 'assigned': {
      type Ownership = { ownerStaffId?: unknown; ownerDepartment?: unknown; supervisorId?: unknown };
      const from = (d['from'] ?? {}) as Ownership;
      const to = (d['to'] ?? {}) as Ownership;
      const owner = (o: Ownership) => ownerName(desk, people, { ownerStaffId: id(o.ownerStaffId), ownerDepartment: typeof o.ownerDepartment === 'string' ? o.ownerDepartment : null });
      if (owner(from) !== owner(to)) parts.push(tr.t('ownerChange', { from: owner(from), to: owner(to) }));
      if (from.supervisorId !== to.supervisorId) parts.push(tr.t('supervisorChange', { from: personName(people, id(from.supervisorId)), to: personName(people, id(to.supervisorId)) }));
      break;
    }
    case 'note':
      parts.push(ofData(d, 'text'));
      break;
    case 'joined':
    case 'contacted':
      if (d['callSid']) parts.push(text(d['callSid']));
      break;
    case 'paused':
    case 'resumed':
      if (d['waitingOn']) parts.push(word('waitingOn', ofData(d, 'waitingOn')));
      break;
    case 'reminded':
    case 'escalated':
      parts.push(`${word('level', ofData(d, 'level'))} (${word('clock', ofData(d, 'clock'))}, ${when(ofData(d, 'dueAt'))})`);
      break;
    case 'resolved': {
      parts.push(`${word('reason', ofData(d, 'reason'))}: ${ofData(d, 'answer')}`);
      const decision = d['decision'] as { approved?: boolean; amount?: number; refusal?: string } | undefined;
      if (decision?.approved === true) parts.push(tr.t('decidedApproved', { amount: yuan(decision.amount) }));
      if (decision?.approved === false) parts.push(tr.t('decidedRefused', { refusal: text(decision.refusal) }));
      break;
    }
    case 'reopened':
      parts.push(ofData(d, 'reason'));
      break;
    case 'approved':
      parts.push(yuan(d['amount']));
      break;
    case 'extended':
      parts.push(tr.t('newDue', { due: when(ofData(d, 'dueAt')), span: ofData(d, 'span') }));
      break;
    case 'clock-met':
      parts.push(word('clock', ofData(d, 'clock')));
      break;
    case 'matched':
      parts.push(`${ofData(d, 'kind')}: ${ofData(d, 'description')}`, tr.t('keptAt', { place: ofData(d, 'keptAt'), train: ofData(d, 'trainNumber'), day: ofData(d, 'foundOn') }));
      break;
  }
  if (note) parts.push(note);
  return parts.filter(Boolean).join(' · ');
}
