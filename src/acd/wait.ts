import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { agents, callEvents, calls, caseCalls, caseClocks, cases, offers, staff } from '../../db/schema.ts';
import { OPEN_STATUSES } from '../cases/choices.ts';
import { contactKey } from '../cases/reference.ts';
import { appendCaseEvents } from '../cases/timeline.ts';
import { announce, openCase, type Case } from '../cases/cases.ts';
import { caseLanguage } from '../cases/input.ts';
import { rows, type Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents } from '../calls/events.ts';
import { byQueueJson, type Queue } from './queues.ts';
import { inWindow } from '../callbacks/line.ts';

/**
 * A caller's wait in a queue, turn by turn of the carrier's wait loop: their place in line and the expected
 * wait every `hold.announceEverySeconds`, the offer of a call back once `hold.callbackAfterSeconds` have
 * passed (inside the queue's calling window), and the call back they ask for (a callback case with a due time). Every length of time is
 * measured from the call's `queued_at` on the hotline's clock, never from the carrier's `QueueTime`.
 */

/** A turn's music or silence lasts at least this long, so the carrier never fetches the wait document in a tight loop. */
export const MIN_TURN_SECONDS = 5;
/** How long a turn lasts in a queue that announces nothing (`announceEverySeconds: 0`). */
export const QUIET_TURN_SECONDS = 60;
/** How soon a caller who asks is called back, unless the caller of `requestCallback` says otherwise. */
export const DEFAULT_CALLBACK_DELAY_MINUTES = 15;
/** The estimate looks at the queue's calls of this last while. */
const RECENT_SECONDS = 2 * 60 * 60;

/** Callers in these states still wait for an agent (an agent's phone may be ringing for them). */
const WAITING = ['queued', 'offered'];
/** Agents on the floor for the estimate: those who will take calls soon (a break may be long). */
const STAFFED = ['available', 'ringing', 'on-call', 'wrap-up'] as const;

/** What the caller hears on this turn of the wait loop. */
export type WaitTurn =
  /** The caller asked to be called back: out of the carrier's queue (the queue's action says goodbye). */
  | { kind: 'leave' }
  | {
      kind: 'hold';
      language: string;
      /** Said this turn: the place in line, and the expected wait when there is a basis for one. */
      announce?: { position: number; estimatedSeconds?: number };
      /** The offer of a call back is said this turn. */
      offerCallback: boolean;
      /** The caller may press 1 for a call back at any time during this turn. */
      callbackKey: boolean;
      /** The queue's hold music, or silence. */
      music: string | undefined;
      /** How long the turn's music or silence lasts: until the next announcement or offer is due. */
      seconds: number;
    };

/**
 * This turn of the wait loop for the call, recording what it announces (`queue.announced`: when the last
 * announcement was is what spaces them). Undefined for a call that is not waiting (or not ours): the carrier
 * is holding a caller the hotline cannot place. `callbacks: false` when the flow has no words for the offer.
 */
export async function waitTurn(h: Hotline, callSid: string, options: { callbacks: boolean }): Promise<WaitTurn | undefined> {
  const db = h.database.db;
  // The call, and when this wait was last announced, in one round trip.
  const [found] = await db
    .select({
      call: calls,
      lastAnnounced: sql`(select ${callEvents.at} from ${callEvents} where ${callEvents.callSid} = ${calls.sid} and ${callEvents.type} = 'queue.announced'
        and ${callEvents.at} >= ${calls.queuedAt} order by ${callEvents.id} desc limit 1)`.mapWith(callEvents.at),
    })
    .from(calls)
    .where(eq(calls.sid, callSid));
  const call = found?.call;
  if (call?.status === 'callback') return { kind: 'leave' };
  if (!call || !WAITING.includes(call.status) || !call.queuedAt) return undefined;
  const now = h.now();
  const queue = h.queues.get(call.queue ?? '');
  const hold = queue?.hold ?? { music: undefined, announceEverySeconds: QUIET_TURN_SECONDS, callbackAfterSeconds: undefined };
  const last = found.lastAnnounced ? { at: found.lastAnnounced } : undefined;
  const waitedSeconds = seconds(call.queuedAt, now);
  // A call back is offered only while passengers may be called (nobody is promised a call at 03:00).
  const mayCallBack = options.callbacks && callbackNumber(call.from) !== undefined && inWindow(h, call.queue, now).getTime() === now.getTime();
  const plan = planTurn({
    announceEverySeconds: hold.announceEverySeconds,
    callbackAfterSeconds: mayCallBack ? hold.callbackAfterSeconds : undefined,
    waitedSeconds,
    sinceAnnouncedSeconds: last ? seconds(last.at, now) : undefined,
  });
  let announce: { position: number; estimatedSeconds?: number } | undefined;
  if (plan.announce) {
    const { position, ...basis } = await placeAndBasis(h, { ...call, queuedAt: call.queuedAt }, queue, now);
    const estimatedSeconds = estimateWaitSeconds({ position, waitedSeconds, ...basis });
    announce = { position, ...(estimatedSeconds !== undefined ? { estimatedSeconds } : {}) };
  }
  if (announce || plan.offerCallback) {
    const data = { ...announce, callbackOffered: plan.offerCallback };
    await db.insert(callEvents).values({ callSid, at: now, type: 'queue.announced', data });
  }
  return {
    kind: 'hold',
    language: call.ivr.language,
    ...(announce ? { announce } : {}),
    offerCallback: plan.offerCallback,
    callbackKey: plan.callbackKey,
    music: hold.music,
    seconds: plan.seconds,
  };
}

