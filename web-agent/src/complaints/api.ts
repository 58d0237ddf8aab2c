/**
 * The public API the page speaks to (/api/public): no token, JSON in and out. A refusal keeps what the page
 * needs to say it in the passenger's language: the status, the field at fault and how long to wait.
 */

export const ONLINE_TYPES = ['complaint', 'lost-item', 'luggage-claim'] as const;
export type OnlineType = (typeof ONLINE_TYPES)[number];

/** The categories each type takes (from the hotline's cases.yaml). */
export type CaseTypes = Record<OnlineType, { categories: string[] }>;

export type Filing = {
  type: OnlineType;
  passengerName: string;
  contactNumber: string;
  language: string;
  trainNumber?: string;
  travelDate?: string;
  car?: string;
  seat?: string;
  category?: string;
  details?: { itemKind?: string; itemDescription?: string; tagNumber?: string; claimedAmount?: number };
  description: string;
};
export type Filed = { reference: string; type: OnlineType; dueAt: string | null; acknowledgeBy: string | null };
export type CaseStatus = { reference: string; type: string; status: string; dueAt: string | null; answer: string | null };

export class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }
}

export const caseTypes = () => request<CaseTypes>('GET', '/api/public/case-types');
export const fileCase = (filing: Filing) => request<Filed>('POST', '/api/public/cases', filing);
export const caseStatus = (reference: string, phone: string) => request<CaseStatus>('POST', '/api/public/cases/status', { reference, phone });

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await res.json().catch(() => ({}))) as { error?: string; field?: string };
  if (!res.ok) {
    const wait = Number(res.headers.get('retry-after'));
    throw new Refused(res.status, answer.error ?? `${res.status} ${res.statusText}`, answer.field, Number.isFinite(wait) && wait > 0 ? wait : undefined);
  }
  return answer as T;
}
