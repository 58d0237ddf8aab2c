import { and, desc, eq, isNull, or, sql, type SQL } from 'drizzle-orm';
import { agents, calls, offers, type OfferStatus } from '../../db/schema.ts';
import { rows, together, type Db, type Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents, eventsAppended, logEvents } from '../calls/events.ts';
import { ringsFor, withinStandard } from '../metrics/rings.ts';
import { byQueueJson } from './queues.ts';
import { routeSoon } from './route.ts';
import { backInLine } from '../callbacks/offers.ts';
import { bridgeFailed, callbackTalked } from '../callbacks/attempts.ts';
import { announce } from '../cases/cases.ts';
import { startRecording, stopRecording } from '../recordings/recordings.ts';

/**
 * An offer's life after routing, driven by the agent leg's progress (Twilio's status callbacks), the end of
 * the conversation's room, the caller leaving and the ring limit. Every transition is a conditional UPDATE on the offer's
 * status, so callbacks that arrive twice or out of order change nothing.
 */

type OfferRow = typeof offers.$inferSelect;

/**
 * How an unanswered offer ends for the agent: a miss is a break ("missed"); an agent the carrier could not
 * reach (or whose process is gone) is offline; anything else frees them.
 */
type Withdrawal = { status: Extract<OfferStatus, 'missed' | 'rejected' | 'withdrawn' | 'abandoned'>; reason: string; agent: 'break' | 'available' | 'offline' };

/**
 * End a ringing offer without an answer. The caller goes back to the head of the queue (the original
 * `queued_at` is kept) unless they are gone; returns the offer if it was still ringing. `takeBack` also
 * takes the caller out of the Dial or the room where they wait for the agent (ring limit, agent gone),
 * before the next routing pass can offer them again; a caller in a room is taken back unless they left
 * (`abandoned`) or `takeBack: false` says they are already on their way. An agent's leg still ringing into
 * a room is ended, unless `legOver` says it ended by itself. `reroute: false` leaves the caller to the next
 * sweep rather than routing at once (after the carrier could not reach them: they are probably gone, and
 * their status callback should land before they are tried again).
 */
export async function withdrawOffer(
  h: Hotline,
  offerId: number,
  how: Withdrawal,
  options: { takeBack?: boolean; legOver?: boolean; reroute?: boolean } = {},
): Promise<OfferRow | undefined> {
  const now = h.now();
  const takesBack = (offer: OfferRow) => (options.takeBack ?? (offer.conference !== null && how.status !== 'abandoned')) && offer.callSid !== null;
  const offer = await h.database.db.transaction(async (tx) => {
    const [ended] = await tx
      .update(offers)
      .set({ status: how.status, endReason: how.reason, endedAt: now, deadlineAt: null })
      .where(and(eq(offers.id, offerId), eq(offers.status, 'ringing')))
      .returning();
    if (!ended) return undefined;
    await freeAgent(tx, ended.staffId, how.agent, breakReason(how), now);
    if (ended.caseId !== null) await backInLine(tx, ended.caseId, ended, now);
    if (ended.callSid !== null) {
      // A caller the carrier is taking back is offered again once back in the queue (`callerBack`), not while
      // that redirect is on its way: a second one (to the next agent's room) would cross it, and the caller
      // could land in a room the agent has left. Should the carrier never bring them back, after a while anyway.
      const held = takesBack(ended) ? { routeAfter: sql`greatest(${calls.routeAfter}, ${new Date(now.getTime() + TAKE_BACK_SECONDS * 1000).toISOString()}::timestamptz)` } : {};
      await tx.update(calls).set({ status: 'queued', ...held }).where(and(eq(calls.sid, ended.callSid), eq(calls.status, 'offered')));
      await appendEvents(tx, ended.callSid, [{ type: `offer.${how.status}`, data: { offerId, staffId: ended.staffId, reason: how.reason } }], now);
    }
    return ended;
  });
  if (!offer) return undefined;
  // The agent hears of it at once, not after the carrier has moved the legs (slow when it is busy): by then
  // another process may already have offered the caller to someone else.
  h.bus.emit('offer-withdrawn', { staffId: offer.staffId, offerId, callSid: offer.callSid ?? '', reason: how.reason });
  h.bus.emit('presence', { staffId: offer.staffId, presence: how.agent, reason: breakReason(how) });
  const inRoom = offer.conference !== null;
  if (takesBack(offer)) await takeCallerBack(h, offer.callSid!);
  if (inRoom && offer.legSid !== null && !options.legOver) await h.carrier.hangup(offer.legSid).catch(() => undefined);
  h.bus.emit('changed');
  if (options.reroute ?? true) routeSoon(h);
  return offer;
}

