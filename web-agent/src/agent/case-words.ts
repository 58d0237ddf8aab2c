import { el } from '../shared/dom.ts';
import { hotlineTime } from '../shared/time.ts';
import { hotlineZone, type CaseDesk, type CaseView, type OpenCase, type Person } from './cases-api.ts';
import { known, tr, type AgentKey } from './i18n.ts';

/** How the case pages word things: times in the agent's language, labels for the server's codes, people. */

/**
 * A moment on the hotline's wall clock (its zone from GET /api/case-desk, as the dashboard shows it), in the
 * page's language ("25/11/2026, 15:00", "2026/11/25 15:00"); on this computer's clock only while the hotline's
 * zone cannot be read.
 */
export const when = (iso: string): string => hotlineTime(iso, tr.language, hotlineZone(), 'date');

/** An element whose text is the label of a server code (`caseStatus.new` …), relabelled with the language. */
export const labelled = (tag: 'span' | 'strong', prefix: string, code: string, attributes: Record<string, string> = {}) =>
  tr.label(el(tag, attributes), known(`${prefix}.${code}`));

export const label = (key: AgentKey, vars?: Record<string, string | number>) => tr.label(el('span'), key, vars);

/** "Agent 1001 #1001", or the id when the record does not name them. */
export function person(people: CaseView['people'], id: number | null | undefined): string {
  if (id === null || id === undefined) return '—';
  const p: Person | undefined = people[id];
  return p ? `${p.name} #${p.employeeNo}` : `#${id}`;
}

/** A department by its configured name (the server's text, shown as text). */
export const departmentName = (desk: CaseDesk | undefined, key: string) => desk?.departments[key] ?? key;

/** Who owns a case: a person, or a department. */
export function ownerOf(c: Pick<OpenCase, 'ownerStaffId' | 'ownerDepartment'>, people: CaseView['people'], desk: CaseDesk | undefined): string {
  return c.ownerDepartment ? departmentName(desk, c.ownerDepartment) : person(people, c.ownerStaffId);
}

/** The due time of a case in a list: "due …", paused, or none; marked when overdue. */
export function dueLabel(c: Pick<OpenCase, 'dueAt' | 'paused' | 'overdue'>): HTMLElement {
  const due = el('span', { class: 'due', 'data-testid': 'case-due', 'data-due': c.dueAt ?? '', 'data-overdue': String(c.overdue) });
  if (c.dueAt) due.append(label('due', { at: when(c.dueAt) }));
  else due.append(label('noDue'));
  if (c.paused) due.append(' · ', label('pausedClock'));
  if (c.overdue) due.append(' ', tr.label(el('strong', { class: 'overdue-mark' }), 'overdue'));
  return due;
}
