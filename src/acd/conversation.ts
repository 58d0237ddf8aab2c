import { and, eq, inArray, isNull, ne, or } from 'drizzle-orm';
import { calls, offers, staff } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents } from '../calls/events.ts';
import { CallGone } from '../telephony/carrier/carrier.ts';
import { clientIdentity } from './placement.ts';
import { carrierFailed } from './route.ts';

/**
 * A conversation is held in a conference room named for the caller's call (src/acd/placement.ts `roomFor`):
 * the caller waits in it, the agent is dialled into it, and holding, transferring and listening in are
 * changes to its participants. This module is the ACD's side of the room; src/telephony/conference.ts hears
 * the carrier's news of it.
 */

/** Where the ACD tells the carrier to report on the agent's leg, and how long it may ring. */
export type AgentDial = { statusCallback: string; timeoutSeconds: number };

/**
 * The caller is in the room: dial their offer's agent into it, once per room however often the join is told.
 * The agent starts the conversation by joining and ends it by leaving; the leg is reported like a Dial's.
 *
 * Once per room, not per offer: two redirects of the caller may cross (a take-back of one offer and the
 * placement of the next, or a lease taken over), and each lands the caller in a new room under the same
 * name, with the offer the placement finds. A room the offer's leg was not dialled into would otherwise wait
 * for an agent nobody called; the leg left in the old room is cancelled with it, and its news is ignored
 * (src/acd/offers.ts `legProgress`).
 */
export async function callerJoined(h: Hotline, offerId: number, room: { name: string; sid: string }, dial: AgentDial): Promise<void> {
  const db = h.database.db;
  const [offer] = await db
    .update(offers)
    .set({ agentDialledAt: h.now(), conference: room.name, conferenceSid: room.sid })
    // Ringing for a caller, or a callback whose agent waits for the passenger (src/callbacks).
    .where(
      and(
        eq(offers.id, offerId),
        inArray(offers.status, ['ringing', 'dialling']),
        or(isNull(offers.agentDialledAt), isNull(offers.conferenceSid), ne(offers.conferenceSid, room.sid)),
      ),
    )
    .returning({ callSid: offers.callSid, staffId: offers.staffId });
  if (!offer?.callSid) return;
  const [who] = await db
    .select({ employeeNo: staff.employeeNo, from: calls.from })
    .from(staff)
    .innerJoin(calls, eq(calls.sid, offer.callSid))
    .where(eq(staff.id, offer.staffId));
  try {
    const { callSid: legSid } = await h.carrier.addParticipant(room.name, {
      // The softphone learns which offer rings from the custom parameter (web-agent/src/agent/twilio-phone.ts).
      to: `client:${clientIdentity(who!.employeeNo)}?offerId=${offerId}`,
      from: who!.from || h.config.twilio.callerId,
      label: AGENT_LABEL,
      statusCallback: dial.statusCallback,
      timeoutSeconds: dial.timeoutSeconds,
      startConferenceOnEnter: true,
      endConferenceOnExit: true,
    });
    const [still] = await db
      .update(offers)
      .set({ legSid })
      .where(and(eq(offers.id, offerId), eq(offers.conferenceSid, room.sid), inArray(offers.status, ['ringing', 'dialling', 'connected'])))
      .returning({ id: offers.id });
    // Withdrawn while the carrier took the request (the ring limit, the caller hung up), or the caller is in
    // another room by now: stop the ring.
    if (!still) await h.carrier.hangup(legSid).catch(() => undefined);
  } catch (err) {
    // Not the caller's fault: they are taken back to the head of the queue, to be offered again.
    h.log.warn({ offerId, err: (err as Error).message }, 'could not dial the agent into the room');
    await carrierFailed(h, offerId, offer.callSid, { takeBack: true });
  }
}

/** The agent's label in the room. */
export const AGENT_LABEL = 'agent';

/**
 * Why an agent's request on their conversation (hold, transfer) could not be carried out: bad input (400,
 * naming `field`), no conversation (404), one that cannot take it (409), or the carrier said no (502).
 */
export class Refused extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 502,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Put the agent's caller on hold (`on`) or take them off it. The room plays the queue's music (or silence)
 * to the caller meanwhile; the time on hold is counted on the offer, so handle time can include it.
 * Returns the seconds held so far.
 */
export async function holdCaller(h: Hotline, staffId: number, on: boolean, holdUrl: (queue: string) => string): Promise<{ onHold: boolean; holdSeconds: number }> {
  const db = h.database.db;
  const [offer] = await db
    .select()
    .from(offers)
    .where(and(eq(offers.staffId, staffId), eq(offers.status, 'connected')));
  if (!offer?.callSid) throw new Refused('you have no call in progress', 404);
  if (!offer.conferenceSid) throw new Refused('this call cannot be held: it is not in a conference', 409);
  const held = offer.holdStartedAt !== null;
  if (held === on) return { onHold: held, holdSeconds: heldSeconds(offer, h.now()) };
  try {
    await h.carrier.updateParticipant(offer.conferenceSid, offer.callSid, on ? { hold: true, holdUrl: holdUrl(offer.queue) } : { hold: false });
  } catch (err) {
    if (err instanceof CallGone) throw new Refused('the caller has left the call', 409);
    h.log.warn({ offerId: offer.id, err: (err as Error).message }, 'the carrier refused the hold');
    throw new Refused('the carrier could not change the hold; try again', 502);
  }
  const now = h.now();
  const holdSeconds = heldSeconds(offer, now);
  await db.transaction(async (tx) => {
    await tx
      .update(offers)
      .set(on ? { holdStartedAt: now } : { holdStartedAt: null, holdSeconds })
      .where(eq(offers.id, offer.id));
    await appendEvents(tx, offer.callSid!, [{ type: on ? 'call.held' : 'call.resumed', data: { offerId: offer.id, staffId, holdSeconds } }], now);
  });
  h.bus.emit('changed');
  return { onHold: on, holdSeconds };
}

/** Seconds on hold until `now`: the holds that ended, and the one going on. */
export function heldSeconds(offer: { holdSeconds: number; holdStartedAt: Date | null }, now: Date): number {
  const current = offer.holdStartedAt ? Math.max(0, (now.getTime() - offer.holdStartedAt.getTime()) / 1000) : 0;
  return offer.holdSeconds + current;
}