/** Seconds a caller being taken back waits for the carrier to bring them to the queue before being offered anyway. */
const TAKE_BACK_SECONDS = 5;

/**
 * The carrier brought a caller taken back to the queue: they may be offered again, at once, unless their
 * last offer ended because the carrier failed (that pause is kept, so a failing carrier is not hammered).
 */
export async function callerBack(h: Hotline, callSid: string): Promise<void> {
  const lastOfferEnd = sql`(select ${offers.endReason} from ${offers} where ${offers.callSid} = ${calls.sid} order by ${offers.id} desc limit 1)`;
  const [back] = await h.database.db
    .update(calls)
    .set({ routeAfter: null })
    .where(and(eq(calls.sid, callSid), eq(calls.status, 'queued'), sql`${calls.routeAfter} is not null`, sql`${lastOfferEnd} is distinct from 'carrier-failed'`))
    .returning({ sid: calls.sid });
  if (back) routeSoon(h);
}

const breakReason = (how: Withdrawal) => (how.agent === 'break' ? 'missed' : null);

async function takeCallerBack(h: Hotline, callSid: string): Promise<void> {
  await h.carrier.redirect(callSid, `${h.config.publicUrl}/twilio/requeue`).catch((err: Error) => {
    h.log.warn({ callSid, err: err.message }, 'could not take the caller back to the queue');
  });
}

async function freeAgent(tx: Tx, staffId: number, presence: Withdrawal['agent'], reason: string | null, now: Date): Promise<void> {
  await tx
    .update(agents)
    .set({ presence, breakReason: reason, since: now })
    .where(and(eq(agents.staffId, staffId), eq(agents.presence, 'ringing')));
}

/**
 * The agent leg's status callback. `at` is when it happened (see `eventTime`); `room`, the ConferenceSid of the
 * room the leg was dialled into.
 */
export async function legProgress(h: Hotline, offerId: number, leg: { sid: string; status: string; at: Date; room?: string | undefined }): Promise<void> {
  // A leg's first news changes one row: the stale room is one more condition of its statement, not a read first.
  const inRoom = leg.room === undefined ? undefined : or(isNull(offers.conferenceSid), eq(offers.conferenceSid, leg.room));
  switch (leg.status) {
    case 'initiated':
    case 'queued':
      await h.database.db.update(offers).set({ legSid: leg.sid }).where(and(eq(offers.id, offerId), eq(offers.status, 'ringing'), inRoom));
      return;
    case 'ringing':
      return ringing(h, offerId, leg.sid, leg.at, inRoom);
  }
  // An answer's own transaction reads the offer anyway: the stale room is checked there.
  if (leg.status === 'in-progress' || leg.status === 'answered') return answered(h, offerId, leg.sid, leg.at, leg.room);
  // The leg's end is news only for an offer still going on, and only from its own room: one read says. Most
  // often there is nothing left to do (the room's end has already ended the conversation), and that read
  // is then all a leg's end costs, instead of three transactions that change nothing.
  const [offer] = await h.database.db.select({ status: offers.status, conferenceSid: offers.conferenceSid }).from(offers).where(eq(offers.id, offerId));
  if (!offer || isStale(offer, leg.room) || !GOING_ON.includes(offer.status)) return;
  switch (leg.status) {
    case 'completed':
      return legEnded(h, offerId, leg.at, { status: 'missed', reason: 'no-answer', agent: 'break' });
    case 'busy':
      return legEnded(h, offerId, leg.at, { status: 'rejected', reason: 'rejected', agent: 'break' });
    case 'canceled':
      return legCancelled(h, offerId, leg.at);
    case 'failed':
      // The carrier could not reach the agent's softphone: the agent's problem (offline), not the caller's,
      // who is offered to someone else at once.
      return legEnded(h, offerId, leg.at, { status: 'withdrawn', reason: 'agent-unreachable', agent: 'offline' });
    default: // no-answer
      return legEnded(h, offerId, leg.at, { status: 'missed', reason: leg.status, agent: 'break' });
  }
}

