import { and, asc, desc, eq, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { offers, recordings, type RecordingStatus } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { appendEvents } from '../calls/events.ts';
import { Refused } from '../acd/conversation.ts';
import { CallGone } from '../telephony/carrier/carrier.ts';

/**
 * A conversation's recording, in a queue that records (queues.yaml `recording`): the caller heard the
 * consent before joining the room (src/telephony/connect.ts), and the recording of their call starts when
 * the agent answers. The agent pauses it while taking card or ID details; the carrier reports how it ended
 * (src/recordings/webhooks.ts); staff with the right role hear it through the hotline
 * (src/recordings/routes.ts), never from the carrier's URL; after the retention period the sweep deletes it
 * at the carrier and here. Every change is a conditional UPDATE: repeated or late callbacks change nothing.
 */

export type RecordingRow = typeof recordings.$inferSelect;

/** What the agent's page shows: the recording is on, paused, or there is none. */
export type RecordingState = 'on' | 'paused' | null;

/** Live: the carrier is recording (or paused). */
const LIVE: RecordingStatus[] = ['in-progress', 'paused'];

/** Deleted at most this many a sweep pass: a backlog (after an outage) drains without hogging a pass. */
export const DELETE_BATCH = 20;
/** A recording the carrier failed to delete is tried again this much later. */
export const DELETE_RETRY_SECONDS = 60;

/** The carrier's news of a recording (its status callback), as the hotline reads it. */
export type RecordingNews = {
  recordingSid: string;
  status: 'in-progress' | 'completed' | 'absent' | 'failed';
  durationSeconds: number | undefined;
  channels: 'dual' | 'mono' | undefined;
  url: string | undefined;
  errorCode: string | undefined;
};

/** Where the carrier reports on the recording of an offer's conversation. */
export function recordingCallback(h: Hotline, offerId: number): string {
  return `${h.config.publicUrl}/twilio/recording?offer=${offerId}`;
}

/**
 * The agent answered: record the conversation if its queue records and it is held in a room. Never fails
 * the answer: a carrier that refuses leaves the row `failed`, with why, and the conversation goes on.
 */
export async function startRecording(
  h: Hotline,
  offer: { id: number; callSid: string; staffId: number; queue: string; conferenceSid: string | null },
): Promise<void> {
  const rules = h.queues.get(offer.queue)?.recording;
  if (!rules?.enabled || offer.conferenceSid === null) return;
  const db = h.database.db;
  try {
    const now = h.now();
    const row = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(recordings)
        .values({
          callSid: offer.callSid,
          offerId: offer.id,
          staffId: offer.staffId,
          queue: offer.queue,
          status: 'in-progress',
          channels: rules.channels,
          startedAt: now,
          deleteAfter: new Date(now.getTime() + h.config.recordingRetentionDays * 86_400_000),
        })
        .onConflictDoNothing()
        .returning();
      if (row) await appendEvents(tx, offer.callSid, [{ type: 'call.recording-started', data: { recordingId: row.id, offerId: offer.id, channels: rules.channels } }], now);
      return row;
    });
    // Started already (the answer was told twice).
    if (!row) return;
    try {
      const { sid } = await h.carrier.startRecording(offer.callSid, { statusCallback: recordingCallback(h, offer.id), channels: rules.channels });
      await db.update(recordings).set({ carrierSid: sid }).where(and(eq(recordings.id, row.id), isNull(recordings.carrierSid)));
    } catch (err) {
      const why = err instanceof CallGone ? 'the caller has left the call' : `the carrier refused: ${(err as Error).message}`;
      h.log.warn({ offerId: offer.id, callSid: offer.callSid, err: (err as Error).message }, 'could not start recording the conversation');
      await db.transaction(async (tx) => {
        const [failed] = await tx
          .update(recordings)
          .set({ status: 'failed', error: why })
          .where(and(eq(recordings.id, row.id), inArray(recordings.status, LIVE), isNull(recordings.carrierSid)))
          .returning({ id: recordings.id });
        if (failed) await appendEvents(tx, offer.callSid, [{ type: 'call.recording-failed', data: { recordingId: row.id, offerId: offer.id, error: why } }], h.now());
      });
    }
  } catch (err) {
    h.log.error({ err, offerId: offer.id }, 'recording the conversation failed');
  }
}

/**
 * The conversation is over (the agent hung up, or passed the caller on) but the caller's call may go on
 * (the survey, another queue): its recording stops here. A caller who hung up took it with them.
 */
