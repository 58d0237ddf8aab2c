import { and, asc, eq, isNotNull, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { cases } from '../../db/schema.ts';
import { nextWorkingTime } from '../cases/business-time.ts';
import { clockOf, moveDue } from '../cases/clocks.ts';
import { appendCaseEvents } from '../cases/timeline.ts';
import type { Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import type { CallbackRules } from '../acd/queues.ts';

/**
 * A callback's place in line. It waits in its queue ranked as a caller still holding: by priority, then by
 * the time the passenger first joined (`place_at`), so it neither jumps ahead of callers who came earlier nor
 * falls behind later ones. `dial_after` says when it may next be offered (the first delay, a retry's delay,
 * the calling window); null while an agent has it, and once it is done or given up.
 */

/** The queue's callback rules (a case's queue may have left queues.yaml since: the first queue's then). */
export function rulesOf(h: Hotline, queue: string | null): CallbackRules {
  return (h.queues.get(queue ?? '') ?? [...h.queues.values()][0]!).callbacks;
}

/** The first moment at or after `at` inside the queue's calling window (nobody is called at 03:00). */
export function inWindow(h: Hotline, queue: string | null, at: Date): Date {
  const calendar = h.cases.calendars.get(rulesOf(h, queue).window);
  return calendar ? nextWorkingTime(at, calendar) : at;
}

/**
 * Put a new callback case in line: a request made while waiting keeps the caller's place and priority, and
 * is dialled after the queue's first delay; one promised for a time is placed, and dialled, from shortly
 * before it. Either way no sooner than the calling window opens.
 */
export async function joinLine(
  tx: Tx,
  h: Hotline,
  caseId: number,
  how: { queue: string | null; requestedAt: Date } & ({ waitingSince: Date; priority: number | null } | { promisedFor: Date }),
): Promise<Date> {
  const rules = rulesOf(h, how.queue);
  const queuePriority = h.queues.get(how.queue ?? '')?.priority ?? 0;
  const [placeAt, priority, earliest] =
    'promisedFor' in how
      ? [new Date(Math.max(how.requestedAt.getTime(), how.promisedFor.getTime() - rules.leadMinutes * 60_000)), queuePriority, undefined]
      : [how.waitingSince, how.priority ?? queuePriority, new Date(how.requestedAt.getTime() + rules.firstDelaySeconds * 1000)];
  const dialAfter = inWindow(h, how.queue, earliest ?? placeAt);
  await tx.update(cases).set({ placeAt, linePriority: priority, dialAfter }).where(eq(cases.id, caseId));
  // Asked for (or promised) when the window is shut: it waits for the window, and its clock says so, the
  // promised length of time counted from the window's opening.
  const clock = await clockOf(tx, caseId, 'resolve');
  if (clock && dialAfter >= clock.dueAt) {
    const dueAt = new Date(dialAfter.getTime() + Math.max(0, clock.dueAt.getTime() - how.requestedAt.getTime()));
    await moveDue(tx, h.cases, caseId, 'resolve', dueAt);
    await appendCaseEvents(tx, caseId, { staffId: null, source: 'clock' }, [
      { type: 'callback.waits-for-window', data: { window: rulesOf(h, how.queue).window, opensAt: dialAfter.toISOString(), dueAt: dueAt.toISOString() } },
    ], how.requestedAt);
  }
  return dialAfter;
}

/** Callbacks an agent may be offered now: open, due to be dialled, and not already offered in this pass. */
export function dialable(now: Date, skipped: ReadonlySet<number>) {
  return and(
    eq(cases.type, 'callback'),
    // Open, written as the partial index's own predicate (cases_callbacks_idx), so the planner can use it.
    sql`${cases.status} not in ('resolved', 'closed')`,
    isNotNull(cases.dialAfter),
    lte(cases.dialAfter, now),
    skipped.size ? notInArray(cases.id, [...skipped]) : undefined,
  );
}

/**
 * The callback this agent should be offered, locked (another pass skips it): the best by priority and place
 * among those of the queues the agent has the skill for. `skillOf` maps a queue to its skill.
 */
export async function bestCallback(tx: Tx, agentSkills: Record<string, unknown>, skillOf: (queue: SQL) => SQL, now: Date, skipped: ReadonlySet<number>) {
  const [best] = await tx
    .select({ id: cases.id, queue: cases.queue, priority: cases.linePriority, placeAt: cases.placeAt })
    .from(cases)
    .where(and(dialable(now, skipped), sql`(${JSON.stringify(agentSkills)}::jsonb ->> ${skillOf(sql`${cases.queue}`)}) is not null`))
    .orderBy(sql`${cases.linePriority} desc nulls last`, asc(cases.placeAt))
    .limit(1)
    .for('update', { skipLocked: true });
  return best;
}
