import { and, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { callNotes, calls, caseCalls, caseClocks, cases, offers, recordings, staff, surveys } from '../../db/schema.ts';
import type { Db } from '../database.ts';

/**
 * What the hotline recorded of one answered conversation that a scorecard reads: the offer (rings, when
 * answered and ended), the agent's notes, a promised callback and how it went, the caller's survey, whether it
 * was about a complaint, and its recording. Plain data; src/quality/automatic.ts turns it into items.
 *
 * An answered conversation is an offer of a passenger's call that an agent answered. Callbacks (an offer with
 * a case, the hotline calling out) are not scored: nobody rings the agent for them, so the three-ring standard
 * and the greeting of an incoming call do not apply.
 */
export type CallFacts = {
  offerId: number;
  callSid: string;
  staffId: number;
  employeeNo: string;
  agentName: string;
  queue: string;
  from: string;
  answeredAt: Date;
  endedAt: Date | null;
  rings: number | null;
  withinStandard: boolean | null;
  holdSeconds: number;
  notes: { passengerName: string; contactNumber: string; trainNumber: string; seatNumber: string; topic: string | null; text: string; disposition: string | null } | null;
  /** The callback the notes promised: when it was due, whether the passenger was reached, and when. */
  callback: { caseId: number; reference: string; dueAt: Date; open: boolean; answered: boolean; metAt: Date | null } | null;
  survey: { rating: number | null; solved: boolean | null } | null;
  /** Answered in a complaints queue, or linked to a complaint case. */
  complaint: boolean;
  recording: { id: number; status: string; durationSeconds: number | null } | null;
};

/** The facts of these offers (those that are answered passengers' calls); missing ones are left out. */
export async function callFacts(db: Db, offerIds: number[], complaintQueues: readonly string[]): Promise<Map<number, CallFacts>> {
  const found = new Map<number, CallFacts>();
  if (offerIds.length === 0) return found;
  const rows = await db
    .select({
      offerId: offers.id,
      callSid: offers.callSid,
      staffId: offers.staffId,
      employeeNo: staff.employeeNo,
      agentName: staff.name,
      queue: offers.queue,
      from: calls.from,
      answeredAt: offers.answeredAt,
      endedAt: offers.endedAt,
      rings: offers.rings,
      withinStandard: offers.withinStandard,
      holdSeconds: offers.holdSeconds,
    })
    .from(offers)
    .innerJoin(calls, eq(calls.sid, offers.callSid))
    .innerJoin(staff, eq(staff.id, offers.staffId))
    .where(and(inArray(offers.id, offerIds), isNotNull(offers.answeredAt), isNull(offers.caseId)));
  if (rows.length === 0) return found;
  const sids = [...new Set(rows.map((r) => r.callSid!))];

  const [notes, surveyRows, complaintRows, recordingRows] = await Promise.all([
    db.select().from(callNotes).where(inArray(callNotes.callSid, sids)),
    db.select({ callSid: surveys.callSid, staffId: surveys.staffId, rating: surveys.rating, solved: surveys.solved }).from(surveys).where(inArray(surveys.callSid, sids)),
    db
      .selectDistinct({ callSid: caseCalls.callSid })
      .from(caseCalls)
      .innerJoin(cases, eq(cases.id, caseCalls.caseId))
      .where(and(inArray(caseCalls.callSid, sids), eq(cases.type, 'complaint'))),
    db.select({ id: recordings.id, offerId: recordings.offerId, status: recordings.status, durationSeconds: recordings.durationSeconds }).from(recordings).where(inArray(recordings.offerId, rows.map((r) => r.offerId))),
  ]);
  const caseIds = notes.flatMap((n) => (n.callbackCaseId ? [n.callbackCaseId] : []));
  const callbacks = caseIds.length
    ? await db
        .select({ id: cases.id, reference: cases.reference, status: cases.status, resolution: cases.resolution, dueAt: caseClocks.dueAt, metAt: caseClocks.metAt })
        .from(cases)
        .leftJoin(caseClocks, and(eq(caseClocks.caseId, cases.id), eq(caseClocks.kind, 'resolve')))
        .where(inArray(cases.id, caseIds))
    : [];
  const complaintCalls = new Set(complaintRows.map((r) => r.callSid));

  for (const r of rows) {
    const note = notes.find((n) => n.callSid === r.callSid && n.staffId === r.staffId);
    const promised = note?.disposition === 'callback-promised' && note.callbackCaseId ? callbacks.find((c) => c.id === note.callbackCaseId) : undefined;
    // The survey rates the agent who was on the line last: a colleague's transferred-from offer is not theirs to carry.
    const survey = surveyRows.find((s) => s.callSid === r.callSid && s.staffId === r.staffId);
    const recording = recordingRows.find((x) => x.offerId === r.offerId);
    found.set(r.offerId, {
      ...r,
      callSid: r.callSid!,
      answeredAt: r.answeredAt!,
      notes: note
        ? { passengerName: note.passengerName, contactNumber: note.contactNumber, trainNumber: note.trainNumber, seatNumber: note.seatNumber, topic: note.topic, text: note.text, disposition: note.disposition }
        : null,
      callback: promised
        ? {
            caseId: promised.id,
            reference: promised.reference,
            dueAt: promised.dueAt ?? note!.callbackDueAt!,
            open: promised.status !== 'resolved' && promised.status !== 'closed',
            answered: promised.resolution?.reason === 'answered',
            metAt: promised.metAt,
          }
        : null,
      survey: survey ? { rating: survey.rating, solved: survey.solved } : null,
      complaint: complaintQueues.includes(r.queue) || complaintCalls.has(r.callSid!),
      recording: recording ? { id: recording.id, status: recording.status, durationSeconds: recording.durationSeconds } : null,
    });
  }
  return found;
}