export type TurnPlan = { announce: boolean; offerCallback: boolean; callbackKey: boolean; seconds: number };

/**
 * When to speak, as a pure function of the wait so far. A turn speaks first thing, then once every
 * `announceEverySeconds` since the last announcement (every `QUIET_TURN_SECONDS` when the queue announces
 * nothing, to repeat the offer), and as soon as the call back becomes due; from then on the caller may
 * press 1 throughout. The turn's music lasts until the next of these, so the loop comes back in time.
 */
export function planTurn(t: {
  announceEverySeconds: number;
  /** Undefined: no call back for this caller. */
  callbackAfterSeconds: number | undefined;
  waitedSeconds: number;
  /** Since the last announcement of this wait; undefined before the first. */
  sinceAnnouncedSeconds: number | undefined;
}): TurnPlan {
  const every = t.announceEverySeconds > 0 ? t.announceEverySeconds : QUIET_TURN_SECONDS;
  const offerAt = t.callbackAfterSeconds;
  const callbackKey = offerAt !== undefined && t.waitedSeconds >= offerAt;
  const lastAt = t.sinceAnnouncedSeconds === undefined ? undefined : t.waitedSeconds - t.sinceAnnouncedSeconds;
  const speak = lastAt === undefined || t.sinceAnnouncedSeconds! >= every || (callbackKey && lastAt < offerAt!);
  const announce = speak && t.announceEverySeconds > 0;
  const offerCallback = speak && callbackKey;
  const spokeAt = announce || offerCallback ? t.waitedSeconds : (lastAt ?? t.waitedSeconds);
  const next = Math.min(spokeAt + every, offerAt !== undefined && !callbackKey ? offerAt : Infinity);
  return { announce, offerCallback, callbackKey, seconds: Math.max(MIN_TURN_SECONDS, Math.ceil(next - t.waitedSeconds)) };
}

/** What the estimate rests on. */
export type WaitBasis = {
  /** Mean talk time of the queue's recent answered calls plus its wrap-up; undefined with none. */
  handleSeconds?: number | undefined;
  /** Agents with the queue's skill on the floor now. */
  agents: number;
  /** Mean wait of the queue's recently answered callers; undefined with none. */
  recentWaitSeconds?: number | undefined;
};

/**
 * The caller's place in line and what the estimate rests on, in one statement. The place: 1 + the waiting
 * callers the ACD offers first (higher priority, then longer waiting, as `route` orders them) among those
 * who wait for the same agents: in the same queue, or in a queue whose skill some member of staff has along
 * with this queue's.
 */
