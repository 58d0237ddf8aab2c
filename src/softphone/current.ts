import { and, desc, eq, inArray } from 'drizzle-orm';
import { offers } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { presenceOf } from '../acd/presence.ts';
import { heldSeconds } from '../acd/conversation.ts';
import { screenPop, worded, type WordedScreenPop } from '../acd/screen-pop.ts';
import { notesOf, type Notes } from '../notes/notes.ts';
import { callbackPop } from '../callbacks/offers.ts';
import { recordingState, type RecordingState } from '../recordings/recordings.ts';

export type CurrentCall = {
  /** As the `offer` event brings it (the IVR path in words too). */
  screenPop: WordedScreenPop;
  offerStatus: 'ringing' | 'dialling' | 'connected' | 'completed';
  answeredAt: string | null;
  notes: Notes | null;
  /** The conversation is in a conference room, so the caller can be held (src/acd/conversation.ts). */
  canHold: boolean;
  onHold: boolean;
  holdSeconds: number;
  /** The conversation is being recorded (`on`), the recording is paused, or there is none (src/recordings). */
  recording: RecordingState;
};

/**
 * The call the agent's softphone shows: their live offer (ringing, a callback being dialled, or connected) or, while they wrap up,
 * the call that just ended. A page reloaded mid-call or mid-wrap-up picks up where it was from this.
 */
export async function currentCall(h: Hotline, staffId: number): Promise<CurrentCall | null> {
  const db = h.database.db;
  let [offer] = await db
    .select()
    .from(offers)
    .where(and(eq(offers.staffId, staffId), inArray(offers.status, ['ringing', 'dialling', 'connected'])))
    .limit(1);
  if (!offer && (await presenceOf(h, staffId))?.presence === 'wrap-up') {
    [offer] = await db
      .select()
      .from(offers)
      .where(and(eq(offers.staffId, staffId), eq(offers.status, 'completed')))
      .orderBy(desc(offers.endedAt), desc(offers.id))
      .limit(1);
  }
  if (!offer) return null;
  // A callback shows its case; the call placed to the passenger, once there is one, carries the notes.
  const pop =
    offer.caseId !== null
      ? await callbackPop(h, db, offer.caseId, offer.id).then((p) => p && { ...p, callSid: offer.callSid ?? '' })
      : await screenPop(db, offer.callSid!, offer.id, h.now());
  if (!pop) return null;
  return {
    screenPop: worded(h.flows, pop),
    offerStatus: offer.status as CurrentCall['offerStatus'],
    answeredAt: offer.answeredAt?.toISOString() ?? null,
    notes: offer.callSid === null ? null : await notesOf(h, offer.callSid, staffId),
    canHold: offer.status === 'connected' && offer.conferenceSid !== null,
    onHold: offer.holdStartedAt !== null,
    holdSeconds: heldSeconds(offer, h.now()),
    recording: await recordingState(h, offer),
  };
}
