/**
 * The case desk's REST API as the dashboard reads and works it. The shapes are the server's own types, imported
 * for the type-checker only (esbuild drops them), with dates as JSON carries them: strings.
 */
import type { AcdEvents } from '../../../src/acd/bus.ts';
import type { CaseRecord } from '../../../src/cases/cases.ts';
import type { Action } from '../../../src/cases/input.ts';
import type { board, BoardFilter, CaseSummary, OpenCase, People } from '../../../src/cases/lists.ts';
import type { CaseAlert } from '../../../src/cases/sweep.ts';
import { api, ApiError, currentSession, logOut } from '../shared/session.ts';

export type { Action, CaseAlert, CaseSummary, OpenCase, People };

/** A value as it arrives in JSON: every Date a string. */
type Json<T> = T extends Date ? string : T extends Array<infer U> ? Array<Json<U>> : T extends object ? { [K in keyof T]: Json<T[K]> } : T;

export type CaseDetail = Json<CaseRecord>;
export type CaseEvent = CaseDetail['timeline'][number];
export type Person = People[number];
/** One page of the board, with names for the owners and supervisors on it. */
export type Board = Awaited<ReturnType<typeof board>>;
/** The `case-changed` event's payload on /managers. */
export type CaseChanged = AcdEvents['case-changed'][0];

/** GET /api/case-desk: the configured types, departments (key → name), choices and the hotline's time zone. */
export type CaseDesk = {
  types: Record<string, { categories: string[]; owner: string; approvalAbove: number | null; extendable: boolean }>;
  departments: Record<string, string>;
  reasons: string[];
  actions: Action[];
  timeZone: string;
};

export type Filter = BoardFilter;

export const caseDesk = () => api<CaseDesk>('/api/case-desk');
/** Everyone a case may be given to (supervisors and managers may ask). */
export const caseStaff = async () => (await api<{ staff: Person[] }>('/api/case-desk/staff')).staff;
export const caseSummary = () => api<CaseSummary>('/api/cases/summary');
export const caseDetail = (reference: string) => api<CaseDetail>(`/api/cases/${encodeURIComponent(reference)}`);

export function caseBoard(filter: Filter): Promise<Board> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (value !== undefined && value !== '') query.set(name, String(value));
  return api<Board>(`/api/cases?${query}`);
}

/** A refusal from the case API: its message, and the input it is about (to mark that field). */
export class CaseApiError extends ApiError {
  constructor(
    status: number,
    message: string,
    readonly field: string | undefined,
  ) {
    super(status, message);
  }
}

/**
 * POST /api/cases/:reference/<action>, its body as the page has it (the server checks it against `actionInputs`
 * and names the field at fault). Sent as from the board (`X-Sanling-Source`, for the timeline), which the shared
 * `api()` cannot say, so this one request is made here; a 401 ends the session as `api()` does.
 */
export async function act(reference: string, action: Action, body: { version: number } & Record<string, unknown>): Promise<CaseDetail> {
  const token = currentSession()?.token;
  const res = await fetch(`/api/cases/${encodeURIComponent(reference)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sanling-source': 'board', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => ({}))) as { error?: string; field?: string };
  if (res.ok) return answer as CaseDetail;
  if (res.status === 401) await logOut();
  throw new CaseApiError(res.status, answer.error ?? `${res.status} ${res.statusText}`, answer.field);
}
