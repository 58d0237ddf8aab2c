import { and, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { agents, callbackAttempts, calls, caseCalls, cases, offers, type AttemptOutcome } from '../../db/schema.ts';
import { announce, type Case } from '../cases/cases.ts';
import { OPEN_STATUSES } from '../cases/choices.ts';
import { meetClocks } from '../cases/clocks.ts';
import type { CaseAlert } from '../cases/sweep.ts';
import { appendCaseEvents } from '../cases/timeline.ts';
import type { Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import type { CallbackStage } from '../acd/bus.ts';
import { appendEvents } from '../calls/events.ts';
import { routeSoon } from '../acd/route.ts';
import { inWindow, rulesOf } from './line.ts';
import { waitForSlot } from './pacing.ts';

/**
 * One attempt to reach the passenger, after an agent accepted: the call is placed (paced), the passenger's
 * phone rings, answering-machine detection decides who answered, and the passenger is put through to the
 * agent, or the attempt ends unreached (busy, no answer, failed, machine) and the callback goes back in line
 * after the queue's retry delay, inside its calling window, until its attempts run out and the supervisor
 * is told. Every step is a conditional update on the attempt and the offer: carrier callbacks that come
 * twice, late or out of order change nothing.
 */

/** Seconds the passenger's phone rings before the attempt is "no answer". */
export const RING_SECONDS = 30;

type Attempt = typeof callbackAttempts.$inferSelect;

/** Take a pacing slot, then ask the carrier to place the call; the passenger's progress comes as webhooks. */
export async function placeAttempt(h: Hotline, attemptId: number): Promise<void> {
  await waitForSlot(h.database.db, h.config.outboundCallsPerSecond);
  const [a] = await h.database.db
    .select({ attempt: callbackAttempts, offer: { status: offers.status }, reference: cases.reference, attempts: cases.attempts })
    .from(callbackAttempts)
    .innerJoin(offers, eq(offers.id, callbackAttempts.offerId))
    .innerJoin(cases, eq(cases.id, callbackAttempts.caseId))
    .where(eq(callbackAttempts.id, attemptId));
  // The agent went away while the call waited for its slot (the sweep ended the attempt): nothing to place.
  if (!a || a.attempt.outcome !== 'dialling' || a.offer.status !== 'dialling') return;
  const base = `${h.config.publicUrl}/twilio/callback`;
  try {
    const { sid } = await h.carrier.placeCall({
      to: a.attempt.number,
      from: h.config.twilio.callerId,
      url: `${base}/answer?attempt=${attemptId}`,
      statusCallback: `${base}/status?attempt=${attemptId}`,
      timeoutSeconds: RING_SECONDS,
      machineDetection: 'DetectMessageEnd',
    });
    await attachCall(h, attemptId, sid);
    emitStage(h, a.attempt, 'dialling', { reference: a.reference, callSid: sid, attempts: a.attempts });
  } catch (err) {
    const { status } = err as { status?: number };
    // The carrier refused this number (4xx): that counts, or a bad number would be dialled for ever. The
    // carrier being down is not the passenger's doing.
    const counted = status !== undefined && status >= 400 && status < 500;
    h.log.warn({ attemptId, err: (err as Error).message, counted }, 'the carrier did not place the callback');
    await attemptUnreached(h, attemptId, 'failed', { counted });
  }
}

/**
 * The placed call's sid on the attempt, its offer and its own calls row (from the passenger's number, so
 * the screen-pop, notes and cases find it as any call of theirs). Whichever comes first does it: the
 * carrier's answer to the placement, or a webhook about the call overtaking it.
 */
export async function attachCall(h: Hotline, attemptId: number, callSid: string): Promise<void> {
  const now = h.now();
  await h.database.db.transaction(async (tx) => {
    const [a] = await tx
      .update(callbackAttempts)
      .set({ callSid, placedAt: now })
      .where(and(eq(callbackAttempts.id, attemptId), isNull(callbackAttempts.callSid)))
      .returning();
    if (!a) return;
    const [c] = await tx.select().from(cases).where(eq(cases.id, a.caseId));
    const [origin] = c?.callSid ? await tx.select({ ivr: calls.ivr }).from(calls).where(eq(calls.sid, c.callSid)) : [];
    await tx
      .insert(calls)
      .values({
        sid: callSid,
        from: a.number,
        to: h.config.twilio.callerId,
        status: 'dialling',
        ivr: { flow: origin?.ivr.flow ?? '', node: 'callback', language: c?.language ?? '', attempt: 0, answers: origin?.ivr.answers ?? {}, path: [] },
        queue: c?.queue ?? null,
        startedAt: now,
      })
      .onConflictDoNothing();
    await tx.update(offers).set({ callSid }).where(and(eq(offers.id, a.offerId), isNull(offers.callSid)));
    await tx.insert(caseCalls).values({ caseId: a.caseId, callSid, link: 'callback', at: now }).onConflictDoNothing();
    await appendEvents(tx, callSid, [{ type: 'callback.placed', data: { caseId: a.caseId, attemptId, offerId: a.offerId, staffId: a.staffId } }], now);
  });
}

/** What the passenger hears once the call is answered. */
export type Answered =
  | { kind: 'bridge'; offerId: number; queue: string }
  | { kind: 'message'; language: string; reference: string }
  | { kind: 'sorry'; language: string };

/** The passenger's phone was answered: by a person (put through to the agent) or by a machine (a message). */
export async function attemptAnswered(h: Hotline, attemptId: number, callSid: string, answeredBy: string | undefined): Promise<Answered> {
  await attachCall(h, attemptId, callSid);
  const now = h.now();
  const machine = answeredBy !== undefined && (answeredBy.startsWith('machine') || answeredBy === 'fax');
  const found = await h.database.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ attempt: callbackAttempts, offerStatus: offers.status, queue: offers.queue, language: cases.language, reference: cases.reference, attempts: cases.attempts })
      .from(callbackAttempts)
      .innerJoin(offers, eq(offers.id, callbackAttempts.offerId))
      .innerJoin(cases, eq(cases.id, callbackAttempts.caseId))
      .where(eq(callbackAttempts.id, attemptId))
      .for('update', { of: callbackAttempts });
    if (!row) return undefined;
    const live = ['dialling', 'connected'].includes(row.offerStatus);
    if (!machine && live && ['dialling', 'answered'].includes(row.attempt.outcome)) {
      await tx.update(callbackAttempts).set({ outcome: 'answered', answeredBy: answeredBy ?? null, answeredAt: row.attempt.answeredAt ?? now }).where(eq(callbackAttempts.id, attemptId));
      return { row, answer: { kind: 'bridge' as const, offerId: row.attempt.offerId, queue: row.queue } };
    }
    return { row, answer: undefined };
  });
  if (!found) return { kind: 'sorry', language: '' };
  const { row, answer } = found;
  if (answer) {
    emitStage(h, row.attempt, 'answered', { reference: row.reference, callSid, attempts: row.attempts });
    return answer;
  }
  if (machine) {
    await attemptUnreached(h, attemptId, answeredBy === 'fax' ? 'failed' : 'machine', { answeredBy });
    return answeredBy === 'fax' ? { kind: 'sorry', language: row.language } : { kind: 'message', language: row.language, reference: row.reference };
  }
  // The agent is no longer there (the attempt was given up): the passenger is told they will be called again.
  return { kind: 'sorry', language: row.language };
}

