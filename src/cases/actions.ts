import { eq } from 'drizzle-orm';
import { caseCalls, calls, cases } from '../../db/schema.ts';
import type { Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import type { Role, StaffMember } from '../staff/staff.ts';
import { addSpan, formatSpan } from './business-time.ts';
import { announce, CaseError, department, lockCase, staffWithRole, supervisorFor, type Case } from './cases.ts';
import { OPEN_STATUSES, type CaseStatus, type ClockKind } from './choices.ts';
import { clockOf, meetClocks, moveDue, pauseClocks, restartClock, resumeClocks } from './clocks.ts';
import type { Action, ActionInput } from './input.ts';
import { appendCaseEvents, type CaseEvent, type Source } from './timeline.ts';

/** Who acts on a case: a staff member, or nobody (the passenger online, the IVR). */
export type Who = { staff: StaffMember | null; source: Source };

const OPEN = OPEN_STATUSES as readonly CaseStatus[];
const ANY: readonly CaseStatus[] = [...OPEN, 'resolved', 'closed'];
const SUPERVISING: readonly Role[] = ['supervisor', 'manager'];

/** From which statuses each action may be taken, the status it leads to, and who may take it. */
const STEPS: Record<Action, { from: readonly CaseStatus[]; to?: CaseStatus; roles?: readonly Role[] }> = {
  acknowledge: { from: ['new'], to: 'acknowledged' },
  start: { from: ['new', 'acknowledged'], to: 'in-progress' },
  wait: { from: ['new', 'acknowledged', 'in-progress'], to: 'waiting' },
  resume: { from: ['waiting'], to: 'in-progress' },
  note: { from: ANY },
  contacted: { from: OPEN },
  assign: { from: OPEN },
  resolve: { from: OPEN, to: 'resolved' },
  approve: { from: OPEN, roles: SUPERVISING },
  extend: { from: OPEN, roles: SUPERVISING },
  close: { from: ['resolved'], to: 'closed' },
  reopen: { from: ['resolved', 'closed'], to: 'in-progress' },
};

/** The clocks each action meets: acknowledging is implied by any work on the case, replying by contact. */
const MEETS: Partial<Record<Action, ClockKind[]>> = {
  acknowledge: ['acknowledge'],
  start: ['acknowledge'],
  wait: ['acknowledge'],
  contacted: ['acknowledge', 'first-reply'],
  resolve: ['acknowledge', 'first-reply', 'resolve'],
};

type Change = { set: Partial<Case>; events: CaseEvent[] };

/**
 * Take one action on a case, in one transaction: the status move, the clocks it meets, pauses or restarts,
 * and the timeline. 404 for an unknown case, 409 when the case is not in a state for it (or changed since the
 * page read it), 403 for a role that may not.
 */
export async function act<A extends Action>(h: Hotline, reference: string, action: A, input: ActionInput<A>, who: Who): Promise<Case> {
  const step = STEPS[action];
  if (step.roles && !(who.staff && step.roles.includes(who.staff.role))) {
    throw new CaseError(`only ${step.roles.join(' or ')} may ${action} a case`, 403);
  }
  const now = h.now();
  const done = await h.database.db.transaction(async (tx) => {
    const row = await lockCase(tx, reference, input.version);
    if (!step.from.includes(row.status)) throw new CaseError(`cannot ${action} a case that is ${row.status}`, 409, 'status');
    const change = await CHANGES[action](tx, h, row, input as never, who, now);
    const kinds = MEETS[action];
    const met = kinds ? await meetClocks(tx, row.id, kinds, now) : [];
    const status = step.to ?? row.status;
    const events: CaseEvent[] = [...(step.to && step.to !== row.status ? [{ type: 'status', data: { from: row.status, to: step.to } }] : []), ...change.events];
    for (const kind of met) events.push({ type: 'clock-met', data: { clock: kind } });
    const [updated] = await tx
      .update(cases)
      .set({ ...change.set, status, updatedAt: now, version: row.version + 1 })
      .where(eq(cases.id, row.id))
      .returning();
    await appendCaseEvents(tx, row.id, { staffId: who.staff?.id ?? null, source: who.source }, events, now);
    return updated!;
  });
  announce(h, done);
  return done;
}

type Handler<A extends Action> = (tx: Tx, h: Hotline, row: Case, input: ActionInput<A>, who: Who, now: Date) => Promise<Change>;
const noted = (note: string | undefined) => (note ? { note } : {});

const CHANGES: { [A in Action]: Handler<A> } = {
  acknowledge: async (_tx, _h, _row, i) => ({ set: {}, events: i.note ? [{ type: 'note', data: { text: i.note } }] : [] }),
  start: async (_tx, _h, _row, i) => ({ set: {}, events: i.note ? [{ type: 'note', data: { text: i.note } }] : [] }),
  wait: async (tx, _h, row, i, _who, now) => {
    await pauseClocks(tx, row.id, now);
    return { set: { waitingOn: i.on }, events: [{ type: 'paused', data: { waitingOn: i.on, ...noted(i.note) } }] };
  },
  resume: async (tx, h, row, i, _who, now) => {
    await resumeClocks(tx, h.cases, row.id, now);
    return { set: { waitingOn: null }, events: [{ type: 'resumed', data: { waitingOn: row.waitingOn, ...noted(i.note) } }] };
  },
  note: async (_tx, _h, _row, i) => ({ set: {}, events: [{ type: 'note', data: { text: i.text } }] }),
  contacted: async (tx, _h, row, i, _who, now) => {
    if (i.callSid) {
      const [call] = await tx.select({ sid: calls.sid }).from(calls).where(eq(calls.sid, i.callSid));
      if (!call) throw new CaseError(`callSid names no call the hotline has (${i.callSid})`, 400, 'callSid');
      await tx.insert(caseCalls).values({ caseId: row.id, callSid: i.callSid, link: 'contacted', at: now }).onConflictDoNothing();
    }
    return { set: {}, events: [{ type: 'contacted', data: { ...(i.callSid ? { callSid: i.callSid } : {}), ...noted(i.note) } }] };
  },
  assign: async (tx, h, row, i, who) => {
    const supervising = !!who.staff && SUPERVISING.includes(who.staff.role);
    // An agent may forward a case to a department or take one on; moving cases between people is the supervisors'.
    if (!supervising && ((i.ownerStaffId && i.ownerStaffId !== who.staff?.id) || i.supervisorId)) {
      throw new CaseError('only supervisor or manager may give a case to another person', 403);
    }
    const set: Partial<Case> = {};
    if (i.ownerDepartment) Object.assign(set, { ownerDepartment: department(h, i.ownerDepartment), ownerStaffId: null });
    if (i.ownerStaffId) Object.assign(set, { ownerStaffId: await staffWithRole(tx, i.ownerStaffId, ['agent', 'supervisor', 'manager'], 'ownerStaffId'), ownerDepartment: null });
    if (i.supervisorId) set.supervisorId = await supervisorFor(tx, h, i.supervisorId, null, null);
    const from = { ownerStaffId: row.ownerStaffId, ownerDepartment: row.ownerDepartment, supervisorId: row.supervisorId };
    return { set, events: [{ type: 'assigned', data: { from, to: { ...from, ...set }, ...noted(i.note) } }] };
  },
  resolve: async (_tx, h, row, i, who) => {
    const set: Partial<Case> = { resolution: { reason: i.reason, answer: i.answer, ...(i.decision ? { decision: i.decision } : {}) }, resolvedAt: h.now(), waitingOn: null };
    if (row.type === 'luggage-claim') {
      if (!i.decision) throw new CaseError('decision is required for a luggage claim: the amount approved, or the reason it is refused', 400, 'decision');
      const limit = h.cases.types[row.type].approvalAbove;
      const amount = i.decision.approved ? i.decision.amount : 0;
      if (limit !== undefined && amount > limit && (row.details.approvedAmount ?? -1) < amount) {
        if (!who.staff || !SUPERVISING.includes(who.staff.role)) {
          throw new CaseError(`decision: a claim above ${limit} yuan needs a supervisor's approval first (asked: ${amount})`, 409, 'decision');
        }
        Object.assign(set, { approvedBy: who.staff.id, details: { ...row.details, approvedAmount: amount } });
      }
    }
    return { set, events: [{ type: 'resolved', data: { ...set.resolution } }] };
  },
  approve: async (_tx, h, row, i, who) => {
    if (row.type !== 'luggage-claim') throw new CaseError('only a luggage claim is approved', 409, 'type');
    return {
      set: { approvedBy: who.staff!.id, details: { ...row.details, approvedAmount: i.amount } },
      events: [{ type: 'approved', data: { amount: i.amount, claimed: row.details.claimedAmount ?? null, threshold: h.cases.types[row.type].approvalAbove ?? null, ...noted(i.note) } }],
    };
  },
  extend: async (tx, h, row, i) => {
    const extendTo = h.cases.types[row.type].commitments[row.priority].extendTo;
    if (!extendTo) throw new CaseError(`a ${row.type}'s reply date cannot be extended`, 409, 'type');
    if (row.extended) throw new CaseError('the reply date has been extended once already', 409, 'extended');
    const clock = await clockOf(tx, row.id, 'resolve');
    if (!clock) throw new CaseError('the case has no reply deadline to extend', 409, 'type');
    // The longer commitment counts from when the clock started, as the shorter one did.
    const moved = addSpan(clock.startedAt, extendTo, h.cases.calendars.get(clock.calendar)!);
    await moveDue(tx, h.cases, row.id, 'resolve', moved, formatSpan(extendTo));
    return { set: { extended: true }, events: [{ type: 'extended', data: { dueAt: moved.toISOString(), span: formatSpan(extendTo), note: i.note } }] };
  },
  close: async (_tx, h, _row, i) => ({ set: { closedAt: h.now() }, events: i.note ? [{ type: 'note', data: { text: i.note } }] : [] }),
  reopen: async (tx, h, row, i, _who, now) => {
    const resolvedAt = row.resolvedAt ?? row.updatedAt;
    const calendar = h.cases.calendars.get(h.cases.types[row.type].calendar)!;
    if (addSpan(resolvedAt, h.cases.reopenWithin, calendar) < now) {
      throw new CaseError(`a case may be reopened within ${formatSpan(h.cases.reopenWithin)} of its resolution`, 409, 'status');
    }
    await restartClock(tx, h.cases, row, 'resolve', now);
    return { set: { resolution: null, resolvedAt: null, closedAt: null }, events: [{ type: 'reopened', data: { reason: i.reason } }] };
  },
};
