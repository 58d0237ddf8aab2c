import { and, eq, sql } from 'drizzle-orm';
import { callReplies, calls } from '../../db/schema.ts';
import type { Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { enterAt, isListening, speak, start, step } from '../ivr/engine.ts';
import type { IvrContext, IvrInput, IvrOutput, IvrState, StepResult } from '../ivr/types.ts';
import { getAnnouncement } from './announcement.ts';
import { appendEvents } from './events.ts';
import { surveyCallEnded } from '../surveys/survey.ts';

/**
 * The IVR's transitions of a call, each one transaction: the call row changes, its events are appended and
 * the reply is stored together, so a webhook Twilio retries is answered again from the stored reply and
 * changes nothing.
 */

/** Turns what the caller hears next into the carrier's document; the next request will carry `nextSeq`. */
export type Render = (output: IvrOutput, nextSeq: number) => string;

export type NewCall = { sid: string; from: string; to: string };

type CallRow = typeof calls.$inferSelect;

/** A call in these states has left the IVR and the queues for good. */
const OVER = ['ended', 'callback'];

/** A new call arrives: it enters the hotline's flow at the start. */
export async function answerCall(h: Hotline, call: NewCall, render: Render): Promise<string> {
  const ctx = await context(h);
  const result = start(ctx);
  return h.database.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(calls)
      .values({ ...call, status: 'ivr', ivr: result.state, seq: 0, startedAt: ctx.now })
      .onConflictDoNothing()
      .returning({ sid: calls.sid });
    if (inserted.length === 0) return (await storedReply(tx, call.sid, 0)) ?? unexpected(tx, ctx, await lockCall(tx, call.sid), 0, render);
    await appendEvents(tx, call.sid, [{ type: 'call.started', data: { from: call.from, to: call.to } }], ctx.now);
    return apply(tx, call.sid, 0, result, render, ctx.now);
  });
}

/** The caller pressed keys, spoke or stayed silent at the step numbered `seq`. */
export async function takeInput(h: Hotline, call: NewCall, seq: number, input: IvrInput, render: Render): Promise<string> {
  const ctx = await context(h);
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

async function apply(tx: Tx, sid: string, seq: number, result: StepResult, render: Render, at: Date): Promise<string> {
  const then = result.output.then;
  const queued = then.kind === 'queue';
  await tx
    .update(calls)
    .set({
      ivr: result.state,
      seq: seq + 1,
      status: then.kind === 'listen' ? 'ivr' : queued ? 'queued' : 'closing',
      ...(queued ? { queue: then.queue, priority: then.priority, queuedAt: at } : {}),
      ...(then.kind === 'hangup' ? { endReason: 'hung-up-by-ivr' } : {}),
    })
    .where(eq(calls.sid, sid));
  const events = queued ? [...result.events, { type: 'queue.joined', data: { queue: then.queue, priority: then.priority } }] : result.events;
  await appendEvents(tx, sid, events, at);
  const twiml = render(result.output, seq + 1);
  await tx.insert(callReplies).values({ callSid: sid, seq, twiml }).onConflictDoNothing();
  return twiml;
}

/**
 * The carrier reports the caller's leg is over (hung up, or we hung up), or says it no longer has the call
 * (`lost`: ended with that reason, whatever the call was doing). Once, whatever the order.
 */
export async function endCall(h: Hotline, sid: string, durationSeconds: number | undefined, at: Date, lost?: { reason: string; why: string }): Promise<boolean> {
  return h.database.db.transaction(async (tx) => {
    // A survey still asking ends as partial with what was answered (every time: it changes nothing twice).
    await surveyCallEnded(tx, sid, at);
    const [ended] = await tx
      .update(calls)
      .set({
        status: 'ended',
        endedAt: at,
        durationSeconds: durationSeconds ?? sql`greatest(0, extract(epoch from ${at.toISOString()}::timestamptz - ${calls.startedAt}))::int`,
        endReason: lost ? lost.reason : sql`coalesce(${calls.endReason}, case ${calls.status} when 'ivr' then 'abandoned-in-ivr' when 'queued' then 'abandoned-in-queue' when 'offered' then 'abandoned-in-queue' else 'completed' end)`,
      })
      .where(and(eq(calls.sid, sid), sql`${calls.status} <> 'ended'`))
      .returning({ reason: calls.endReason, duration: calls.durationSeconds, queuedAt: calls.queuedAt, node: sql<string>`${calls.ivr}->>'node'` });
    if (!ended) return false;
    const waited = ended.reason === 'abandoned-in-queue' && ended.queuedAt ? (at.getTime() - ended.queuedAt.getTime()) / 1000 : undefined;
    await appendEvents(tx, sid, [
      {
        type: 'call.ended',
        data: { reason: ended.reason, durationSeconds: ended.duration, node: ended.node, ...(waited !== undefined ? { waitedSeconds: waited } : {}), ...(lost ? { why: lost.why } : {}) },
      },
    ], at);
    return true;
  });
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
