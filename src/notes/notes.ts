import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { callNotes, calls, offers, staff } from '../../db/schema.ts';
import { announce, type Case } from '../cases/cases.ts';
import { keepPromise } from '../cases/promised.ts';
import type { Hotline } from '../hotline.ts';
import { fieldIssue, refusing, unstorable } from '../input.ts';
import type { StaffMember } from '../staff/staff.ts';
import { DISPOSITIONS, TOPICS, type Disposition, type Topic } from './choices.ts';

/**
 * An agent's notes on a call ("listen and record"). The page saves while the agent types, numbering each
 * save; the database keeps the highest number, so a save that arrives late (a socket that dropped and came
 * back, a retried PUT) never overwrites a newer one. A promised callback is kept as one callback case.
 */


const required = (message: string) => ({ error: (i: { input: unknown }) => (i.input === undefined ? 'is required' : message) });
const words = (max: number) => z.string('must be text').max(max, `must be at most ${max} characters`).check(refusing(unstorable)).optional();

/** The highest version the `integer` column holds: a page numbering its saves from 1 never comes near it. */
const MAX_VERSION = 2_147_483_647;
const VERSION = `must be a whole number from 1 to ${MAX_VERSION}`;

/** One save, as the page sends it over the socket (with the callSid) or in PUT /api/calls/:sid/notes. */
export const notesInput = z.object({
  version: z.number(required(VERSION)).int(VERSION).min(1, VERSION).max(MAX_VERSION, VERSION),
  passengerName: words(100),
  contactNumber: words(30),
  trainNumber: words(10),
  seatNumber: words(10),
  topic: z.enum(TOPICS, `must be one of ${TOPICS.join(', ')}`).nullable().optional(),
  text: words(4000),
  disposition: z.enum(DISPOSITIONS, `must be one of ${DISPOSITIONS.join(', ')}`).nullable().optional(),
  callbackDueAt: z.iso.datetime({ offset: true, error: 'must be an ISO date and time, e.g. 2026-03-12T15:00:00Z' }).nullable().optional(),
});
export type NotesInput = z.output<typeof notesInput>;

/** The notes as stored: what GET /api/calls/:sid/notes and the softphone's current call show. */
export type Notes = {
  callSid: string;
  staffId: number;
  employeeNo: string;
  version: number;
  updatedAt: string;
  passengerName: string;
  contactNumber: string;
  trainNumber: string;
  seatNumber: string;
  topic: Topic | null;
  text: string;
  disposition: Disposition | null;
  callbackDueAt: string | null;
  /** The callback case the promise made. */
  callbackCaseId: number | null;
};

/** The answer to a save over the socket: the version now stored, or why the save was refused. */
export type SaveAck = { ok: true; version: number; savedAt: string } | { ok: false; error: string; field?: string };

/** A save the hotline refuses; `field` names the input at fault, `status` is the HTTP answer. */
export class NotesError extends Error {
  constructor(
    message: string,
    readonly field: string | undefined,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
  }
}

export const NOT_YOUR_CALL = 'not your call';

/** Parse a save or say which field is wrong: "topic must be one of …". */
export function parseNotes(body: unknown): NotesInput {
  const parsed = notesInput.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const { field, message } = fieldIssue(parsed.error, { whole: 'notes' });
  throw new NotesError(message, field);
}

/**
 * Store one save of `staffId`'s notes on `callSid`, a call they answered. Fields left out keep what is
 * stored. Returns the version the database holds afterwards and when it was saved: the save's own, or a
 * newer one's when this save came too late (`applied: false`, nothing changed).
 */
