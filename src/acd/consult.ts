import { and, eq, inArray, isNull } from 'drizzle-orm';
import { agents, calls, offers, staff } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents } from '../calls/events.ts';
import { startRecording } from '../recordings/recordings.ts';
import { holdCaller, Refused } from './conversation.ts';
import { conversationEnded, legProgress } from './offers.ts';
import { clientIdentity } from './placement.ts';
import { screenPop } from './screen-pop.ts';

/**
 * Consulting a colleague before passing the caller on (a warm transfer): the caller is held, the colleague
 * is dialled into the conversation's room and talks with the agent; then the agent hands the caller over
 * (the colleague's conversation begins where the agent's ends) or goes back to the caller. The colleague is
 * reserved (ringing, then on a call) so the ACD offers them no one else meanwhile.
 */

/** The colleague's label in the room. */
export const CONSULT_LABEL = 'consult';

/** Seconds the colleague's softphone rings before the carrier gives up. */
const CONSULT_RING_SECONDS = 30;

type Offer = typeof offers.$inferSelect;

/** The agent's conversation, in a room; `Refused` otherwise. */
async function conversationOf(h: Hotline, staffId: number): Promise<Offer & { callSid: string; conference: string; conferenceSid: string; legSid: string }> {
  const [offer] = await h.database.db
    .select()
    .from(offers)
    .where(and(eq(offers.staffId, staffId), eq(offers.status, 'connected')));
  if (!offer?.callSid) throw new Refused('you have no call in progress', 404);
  if (!offer.conference || !offer.conferenceSid || !offer.legSid) throw new Refused('this call is not in a conference: no colleague can join it', 409);
  return offer as Offer & { callSid: string; conference: string; conferenceSid: string; legSid: string };
}

/** Whom the agent calls in: a colleague by employee number, or a department by its key in cases.yaml. */
export type ConsultTarget = { agent: string } | { department: string };

/** Where the consult's leg reports, and what the held caller hears. */
export type ConsultUrls = { legCallback: (offerId: number) => string; holdUrl: (queue: string) => string };

/**
 * Hold the caller and dial the target into the room: a colleague (who must be available, and is reserved
 * meanwhile) or a department's number. `blind`: the caller is handed over as soon as the target answers,
 * without the agent talking to them first (a blind transfer to a person or a department).
 */
export async function consult(h: Hotline, staffId: number, target: ConsultTarget, urls: ConsultUrls, blind = false): Promise<{ offerId: number; status: 'dialling' }> {
  const db = h.database.db;
  const offer = await conversationOf(h, staffId);
  if (offer.consultStatus) throw new Refused('you are already consulting a colleague', 409);
  const whom = 'agent' in target ? await colleagueOf(h, staffId, target.agent) : departmentOf(h, target.department);
  const now = h.now();
  await db.transaction(async (tx) => {
    const [mine] = await tx
      .update(offers)
      .set({ consultStaffId: whom.staffId, consultDepartment: whom.department, consultBlind: blind, consultStatus: 'dialling' })
      .where(and(eq(offers.id, offer.id), eq(offers.status, 'connected'), isNull(offers.consultStatus)))
      .returning({ id: offers.id });
    if (!mine) throw new Refused('you are already consulting a colleague', 409);
    if (whom.staffId === null) return;
    const [free] = await tx
      .update(agents)
      .set({ presence: 'ringing', since: now })
      .where(and(eq(agents.staffId, whom.staffId), eq(agents.presence, 'available')))
      .returning({ staffId: agents.staffId });
    // Thrown inside the transaction: the offer is left as it was.
    if (!free) throw new Refused(`${'agent' in target ? target.agent : ''} is not available`, 409, 'agent');
  });
  if (whom.staffId !== null) h.bus.emit('presence', { staffId: whom.staffId, presence: 'ringing', reason: null });
  try {
    await holdCaller(h, staffId, true, urls.holdUrl);
    await told(h, offer, 'call.consult-dialled', { colleagueId: whom.staffId, department: whom.department, blind });
    const { callSid: legSid } = await h.carrier.addParticipant(offer.conference, {
      to: whom.to(offer.id),
      from: h.config.twilio.callerId,
      label: CONSULT_LABEL,
      statusCallback: urls.legCallback(offer.id),
      timeoutSeconds: CONSULT_RING_SECONDS,
      startConferenceOnEnter: true,
      endConferenceOnExit: false,
    });
    await db.update(offers).set({ consultLegSid: legSid }).where(and(eq(offers.id, offer.id), eq(offers.consultStatus, 'dialling')));
  } catch (err) {
    // The caller is not left on hold for someone who will not come.
    await consultOver(h, offer.id, 'carrier-failed', urls.holdUrl);
    if (err instanceof Refused) throw err;
    h.log.warn({ offerId: offer.id, err: (err as Error).message }, 'could not dial the colleague in');
    throw new Refused('the carrier could not dial your colleague; you are back with the caller', 502);
  }
  return { offerId: offer.id, status: 'dialling' };
}