/** An offer in these states may still change; every other is over for good. */
const GOING_ON: OfferStatus[] = ['ringing', 'dialling', 'connected'];

/**
 * A leg dialled into a room the caller has since left for another (redirects crossing, see
 * src/acd/conversation.ts): the offer goes on in the new room, with the leg dialled there, and this one's
 * news (cancelled with its room) is no longer the offer's.
 */
const isStale = (offer: { conferenceSid: string | null }, room: string | undefined) => room !== undefined && offer.conferenceSid !== null && offer.conferenceSid !== room;

/** The ring starts now: the ring limit counts from here. */
async function ringing(h: Hotline, offerId: number, legSid: string, at: Date, inRoom: SQL | undefined): Promise<void> {
  const limit = h.config.offerRingLimit * h.config.ringCycleSeconds;
  await h.database.db
    .update(offers)
    .set({ legSid, ringStartedAt: at, deadlineAt: new Date(at.getTime() + limit * 1000) })
    .where(and(eq(offers.id, offerId), eq(offers.status, 'ringing'), sql`${offers.ringStartedAt} is null`, inRoom));
}

async function answered(h: Hotline, offerId: number, legSid: string, at: Date, room: string | undefined): Promise<void> {
  const cycle = h.config.ringCycleSeconds;
  // The usual answer, an offer ringing as read, is one statement guarded on what was read; anything else
  // (a repeat, a stale room, a late answer, or the offer changed between the read and the write) is decided
  // again in a transaction holding the offer.
  const [seen] = await h.database.db.select().from(offers).where(eq(offers.id, offerId));
  const usual = answerOf(seen, at, room, cycle);
  const result =
    (usual.kind === 'connect' && (await connectedAsSeen(h.database.db, seen!, usual, legSid, at))) ||
    (await h.database.db.transaction(async (tx) => {
      const [offer] = await tx.select().from(offers).where(eq(offers.id, offerId)).for('update');
      const answer = answerOf(offer, at, room, cycle);
      // Held, the offer is as read: the same writes cannot miss, and a miss is a fault to hear of, not a silence.
      if (answer.kind === 'connect' && !(await connectedAsSeen(tx, offer!, answer, legSid, at))) throw new Error(`offer ${offerId}: its answer was not written though its row was held`);
      return answer;
    }));
  if (result.kind === 'late') {
    // Answered after the offer was withdrawn (the caller was already taken back): end the agent's leg.
    await h.carrier.hangup(legSid).catch(() => undefined);
    return;
  }
  if (result.kind !== 'connect') return;
  const { staffId, callSid, rings, ringSeconds, met } = result;
  h.bus.emit('connected', { staffId, offerId, callSid, rings, ringSeconds, withinStandard: met });
  h.bus.emit('presence', { staffId, presence: 'on-call', reason: null });
  h.bus.emit('changed');
  await startRecording(h, { id: offerId, callSid, staffId, queue: result.queue, conferenceSid: result.conferenceSid });
}

type Answer =
  | { kind: 'repeat' | 'stale' | 'late' }
  | { kind: 'connect'; callSid: string; staffId: number; queue: string; conferenceSid: string | null; ringStart: Date; ringSeconds: number; rings: number; met: boolean };

