import { and, eq, sql } from 'drizzle-orm';
import { callReplies, calls } from '../../db/schema.ts';
import { rows, type Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { enterAt, isListening, speak, start, step } from '../ivr/engine.ts';
import type { IvrContext, IvrEvent, IvrInput, IvrOutput, IvrState, StepResult } from '../ivr/types.ts';
import { getAnnouncement } from './announcement.ts';
import { appendEvents, logEvents } from './events.ts';
import { forgetListening, recallListening, rememberListening } from './listening.ts';
import { surveyEndedByHangup } from '../surveys/survey.ts';

/**
 * The IVR's transitions of a call, each one transaction: the call row changes, its events are appended and
 * the reply is stored together, so a webhook Twilio retries is answered again from the stored reply and
 * changes nothing.
 */

/** Turns what the caller hears next into the carrier's document; the next request will carry `nextSeq`. */
export type Render = (output: IvrOutput, nextSeq: number) => string;

export type NewCall = { sid: string; from: string; to: string };

/** A new call, and when it first rang if the hotline held it at the door before taking it in. */
export type ArrivingCall = NewCall & { heldSince?: Date | undefined };

type CallRow = typeof calls.$inferSelect;

/** A call in these states has left the IVR and the queues for good. */
const OVER = ['ended', 'callback'];

/**
 * A new call arrives: it enters the hotline's flow at the start. One statement, one round trip: the call row
 * with its first step already taken, its events and its reply, written together only if the call is new. A
 * webhook Twilio retries finds the call there and is answered the stored reply.
 */
export async function answerCall(h: Hotline, call: ArrivingCall, render: Render): Promise<string> {
  const ctx = await context(h);
  const result = start(ctx);
  const next = transition(0, result, render, ctx.now);
  const events: IvrEvent[] = [{ type: 'call.started', data: { from: call.from, to: call.to, ...heldFor(call, ctx.now) } }, ...next.events];
  // A caller held at the door called when they first rang: their call's time counts from then.
  const startedAt = call.heldSince ?? ctx.now;
  const [written] = await rows<{ fresh: boolean; stored: string | null }>(h.database.db, sql`
    with fresh as (
      insert into calls (sid, from_number, to_number, status, ivr, seq, started_at, queue, priority, queued_at, end_reason)
      values (${call.sid}, ${call.from}, ${call.to}, ${next.status}, ${JSON.stringify(result.state)}::jsonb, 1, ${iso(startedAt)}::timestamptz,
              ${next.queue ?? null}, ${next.priority ?? null}::int, ${next.queuedAt ? iso(next.queuedAt) : null}::timestamptz, ${next.endReason ?? null})
      on conflict do nothing
      returning sid
    ), logged as (${logEvents(events, ctx.now)}), replied as (
      insert into call_replies (call_sid, seq, twiml) select sid, 0, ${next.twiml} from fresh
    )
    select exists (select 1 from fresh) as fresh, (select twiml from call_replies where call_sid = ${call.sid} and seq = 0) as stored`);
  if (written!.fresh) {
    if (next.status === 'ivr') rememberListening(h, call.sid, 1, next.state);
    return next.twiml;
  }
  if (written!.stored !== null) return written!.stored;
  // Known already but with no first reply (taken in by a later step's webhook): the careful way.
  return h.database.db.transaction(async (tx) => unexpected(tx, ctx, await lockCall(tx, call.sid), 0, render));
}

/** The caller pressed keys, spoke or stayed silent at the step numbered `seq`. */
export async function takeInput(h: Hotline, call: NewCall, seq: number, input: IvrInput, render: Render): Promise<string> {
  const ctx = await context(h);
  // The usual step, in one round trip (where this process left the call: listening.ts) or two, and no
  // transaction: read the call, then one statement that takes the step only if the call is still where it
  // was read (its `seq`), with its events and reply. Anything else (a retry, a late or unexpected step, a
  // race lost) goes the careful way below.
  const kept = recallListening(h, call.sid, seq);
  const row = kept ? { seq, status: 'ivr', ivr: kept } : await getCall(h, call.sid);
  forgetListening(h, call.sid);
  if (row && seq === row.seq && row.status === 'ivr' && isListening(ctx, row.ivr)) {
    const next = transition(seq, step(ctx, row.ivr, input), render, ctx.now);
    const [taken] = await rows<{ taken: boolean }>(h.database.db, sql`
      with moved as (
        update calls set ivr = ${JSON.stringify(next.state)}::jsonb, seq = ${seq + 1}::int, status = ${next.status},
          queue = coalesce(${next.queue ?? null}, queue), priority = coalesce(${next.priority ?? null}::int, priority),
          queued_at = coalesce(${next.queuedAt ? iso(next.queuedAt) : null}::timestamptz, queued_at),
          end_reason = coalesce(${next.endReason ?? null}, end_reason)
        where sid = ${call.sid} and seq = ${seq}::int and status = 'ivr'
        returning sid
      ), logged as (${logEvents(next.events, ctx.now, 'moved')}), replied as (
        insert into call_replies (call_sid, seq, twiml) select sid, ${seq}::int, ${next.twiml} from moved on conflict do nothing
      )
      select exists (select 1 from moved) as taken`);
    if (taken!.taken) {
      if (next.status === 'ivr') rememberListening(h, call.sid, seq + 1, next.state);
      return next.twiml;
    }
  }
  return h.database.db.transaction(async (tx) => {
    const row = await lockCall(tx, call.sid);
    if (!row) {
      // A call we never saw (its first webhook was lost): take it in, then route it on.
      await tx.insert(calls).values({ ...call, status: 'ivr', ivr: start(ctx).state, seq, startedAt: ctx.now });
      await appendEvents(tx, call.sid, [{ type: 'call.started', data: { from: call.from, to: call.to } }], ctx.now);
      return unexpected(tx, ctx, await lockCall(tx, call.sid), seq, render);
    }
    if (seq < row.seq) {
      const reply = await storedReply(tx, call.sid, seq);
      if (reply) return reply;
    }
    if (OVER.includes(row.status)) {
      // A step arriving after the call ended (or left for a call back) is late: it must not put the caller
      // back in a queue, where agents would be offered a caller who is not there.
      await appendEvents(tx, call.sid, [{ type: 'ivr.late', data: { seq, status: row.status } }], ctx.now);
      return render({ said: [], then: { kind: 'hangup' } }, row.seq);
    }
    if (seq !== row.seq || row.status !== 'ivr' || !isListening(ctx, row.ivr)) return unexpected(tx, ctx, row, seq, render);
    return apply(tx, call.sid, seq, step(ctx, row.ivr, input), render, ctx.now);
  });
}

/**
 * Something is off (a step for a call that is elsewhere, a step we did not ask for): apologise and route the
 * caller on to the flow's fallback (an agent), never silence and never an error.
 */
async function unexpected(tx: Tx, ctx: IvrContext, row: CallRow | undefined, seq: number, render: Render): Promise<string> {
  if (!row) throw new Error('unexpected() needs a call row');
  const flow = ctx.flows.get(row.ivr.flow) ?? ctx.flows.values().next().value!;
  await appendEvents(tx, row.sid, [{ type: 'ivr.unexpected', data: { seq, expected: row.seq, status: row.status, node: row.ivr.node } }], ctx.now);
  const result = enterAt(ctx, row.ivr, `${flow.name}:${flow.fallback}`);
  result.output.said.unshift(...speakUnavailable(ctx, row.ivr));
  return apply(tx, row.sid, Math.max(seq, row.seq), result, render, ctx.now);
}

/** What a step writes: the call's new state and status, its events, and the reply the caller is answered. */
type Transition = {
  state: IvrState;
  status: 'ivr' | 'queued' | 'closing';
  queue?: string;
  priority?: number;
  queuedAt?: Date;
  endReason?: string;
  events: IvrEvent[];
  twiml: string;
};

function transition(seq: number, result: StepResult, render: Render, at: Date): Transition {
  const then = result.output.then;
  const queued = then.kind === 'queue' ? { queue: then.queue, priority: then.priority, queuedAt: at } : {};
  return {
    state: result.state,
    status: then.kind === 'listen' ? 'ivr' : then.kind === 'queue' ? 'queued' : 'closing',
    ...queued,
    ...(then.kind === 'hangup' ? { endReason: 'hung-up-by-ivr' } : {}),
    events: then.kind === 'queue' ? [...result.events, { type: 'queue.joined', data: { queue: then.queue, priority: then.priority } }] : result.events,
    twiml: render(result.output, seq + 1),
  };
}

async function apply(tx: Tx, sid: string, seq: number, result: StepResult, render: Render, at: Date): Promise<string> {
  const next = transition(seq, result, render, at);
  await tx
    .update(calls)
    .set({
      ivr: next.state,
      seq: seq + 1,
      status: next.status,
      ...(next.queue !== undefined ? { queue: next.queue, priority: next.priority, queuedAt: next.queuedAt } : {}),
      ...(next.endReason ? { endReason: next.endReason } : {}),
    })
    .where(eq(calls.sid, sid));
  await appendEvents(tx, sid, next.events, at);
  await tx.insert(callReplies).values({ callSid: sid, seq, twiml: next.twiml }).onConflictDoNothing();
  return next.twiml;
}

const iso = (at: Date) => at.toISOString();

/**
 * The carrier reports the caller's leg is over (hung up, or we hung up), or says it no longer has the call
 * (`lost`: ended with that reason, whatever the call was doing). Once, whatever the order.
 */
export async function endCall(h: Hotline, sid: string, durationSeconds: number | undefined, at: Date, lost?: { reason: string; why: string }): Promise<boolean> {
  forgetListening(h, sid);
  const when = sql`${at.toISOString()}::timestamptz`;
  // One statement: a survey still asking ends as partial with what was answered (every time: it changes
  // nothing twice), the call ends once, and their events are logged in that order.
  const [result] = await rows<{ ended: boolean }>(h.database.db, sql`
    with survey as (${surveyEndedByHangup(sid, at)}), ended as (
      update calls set status = 'ended', ended_at = ${when},
        duration_seconds = ${durationSeconds ?? sql`greatest(0, extract(epoch from ${when} - started_at))::int`},
        end_reason = ${lost ? lost.reason : sql`coalesce(end_reason, case status when 'ivr' then 'abandoned-in-ivr' when 'queued' then 'abandoned-in-queue' when 'offered' then 'abandoned-in-queue' else 'completed' end)`}
      where sid = ${sid} and status <> 'ended'
      returning sid, jsonb_build_object('reason', end_reason, 'durationSeconds', duration_seconds, 'node', ivr ->> 'node')
        || case when end_reason = 'abandoned-in-queue' and queued_at is not null
             then jsonb_build_object('waitedSeconds', extract(epoch from ${when} - queued_at)::float8) else '{}' end
        || ${lost ? JSON.stringify({ why: lost.why }) : '{}'}::jsonb as data
    ), logged as (
      insert into call_events (call_sid, at, type, data)
      select e.sid, ${when}, e.type, e.data from (
        select 1 as n, sid, 'survey.ended' as type, data from survey
        union all select 2, sid, 'call.ended', data from ended
      ) e order by e.n
    )
    select exists (select 1 from ended) as ended`);
  return result!.ended;
}

/**
 * A caller held at the door hung up (or was lost) before the hotline took them in: the call is kept, ended
 * `abandoned-at-door`, so that the day's calls count them. Once: a call already known is left as it is.
 */
export async function endHeldCall(h: Hotline, call: ArrivingCall & { heldSince: Date }, durationSeconds: number | undefined, at: Date): Promise<boolean> {
  const ctx = await context(h);
  return h.database.db.transaction(async (tx) => {
    const reason = 'abandoned-at-door';
    const duration = durationSeconds ?? Math.max(0, Math.round((at.getTime() - call.heldSince.getTime()) / 1000));
    const [fresh] = await tx
      .insert(calls)
      .values({ sid: call.sid, from: call.from, to: call.to, status: 'ended', ivr: start(ctx).state, startedAt: call.heldSince, endedAt: at, endReason: reason, durationSeconds: duration })
      .onConflictDoNothing()
      .returning({ sid: calls.sid });
    if (!fresh) return false;
    await appendEvents(tx, call.sid, [{ type: 'call.started', data: { from: call.from, to: call.to } }], call.heldSince);
    await appendEvents(tx, call.sid, [{ type: 'call.ended', data: { reason, durationSeconds: duration, ...heldFor(call, at) } }], at);
    return true;
  });
}

/** How long a caller was held at the door, for their call's events. */
function heldFor(call: ArrivingCall, until: Date): { heldSeconds?: number } {
  return call.heldSince ? { heldSeconds: Math.max(0, Math.round((until.getTime() - call.heldSince.getTime()) / 1000)) } : {};
}

export async function getCall(h: Hotline, sid: string): Promise<CallRow | undefined> {
  const [row] = await h.database.db.select().from(calls).where(eq(calls.sid, sid));
  return row;
}

async function lockCall(tx: Tx, sid: string): Promise<CallRow | undefined> {
  const [row] = await tx.select().from(calls).where(eq(calls.sid, sid)).for('update');
  return row;
}

async function storedReply(tx: Tx, sid: string, seq: number): Promise<string | undefined> {
  const [row] = await tx.select({ twiml: callReplies.twiml }).from(callReplies).where(and(eq(callReplies.callSid, sid), eq(callReplies.seq, seq)));
  return row?.twiml;
}

async function context(h: Hotline): Promise<IvrContext> {
  return { flows: h.flows, now: h.now(), timeZone: h.config.timeZone, announcement: await getAnnouncement(h.database.db) };
}

function speakUnavailable(ctx: IvrContext, state: IvrState) {
  const flow = ctx.flows.get(state.flow);
  return flow ? speak(flow, flow.messages.unavailable, state) : [];
}