type Whom = { staffId: number | null; department: string | null; to: (offerId: number) => string };

async function colleagueOf(h: Hotline, staffId: number, employeeNo: string): Promise<Whom> {
  const [colleague] = await h.database.db
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.employeeNo, employeeNo), inArray(staff.role, ['agent', 'supervisor']), eq(staff.disabled, false)));
  if (!colleague) throw new Refused(`no agent or supervisor has employee number ${employeeNo}`, 404, 'agent');
  if (colleague.id === staffId) throw new Refused('you cannot consult yourself', 409, 'agent');
  return { staffId: colleague.id, department: null, to: (offerId) => `client:${clientIdentity(employeeNo)}?consult=${offerId}` };
}

function departmentOf(h: Hotline, key: string): Whom {
  const phone = h.cases.departments.get(key)?.phone;
  if (!phone) {
    const reachable = [...h.cases.departments].filter(([, d]) => d.phone).map(([k]) => k);
    throw new Refused(`department must be one of: ${reachable.join(', ')}`, 400, 'department');
  }
  return { staffId: null, department: key, to: () => phone };
}

/**
 * The colleague's (or department's) leg's status callback. Answered: they talk with the agent (or, blind, are
 * handed the caller at once). Over: the consult ends and the caller is back with the agent, unless the
 * colleague had been handed the caller: then it is their own conversation's leg that ended.
 */
