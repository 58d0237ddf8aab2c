import { and, eq, sql, type SQL } from 'drizzle-orm';
import { callReplies, surveys } from '../../db/schema.ts';
import { rows, together, type Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents, eventsAppended, logEvents } from '../calls/events.ts';
import { recallListening, rememberListening } from '../calls/listening.ts';
import { enterAt, isListening, step } from '../ivr/engine.ts';
import type { Flow } from '../ivr/flow.ts';
import type { IvrContext, IvrInput, IvrOutput, IvrState, StepResult } from '../ivr/types.ts';

/**
 * The post-call survey: after the agent hangs up, the caller is asked the survey flow's questions
 * (ivr-flows/survey.yaml) by the IVR engine, with the survey's own state and step counter in its `surveys`
 * row. Each transition changes the row, appends to the call's events and stores the reply together (one
 * statement, or a transaction where the step is unexpected), so a webhook the carrier retries is answered
 * again and changes nothing (as calls/ivr.ts does for the IVR).
 */

export const SURVEY_FLOW = 'survey';

export type Survey = typeof surveys.$inferSelect;

/** Turns what the caller hears next into the carrier's document; the next answer will carry `nextSeq`. */
export type SurveyRender = (output: IvrOutput, nextSeq: number, language: string) => string;

/** A survey step's reply: the document, and whether the survey is now over (complete or partial). */
export type SurveyReply = { twiml: string; ended: boolean };

/**
 * The survey's replies share `call_replies` with the IVR's, which numbers its steps 0, 1, 2 …: survey step
 * `seq` is kept at -1 - seq, apart from them.
 */
const replySeq = (seq: number) => -1 - seq;

export function surveyFlow(h: Hotline): Flow | undefined {
  return h.flows.get(SURVEY_FLOW);
}

/**
 * The caller's leg asks what next after a conversation the agent ended (`offerId` completed, the caller
 * still on the line): the survey's first question. Undefined when there is no survey to give (no survey
 * flow, no conversation, the caller gone); a repeated request is answered with the same first question.
 */
export async function startSurvey(h: Hotline, callSid: string, offerId: number, render: SurveyRender): Promise<SurveyReply | undefined> {
  const flow = surveyFlow(h);
  if (!flow) return undefined;
  const ctx = context(h);
  const [given] = await rows<{ staffId: number; queue: string; language: string }>(h.database.db, sql`
    select o.staff_id as "staffId", o.queue, c.ivr ->> 'language' as language
    from offers o join calls c on c.sid = o.call_sid
    where o.id = ${offerId} and o.call_sid = ${callSid} and o.status = 'completed' and c.status <> 'ended'`);
  if (!given) return undefined;
  const language = flow.languages.includes(given.language) ? given.language : flow.languages[0]!;
  const first: IvrState = { flow: flow.name, node: flow.start, language, attempt: 0, answers: {}, path: [] };
  const result = enterAt(ctx, first, `${flow.name}:${flow.start}`);
  const started = { type: 'survey.started', data: { offerId, staffId: given.staffId, queue: given.queue, language } };
  const next = outcome({ ...result, events: [started, ...result.events] }, 0, render);
  // One statement: the survey created with its first question asked, its events and the reply, only if it
  // is new and the caller has not hung up meanwhile; a repeated request finds the stored first question.
  const [written] = await rows<{ fresh: boolean; stored: string | null }>(h.database.db, sql`
    with fresh as (
      insert into surveys (call_sid, staff_id, queue, language, state, seq, rating, solved, status, started_at, ended_at)
      select ${callSid}, ${given.staffId}::int, ${given.queue}, ${language}, ${JSON.stringify(next.state)}::jsonb, 1, ${next.answers.rating}::int,
        ${next.answers.solved}::boolean, ${next.status}, ${ctx.now.toISOString()}::timestamptz, ${next.ended ? ctx.now.toISOString() : null}::timestamptz
      where exists (select 1 from calls where sid = ${callSid} and status <> 'ended')
      on conflict do nothing
      returning call_sid as sid
    ), logged as (${logEvents(next.events, ctx.now)}), replied as (
      insert into call_replies (call_sid, seq, twiml) select sid, ${replySeq(0)}::int, ${next.twiml} from fresh on conflict do nothing
    )
    select exists (select 1 from fresh) as fresh,
      (select twiml from call_replies where call_sid = ${callSid} and seq = ${replySeq(0)}::int) as stored`);
  if (written!.fresh) return movedOn(h, callSid, 0, next);
  return written!.stored === null ? undefined : { twiml: written!.stored, ended: false };
}

/**
 * The caller answered (or stayed silent) at the survey step numbered `seq`. Undefined when there is no
 * such question to answer (no survey, or one that is over or elsewhere): the caller is then thanked.
 */