/** What the agent's answer at `at` makes of the offer as it stands: connected with its rings, or why not. */
function answerOf(offer: OfferRow | undefined, at: Date, room: string | undefined, cycle: number): Answer {
  if (!offer || offer.status === 'connected' || offer.status === 'completed') return { kind: 'repeat' };
  if (isStale(offer, room)) return { kind: 'stale' };
  // A callback was answered on the agent's page (its rings counted then); its leg is the passenger put through.
  const callback = offer.status === 'dialling';
  if ((offer.status !== 'ringing' && !callback) || offer.callSid === null) return { kind: 'late' };
  // Without a ringing callback (lost, or still on its way) the ring is counted from the offer.
  const ringStart = offer.ringStartedAt ?? offer.offeredAt;
  const ringSeconds = callback ? (offer.ringSeconds ?? 0) : Math.max(0, (at.getTime() - ringStart.getTime()) / 1000);
  const rings = callback ? (offer.rings ?? 1) : ringsFor(ringSeconds, cycle);
  return { kind: 'connect', callSid: offer.callSid, staffId: offer.staffId, queue: offer.queue, conferenceSid: offer.conferenceSid, ringStart, ringSeconds, rings, met: withinStandard(rings) };
}

/**
 * The answer's writes in one statement: the offer connected, the agent on the call, the call connected (a
 * caller passed on to another queue keeps their first answer: the speed of answer is the caller's wait) and
 * the event; made only if the offer is still as `seen` (its status, room and ring as read), else undefined.
 */
async function connectedAsSeen(db: Db | Tx, seen: OfferRow, answer: Extract<Answer, { kind: 'connect' }>, legSid: string, at: Date): Promise<Answer | undefined> {
  const when = sql`${at.toISOString()}::timestamptz`;
  const [written] = await rows<{ connected: boolean }>(db, sql`
    with answered as (
      update offers set status = 'connected', leg_sid = ${legSid}, ring_started_at = ${answer.ringStart.toISOString()}::timestamptz, answered_at = ${when},
        ring_seconds = ${answer.ringSeconds}::real, rings = ${answer.rings}::int, within_standard = ${answer.met}::boolean, deadline_at = null
      where id = ${seen.id} and status = ${seen.status} and call_sid = ${answer.callSid}
        and conference_sid is not distinct from ${seen.conferenceSid}
        and date_trunc('milliseconds', ring_started_at) is not distinct from ${seen.ringStartedAt?.toISOString() ?? null}::timestamptz
        and ring_seconds is not distinct from ${seen.ringSeconds}::real and rings is not distinct from ${seen.rings}::int
      returning call_sid as sid, staff_id
    ), agent as (
      update agents set presence = 'on-call', break_reason = null, since = ${when} from answered where agents.staff_id = answered.staff_id
    ), call as (
      update calls set status = 'connected', agent_id = answered.staff_id, answered_at = coalesce(calls.answered_at, ${when})
      from answered where calls.sid = answered.sid
    ), logged as (${logEvents([{ type: 'offer.answered', data: { offerId: seen.id, staffId: answer.staffId, ringSeconds: answer.ringSeconds, rings: answer.rings, withinStandard: answer.met } }], at, 'answered')})
    select exists (select 1 from answered) as connected`);
  return written?.connected ? answer : undefined;
}

/** The agent leg is over: after a conversation the agent wraps up; without one, the offer was missed. */
async function legEnded(h: Hotline, offerId: number, at: Date, unanswered: Withdrawal): Promise<void> {
  if (await conversationEnded(h, offerId, at)) return;
  if (await bridgeLost(h, offerId)) return;
  await withdrawOffer(h, offerId, unanswered, { legOver: true });
}

/**
 * The carrier cancelled a ringing leg: its room ended under it. The caller left that room, either hanging up
 * (their call's own status callback withdraws the offer, src/acd/offers.ts `callerLeft`, with the right
 * reason) or moved by a redirect (the placement puts them in a new room, dialled anew, or in the queue). So
 * the offer itself is left as it is: withdrawing it here would race the placement for a caller on the line.
 */
async function legCancelled(h: Hotline, offerId: number, at: Date): Promise<void> {
  if (await conversationEnded(h, offerId, at)) return;
  await bridgeLost(h, offerId);
}

/**
 * A passenger called back waits in the room for the agent, whose leg ended unanswered (their softphone did
 * not take it): the attempt failed and is tried again, and the passenger is let go (the placement says goodbye).
 */
