import { and, asc, desc, eq, inArray, ne } from 'drizzle-orm';
import { callNotes, calls, staff } from '../../db/schema.ts';
import { casesOfCaller, type OpenCase } from '../cases/lists.ts';
import { contactKey } from '../cases/reference.ts';
import type { Db, Tx } from '../database.ts';
import type { Disposition, Topic } from '../notes/choices.ts';
import type { CallbackPop } from '../callbacks/offers.ts';
import type { Flows, StaffWords } from '../ivr/flow.ts';

/** What the agent sees the moment the phone rings: who is calling and what the IVR learned. */
export type ScreenPop = {
  callSid: string;
  offerId: number;
  from: string;
  language: string;
  queue: string;
  /** The IVR nodes the caller passed, in order, and every answer gathered (train number, travel date …). */
  path: string[];
  answers: Record<string, string>;
  waitedSeconds: number;
  /** The caller's earlier calls, newest first: when, which queue, how it ended, and what the agents noted. */
  previousCalls: Array<{
    callSid: string;
    at: string;
    queue: string | null;
    endReason: string | null;
    notes: Array<{ employeeNo: string; topic: Topic | null; disposition: Disposition | null; text: string }>;
  }>;
  /** What the agents who passed this call on (a transfer) noted on it, oldest first; empty for a new caller. */
  notesSoFar: Array<{ employeeNo: string; topic: Topic | null; disposition: Disposition | null; text: string }>;
  /** The caller's open cases (by their number, or made on one of the earlier calls), soonest due first. */
  openCases: OpenCase[];
  /** A callback offered (src/callbacks): the case the passenger is to be called back about; callSid is '' until placed. */
  callback?: CallbackPop;
};

const PREVIOUS_CALLS = 5;
/** Enough of a note to recognise the story; the full notes are one click away. */
const NOTE_PREVIEW = 200;

/**
 * On the offer's hot path: the call, its earlier calls, their notes, the open cases (four small queries; a
 * fifth for a call passed on by another agent).
 */
export async function screenPop(db: Db | Tx, callSid: string, offerId: number, now: Date): Promise<ScreenPop | undefined> {
  const [call] = await db.select().from(calls).where(eq(calls.sid, callSid));
  if (!call) return undefined;
  const previous = await db
    .select({ callSid: calls.sid, at: calls.startedAt, queue: calls.queue, endReason: calls.endReason })
    .from(calls)
    .where(and(eq(calls.from, call.from), ne(calls.sid, callSid)))
    .orderBy(desc(calls.startedAt))
    .limit(PREVIOUS_CALLS);
  const sids = previous.map((p) => p.callSid);
  // Only a call an agent has answered before (then passed on) can have notes of its own yet.
  const notesSoFar =
    call.agentId === null
      ? []
      : await db
          .select({ employeeNo: staff.employeeNo, topic: callNotes.topic, disposition: callNotes.disposition, text: callNotes.text })
          .from(callNotes)
          .innerJoin(staff, eq(staff.id, callNotes.staffId))
          .where(eq(callNotes.callSid, callSid))
          .orderBy(asc(callNotes.createdAt))
          // Notes begun but left empty (a page saves as soon as the call is answered) say nothing.
          .then((rows) => rows.filter((n) => n.text.trim() || n.topic || n.disposition));
  const notes = sids.length
    ? await db
        .select({ callSid: callNotes.callSid, employeeNo: staff.employeeNo, topic: callNotes.topic, disposition: callNotes.disposition, text: callNotes.text })
        .from(callNotes)
        .innerJoin(staff, eq(staff.id, callNotes.staffId))
        .where(inArray(callNotes.callSid, sids))
        .orderBy(asc(callNotes.createdAt))
    : [];
  const owed = await casesOfCaller(db, contactKey(call.from), sids, now);
  return {
    callSid,
    offerId,
    from: call.from,
    language: call.ivr.language,
    queue: call.queue ?? '',
    path: call.ivr.path,
    answers: call.ivr.answers,
    waitedSeconds: call.queuedAt ? Math.max(0, Math.round((now.getTime() - call.queuedAt.getTime()) / 1000)) : 0,
    previousCalls: previous.map((p) => ({
      ...p,
      at: p.at.toISOString(),
      notes: notes
        .filter((n) => n.callSid === p.callSid)
        .map(({ employeeNo, topic, disposition, text }) => ({ employeeNo, topic, disposition, text: text.slice(0, NOTE_PREVIEW) })),
    })),
    notesSoFar,
    openCases: owed,
  };
}

/** One labelled node the caller passed: its id (`flow:node`) for machines, its words for the agent. */
export type PathStep = { node: string; words: StaffWords };

/** The screen-pop as the agent's page receives it: the IVR path also in words. */
export type WordedScreenPop = ScreenPop & {
  /** The labelled nodes of `path`, in order (the flows' `label`s); a node passed twice in a row once. */
  pathWords: PathStep[];
};

/**
 * The caller's way through the IVR in the agent's words ("Tickets › Agent › Train number"), from the flows'
 * node labels. Read from the flows the process runs: a node since removed or unlabelled is left out.
 */
export function worded(flows: Flows, pop: ScreenPop): WordedScreenPop {
  const steps: PathStep[] = [];
  for (const node of pop.path) {
    const [flow, id] = node.includes(':') ? (node.split(':', 2) as [string, string]) : ['hotline', node];
    const label = flows.get(flow)?.nodes[id]?.label;
    // A menu replayed (a wrong key), or `9` to hear an answer again, is one step for the agent.
    if (label && steps.at(-1)?.node !== node) steps.push({ node, words: label });
  }
  return { ...pop, pathWords: steps };
}