export async function answerSurvey(h: Hotline, callSid: string, seq: number, input: IvrInput, render: SurveyRender): Promise<SurveyReply | undefined> {
  const ctx = context(h);
  // Where this process left the survey: the step is one statement, written only if the survey is still there.
  const kept = recallListening(h, surveying(callSid), seq);
  if (kept && isListening(ctx, kept)) {
    const next = outcome(step(ctx, kept, input), seq, render);
    const [taken] = await rows<{ taken: boolean }>(h.database.db, sql`
      with moved as (
        update surveys set state = ${JSON.stringify(next.state)}::jsonb, seq = ${seq + 1}::int, rating = ${next.answers.rating}::int,
          solved = ${next.answers.solved}::boolean, status = ${next.status}, ended_at = ${next.ended ? ctx.now.toISOString() : null}::timestamptz
        where call_sid = ${callSid} and seq = ${seq}::int and status = 'asking'
        returning call_sid as sid
      ), logged as (${logEvents(next.events, ctx.now, 'moved')}), replied as (
        insert into call_replies (call_sid, seq, twiml) select sid, ${replySeq(seq)}::int, ${next.twiml} from moved on conflict do nothing
      )
      select exists (select 1 from moved) as taken`);
    if (taken?.taken) return movedOn(h, callSid, seq, next);
  }
  return h.database.db.transaction(async (tx) => {
    const [row] = await tx.select().from(surveys).where(eq(surveys.callSid, callSid)).for('update');
    if (!row) return undefined;
    if (seq < row.seq) {
      const reply = await storedReply(tx, callSid, seq);
      if (reply !== undefined) return { twiml: reply, ended: row.status !== 'asking' };
    }
    if (seq !== row.seq || row.status !== 'asking' || !isListening(ctx, row.state)) {
      await appendEvents(tx, callSid, [{ type: 'survey.unexpected', data: { seq, expected: row.seq, status: row.status } }], ctx.now);
      return undefined;
    }
    return apply(h, tx, row, seq, step(ctx, row.state, input), render, ctx.now);
  });
}

/**
 * The caller's leg is over: a survey still asking keeps what was answered and ends as partial. A CTE of the
 * statement that ends the call (calls/ivr.ts), returning the call's `sid` and its `survey.ended` event's `data`.
 */
export function surveyEndedByHangup(callSid: string, at: Date): SQL {
  return sql`update surveys set status = 'partial', ended_at = ${at.toISOString()}::timestamptz
    where call_sid = ${callSid} and status = 'asking'
    returning call_sid as sid, jsonb_build_object('status', 'partial', 'rating', rating, 'solved', solved, 'by', 'hangup') as data`;
}

/** A call's survey, if one was given. */
export async function surveyOf(h: Hotline, callSid: string): Promise<Survey | undefined> {
  const [row] = await h.database.db.select().from(surveys).where(eq(surveys.callSid, callSid));
  return row;
}

/** The answers the survey flow gathered, as the columns store them; a question not (validly) answered is null. */
export function answersOf(state: IvrState): { rating: number | null; solved: boolean | null } {
  const { rating, solved } = state.answers;
  return {
    rating: rating !== undefined && /^[1-5]$/.test(rating) ? Number(rating) : null,
    solved: solved === '1' ? true : solved === '2' ? false : null,
  };
}

/** What a step makes of the survey: its row's new state, answers and status, its events, and the reply. */
function outcome(result: StepResult, seq: number, render: SurveyRender) {
  const ended = result.output.then.kind !== 'listen';
  const answers = answersOf(result.state);
  // Over with both answers is complete; over without them (retries used up) keeps what was answered.
  const status: Survey['status'] = !ended ? 'asking' : answers.rating !== null && answers.solved !== null ? 'complete' : 'partial';
  const events = ended ? [...result.events, { type: 'survey.ended', data: { status, ...answers, by: 'survey' } }] : result.events;
  return { state: result.state, answers, status, ended, events, twiml: render(result.output, seq + 1, result.state.language) };
}

async function apply(h: Hotline, tx: Tx, row: Survey, seq: number, result: StepResult, render: SurveyRender, at: Date): Promise<SurveyReply> {
  const next = outcome(result, seq, render);
  await together([
    tx
      .update(surveys)
      .set({ state: next.state, seq: seq + 1, ...next.answers, status: next.status, ...(next.ended ? { endedAt: at } : {}) })
      .where(eq(surveys.callSid, row.callSid)),
    eventsAppended(tx, row.callSid, next.events, at),
    tx.insert(callReplies).values({ callSid: row.callSid, seq: replySeq(seq), twiml: next.twiml }).onConflictDoNothing(),
  ]);
  return movedOn(h, row.callSid, seq, next);
}

/** The survey moved on from step `seq`: this process remembers where, while it still asks. */
function movedOn(h: Hotline, callSid: string, seq: number, next: ReturnType<typeof outcome>): SurveyReply {
  if (!next.ended) rememberListening(h, surveying(callSid), seq + 1, next.state);
  return { twiml: next.twiml, ended: next.ended };
}

/** The survey's place among the states kept by calls/listening.ts, apart from the same call's IVR. */
const surveying = (callSid: string) => `survey ${callSid}`;

async function storedReply(tx: Tx, callSid: string, seq: number): Promise<string | undefined> {
  const [row] = await tx
    .select({ twiml: callReplies.twiml })
    .from(callReplies)
    .where(and(eq(callReplies.callSid, callSid), eq(callReplies.seq, replySeq(seq))));
  return row?.twiml;
}

/** The survey needs no announcement and no opening hours: only the flows and the clock. */
function context(h: Hotline): IvrContext {
  return { flows: h.flows, now: h.now(), timeZone: h.config.timeZone, announcement: null };
}