export async function consultLegProgress(h: Hotline, offerId: number, leg: { sid: string; status: string; at: Date }, holdUrl: (queue: string) => string): Promise<void> {
  const [handedOver] = await h.database.db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.legSid, leg.sid), eq(offers.status, 'connected')));
  if (handedOver) return legProgress(h, handedOver.id, leg);
  if (leg.status === 'in-progress' || leg.status === 'answered') {
    // One transaction: nobody may see the colleague talking in the offer yet still ringing on the floor.
    const talking = await h.database.db.transaction(async (tx) => {
      const [row] = await tx
        .update(offers)
        .set({ consultStatus: 'talking' })
        .where(and(eq(offers.id, offerId), eq(offers.consultStatus, 'dialling')))
        .returning();
      if (row?.consultStaffId != null) await tx.update(agents).set({ presence: 'on-call', since: leg.at }).where(eq(agents.staffId, row.consultStaffId));
      return row;
    });
    if (!talking) return;
    if (talking.consultStaffId !== null) h.bus.emit('presence', { staffId: talking.consultStaffId, presence: 'on-call', reason: null });
    await told(h, talking, 'call.consult-answered', { colleagueId: talking.consultStaffId, department: talking.consultDepartment });
    // Blind: nobody waits for the agent to introduce the caller.
    if (talking.consultBlind) await completeConsult(h, talking.staffId).catch((err: unknown) => h.log.warn({ offerId, err: (err as Error).message }, 'blind transfer not completed'));
    return;
  }
  if (['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(leg.status)) await consultOver(h, offerId, leg.status, holdUrl, leg.sid);
}

/**
 * Back to the caller: the colleague's leg is hung up and the caller taken off hold. A consult that already
 * ended by itself (the colleague did not answer) only takes the caller off hold.
 */
export async function returnToCaller(h: Hotline, staffId: number, holdUrl: (queue: string) => string): Promise<{ offerId: number }> {
  const offer = await conversationOf(h, staffId);
  // Over first, then the colleague's leg hung up: its callback then finds no consult to end again.
  await consultOver(h, offer.id, 'returned', holdUrl);
  if (offer.consultLegSid) await h.carrier.hangup(offer.consultLegSid).catch(() => undefined);
  // Whoever ended the consult, the agent's answer comes with the caller off hold.
  await holdCaller(h, staffId, false, holdUrl);
  return { offerId: offer.id };
}

/**
 * Hand the caller over to the colleague being consulted: the room becomes theirs (it ends when they leave),
 * the caller comes off hold, the agent's conversation ends as transferred (they wrap up) and the colleague's
 * begins, with the notes so far; then the agent's leg is hung up.
 */
export async function completeConsult(h: Hotline, staffId: number): Promise<{ offerId: number }> {
  const offer = await conversationOf(h, staffId);
  if (offer.consultStatus !== 'talking' || !offer.consultLegSid) throw new Refused('your colleague is not on the line yet', 409);
  const colleagueId = offer.consultStaffId;
  const colleagueLeg = offer.consultLegSid;
  try {
    await h.carrier.updateParticipant(offer.conferenceSid, colleagueLeg, { endConferenceOnExit: true });
    await h.carrier.updateParticipant(offer.conferenceSid, offer.legSid, { endConferenceOnExit: false });
    await h.carrier.updateParticipant(offer.conferenceSid, offer.callSid, { hold: false });
  } catch (err) {
    h.log.warn({ offerId: offer.id, err: (err as Error).message }, 'the carrier could not hand the caller over');
    throw new Refused('the carrier could not hand the caller over; you are still on the call', 502);
  }
  const now = h.now();
  await conversationEnded(h, offer.id, now, 'transferred');
  if (colleagueId === null) {
    // A department: the caller talks with them in the room, beyond the hotline's conversations.
    await h.database.db.transaction(async (tx) => {
      await tx.update(offers).set({ consultStaffId: null, consultLegSid: null, consultStatus: null }).where(eq(offers.id, offer.id));
      await appendEvents(tx, offer.callSid, [{ type: 'call.transferred', data: { offerId: offer.id, staffId, toDepartment: offer.consultDepartment, warm: !offer.consultBlind } }], now);
    });
    await h.carrier.hangup(offer.legSid).catch(() => undefined);
    return { offerId: offer.id };
  }
  const [next] = await h.database.db.transaction(async (tx) => {
    await tx.update(offers).set({ consultStaffId: null, consultLegSid: null, consultStatus: null }).where(eq(offers.id, offer.id));
    const created = await tx
      .insert(offers)
      .values({
        callSid: offer.callSid,
        staffId: colleagueId,
        queue: offer.queue,
        status: 'connected',
        offeredAt: now,
        answeredAt: now,
        legSid: colleagueLeg,
        conference: offer.conference,
        conferenceSid: offer.conferenceSid,
        agentDialledAt: now,
      })
      .returning();
    await tx.update(calls).set({ status: 'connected', agentId: colleagueId }).where(and(eq(calls.sid, offer.callSid), eq(calls.status, 'closing')));
    await appendEvents(tx, offer.callSid, [{ type: 'call.transferred', data: { offerId: offer.id, staffId, toStaffId: colleagueId, toOfferId: created[0]!.id, warm: !offer.consultBlind } }], now);
    return created;
  });
  await h.carrier.hangup(offer.legSid).catch(() => undefined);
  // The colleague's page shows the caller as any conversation of theirs: the screen-pop, then connected.
  const pop = await screenPop(h.database.db, offer.callSid, next!.id, now);
  if (pop) h.bus.emit('offer', { staffId: colleagueId, offerId: next!.id, screenPop: pop });
  h.bus.emit('connected', { staffId: colleagueId, offerId: next!.id, callSid: offer.callSid, rings: 0, ringSeconds: 0, withinStandard: true });
  h.bus.emit('presence', { staffId: colleagueId, presence: 'on-call', reason: null });
  h.bus.emit('changed');
  // The agent's recording stopped with their conversation; the colleague's is recorded as any other.
  await startRecording(h, { ...next!, callSid: offer.callSid });
  return { offerId: next!.id };
}

/**
 * The consult is over without a handover: a colleague is free again, the agent's offer forgets the consult,
 * and the caller is back with the agent (off hold). `legSid`: only if it is still that leg's consult.
 */
async function consultOver(h: Hotline, offerId: number, reason: string, holdUrl: (queue: string) => string, legSid?: string): Promise<void> {
  const [before] = await h.database.db.select().from(offers).where(eq(offers.id, offerId));
  if (!before?.consultStatus || (legSid && before.consultLegSid && before.consultLegSid !== legSid)) return;
  const [cleared] = await h.database.db
    .update(offers)
    .set({ consultStaffId: null, consultDepartment: null, consultLegSid: null, consultStatus: null, consultBlind: false })
    .where(and(eq(offers.id, offerId), eq(offers.consultStatus, before.consultStatus)))
    .returning();
  if (!cleared) return;
  const colleagueId = before.consultStaffId;
  if (colleagueId !== null) {
    const now = h.now();
    await h.database.db
      .update(agents)
      .set({ presence: 'available', since: now, idleSince: now })
      .where(and(eq(agents.staffId, colleagueId), inArray(agents.presence, ['ringing', 'on-call'])));
    h.bus.emit('presence', { staffId: colleagueId, presence: 'available', reason: null });
  }
  // The caller is back with the agent before the consult is told over.
  await holdCaller(h, before.staffId, false, holdUrl).catch((err: unknown) => h.log.warn({ offerId, err: (err as Error).message }, 'could not take the caller off hold'));
  await told(h, before, 'call.consult-ended', { colleagueId, department: before.consultDepartment, reason });
}

async function told(h: Hotline, offer: Offer, type: string, data: Record<string, unknown>): Promise<void> {
  if (!offer.callSid) return;
  await h.database.db.transaction((tx) => appendEvents(tx, offer.callSid!, [{ type, data: { offerId: offer.id, staffId: offer.staffId, ...data } }], h.now()));
  h.bus.emit('changed');
}