async function placeAndBasis(h: Hotline, call: { sid: string; queue: string | null; priority: number | null; queuedAt: Date }, queue: Queue | undefined, now: Date): Promise<WaitBasis & { position: number }> {
  const name = call.queue ?? '';
  const skill = queue?.skill ?? null;
  const skills = byQueueJson(h.queues, (q) => q.skill);
  const since = new Date(now.getTime() - RECENT_SECONDS * 1000).toISOString();
  // Of the queue's team (staff with its skill), someone who also has the other queue's skill.
  const sharedTeam = sql`exists (select 1 from ${staff} where ${staff.disabled} = false and (${staff.skills} ->> ${skill}::text) is not null and ${staff.skills} ? q.skill)`;
  const competing = sql`(select q.name from jsonb_each_text(${skills}::jsonb) q(name, skill) where q.name = ${name} or ${sharedTeam})`;
  const mine = sql`(${-(call.priority ?? 0)}::int, ${call.queuedAt.toISOString()}::timestamptz, ${call.sid}::text)`;
  const [row] = await rows<{ ahead: number; talk: number | null; agents: number; wait: number | null }>(h.database.db, sql`select
    (select count(*)::int from ${calls} where ${inArray(calls.status, WAITING)} and (${calls.queue} = ${name} or ${calls.queue} in ${competing})
      and (-coalesce(${calls.priority}, 0), ${calls.queuedAt}, ${calls.sid}) < ${mine}) as ahead,
    (select avg(extract(epoch from ${offers.endedAt} - ${offers.answeredAt}))::float8 from ${offers}
      where ${offers.queue} = ${name} and ${offers.status} = 'completed' and ${offers.answeredAt} is not null and ${offers.endedAt} >= ${since}::timestamptz) as talk,
    (select count(*)::int from ${agents} join ${staff} on ${staff.id} = ${agents.staffId}
      where ${inArray(agents.presence, [...STAFFED])} and ${staff.disabled} = false and (${staff.skills} ->> ${skill}::text) is not null) as agents,
    (select avg(extract(epoch from ${calls.answeredAt} - ${calls.queuedAt}))::float8 from ${calls}
      where ${calls.queue} = ${name} and ${calls.queuedAt} is not null and ${calls.answeredAt} >= ${since}::timestamptz) as wait`);
  const talk = row?.talk ?? null;
  return {
    position: (row?.ahead ?? 0) + 1,
    handleSeconds: talk === null ? undefined : talk + (queue?.wrapUpSeconds ?? 0),
    agents: row?.agents ?? 0,
    recentWaitSeconds: row?.wait ?? undefined,
  };
}

/**
 * The expected wait from here, in seconds, or undefined when there is no basis for one. With agents on
 * the floor and calls handled lately: the callers up to and including this one, each taking a handle time,
 * shared among the agents (position × handle time ÷ agents). Otherwise what recently answered callers
 * waited, less what this caller has waited already (nothing to say once they have waited longer).
 */
export function estimateWaitSeconds(b: WaitBasis & { position: number; waitedSeconds: number }): number | undefined {
  if (b.handleSeconds !== undefined && b.agents > 0) return (b.position * b.handleSeconds) / b.agents;
  if (b.recentWaitSeconds !== undefined && b.recentWaitSeconds > b.waitedSeconds) return b.recentWaitSeconds - b.waitedSeconds;
  return undefined;
}

/** An estimate as the caller hears it: whole minutes rounded up; 1 is said as "within a minute". */
export function estimatedMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/**
 * Twilio's stand-ins for a withheld caller ID (ANONYMOUS, RESTRICTED, UNKNOWN, BLOCKED, UNAVAILABLE spelt
 * on a phone pad); newer calls may carry the words themselves.
 */
const WITHHELD = new Set(['266696687', '7378742833', '8656696', '2562533', '86282452253']);

/** The number to call the caller back on, or undefined when their number is withheld or not a phone number. */
export function callbackNumber(from: string): string | undefined {
  const digits = /^\+?(\d{6,15})$/.exec(from.trim())?.[1];
  return digits && !WITHHELD.has(digits) ? from.trim() : undefined;
}

/** A call back the passenger was promised: a callback case, due when its resolve clock says. */
export type Callback = { caseId: number; reference: string; queue: string; language: string; requestedAt: Date; dueAt: Date };

/**
 * The waiting caller pressed 1: a callback case (src/cases) due in `delayMinutes` on the number they call
 * from, in their queue and language; the call leaves routing for good (status `callback`, end reason
 * `callback-requested`) and its log says so (`queue.callback-requested`). Undefined when the caller is no
 * longer simply waiting (an agent's phone is already ringing for them) or cannot be called back. Asking
 * again (a retried webhook) gives the callback already made.
 */