export async function saveNotes(
  h: Hotline,
  staffId: number,
  callSid: string,
  input: NotesInput,
): Promise<{ applied: boolean; version: number; savedAt: string; disposition: string | null }> {
  const now = h.now();
  const dueAt = input.callbackDueAt == null ? input.callbackDueAt : new Date(input.callbackDueAt);
  if (dueAt && dueAt.getTime() <= now.getTime()) throw new NotesError('callbackDueAt must be in the future', 'callbackDueAt');

  const touched: Case[] = [];
  const saved = await h.database.db.transaction(async (tx) => {
    const [answered] = await tx
      .select({ from: calls.from, queue: calls.queue, ivr: calls.ivr })
      .from(offers)
      .innerJoin(calls, eq(calls.sid, offers.callSid))
      .where(and(eq(offers.callSid, callSid), eq(offers.staffId, staffId), isNotNull(offers.answeredAt)))
      .limit(1);
    if (!answered) throw new NotesError(NOT_YOUR_CALL, undefined, 404);

    const { version, callbackDueAt: _due, ...fields } = input;
    const changes = {
      ...fields,
      // A due time belongs to a promised callback only.
      ...(dueAt !== undefined ? { callbackDueAt: dueAt } : {}),
      ...(input.disposition !== undefined && input.disposition !== 'callback-promised' ? { callbackDueAt: null } : {}),
    };
    const [row] = await tx
      .insert(callNotes)
      .values({ callSid, staffId, ...changes, version, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [callNotes.callSid, callNotes.staffId],
        set: { ...changes, version, updatedAt: now },
        // Concurrent and late saves are settled here, in one statement: the highest version wins.
        setWhere: sql`${callNotes.version} < excluded.version`,
      })
      .returning();
    if (!row) {
      const [newer] = await tx
        .select({ version: callNotes.version, updatedAt: callNotes.updatedAt, disposition: callNotes.disposition })
        .from(callNotes)
        .where(and(eq(callNotes.callSid, callSid), eq(callNotes.staffId, staffId)));
      return { applied: false, version: newer!.version, savedAt: newer!.updatedAt.toISOString(), disposition: newer!.disposition };
    }
    if (row.disposition === 'callback-promised' && !row.callbackDueAt) {
      throw new NotesError('callbackDueAt is required when the disposition is callback-promised', 'callbackDueAt');
    }

    // The promised callback: one callback case per notes, made, moved or withdrawn with them.
    const callbackCaseId = await keepPromise(tx, h, row, { staffId, from: answered.from, queue: answered.queue, language: answered.ivr.language }, now, touched);
    if (callbackCaseId !== row.callbackCaseId) await tx.update(callNotes).set({ callbackCaseId }).where(eq(callNotes.id, row.id));
    return { applied: true, version: row.version, savedAt: row.updatedAt.toISOString(), disposition: row.disposition };
  });
  for (const c of touched) announce(h, c);
  return saved;
}

const notesColumns = {
  callSid: callNotes.callSid,
  staffId: callNotes.staffId,
  employeeNo: staff.employeeNo,
  version: callNotes.version,
  updatedAt: callNotes.updatedAt,
  passengerName: callNotes.passengerName,
  contactNumber: callNotes.contactNumber,
  trainNumber: callNotes.trainNumber,
  seatNumber: callNotes.seatNumber,
  topic: callNotes.topic,
  text: callNotes.text,
  disposition: callNotes.disposition,
  callbackDueAt: callNotes.callbackDueAt,
  callbackCaseId: callNotes.callbackCaseId,
};

function present(row: { updatedAt: Date; callbackDueAt: Date | null } & Omit<Notes, 'updatedAt' | 'callbackDueAt'>): Notes {
  return { ...row, updatedAt: row.updatedAt.toISOString(), callbackDueAt: row.callbackDueAt?.toISOString() ?? null };
}

/** One agent's notes on a call, if they saved any. */
export async function notesOf(h: Hotline, callSid: string, staffId: number): Promise<Notes | null> {
  const [row] = await h.database.db
    .select(notesColumns)
    .from(callNotes)
    .innerJoin(staff, eq(staff.id, callNotes.staffId))
    .where(and(eq(callNotes.callSid, callSid), eq(callNotes.staffId, staffId)));
  return row ? present(row) : null;
}

/**
 * The notes on a call that `viewer` may read: an agent only their own (none → 404, whether the call is
 * someone else's or does not exist, so an agent learns nothing of other agents' calls); supervisors,
 * managers and trainers everyone's.
 */
export async function notesForCall(h: Hotline, viewer: StaffMember, callSid: string): Promise<Notes[]> {
  if (viewer.role === 'agent') {
    const own = await notesOf(h, callSid, viewer.id);
    if (!own) throw new NotesError(`no notes of yours for call ${callSid}`, undefined, 404);
    return [own];
  }
  const rows = await h.database.db
    .select(notesColumns)
    .from(callNotes)
    .innerJoin(staff, eq(staff.id, callNotes.staffId))
    .where(eq(callNotes.callSid, callSid))
    .orderBy(callNotes.createdAt);
  return rows.map(present);
}