async function bridgeLost(h: Hotline, offerId: number): Promise<boolean> {
  const [offer] = await h.database.db.select({ status: offers.status, conference: offers.conference, callSid: offers.callSid }).from(offers).where(eq(offers.id, offerId));
  if (offer?.status !== 'dialling' || offer.conference === null || offer.callSid === null) return false;
  await bridgeFailed(h, offerId);
  await takeCallerBack(h, offer.callSid);
  return true;
}

/**
 * End the offer's conversation at `at`, if it is still going on: the agent wraps up, the call closes, and
 * a hold still going on ends with it. `endReason` says why when it is not the agent or caller hanging up
 * (`transferred`). Returns whether it was going on (both legs' ends ask; the second finds it over).
 */
export async function conversationEnded(h: Hotline, offerId: number, at: Date, endReason?: string): Promise<boolean> {
  const once = await endedAtOnce(h, offerId, at, endReason);
  const done = once === 'a callback' ? await endedWithItsCase(h, offerId, at, endReason) : once;
  if (!done) return false;
  if (done.talkedAbout) announce(h, done.talkedAbout);
  h.bus.emit('ended', { staffId: done.staffId, offerId, callSid: done.callSid, wrapUpUntil: done.wrapUpUntil.toISOString() });
  h.bus.emit('presence', { staffId: done.staffId, presence: 'wrap-up', reason: null });
  h.bus.emit('changed');
  // The caller may go on (the survey, another queue) unrecorded; the agent's wrap-up does not wait for the carrier.
  void stopRecording(h, offerId);
  return true;
}

type Ended = { staffId: number; callSid: string; wrapUpUntil: Date; talkedAbout?: Awaited<ReturnType<typeof callbackTalked>> };

const wrapUpUntil = (h: Hotline, queue: string, at: Date) => new Date(at.getTime() + (h.queues.get(queue)?.wrapUpSeconds ?? 0) * 1000);

/**
 * The usual end, in one statement: the offer completed, the agent in wrap-up, the call closing and the event.
 * Undefined when the conversation was not going on; 'a callback' when it is a callback's, whose case is told
 * in the same transaction (`endedWithItsCase`).
 */
async function endedAtOnce(h: Hotline, offerId: number, at: Date, endReason: string | undefined): Promise<Ended | undefined | 'a callback'> {
  const stamp = sql`${at.toISOString()}::timestamptz`;
  const wrapUps = byQueueJson(h.queues, (q) => q.wrapUpSeconds);
  const [row] = await rows<{ staff_id: number | null; call_sid: string | null; queue: string | null; a_callback: boolean }>(h.database.db, sql`
    with ended as (
      update offers set status = 'completed', ended_at = ${stamp}, hold_started_at = null,
        hold_seconds = hold_seconds + coalesce(extract(epoch from ${stamp} - hold_started_at), 0),
        end_reason = coalesce(${endReason ?? null}, end_reason)
      where id = ${offerId}::int and status = 'connected' and case_id is null
      returning staff_id, call_sid, queue, answered_at, hold_seconds
    ), agent as (
      update agents set presence = 'wrap-up', since = ${stamp},
        wrap_up_until = ${stamp} + make_interval(secs => coalesce((${wrapUps}::jsonb ->> ended.queue)::float8, 0))
      from ended where agents.staff_id = ended.staff_id and agents.presence = 'on-call'
    ), closing as (
      update calls set status = 'closing' from ended where calls.sid = ended.call_sid and calls.status = 'connected'
    ), logged as (
      insert into call_events (call_sid, at, type, data)
      select call_sid, ${stamp}, 'offer.completed', jsonb_build_object('offerId', ${offerId}::int, 'staffId', staff_id,
        'talkSeconds', extract(epoch from ${stamp} - coalesce(answered_at, ${stamp}))::float8, 'holdSeconds', hold_seconds)
      from ended where call_sid is not null
    )
    select ended.staff_id, ended.call_sid, ended.queue,
      exists (select 1 from offers where id = ${offerId}::int and status = 'connected' and case_id is not null) as a_callback
    from (select 1) as one left join ended on true`);
  if (row!.a_callback) return 'a callback';
  if (row!.staff_id === null || row!.call_sid === null || row!.queue === null) return undefined;
  return { staffId: row!.staff_id, callSid: row!.call_sid, wrapUpUntil: wrapUpUntil(h, row!.queue, at) };
}

