/** What the server tells the page (GET /api/softphone, the `/agents` events): the page's copy of the contract. */

export type ScreenPop = {
  callSid: string;
  offerId: number;
  from: string;
  language: string;
  queue: string;
  path: string[];
  answers: Record<string, string>;
  waitedSeconds: number;
  previousCalls: Array<{ callSid: string; at: string; queue: string | null; endReason: string | null; notes?: Array<Partial<Notes>> | Partial<Notes> | null }>;
  openCallbacks?: Array<{ id: number; dueAt: string; queue?: string | null; number?: string }>;
};

export const TOPICS = ['tickets', 'refund', 'change', 'luggage', 'lost-item', 'complaint', 'station-services', 'other'] as const;
export const DISPOSITIONS = ['resolved', 'callback-promised', 'forwarded', 'complaint-filed'] as const;

export type NotesInput = {
  version: number;
  passengerName: string;
  contactNumber: string;
  trainNumber: string;
  seatNumber: string;
  topic: (typeof TOPICS)[number] | null;
  text: string;
  disposition: (typeof DISPOSITIONS)[number] | null;
  callbackDueAt: string | null;
};

export type Notes = NotesInput & { callSid: string; staffId: number; employeeNo: string; updatedAt: string; callbackId: number | null };

export type Softphone = {
  carrier: 'simulator' | 'twilio';
  identity: string;
  ringCycleSeconds: number;
  offerRingLimit: number;
  standardRings: number;
  current: null | { screenPop: ScreenPop; offerStatus: 'ringing' | 'connected' | 'completed'; answeredAt: string | null; notes: Notes | null };
};

export type SaveAck = { ok: true; version: number; savedAt: string } | { ok: false; error: string; field?: string };

/**
 * A moment the server named, on this computer's clock. The server's clock may disagree with the browser's
 * (or be a test's clock); a moment that is in the future or older than `plausibleMs` is not trusted.
 */
export function localMoment(iso: string | null | undefined, plausibleMs: number): number | undefined {
  const at = iso ? Date.parse(iso) : NaN;
  const now = Date.now();
  if (!Number.isFinite(at) || at > now + 2_000 || now - at > plausibleMs) return undefined;
  return at;
}
