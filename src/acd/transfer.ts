import { and, eq } from 'drizzle-orm';
import { calls, offers } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents } from '../calls/events.ts';
import { CallGone } from '../telephony/carrier/carrier.ts';
import { Refused } from './conversation.ts';
import { conversationEnded } from './offers.ts';

/**
 * Passing a caller on (blind) to another queue: the carrier takes the caller out of the conversation's room
 * to the hotline's transfer URL first, and only what the carrier did is recorded (at `/twilio/transfer`), so
 * a carrier that fails leaves the caller with the agent, and one that succeeds always finds them a queue.
 */

/** The agent asks to pass their caller to `queue`. `transferUrl` is where the carrier takes the caller. */
export async function transferToQueue(h: Hotline, staffId: number, queue: string, transferUrl: (offerId: number, queue: string) => string): Promise<{ offerId: number }> {
  if (!h.queues.has(queue)) throw new Refused(`queue must be one of: ${[...h.queues.keys()].join(', ')}`, 400, 'queue');
  const [offer] = await h.database.db
    .select({ id: offers.id, callSid: offers.callSid, conferenceSid: offers.conferenceSid })
    .from(offers)
    .where(and(eq(offers.staffId, staffId), eq(offers.status, 'connected')));
  if (!offer?.callSid) throw new Refused('you have no call in progress', 404);
  if (!offer.conferenceSid) throw new Refused('this call cannot be transferred: it is not in a conference', 409);
  try {
    await h.carrier.redirect(offer.callSid, transferUrl(offer.id, queue));
  } catch (err) {
    if (err instanceof CallGone) throw new Refused('the caller has left the call', 409);
    h.log.warn({ offerId: offer.id, err: (err as Error).message }, 'the carrier could not transfer the caller');
    throw new Refused('the carrier could not move the caller; they are still with you', 502);
  }
  return { offerId: offer.id };
}

/**
 * The carrier brought the caller out of the room for `queue`: the agent's conversation is over (transferred),
 * and the caller waits in `queue` with their first answer, priority and place in line (`queued_at`) kept,
 * so they are offered before those who came after them (by the sweep's routing, once the notice is said).
 * Told twice, it acts once.
 */
export async function transferred(h: Hotline, offerId: number, queue: string): Promise<void> {
  const at = h.now();
  // The room may have ended, and the agent's leg said so, before the carrier asked here.
  await conversationEnded(h, offerId, at, 'transferred');
  const moved = await h.database.db.transaction(async (tx) => {
    const [offer] = await tx
      .update(offers)
      .set({ endReason: 'transferred' })
      .where(and(eq(offers.id, offerId), eq(offers.status, 'completed')))
      .returning({ callSid: offers.callSid, staffId: offers.staffId, queue: offers.queue });
    if (!offer?.callSid) return false;
    // Offered again only once they have heard that they are being transferred: an offer's redirect would cut it short.
    const [call] = await tx
      .update(calls)
      .set({ status: 'queued', queue, routeAfter: new Date(at.getTime() + TRANSFER_NOTICE_SECONDS * 1000) })
      .where(and(eq(calls.sid, offer.callSid), eq(calls.status, 'closing')))
      .returning({ sid: calls.sid });
    if (!call) return false;
    await appendEvents(tx, call.sid, [{ type: 'call.transferred', data: { offerId, staffId: offer.staffId, from: offer.queue, to: queue } }], at);
    return true;
  });
  if (moved) h.bus.emit('changed');
}

/** Seconds a transferred caller is left to hear that they are being transferred before the next offer. */
export const TRANSFER_NOTICE_SECONDS = 4;