export async function stopRecording(h: Hotline, offerId: number): Promise<void> {
  try {
    const [row] = await h.database.db
      .select()
      .from(recordings)
      .where(and(eq(recordings.offerId, offerId), inArray(recordings.status, LIVE)));
    if (!row?.carrierSid) return;
    await h.carrier.updateRecording(row.callSid, row.carrierSid, 'stopped').catch((err: unknown) => {
      if (!(err instanceof CallGone)) h.log.warn({ offerId, err: (err as Error).message }, 'could not stop the recording');
    });
  } catch (err) {
    h.log.error({ err, offerId }, 'stopping the recording failed');
  }
}

/** The carrier's status callback for the recording of an offer's conversation. */
export async function recordingProgress(h: Hotline, offerId: number, news: RecordingNews): Promise<void> {
  const db = h.database.db;
  const mine = and(eq(recordings.offerId, offerId), sql`coalesce(${recordings.carrierSid}, ${news.recordingSid}) = ${news.recordingSid}`);
  if (news.status === 'in-progress') {
    await db.update(recordings).set({ carrierSid: news.recordingSid }).where(and(mine, isNull(recordings.carrierSid)));
    return;
  }
  const now = h.now();
  const change: Partial<RecordingRow> =
    news.status === 'completed'
      ? { status: 'completed', durationSeconds: news.durationSeconds ?? 0, carrierUrl: news.url ?? null, error: null, ...(news.channels ? { channels: news.channels } : {}) }
      : news.status === 'absent'
        ? { status: 'absent', durationSeconds: 0, error: null }
        : { status: 'failed', error: `the carrier reported error ${news.errorCode ?? 'unknown'}` };
  await db.transaction(async (tx) => {
    // A recording the start request failed on may still have been made: the carrier's word wins.
    const [row] = await tx
      .update(recordings)
      .set({ ...change, carrierSid: news.recordingSid, completedAt: now })
      .where(and(mine, inArray(recordings.status, [...LIVE, 'failed'])))
      .returning();
    if (!row) return;
    await appendEvents(tx, row.callSid, [{ type: `call.recording-${row.status}`, data: { recordingId: row.id, offerId, durationSeconds: row.durationSeconds, channels: row.channels } }], now);
  });
}

/**
 * Pause (`paused`) or resume the recording of the agent's conversation: paused while they take card or ID
 * details, which the recording then does not hold. Asking for the state it is in changes nothing.
 */
export async function pauseRecording(h: Hotline, staffId: number, paused: boolean): Promise<{ recording: 'on' | 'paused' }> {
  const db = h.database.db;
  const [offer] = await db
    .select({ id: offers.id, callSid: offers.callSid })
    .from(offers)
    .where(and(eq(offers.staffId, staffId), eq(offers.status, 'connected')));
  if (!offer?.callSid) throw new Refused('you have no call in progress', 404);
  const [row] = await db
    .select()
    .from(recordings)
    .where(and(eq(recordings.offerId, offer.id), inArray(recordings.status, LIVE)));
  if (!row) throw new Refused('this call is not being recorded', 404);
  const want: RecordingStatus = paused ? 'paused' : 'in-progress';
  const state = paused ? 'paused' : 'on';
  if (row.status === want) return { recording: state };
  if (!row.carrierSid) throw new Refused('the recording is still starting; try again in a moment', 409);
  try {
    await h.carrier.updateRecording(row.callSid, row.carrierSid, want);
  } catch (err) {
    if (err instanceof CallGone) throw new Refused('the caller has left the call', 409);
    h.log.warn({ offerId: offer.id, err: (err as Error).message }, 'the carrier refused to change the recording');
    throw new Refused(`the carrier could not ${paused ? 'pause' : 'resume'} the recording; try again`, 502);
  }
  const now = h.now();
  await db.transaction(async (tx) => {
    const [changed] = await tx
      .update(recordings)
      .set({ status: want })
      .where(and(eq(recordings.id, row.id), eq(recordings.status, row.status)))
      .returning({ id: recordings.id });
    if (changed) await appendEvents(tx, row.callSid, [{ type: paused ? 'call.recording-paused' : 'call.recording-resumed', data: { recordingId: row.id, offerId: offer.id, staffId } }], now);
  });
  return { recording: state };
}

/**
 * What the agent's page shows of an offer's recording: on or paused while the carrier records. A
 * conversation in a recording queue whose recording is still being started counts as on.
 */