/** A callback's conversation ends as any other, and its case hears, in one transaction. */
async function endedWithItsCase(h: Hotline, offerId: number, at: Date, endReason: string | undefined): Promise<Ended | undefined> {
  const stamp = at.toISOString();
  return h.database.db.transaction(async (tx) => {
    const [offer] = await tx
      .update(offers)
      .set({
        status: 'completed',
        endedAt: at,
        holdStartedAt: null,
        holdSeconds: sql`${offers.holdSeconds} + coalesce(extract(epoch from ${stamp}::timestamptz - ${offers.holdStartedAt}), 0)`,
        ...(endReason ? { endReason } : {}),
      })
      .where(and(eq(offers.id, offerId), eq(offers.status, 'connected')))
      .returning();
    if (!offer || offer.callSid === null) return undefined;
    const until = wrapUpUntil(h, offer.queue, at);
    const talkSeconds = (at.getTime() - (offer.answeredAt ?? at).getTime()) / 1000;
    await together([
      tx.update(agents).set({ presence: 'wrap-up', since: at, wrapUpUntil: until }).where(and(eq(agents.staffId, offer.staffId), eq(agents.presence, 'on-call'))),
      tx.update(calls).set({ status: 'closing' }).where(and(eq(calls.sid, offer.callSid), eq(calls.status, 'connected'))),
      eventsAppended(tx, offer.callSid, [{ type: 'offer.completed', data: { offerId, staffId: offer.staffId, talkSeconds, holdSeconds: offer.holdSeconds } }], at),
    ]);
    const talkedAbout = offer.caseId === null ? undefined : await callbackTalked(tx, offerId, offer.staffId, talkSeconds, at);
    return { staffId: offer.staffId, callSid: offer.callSid, wrapUpUntil: until, ...(talkedAbout ? { talkedAbout } : {}) };
  });
}

/**
 * The conversation's room is over and the caller is still on the line (their Dial's `action`). An offer
 * still connected ends now (the agent leg's own callback may come later); one still ringing (the room ended
 * before the agent joined) is withdrawn, nobody's fault. Returns whether the caller talked to the agent, and
 * which offer's conversation it was.
 */
export async function roomEnded(h: Hotline, roomOfferId: number): Promise<{ talked: boolean; offerId: number }> {
  // The room's last conversation: a colleague's, when the agent handed the caller over (src/acd/consult.ts).
  const [offer] = await h.database.db
    .select({ id: offers.id, status: offers.status })
    .from(offers)
    .where(sql`${offers.callSid} = (select call_sid from offers where id = ${roomOfferId})`)
    .orderBy(desc(offers.id))
    .limit(1);
  const offerId = offer?.id ?? roomOfferId;
  if (offer?.status === 'connected') await legEnded(h, offerId, h.now(), { status: 'missed', reason: 'no-answer', agent: 'break' });
  // The caller is here asking what next: not taken back, answered by the placement.
  if (offer?.status === 'ringing') await withdrawOffer(h, offerId, { status: 'withdrawn', reason: 'room-ended', agent: 'available' }, { takeBack: false });
  // A passenger called back whose agent never joined: called again.
  if (offer?.status === 'dialling') await bridgeFailed(h, offerId);
  return { talked: offer?.status === 'connected' || offer?.status === 'completed', offerId };
}

/**
 * The caller hung up. If an agent's phone was ringing for them, the offer is withdrawn and the agent is
 * free again at once (the caller gave up; the agent did nothing wrong).
 */
export async function callerLeft(h: Hotline, callSid: string, reason = 'caller-hung-up'): Promise<void> {
  const ringingOffers = await h.database.db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.callSid, callSid), eq(offers.status, 'ringing')));
  for (const o of ringingOffers) await withdrawOffer(h, o.id, { status: 'abandoned', reason, agent: 'available' });
  h.bus.emit('changed');
}