export async function requestCallback(h: Hotline, callSid: string, options: { delayMinutes?: number } = {}): Promise<Callback | undefined> {
  const now = h.now();
  const delayMinutes = options.delayMinutes ?? DEFAULT_CALLBACK_DELAY_MINUTES;
  const made = await h.database.db.transaction(async (tx): Promise<{ callback: Callback; fresh: boolean; opened?: Case } | undefined> => {
    const [call] = await tx.select().from(calls).where(eq(calls.sid, callSid)).for('update');
    if (call?.status === 'callback') {
      const existing = await callbackOf(tx, callSid);
      return existing && { callback: existing, fresh: false };
    }
    const number = call ? callbackNumber(call.from) : undefined;
    if (!call || call.status !== 'queued' || !number) return undefined;
    const joined = await joinOpenCallback(tx, call, number, now);
    if (joined) return { callback: { ...joined.callback, language: call.ivr.language }, fresh: true, opened: joined.changed };
    const dueAt = new Date(now.getTime() + delayMinutes * 60_000);
    const opened = await openCase(
      tx,
      h,
      { type: 'callback', category: 'requested-in-queue', contactNumber: number, language: caseLanguage(call.ivr.language), callSid, dueAt: dueAt.toISOString() },
      { staffId: null, source: 'ivr' },
      now,
      // The callback keeps the caller's place in line and priority.
      { queue: call.queue ?? '', waiting: { since: call.queuedAt ?? now, priority: call.priority } },
    );
    await tx.update(calls).set({ status: 'callback', endReason: 'callback-requested' }).where(eq(calls.sid, callSid));
    const waitedSeconds = call.queuedAt ? seconds(call.queuedAt, now) : undefined;
    await appendEvents(tx, callSid, [
      { type: 'queue.callback-requested', data: { caseId: opened.id, reference: opened.reference, queue: opened.queue, dueAt: dueAt.toISOString(), waitedSeconds } },
    ], now);
    return { callback: { caseId: opened.id, reference: opened.reference, queue: opened.queue ?? '', language: call.ivr.language, requestedAt: now, dueAt }, fresh: true, opened };
  });
  if (made?.opened) announce(h, made.opened);
  return made?.callback;
}

/**
 * One request, one callback: a caller asking again from the same number for the same queue while their
 * callback is still open joins it (the case's timeline says so) and is promised what is left of its time.
 * Two such requests at once (two calls from one phone) are settled by a lock on the number and queue.
 */
async function joinOpenCallback(tx: Tx, call: typeof calls.$inferSelect, number: string, now: Date) {
  const key = contactKey(number);
  const queue = call.queue ?? '';
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`callback:${key}:${queue}`}))`);
  const [open] = await tx
    .select()
    .from(cases)
    .where(and(eq(cases.type, 'callback'), eq(cases.contactKey, key), eq(cases.queue, queue), inArray(cases.status, [...OPEN_STATUSES])))
    .orderBy(cases.id)
    .limit(1)
    .for('update');
  if (!open) return undefined;
  const [clock] = await tx.select({ dueAt: caseClocks.dueAt }).from(caseClocks).where(and(eq(caseClocks.caseId, open.id), eq(caseClocks.kind, 'resolve')));
  await tx.insert(caseCalls).values({ caseId: open.id, callSid: call.sid, link: 'joined', at: now }).onConflictDoNothing();
  const [changed] = await tx.update(cases).set({ updatedAt: now, version: open.version + 1 }).where(eq(cases.id, open.id)).returning();
  await appendCaseEvents(tx, open.id, { staffId: null, source: 'ivr' }, [{ type: 'joined', data: { callSid: call.sid, waitedSeconds: call.queuedAt ? seconds(call.queuedAt, now) : null } }], now);
  await tx.update(calls).set({ status: 'callback', endReason: 'callback-requested' }).where(eq(calls.sid, call.sid));
  // A due time already passed is promised as soon as can be (the caller hears "within a minute").
  const dueAt = clock && clock.dueAt > now ? clock.dueAt : new Date(now.getTime() + 60_000);
  await appendEvents(tx, call.sid, [{ type: 'queue.callback-requested', data: { caseId: open.id, reference: open.reference, queue, dueAt: dueAt.toISOString(), joined: true } }], now);
  return { callback: { caseId: open.id, reference: open.reference, queue, requestedAt: now, dueAt }, changed: changed! };
}

/** The callback case a caller's request made or joined, with its promised time. */
async function callbackOf(tx: Tx, callSid: string): Promise<Callback | undefined> {
  const [row] = await tx
    .select({ caseId: cases.id, reference: cases.reference, queue: cases.queue, requestedAt: caseCalls.at, dueAt: caseClocks.dueAt, language: calls.ivr })
    .from(caseCalls)
    .innerJoin(cases, eq(cases.id, caseCalls.caseId))
    .innerJoin(caseClocks, and(eq(caseClocks.caseId, cases.id), eq(caseClocks.kind, 'resolve')))
    .innerJoin(calls, eq(calls.sid, caseCalls.callSid))
    .where(and(eq(caseCalls.callSid, callSid), eq(cases.type, 'callback')))
    .orderBy(desc(cases.id))
    .limit(1);
  return row && { ...row, queue: row.queue ?? '', language: row.language.language };
}

/** Whole minutes from the request to the callback's due time, as promised to the caller. */
export function callbackMinutes(callback: Callback): number {
  return Math.max(1, Math.round(seconds(callback.requestedAt, callback.dueAt) / 60));
}

function seconds(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / 1000;
}
