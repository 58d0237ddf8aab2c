import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { agents, callbackAttempts, cases, offers } from '../../db/schema.ts';
import { OPEN_STATUSES } from '../cases/choices.ts';
import { contactKey } from '../cases/reference.ts';
import { casesOfCaller } from '../cases/lists.ts';
import { appendCaseEvents, type Source } from '../cases/timeline.ts';
import type { Db, Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { screenPop, type ScreenPop } from '../acd/screen-pop.ts';
import { ringsFor, withinStandard } from '../metrics/rings.ts';
import { withdrawOffer } from '../acd/offers.ts';
import { placeAttempt } from './attempts.ts';
import { rulesOf } from './line.ts';

/**
 * A callback offered to an agent, agent first: the agent's page rings with the case (a preview: nobody is
 * called yet), the ring counted against the same three-ring standard as a call. Accepting it starts an
 * attempt: the hotline places the call to the passenger (src/callbacks/attempts.ts). Turning it down, or
 * letting it ring out, puts the callback back in its place in line and is not an attempt.
 */

/** What the agent reads before calling: the case, the earlier call's IVR answers and notes. */
export type CallbackPop = {
  caseId: number;
  reference: string;
  number: string;
  attempts: number;
  maxAttempts: number;
  placeAt: string | null;
  dueAt: string | null;
  category: string;
  description: string;
};

/** In the routing transaction: the callback is the agent's to look at, out of line until they decide. */
export async function callbackOffered(tx: Tx, caseId: number, offerId: number, staffId: number, now: Date): Promise<void> {
  await tx.update(cases).set({ dialAfter: null }).where(eq(cases.id, caseId));
  await appendCaseEvents(tx, caseId, { staffId: null, source: 'clock' }, [{ type: 'callback.offered', data: { offerId, staffId } }], now);
}

/** After the routing transaction: the agent's page rings with the callback. */
export async function offerCallback(h: Hotline, m: { offerId: number; caseId: number; staffId: number }): Promise<void> {
  const pop = await callbackPop(h, h.database.db, m.caseId, m.offerId);
  if (pop) h.bus.emit('offer', { staffId: m.staffId, offerId: m.offerId, screenPop: pop });
}

/** The screen-pop of a callback: the earlier call's, if it came from one, with the case; no call exists yet. */
export async function callbackPop(h: Hotline, db: Db | Tx, caseId: number, offerId: number): Promise<ScreenPop | undefined> {
  const now = h.now();
  const [c] = await db.select().from(cases).where(eq(cases.id, caseId));
  if (!c) return undefined;
  const origin = c.callSid ? await screenPop(db, c.callSid, offerId, now) : undefined;
  const callback: CallbackPop = {
    caseId: c.id,
    reference: c.reference,
    number: c.contactNumber,
    attempts: c.attempts,
    maxAttempts: c.type === 'callback' ? rulesOf(h, c.queue).maxAttempts : 1,
    placeAt: c.placeAt?.toISOString() ?? null,
    dueAt: c.dueAt?.toISOString() ?? null,
    category: c.category,
    description: c.description,
  };
  return {
    ...(origin ?? { path: [], answers: {}, previousCalls: [], notesSoFar: [], openCases: await casesOfCaller(db, contactKey(c.contactNumber), [], now) }),
    callSid: '',
    offerId,
    from: c.contactNumber,
    language: c.language,
    queue: c.queue ?? origin?.queue ?? '',
    waitedSeconds: c.placeAt ? Math.max(0, Math.round((now.getTime() - c.placeAt.getTime()) / 1000)) : 0,
    callback,
  };
}

export class CallbackError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 409,
  ) {
    super(message);
  }
}

/**
 * The agent accepts the callback ringing on their page: the offer is answered (its rings counted now), the
 * agent is on the call, and an attempt starts. Only the offer's own agent, only while it rings.
 */
export async function acceptCallback(h: Hotline, staffId: number, offerId: number): Promise<void> {
  const now = h.now();
  const attemptId = await h.database.db.transaction(async (tx) => {
    const [offer] = await tx
      .select()
      .from(offers)
      .where(and(eq(offers.id, offerId), eq(offers.staffId, staffId), isNotNull(offers.caseId)))
      .for('update');
    if (!offer) throw new CallbackError('no such callback offer', 404);
    if (offer.status !== 'ringing') throw new CallbackError(`this callback is no longer ringing (${offer.status})`);
    const ringSeconds = Math.max(0, (now.getTime() - offer.offeredAt.getTime()) / 1000);
    const rings = ringsFor(ringSeconds, h.config.ringCycleSeconds);
    await tx
      .update(offers)
      .set({ status: 'dialling', answeredAt: now, ringSeconds, rings, withinStandard: withinStandard(rings), deadlineAt: new Date(now.getTime() + DIALLING_LIMIT_SECONDS * 1000) })
      .where(eq(offers.id, offerId));
    return startAttempt(tx, offer.caseId!, offerId, staffId, now, 'softphone');
  });
  afterStart(h, staffId, attemptId);
}

