import { and, eq, inArray } from 'drizzle-orm';
import { cases } from '../../db/schema.ts';
import type { Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { openCase, type Case } from './cases.ts';
import { OPEN_STATUSES } from './choices.ts';
import { clockOf, meetClocks, moveDue } from './clocks.ts';
import { caseLanguage } from './input.ts';
import { contactKey } from './reference.ts';
import { appendCaseEvents, type Actor } from './timeline.ts';
import { joinLine } from '../callbacks/line.ts';

type PromisingNotes = {
  callSid: string;
  disposition: string | null;
  callbackDueAt: Date | null;
  callbackCaseId: number | null;
  contactNumber: string;
  passengerName: string;
};
type AnsweredCall = { staffId: number; from: string; queue: string | null; language: string };

/**
 * An agent's notes that say "callback promised" keep one callback case: made with the first such save, its
 * due time and number moved by later ones, and withdrawn when the notes stop promising. Returns the case's
 * id (null when nothing is promised) and adds the cases it changed to `touched`, to be announced after commit.
 */
export async function keepPromise(tx: Tx, h: Hotline, notes: PromisingNotes, call: AnsweredCall, now: Date, touched: Case[]): Promise<number | null> {
  const actor: Actor = { staffId: call.staffId, source: 'softphone' };
  const [open] = notes.callbackCaseId
    ? await tx.select().from(cases).where(and(eq(cases.id, notes.callbackCaseId), inArray(cases.status, [...OPEN_STATUSES]))).for('update')
    : [];
  if (notes.disposition !== 'callback-promised' || !notes.callbackDueAt) {
    if (open) touched.push(await withdraw(tx, open, actor, now));
    return null;
  }
  // The number the agent wrote down, if it is one; else the number the passenger called from.
  const number = contactKey(notes.contactNumber) ? notes.contactNumber.trim() : call.from;
  if (!open) {
    const made = await openCase(
      tx,
      h,
      {
        type: 'callback',
        category: 'promised-by-agent',
        contactNumber: number,
        passengerName: notes.passengerName,
        language: caseLanguage(call.language),
        callSid: notes.callSid,
        dueAt: notes.callbackDueAt.toISOString(),
        ownerStaffId: call.staffId,
      },
      actor,
      now,
      { queue: call.queue ?? '' },
    );
    touched.push(made);
    return made.id;
  }
  const clock = await clockOf(tx, open.id, 'resolve');
  const events = [];
  if (clock && clock.dueAt.getTime() !== notes.callbackDueAt.getTime()) {
    await moveDue(tx, h.cases, open.id, 'resolve', notes.callbackDueAt);
    // Waiting in line (not being dialled now): it moves with the promise.
    if (open.dialAfter) await joinLine(tx, h, open.id, { queue: open.queue, requestedAt: now, promisedFor: notes.callbackDueAt });
    events.push({ type: 'changed', data: { field: 'dueAt', from: clock.dueAt.toISOString(), to: notes.callbackDueAt.toISOString() } });
  }
  if (open.contactNumber !== number) events.push({ type: 'changed', data: { field: 'contactNumber', from: open.contactNumber, to: number } });
  if (events.length === 0) return open.id;
  const [moved] = await tx
    .update(cases)
    .set({ contactNumber: number, contactKey: contactKey(number), updatedAt: now, version: open.version + 1 })
    .where(eq(cases.id, open.id))
    .returning();
  await appendCaseEvents(tx, open.id, actor, events, now);
  touched.push(moved!);
  return open.id;
}

/** The promise was taken back (the agent changed the disposition): the case is closed, withdrawn. */
async function withdraw(tx: Tx, open: Case, actor: Actor, now: Date): Promise<Case> {
  await meetClocks(tx, open.id, ['acknowledge', 'first-reply', 'resolve'], now);
  const resolution = { reason: 'withdrawn', answer: 'The call notes no longer promise a call back.' };
  const [closed] = await tx
    .update(cases)
    .set({ status: 'closed', resolution, resolvedAt: now, closedAt: now, updatedAt: now, version: open.version + 1 })
    .where(eq(cases.id, open.id))
    .returning();
  await appendCaseEvents(tx, open.id, actor, [{ type: 'status', data: { from: open.status, to: 'closed' } }, { type: 'resolved', data: resolution }], now);
  return closed!;
}