/**
 * The carrier's news of the placed call. An unanswered end ends the attempt; a call that ends while the
 * agent still waits for the passenger (they hung up before being put through) ends it too.
 */
export async function attemptProgress(h: Hotline, attemptId: number, callSid: string, status: string): Promise<void> {
  await attachCall(h, attemptId, callSid);
  if (status === 'busy' || status === 'no-answer' || status === 'failed' || status === 'canceled') {
    await attemptUnreached(h, attemptId, status);
    return;
  }
  if (status !== 'completed') return;
  const [a] = await h.database.db
    .select({ outcome: callbackAttempts.outcome, offerStatus: offers.status })
    .from(callbackAttempts)
    .innerJoin(offers, eq(offers.id, callbackAttempts.offerId))
    .where(eq(callbackAttempts.id, attemptId));
  if (a?.offerStatus === 'dialling') await attemptUnreached(h, attemptId, a.outcome === 'answered' ? 'canceled' : 'no-answer');
}

/** Attempts past their offer's dialling limit (src/callbacks/offers.ts DIALLING_LIMIT_SECONDS). */
export async function giveUpStalledAttempts(h: Hotline, now: Date): Promise<void> {
  const stalled = await h.database.db
    .select({ id: callbackAttempts.id })
    .from(offers)
    .innerJoin(callbackAttempts, eq(callbackAttempts.offerId, offers.id))
    .where(and(eq(offers.status, 'dialling'), lte(offers.deadlineAt, now)))
    .limit(100);
  for (const { id } of stalled) await attemptUnreached(h, id, 'failed', { counted: false, hangUp: true });
}