/** The agent turns the callback down: it goes back to its place in line; not an attempt. */
export async function declineCallback(h: Hotline, staffId: number, offerId: number): Promise<void> {
  const [offer] = await h.database.db
    .select({ status: offers.status })
    .from(offers)
    .where(and(eq(offers.id, offerId), eq(offers.staffId, staffId), isNotNull(offers.caseId)));
  if (!offer) throw new CallbackError('no such callback offer', 404);
  // As an inbound call turned down: the agent takes a break ("missed"), so the callback goes to someone else.
  const ended = await withdrawOffer(h, offerId, { status: 'rejected', reason: 'rejected', agent: 'break' });
  if (!ended) throw new CallbackError(`this callback is no longer ringing (${offer.status})`);
}

/**
 * "Call back" pressed on a case: the same path from the accepted offer on, for the agent who pressed it
 * (available, or on a break: not ringing, on a call or in wrap-up). Any open case with a number will do.
 */
export async function callBackNow(h: Hotline, staffId: number, reference: string, source: Source): Promise<{ offerId: number; screenPop: ScreenPop }> {
  const now = h.now();
  const made = await h.database.db.transaction(async (tx) => {
    const [c] = await tx.select().from(cases).where(eq(cases.reference, reference)).for('update');
    if (!c) throw new CallbackError(`no case ${reference}`, 404);
    if (!(OPEN_STATUSES as readonly string[]).includes(c.status)) throw new CallbackError(`case ${reference} is ${c.status}: reopen it first`);
    if (!contactKey(c.contactNumber)) throw new CallbackError('the case has no contact number to call', 400);
    const [me] = await tx.select({ presence: agents.presence }).from(agents).where(eq(agents.staffId, staffId)).for('update');
    if (!me || !['available', 'break'].includes(me.presence)) throw new CallbackError(`you cannot call out now (${me?.presence ?? 'offline'}): be available or on a break`);
    const [live] = await tx.select({ id: offers.id }).from(offers).where(and(eq(offers.caseId, c.id), sql`${offers.status} in ('ringing', 'dialling', 'connected')`));
    if (live) throw new CallbackError('this passenger is already being called back');
    const [offer] = await tx
      .insert(offers)
      .values({
        caseId: c.id,
        staffId,
        queue: c.queue ?? '',
        status: 'dialling',
        offeredAt: now,
        ringStartedAt: now,
        answeredAt: now,
        deadlineAt: new Date(now.getTime() + DIALLING_LIMIT_SECONDS * 1000),
      })
      .returning({ id: offers.id });
    // A callback in line waits out this attempt; it is put back (or done) when the attempt ends.
    await tx.update(cases).set({ dialAfter: null }).where(eq(cases.id, c.id));
    const attemptId = await startAttempt(tx, c.id, offer!.id, staffId, now, source);
    return { offerId: offer!.id, attemptId, caseId: c.id };
  });
  const pop = (await callbackPop(h, h.database.db, made.caseId, made.offerId))!;
  afterStart(h, staffId, made.attemptId);
  return { offerId: made.offerId, screenPop: pop };
}

/** An attempt is what a dial costs the passenger's patience; it starts when an agent is there to talk. */
async function startAttempt(tx: Tx, caseId: number, offerId: number, staffId: number, now: Date, source: Source): Promise<number> {
  const [c] = await tx.select({ number: cases.contactNumber }).from(cases).where(eq(cases.id, caseId));
  await tx.update(agents).set({ presence: 'on-call', breakReason: null, since: now }).where(eq(agents.staffId, staffId));
  const [attempt] = await tx.insert(callbackAttempts).values({ caseId, offerId, staffId, number: c!.number, startedAt: now }).returning({ id: callbackAttempts.id });
  await appendCaseEvents(tx, caseId, { staffId, source }, [{ type: 'callback.dialling', data: { offerId, attemptId: attempt!.id } }], now);
  return attempt!.id;
}

function afterStart(h: Hotline, staffId: number, attemptId: number): void {
  h.bus.emit('presence', { staffId, presence: 'on-call', reason: null });
  h.bus.emit('changed');
  // Placed after the answer to the agent: pacing may hold it back a moment (src/callbacks/pacing.ts).
  void placeAttempt(h, attemptId).catch((err: unknown) => h.log.error({ err, attemptId }, 'could not place the callback'));
}

/**
 * How long an accepted callback may take from accepting to the passenger answering (pacing, the carrier,
 * ringing, answering-machine detection) before the sweep gives up on it; the placed call's own timeout and
 * the carrier's callbacks normally end it long before.
 */
export const DIALLING_LIMIT_SECONDS = 180;

/** An unanswered callback offer (turned down, rung out, agent gone) puts the callback back where it stood. */
export async function backInLine(tx: Tx, caseId: number, offer: { id: number; staffId: number; status: string; endReason: string | null }, now: Date): Promise<void> {
  await tx
    .update(cases)
    .set({ dialAfter: now })
    .where(and(eq(cases.id, caseId), eq(cases.type, 'callback'), sql`${cases.status} not in ('resolved', 'closed')`));
  await appendCaseEvents(tx, caseId, { staffId: offer.status === 'rejected' ? offer.staffId : null, source: offer.status === 'rejected' ? 'softphone' : 'clock' }, [
    { type: offer.status === 'rejected' ? 'callback.declined' : 'callback.not-taken', data: { offerId: offer.id, staffId: offer.staffId, reason: offer.endReason } },
  ], now);
}
