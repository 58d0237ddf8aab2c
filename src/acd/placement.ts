import { sql } from 'drizzle-orm';
import { rows } from '../database.ts';
import type { Hotline } from '../hotline.ts';

/** The softphone identity Twilio dials for an agent: stable per employee number. */
export function clientIdentity(employeeNo: string): string {
  return `agent_${employeeNo}`;
}

/** The conference a caller's conversations are held in: one name per call (a room ends with its conversation). */
export function roomFor(callSid: string): string {
  return `call-${callSid}`;
}

/** Where a caller whose leg asks for TwiML belongs now, whatever URL they were sent to. */
export type Placement =
  | { kind: 'room'; offerId: number; room: string; queue: string; language: string }
  | { kind: 'queue'; queue: string; language: string }
  | { kind: 'goodbye'; language: string };

/**
 * The ACD's answer to "what should this caller hear now": the room their live offer's agent is dialled
 * into, wait in their queue, or hear goodbye. Redirects race with routing (a caller may be re-offered between a
 * withdrawal and its redirect), so every redirect target asks this rather than trusting its URL.
 */
export async function placement(h: Hotline, callSid: string): Promise<Placement> {
  // One round trip: the call, and the offer ringing for it if there is one.
  const [call] = await rows<{ status: string; queue: string | null; language: string | null; offerId: number | null }>(h.database.db, sql`
    select status, queue, ivr ->> 'language' as language,
      (select id from offers where call_sid = calls.sid and status = 'ringing' order by id desc limit 1) as "offerId"
    from calls where sid = ${callSid}`);
  const language = call?.language ?? '';
  // Talked to an agent, asked for a callback, called back (never queued), or gone: nothing left but goodbye.
  if (!call || ['ended', 'closing', 'connected', 'callback', 'dialling'].includes(call.status)) return { kind: 'goodbye', language };
  const queue = call.queue ?? 'general';
  if (call.offerId !== null) return { kind: 'room', offerId: call.offerId, room: roomFor(callSid), queue, language };
  return { kind: 'queue', queue, language };
}