/** The passenger answered but the agent's leg did not connect: not the passenger's doing, so not counted. */
export async function bridgeFailed(h: Hotline, offerId: number): Promise<void> {
  const [a] = await h.database.db.select({ id: callbackAttempts.id }).from(callbackAttempts).where(eq(callbackAttempts.offerId, offerId));
  if (a) await attemptUnreached(h, a.id, 'failed', { counted: false });
}

/**
 * The attempt ended without a conversation: the agent is free, and the callback goes back in line after the
 * retry delay (in its calling window), or, with its attempts used up, to the supervisor ("could not reach").
 * An attempt that does not count (the carrier or the hotline failed) is retried without using one up.
 */
export async function attemptUnreached(h: Hotline, attemptId: number, outcome: Exclude<AttemptOutcome, 'dialling' | 'answered'>, options: { counted?: boolean; answeredBy?: string | undefined; hangUp?: boolean } = {}): Promise<void> {
  const now = h.now();
  const counted = options.counted ?? true;
  const done = await h.database.db.transaction(async (tx) => {
    const [attempt] = await tx
      .update(callbackAttempts)
      .set({ outcome, counted, endedAt: now, ...(options.answeredBy ? { answeredBy: options.answeredBy } : {}) })
      .where(and(eq(callbackAttempts.id, attemptId), inArray(callbackAttempts.outcome, ['dialling', 'answered'])))
      .returning();
    if (!attempt) return undefined;
    // The placed call's record says how it went (its end is recorded by its status callback, or was already).
    if (attempt.callSid) await tx.update(calls).set({ endReason: `callback-${outcome}` }).where(and(eq(calls.sid, attempt.callSid), isNull(calls.endReason)));
    const [offer] = await tx
      .update(offers)
      .set({ status: 'unreached', endReason: outcome, endedAt: now, deadlineAt: null })
      .where(and(eq(offers.id, attempt.offerId), eq(offers.status, 'dialling')))
      .returning({ id: offers.id });
    const freed = offer
      ? await tx
          .update(agents)
          .set({ presence: 'available', since: now, idleSince: now, breakReason: null })
          .where(and(eq(agents.staffId, attempt.staffId), eq(agents.presence, 'on-call')))
          .returning({ staffId: agents.staffId })
      : [];
    const next = await nextAttempt(tx, h, attempt, outcome, now);
    return { attempt, freed: freed.length > 0, ...next };
  });
  if (!done) return;
  const { attempt, freed, c, nextAttemptAt, alert } = done;
  // A callback says when it is tried again, or null once given up; any other case is its owner's to try again.
  const next = nextAttemptAt === undefined ? {} : { nextAttemptAt: nextAttemptAt?.toISOString() ?? null };
  emitStage(h, attempt, 'unreached', { reference: c?.reference ?? '', callSid: attempt.callSid, outcome, attempts: c?.attempts ?? 0, ...next });
  // A call given up on by the hotline is ended at the carrier (a machine hears its message out).
  if (options.hangUp && attempt.callSid) await h.carrier.hangup(attempt.callSid).catch(() => undefined);
  if (freed) h.bus.emit('presence', { staffId: attempt.staffId, presence: 'available', reason: null });
  if (alert) h.bus.emit('case-alert', alert);
  if (c) announce(h, c);
  h.bus.emit('changed');
  routeSoon(h);
}

