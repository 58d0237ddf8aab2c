/**
 * The case desk's REST API as the softphone uses it. Types are the server's, imported for the type-checker
 * only (esbuild drops them), with its Dates as the ISO strings JSON carries. Every request says it came from
 * the softphone (the timeline records where each action came from), and a refusal keeps the field it names.
 */
import type { AcdEvents } from '../../../src/acd/bus.ts';
import type { CaseRecord } from '../../../src/cases/cases.ts';
import type { Candidates, FoundItemInput, FoundItemQuery, FoundItemView } from '../../../src/cases/found-items.ts';
import type { CasePriority, CaseType, ClockKind } from '../../../src/cases/choices.ts';
import type { Action, ActionInput, NewCaseInput } from '../../../src/cases/input.ts';
import type { OpenCase } from '../../../src/cases/lists.ts';
import { currentSession } from '../shared/session.ts';
import type { CallBackStarted } from './callback.ts';

export type { CaseAlert } from '../../../src/cases/sweep.ts';
export type { Action, ActionInput, NewCaseInput, OpenCase };
export type { CaseChannel } from '../../../src/cases/choices.ts';
export { CASE_CHANNELS } from '../../../src/cases/choices.ts';
export type CaseChanged = AcdEvents['case-changed'][0];
export { CASE_TYPES, CLOCK_KINDS, RESOLUTION_REASONS, WAITING_ON } from '../../../src/cases/choices.ts';
export type { CaseStatus, CaseType, ClockKind } from '../../../src/cases/choices.ts';

/** A server value as it arrives over JSON. */
type Wire<T> = T extends Date ? string : T extends Array<infer U> ? Array<Wire<U>> : T extends object ? { [K in keyof T]: Wire<T[K]> } : T;

export type CaseView = Wire<CaseRecord>;
export type CaseRow = CaseView['case'];
export type TimelineEvent = CaseView['timeline'][number];
export type ClockView = CaseView['clocks'][number];
export type Person = CaseView['people'][number];
export type FoundItem = Wire<FoundItemView>;
export type CandidateList = Wire<Candidates>;
export type Candidate = CandidateList['candidates'][number];
export type { FoundItemInput, FoundItemQuery };

/** GET /api/case-desk: what the forms offer (categories per type, departments, reasons …). */
export type CaseDesk = {
  types: Record<CaseType, { categories: string[]; owner: string; approvalAbove: number | null; extendable: boolean }>;
  departments: Record<string, string>;
  /** The hotline's time zone: its "today" is the one dates are checked against. */
  timeZone: string;
  priorities: CasePriority[];
  languages: string[];
  reasons: string[];
  clocks: ClockKind[];
  actions: Action[];
};

/** The hotline refused a request: its message, and the input at fault when it names one. */
export class CaseApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

async function request<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const token = currentSession()?.token;
  const headers: Record<string, string> = { 'x-sanling-source': 'softphone' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const body = (await res.json().catch(() => ({}))) as { error?: string; field?: string };
  if (!res.ok) throw new CaseApiError(res.status, body.error ?? `${res.status} ${res.statusText}`, body.field);
  return body as T;
}

const path = (reference: string) => `/api/cases/${encodeURIComponent(reference)}`;

let desk: Promise<CaseDesk> | undefined;
let zone: string | undefined;
/** Read once per page: the policy changes only with a restart. */
export function caseDesk(): Promise<CaseDesk> {
  desk ??= request<CaseDesk>('/api/case-desk').then(
    (read) => {
      zone = read.timeZone;
      return read;
    },
    (err: unknown) => {
      desk = undefined; // asked again next time
      throw err;
    },
  );
  return desk;
}

/** The hotline's time zone once the case desk has been read (the desk reads it first thing), else undefined. */
export const hotlineZone = (): string | undefined => zone;

export const myCases = async () => (await request<{ cases: OpenCase[] }>('/api/cases/mine')).cases;
export const readCase = (reference: string) => request<CaseView>(path(reference));
export const fileCase = (input: NewCaseInput) => request<CaseView>('/api/cases', { method: 'POST', body: input });
export const actOn = <A extends Action>(reference: string, action: A, body: ActionInput<A>) =>
  request<CaseView>(`${path(reference)}/${action}`, { method: 'POST', body });

/**
 * "Call back" on a case: the hotline calls the case's passenger now, for this agent (202: the offer, already
 * accepted, with its screen-pop); refused (409, 400) with the reason in the hotline's words.
 */
export const callBackCase = (reference: string) => request<CallBackStarted>(`${path(reference)}/call-back`, { method: 'POST', body: {} });

/** The found-items register (newest find first) and recording a find. */
export async function foundItems(query: FoundItemQuery = {}): Promise<FoundItem[]> {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  const search = params.toString();
  return (await request<{ foundItems: FoundItem[] }>(`/api/found-items${search ? `?${search}` : ''}`)).foundItems;
}
export const recordFoundItem = (input: FoundItemInput) => request<FoundItem>('/api/found-items', { method: 'POST', body: input });
/** A lost-item case's candidate matches in the register, most alike first. */
export const candidatesOf = (reference: string) => request<CandidateList>(`${path(reference)}/candidates`);
/** The item is the case's: the case as it now is (its timeline with the `matched` event), and the item. */
export const matchItem = (reference: string, body: { foundItemId: number; version: number }) =>
  request<CaseView & { foundItem: FoundItem }>(`${path(reference)}/match`, { method: 'POST', body });

/** What to show for a failure: the hotline's own words when it refused. */
export const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
