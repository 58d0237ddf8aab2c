import { and, count, eq, gte, lte, min, sql } from 'drizzle-orm';
import { callbackAttempts, caseClocks, cases } from '../../db/schema.ts';
import type { Db } from '../database.ts';

/**
 * The live board's callback figures: how many passengers asked to be called back today, how many were reached
 * and talked to, whether that was within the time promised, how many tries it took, and how many still wait.
 * Three small queries, each reading one index (today's new cases, today's resolved cases, the open cases of a
 * type), so their cost follows the day's callbacks and the open ones, not the history.
 */

export type CallbackFigures = {
  /** Callback cases created today. */
  requested: number;
  /** Callback cases resolved today as "answered": the passenger was reached and talked to (made any day). */
  completed: number;
  /** Of those completed today, the share (0–1) whose resolve clock was met no later than its due time; null when none. */
  withinPromise: number | null;
  /** Counted attempts (any day's) of the callbacks completed today, per callback; null when none. */
  attemptsPerCompleted: number | null;
  /** Callback cases open now, whatever day they were made. */
  waiting: number;
  /** The earliest due time (ISO) among the open callbacks; null when none is open or none has a clock running. */
  oldestDueAt: string | null;
};

const isCallback = eq(cases.type, 'callback');
/**
 * Open (OPEN_STATUSES), written as the partial indexes' own predicate, as a literal: the planner matches an
 * index to a query only by the text of its condition, and a bound parameter would hide it from a cached plan.
 */
const isOpen = sql`${cases.status} not in ('resolved', 'closed')`;

export async function callbackFigures(db: Db, since: Date, now: Date): Promise<CallbackFigures> {
  const [[requested], [completed], [open]] = await Promise.all([requestedToday(db, since, now), completedToday(db, since, now), openNow(db)]);
  const done = completed?.completed ?? 0;
  return {
    requested: requested?.requested ?? 0,
    completed: done,
    withinPromise: done === 0 ? null : completed!.withinPromise / done,
    attemptsPerCompleted: done === 0 ? null : completed!.attempts / done,
    waiting: open?.waiting ?? 0,
    oldestDueAt: open?.oldestDueAt?.toISOString() ?? null,
  };
}

/** requested = callback cases created today (cases_created_idx). */
function requestedToday(db: Db, since: Date, now: Date) {
  return db
    .select({ requested: count() })
    .from(cases)
    .where(and(isCallback, gte(cases.createdAt, since), lte(cases.createdAt, now)));
}

/**
 * completed = callback cases resolved today with the reason "answered" (cases_resolved_idx; a reopened case
 * has no resolved_at until it is resolved again, and then counts on that day). Per case, its resolve clock
 * (the primary key) and its counted attempts (callback_attempts_case_idx):
 * - within promise = resolve clock met_at ≤ due_at (a case without one was promised nothing it kept);
 * - counted attempts = counted, and over: one still dialling has no outcome yet (and an agent turning the
 *   callback down makes no attempt row at all).
 */
function completedToday(db: Db, since: Date, now: Date) {
  const attempts = sql`(select count(*) from ${callbackAttempts} where ${callbackAttempts.caseId} = ${cases.id} and ${callbackAttempts.counted} and ${callbackAttempts.outcome} <> 'dialling')`;
  return db
    .select({
      completed: count(),
      withinPromise: sql<number>`(count(*) filter (where ${caseClocks.metAt} <= ${caseClocks.dueAt}))::int`,
      attempts: sql<number>`coalesce(sum(${attempts}), 0)::int`,
    })
    .from(cases)
    .leftJoin(caseClocks, and(eq(caseClocks.caseId, cases.id), eq(caseClocks.kind, 'resolve')))
    .where(and(isCallback, gte(cases.resolvedAt, since), lte(cases.resolvedAt, now), sql`${cases.resolution}->>'reason' = 'answered'`));
}

/**
 * waiting = callback cases open now; oldest due = the earliest of their due times (the soonest unmet clock's,
 * kept on the case row). Both from cases_board_type_idx: open cases by type, with due_at in the index.
 */
function openNow(db: Db) {
  return db
    .select({ waiting: count(), oldestDueAt: min(cases.dueAt) })
    .from(cases)
    .where(and(isCallback, isOpen));
}