export async function recordingState(
  h: Hotline,
  offer: { id: number; status: string; queue: string; conferenceSid: string | null },
): Promise<RecordingState> {
  if (offer.status !== 'connected') return null;
  const [row] = await h.database.db.select({ status: recordings.status }).from(recordings).where(eq(recordings.offerId, offer.id));
  if (!row) return offer.conferenceSid !== null && h.queues.get(offer.queue)?.recording?.enabled ? 'on' : null;
  return row.status === 'in-progress' ? 'on' : row.status === 'paused' ? 'paused' : null;
}

/** A recording as staff see it: never the carrier's URL or sid. */
export type RecordingView = {
  id: number;
  callSid: string;
  offerId: number;
  staffId: number;
  queue: string;
  status: RecordingStatus;
  channels: 'dual' | 'mono';
  durationSeconds: number | null;
  startedAt: string;
  completedAt: string | null;
  deleteAfter: string;
  deletedAt: string | null;
  error: string | null;
  /** Where to hear it (through the hotline), once there is something to hear. */
  audio: string | null;
};

export function view(row: RecordingRow): RecordingView {
  return {
    id: row.id,
    callSid: row.callSid,
    offerId: row.offerId,
    staffId: row.staffId,
    queue: row.queue,
    status: row.status,
    channels: row.channels,
    durationSeconds: row.durationSeconds,
    startedAt: row.startedAt.toISOString(),
    completedAt: row.completedAt?.toISOString() ?? null,
    deleteAfter: row.deleteAfter.toISOString(),
    deletedAt: row.deletedAt?.toISOString() ?? null,
    error: row.error,
    audio: row.status === 'completed' ? `/api/recordings/${row.id}/audio` : null,
  };
}

/** Recordings of a call, or of an agent's calls; newest first. */
export async function listRecordings(h: Hotline, filter: { callSid?: string | undefined; staffId?: number | undefined }, limit = 100): Promise<RecordingView[]> {
  const where: SQL[] = [];
  if (filter.callSid) where.push(eq(recordings.callSid, filter.callSid));
  if (filter.staffId !== undefined) where.push(eq(recordings.staffId, filter.staffId));
  const rows = await h.database.db
    .select()
    .from(recordings)
    .where(and(...where))
    .orderBy(desc(recordings.startedAt), desc(recordings.id))
    .limit(limit);
  return rows.map(view);
}

export async function findRecording(h: Hotline, id: number): Promise<RecordingRow | undefined> {
  const [row] = await h.database.db.select().from(recordings).where(eq(recordings.id, id));
  return row;
}

/** Whether any recording's retention has run out (the sweep's question; an indexed `exists`). */
export function dueForDeletion(h: Hotline, now: Date) {
  return h.database.db
    .select({ one: sql`1` })
    .from(recordings)
    .where(and(isNull(recordings.deletedAt), lte(recordings.deleteAfter, now)));
}

/**
 * Recordings past their retention period are deleted at the carrier, then marked deleted here (the
 * carrier's URL forgotten), at most DELETE_BATCH a pass. One the carrier fails to delete stays due, tried
 * again DELETE_RETRY_SECONDS later rather than at every pass.
 */
export async function deleteExpiredRecordings(h: Hotline, now: Date): Promise<number> {
  const db = h.database.db;
  const due = await db
    .select()
    .from(recordings)
    .where(and(isNull(recordings.deletedAt), lte(recordings.deleteAfter, now)))
    .orderBy(asc(recordings.deleteAfter))
    .limit(DELETE_BATCH);
  let deleted = 0;
  for (const row of due) {
    try {
      if (row.carrierSid) await h.carrier.deleteRecording(row.carrierSid);
    } catch (err) {
      h.log.warn({ recordingId: row.id, err: (err as Error).message }, 'the carrier could not delete a recording; trying again later');
      await db
        .update(recordings)
        .set({ deleteAfter: new Date(now.getTime() + DELETE_RETRY_SECONDS * 1000) })
        .where(and(eq(recordings.id, row.id), isNull(recordings.deletedAt)));
      continue;
    }
    await db.transaction(async (tx) => {
      const [gone] = await tx
        .update(recordings)
        .set({ status: 'deleted', carrierUrl: null, deletedAt: now })
        .where(and(eq(recordings.id, row.id), isNull(recordings.deletedAt)))
        .returning({ id: recordings.id });
      if (gone) {
        deleted += 1;
        await appendEvents(tx, row.callSid, [{ type: 'call.recording-deleted', data: { recordingId: row.id, reason: 'retention' } }], now);
      }
    });
  }
  return deleted;
}
