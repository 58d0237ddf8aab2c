import { and, eq, inArray, isNotNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { agents, calls, monitors, offers, staff, type MonitorMode } from '../../db/schema.ts';
import type { Db } from '../database.ts';

/**
 * The live board's figures of the present (who waits now, the agents and their presence), read from current
 * rows through indexes whose size follows the floor, not the history: calls_waiting_now_idx holds only the
 * calls queued or offered, however many ended ones there are; agents and staff hold one row per person.
 */

/**
 * waiting = calls queued or offered (an agent's phone rings, but the caller still waits);
 * longest wait now = now − queued_at of the oldest of them.
 */
export function waitingNow(db: Db, now: Date) {
  return db
    .select({
      queue: calls.queue,
      waiting: sql<number>`count(*)::int`,
      longestWaitSeconds: sql<number>`greatest(0, extract(epoch from ${now.toISOString()}::timestamptz - min(${calls.queuedAt})))::float8`,
    })
    .from(calls)
    // A literal, the partial index's own predicate: a bound parameter would hide the index from a cached plan,
    // which then scans every call there ever was.
    .where(sql`${calls.status} in ('queued', 'offered')`)
    .groupBy(calls.queue);
}

/** Logged-in agents of enabled staff, counted per skill set and presence (a handful of rows). */
export function agentsNow(db: Db) {
  return db
    .select({ skills: staff.skills, presence: agents.presence, count: sql<number>`count(*)::int` })
    .from(agents)
    .innerJoin(staff, eq(staff.id, agents.staffId))
    .where(and(ne(agents.presence, 'offline'), eq(staff.disabled, false)))
    .groupBy(staff.skills, agents.presence);
}

/**
 * The agent board: agents and supervisors of enabled staff who have logged in (an agents row) or answered a
 * call today (`answeredToday`: a subquery of their staff ids), in employee-number order.
 */
export function rosterToday(db: Db, answeredToday: SQL) {
  return db
    .select({
      staffId: staff.id,
      employeeNo: staff.employeeNo,
      name: staff.name,
      presence: agents.presence,
      since: agents.since,
      breakReason: agents.breakReason,
      // On a call: whether its caller is on hold, and how a supervisor is in it (src/acd/monitor.ts), if one is.
      onHold: sql<boolean>`exists (select 1 from ${offers} o where o.staff_id = ${staff.id} and o.status = 'connected' and o.hold_started_at is not null)`,
      monitored: sql<MonitorMode | null>`(select m.mode from ${monitors} m join ${offers} o on o.id = m.offer_id where o.staff_id = ${staff.id} and o.status = 'connected' and m.status = 'on' limit 1)`,
    })
    .from(staff)
    .leftJoin(agents, eq(agents.staffId, staff.id))
    .where(
      and(
        inArray(staff.role, ['agent', 'supervisor']),
        eq(staff.disabled, false),
        or(isNotNull(agents.staffId), sql`${staff.id} in (${answeredToday})`),
      ),
    )
    .orderBy(staff.employeeNo);
}

export type RosterRow = Awaited<ReturnType<typeof rosterToday>>[number];
