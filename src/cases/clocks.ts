import { and, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { caseClocks, cases } from '../../db/schema.ts';
import type { Db, Tx } from '../database.ts';
import { addSpan, formatSpan, isWorkingTime, nextWorkingTime, shareOf, spanMs, addWorkingMs, type Calendar, type Span } from './business-time.ts';
import type { CasePriority, CaseType, ClockKind } from './choices.ts';
import type { CasePolicy } from './policy.ts';

/**
 * A case's reply-commitment clocks. Each is a row with its due time and the moments of its reminder (owner)
 * and escalations (supervisor at the due time, manager later); pausing moves them all by the time paused,
 * counted as the clock counts (business or calendar time). The sweep (src/cases/sweep.ts) acts on `next_at`.
 */

export type Clock = typeof caseClocks.$inferSelect;
/** 1 owner reminded, 2 escalated to the supervisor, 3 to the managers. */
export type Stage = 0 | 1 | 2 | 3;

const calendarOf = (policy: CasePolicy, name: string): Calendar => policy.calendars.get(name)!;

/** When a clock at `stage` must next be looked at: the next threshold, or never once the managers know. */
export function nextAt(clock: Pick<Clock, 'remindAt' | 'dueAt' | 'managerAt'>, stage: number): Date | null {
  return [clock.remindAt, clock.dueAt, clock.managerAt][stage] ?? null;
}

/** Start the clocks the policy sets for a new case; `promisedDue` is the due time of an "as promised" clock. */
export async function startClocks(
  tx: Tx,
  policy: CasePolicy,
  c: { id: number; type: CaseType; priority: CasePriority },
  now: Date,
  promisedDue?: Date,
): Promise<void> {
  const type = policy.types[c.type];
  const rows = Object.entries(type.commitments[c.priority].spans).map(([kind, span]) =>
    clockRow(policy, type.calendar, c.id, kind as ClockKind, span === 'promised' ? { promised: promisedDue ?? now } : span, now),
  );
  if (rows.length) await tx.insert(caseClocks).values(rows);
  await showOnCase(tx, c.id);
}

/**
 * The case row's copy of its clocks (soonest due of those not met, furthest stage, paused), written in the
 * transaction that changed them: the lists sort by it without reading every open case's clocks.
 */
async function showOnCase(tx: Tx, caseId: number): Promise<void> {
  const running = and(eq(caseClocks.caseId, caseId), isNull(caseClocks.metAt));
  await tx
    .update(cases)
    .set({
      dueAt: sql`(select min(${caseClocks.dueAt}) from ${caseClocks} where ${running})`,
      stage: sql`coalesce((select max(${caseClocks.stage}) from ${caseClocks} where ${running}), 0)`,
      paused: sql`exists (select 1 from ${caseClocks} where ${running} and ${caseClocks.pausedAt} is not null)`,
    })
    .where(eq(cases.id, caseId));
}

function clockRow(policy: CasePolicy, calendar: string, caseId: number, kind: ClockKind, span: Span | { promised: Date }, start: Date) {
  const cal = calendarOf(policy, calendar);
  const promised = 'promised' in span;
  const working = !promised && span.working;
  const dueAt = promised ? span.promised : addSpan(start, span, cal);
  const times = thresholds(policy, start, dueAt, working, cal);
  return { caseId, kind, span: promised ? 'as promised' : formatSpan(span), working, calendar, startedAt: start, ...times, stage: 0, nextAt: times.remindAt, pausedAt: null, metAt: null };
}

function thresholds(policy: CasePolicy, start: Date, dueAt: Date, working: boolean, cal: Calendar) {
  return { dueAt, remindAt: shareOf(start, dueAt, policy.remindAt, working, cal), managerAt: shareOf(start, dueAt, policy.managerAt, working, cal) };
}

/** The clocks of `kinds` are met (the case was acknowledged, the passenger answered, the case resolved). */
export async function meetClocks(tx: Tx, caseId: number, kinds: readonly ClockKind[], now: Date): Promise<ClockKind[]> {
  const met = await tx
    .update(caseClocks)
    .set({ metAt: now, nextAt: null, pausedAt: null })
    .where(and(eq(caseClocks.caseId, caseId), inArray(caseClocks.kind, [...kinds]), isNull(caseClocks.metAt)))
    .returning({ kind: caseClocks.kind });
  if (met.length) await showOnCase(tx, caseId);
  return met.map((m) => m.kind);
}

/** Waiting on the passenger or a department: the running clocks stop where they are. */
export async function pauseClocks(tx: Tx, caseId: number, now: Date): Promise<void> {
  await tx
    .update(caseClocks)
    .set({ pausedAt: now, nextAt: null })
    .where(and(eq(caseClocks.caseId, caseId), isNull(caseClocks.metAt), isNull(caseClocks.pausedAt)));
  await showOnCase(tx, caseId);
}

/**
 * The clocks run again: each threshold still ahead when the clock paused is as far ahead of now as it was
 * of the pause (in the clock's own kind of time); one already passed stays where it was.
 */
export async function resumeClocks(tx: Tx, policy: CasePolicy, caseId: number, now: Date): Promise<void> {
  const paused = await tx.select().from(caseClocks).where(and(eq(caseClocks.caseId, caseId), isNull(caseClocks.metAt), sql`${caseClocks.pausedAt} is not null`));
  for (const clock of paused) {
    const cal = calendarOf(policy, clock.calendar);
    const moved = (at: Date) => (at > clock.pausedAt! ? later(now, spanMs(clock.pausedAt!, at, clock.working, cal), clock.working, cal) : at);
    const times = { remindAt: moved(clock.remindAt), dueAt: moved(clock.dueAt), managerAt: moved(clock.managerAt) };
    await tx
      .update(caseClocks)
      .set({ ...times, pausedAt: null, nextAt: nextAt(times, clock.stage) })
      .where(and(eq(caseClocks.caseId, caseId), eq(caseClocks.kind, clock.kind)));
  }
  await showOnCase(tx, caseId);
}

const later = (from: Date, ms: number, working: boolean, cal: Calendar) => (working ? addWorkingMs(from, ms, cal) : new Date(from.getTime() + ms));

/** Start a clock again from now with its policy span (a reopened case's resolve clock). */
export async function restartClock(tx: Tx, policy: CasePolicy, c: { id: number; type: CaseType; priority: CasePriority }, kind: ClockKind, now: Date): Promise<void> {
  const type = policy.types[c.type];
  const span = type.commitments[c.priority].spans[kind];
  if (!span) return;
  const row = clockRow(policy, type.calendar, c.id, kind, span === 'promised' ? { promised: now } : span, now);
  await tx.insert(caseClocks).values(row).onConflictDoUpdate({ target: [caseClocks.caseId, caseClocks.kind], set: { ...row, caseId: undefined, kind: undefined } });
  await showOnCase(tx, c.id);
}

export async function clockOf(tx: Tx, caseId: number, kind: ClockKind): Promise<Clock | undefined> {
  const [clock] = await tx.select().from(caseClocks).where(and(eq(caseClocks.caseId, caseId), eq(caseClocks.kind, kind)));
  return clock;
}

/** Move a clock's due time (a callback promised for another time, a complaint's extended reply date). */
export async function moveDue(tx: Tx, policy: CasePolicy, caseId: number, kind: ClockKind, dueAt: Date, span?: string): Promise<Clock | undefined> {
  const clock = await clockOf(tx, caseId, kind);
  if (!clock) return undefined;
  const cal = calendarOf(policy, clock.calendar);
  const times = thresholds(policy, clock.startedAt, dueAt, clock.working, cal);
  // Reminders and escalations are given again for the new date.
  const [moved] = await tx
    .update(caseClocks)
    .set({ ...times, stage: 0, nextAt: clock.metAt || clock.pausedAt ? null : times.remindAt, ...(span ? { span } : {}) })
    .where(and(eq(caseClocks.caseId, caseId), eq(caseClocks.kind, kind)))
    .returning();
  await showOnCase(tx, caseId);
  return moved;
}

export async function anythingDue(db: Db, now: Date): Promise<boolean> {
  const [due] = await db.select({ caseId: caseClocks.caseId }).from(caseClocks).where(lte(caseClocks.nextAt, now)).limit(1);
  return due !== undefined;
}

/**
 * Due for the sweep: clocks whose next threshold has passed, locked so that another process sweeping at the
 * same moment skips them rather than acting twice.
 */
export function dueClocks(tx: Tx, now: Date, limit: number) {
  return tx
    .select({ clock: caseClocks, type: cases.type, reference: cases.reference, callSid: cases.callSid, status: cases.status, ownerStaffId: cases.ownerStaffId, supervisorId: cases.supervisorId })
    .from(caseClocks)
    .innerJoin(cases, eq(cases.id, caseClocks.caseId))
    .where(lte(caseClocks.nextAt, now))
    .orderBy(caseClocks.nextAt)
    .limit(limit)
    .for('update', { of: caseClocks, skipLocked: true });
}

/** The stage a clock has reached by `now`: the last threshold passed. */
export function stageAt(clock: Pick<Clock, 'remindAt' | 'dueAt' | 'managerAt'>, now: Date): Stage {
  if (clock.managerAt <= now) return 3;
  if (clock.dueAt <= now) return 2;
  if (clock.remindAt <= now) return 1;
  return 0;
}

/** Whether a reminder or escalation may go out now, or when it may. */
export function sendableAt(policy: CasePolicy, type: CaseType, calendar: string, now: Date): Date {
  if (policy.types[type].outOfHours) return now;
  const cal = calendarOf(policy, calendar);
  return isWorkingTime(now, cal) ? now : nextWorkingTime(now, cal);
}

/** Move a clock on to `stage`, only if no other process has moved it since it was read. */
export async function advance(tx: Tx, clock: Clock, stage: Stage): Promise<boolean> {
  const moved = await tx
    .update(caseClocks)
    .set({ stage, nextAt: nextAt(clock, stage) })
    .where(and(eq(caseClocks.caseId, clock.caseId), eq(caseClocks.kind, clock.kind), eq(caseClocks.stage, clock.stage), isNull(caseClocks.metAt)))
    .returning({ caseId: caseClocks.caseId });
  if (moved.length === 1) await showOnCase(tx, clock.caseId);
  return moved.length === 1;
}

/** Not yet time (outside working hours, or a threshold moved later): look again then. */
export async function postpone(tx: Tx, clock: Clock, until: Date | null): Promise<void> {
  await tx.update(caseClocks).set({ nextAt: until }).where(and(eq(caseClocks.caseId, clock.caseId), eq(caseClocks.kind, clock.kind), eq(caseClocks.stage, clock.stage)));
}
