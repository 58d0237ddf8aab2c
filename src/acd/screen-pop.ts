import { and, desc, eq, ne } from 'drizzle-orm';
import { calls } from '../../db/schema.ts';
import type { Db, Tx } from '../database.ts';

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
  /** The caller's earlier calls, newest first: when, which queue, how it ended. */
  previousCalls: Array<{ callSid: string; at: string; queue: string | null; endReason: string | null }>;
};

const PREVIOUS_CALLS = 5;

export async function screenPop(db: Db | Tx, callSid: string, offerId: number, now: Date): Promise<ScreenPop | undefined> {
  const [call] = await db.select().from(calls).where(eq(calls.sid, callSid));
  if (!call) return undefined;
  const previous = await db
    .select({ callSid: calls.sid, at: calls.startedAt, queue: calls.queue, endReason: calls.endReason })
    .from(calls)
    .where(and(eq(calls.from, call.from), ne(calls.sid, callSid)))
    .orderBy(desc(calls.startedAt))
    .limit(PREVIOUS_CALLS);
  return {
    callSid,
    offerId,
    from: call.from,
    language: call.ivr.language,
    queue: call.queue ?? '',
    path: call.ivr.path,
    answers: call.ivr.answers,
    waitedSeconds: call.queuedAt ? Math.max(0, Math.round((now.getTime() - call.queuedAt.getTime()) / 1000)) : 0,
    previousCalls: previous.map((p) => ({ ...p, at: p.at.toISOString() })),
  };
}
