import type { CallEvent } from '../../src/telephony/carrier/simulator/call.ts';

/**
 * Callers on a hotline in another process, through its carrier simulator's HTTP control routes
 * (`/simulator/calls`, see src/telephony/carrier/simulator/routes.ts). Every request gives up after
 * REQUEST_MS, so a hung or killed hotline fails the spec instead of holding it.
 */

export type PlacedCall = { sid: string; from: string; to: string; ended: boolean; eventCount: number };
export type NewCall = { from?: string; to?: string; presses?: Array<string | { speech: string }> };

const REQUEST_MS = 40_000;

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_MS) });
  const body = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status}: ${body.slice(0, 500)}`);
  return JSON.parse(body) as T;
}

const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A caller dials the hotline at `url`; `presses` answer its first menus in turn. */
export function placeCall(url: string, body: NewCall = {}): Promise<PlacedCall> {
  return json(`${url}/simulator/calls`, post(body));
}

/** The call's events after the `after`-th, waiting up to `wait` seconds (at most 30) for the first of them. */
export function callEvents(url: string, sid: string, after = 0, wait = 0): Promise<{ events: CallEvent[]; ended: boolean }> {
  return json(`${url}/simulator/calls/${sid}/events?after=${after}&wait=${wait}`);
}

/** The first event of `type` after the `after`-th, waiting up to `ms` for it; fails if the call ends without one. */
export async function nextCallEvent<T extends CallEvent['type']>(url: string, sid: string, type: T, options: { after?: number; ms?: number } = {}): Promise<Extract<CallEvent, { type: T }>> {
  const deadline = Date.now() + (options.ms ?? 10_000);
  let seen = options.after ?? 0;
  const kinds: string[] = [];
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no '${type}' event on ${sid} in ${options.ms ?? 10_000} ms; saw: ${kinds.join(', ')}`);
    const { events, ended } = await callEvents(url, sid, seen, Math.min(30, Math.ceil(left / 1000)));
    const found = events.find((event) => event.type === type);
    if (found) return found as Extract<CallEvent, { type: T }>;
    kinds.push(...events.map((event) => event.type));
    seen += events.length;
    if (ended && events.length === 0) throw new Error(`the call ${sid} ended without a '${type}' event; saw: ${kinds.join(', ')}`);
  }
}

/** The caller presses keys. */
export async function pressKeys(url: string, sid: string, digits: string): Promise<void> {
  await json(`${url}/simulator/calls/${sid}/digits`, post({ digits }));
}

/** The caller hangs up. */
export async function callerHangsUp(url: string, sid: string): Promise<void> {
  await json(`${url}/simulator/calls/${sid}/hangup`, post({}));
}

/** A call as `GET /simulator/calls` lists it: a caller's (`inbound`) or one the hotline placed (`outbound-api`). */
export type ListedCall = PlacedCall & { direction: 'inbound' | 'outbound-api' };

/** How the passenger at `number` takes the next call the hotline places to it (see PassengerScript). */
export type NewPassenger = {
  number: string;
  answer?: 'human' | 'machine' | 'busy' | 'no-answer' | 'failed';
  afterSeconds?: number;
  hangUpAfterSeconds?: number;
  presses?: Array<string | { speech: string }>;
};

/** Script the passenger at `number` for the next call the hotline places to it. */
export async function scriptPassenger(url: string, body: NewPassenger): Promise<void> {
  await json(`${url}/simulator/passengers`, post(body));
}

/**
 * The calls the hotline placed to `number`, in order; with `wait` (seconds, at most 30), once there are more
 * than `after` of them or the wait is over (a long-poll).
 */
export async function callsPlacedTo(url: string, number: string, after = 0, wait = 0): Promise<ListedCall[]> {
  const query = new URLSearchParams({ to: number, direction: 'outbound-api', after: String(after), wait: String(wait) });
  return (await json<{ calls: ListedCall[] }>(`${url}/simulator/calls?${query}`)).calls;
}