/** The callback's next attempt after an unanswered one, or the supervisor's attention when none is left. */
async function nextAttempt(tx: Tx, h: Hotline, attempt: Attempt, outcome: string, now: Date): Promise<{ c?: Case; nextAttemptAt?: Date | null; alert?: CaseAlert }> {
  const [c] = await tx
    .update(cases)
    .set({ attempts: sql`${cases.attempts} + ${attempt.counted ? 1 : 0}`, updatedAt: now, version: sql`${cases.version} + 1` })
    .where(eq(cases.id, attempt.caseId))
    .returning();
  if (!c) return {};
  const actor = { staffId: null, source: 'clock' as const };
  const open = (OPEN_STATUSES as readonly string[]).includes(c.status);
  const rules = rulesOf(h, c.queue);
  // A case that is not a callback ("call back" pressed on a complaint) is its owner's to try again.
  if (c.type !== 'callback' || !open) {
    await appendCaseEvents(tx, c.id, actor, [{ type: 'callback.attempt', data: { attemptId: attempt.id, outcome, counted: attempt.counted } }], now);
    return { c };
  }
  if (c.attempts >= rules.maxAttempts) {
    await tx.update(cases).set({ dialAfter: null }).where(eq(cases.id, c.id));
    await appendCaseEvents(tx, c.id, actor, [
      { type: 'callback.attempt', data: { attemptId: attempt.id, outcome, counted: attempt.counted, attempts: c.attempts } },
      { type: 'escalated', data: { why: 'could-not-reach', attempts: c.attempts, to: { staffIds: c.supervisorId ? [c.supervisorId] : [], roles: c.supervisorId ? [] : ['manager'] } } },
    ], now);
    const alert: CaseAlert = {
      caseId: c.id,
      reference: c.reference,
      type: c.type,
      clock: 'resolve',
      level: 'supervisor',
      why: 'could-not-reach',
      dueAt: (c.dueAt ?? now).toISOString(),
      staffIds: c.supervisorId ? [c.supervisorId] : [],
      roles: c.supervisorId ? [] : ['manager'],
    };
    return { c: { ...c, dialAfter: null }, nextAttemptAt: null, alert };
  }
  // An attempt that did not count (the carrier or the hotline failed) goes back to its place at once.
  const delayMs = attempt.counted ? rules.retryDelayMinutes * 60_000 : 0;
  const nextAttemptAt = inWindow(h, c.queue, new Date(now.getTime() + delayMs));
  await tx.update(cases).set({ dialAfter: nextAttemptAt }).where(eq(cases.id, c.id));
  await appendCaseEvents(tx, c.id, actor, [
    { type: 'callback.attempt', data: { attemptId: attempt.id, outcome, counted: attempt.counted, attempts: c.attempts, nextAttemptAt: nextAttemptAt.toISOString() } },
  ], now);
  return { c: { ...c, dialAfter: nextAttemptAt }, nextAttemptAt };
}

/**
 * In the transaction that ends the agent's conversation with the passenger: the attempt's talk time, and the
 * case moves on. A callback is resolved (the promise is kept); any other case records the passenger as
 * contacted (its reply clocks met), as an agent would.
 */
export async function callbackTalked(tx: Tx, offerId: number, staffId: number, talkSeconds: number, now: Date): Promise<Case | undefined> {
  const [attempt] = await tx
    .update(callbackAttempts)
    .set({ talkSeconds, endedAt: now })
    .where(and(eq(callbackAttempts.offerId, offerId), eq(callbackAttempts.outcome, 'answered'), isNull(callbackAttempts.endedAt)))
    .returning();
  if (!attempt) return undefined;
  const [c] = await tx.select().from(cases).where(eq(cases.id, attempt.caseId)).for('update');
  if (!c || !(OPEN_STATUSES as readonly string[]).includes(c.status)) return undefined;
  const actor = { staffId, source: 'softphone' as const };
  const talked = { type: 'callback.answered', data: { attemptId: attempt.id, callSid: attempt.callSid, talkSeconds } };
  if (c.type !== 'callback') {
    await meetClocks(tx, c.id, ['acknowledge', 'first-reply'], now);
    await appendCaseEvents(tx, c.id, actor, [talked, { type: 'contacted', data: { callSid: attempt.callSid } }], now);
    const [changed] = await tx.update(cases).set({ updatedAt: now, version: c.version + 1 }).where(eq(cases.id, c.id)).returning();
    return changed;
  }
  const resolution = { reason: 'answered', answer: 'called back' };
  await meetClocks(tx, c.id, ['acknowledge', 'first-reply', 'resolve'], now);
  await appendCaseEvents(tx, c.id, actor, [talked, { type: 'resolved', data: resolution }], now);
  const [changed] = await tx
    .update(cases)
    .set({ status: 'resolved', resolution, resolvedAt: now, waitingOn: null, dialAfter: null, updatedAt: now, version: c.version + 1 })
    .where(eq(cases.id, c.id))
    .returning();
  return changed;
}

/** The agent's page follows the attempt (src/realtime/agents.ts forwards it). */
function emitStage(h: Hotline, attempt: Pick<Attempt, 'staffId' | 'offerId' | 'caseId'>, stage: CallbackStage['stage'], extra: Omit<CallbackStage, 'staffId' | 'offerId' | 'caseId' | 'stage'>): void {
  h.bus.emit('callback', { staffId: attempt.staffId, offerId: attempt.offerId, caseId: attempt.caseId, stage, ...extra });
}
