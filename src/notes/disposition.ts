import { and, eq, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { agents } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { routeSoon } from '../acd/route.ts';

/**
 * "The disposition is required before wrap-up ends." The call an agent wraps up is their latest completed
 * offer; its notes must carry a disposition before the agent leaves wrap-up, whether they end it
 * themselves (`wrap-up-done`, or choosing a presence) or the queue's wrap-up time runs out.
 *
 * When the time runs out without one, the agent stays in wrap-up, now without a deadline and with the
 * reason `disposition-required` (the page hears `presence` {wrap-up, disposition-required}); the save
 * that brings the disposition then ends the wrap-up at once. An agent is never made available with a call
 * left unclassified, and never held longer than it takes to pick one.
 */

export const DISPOSITION_REQUIRED = 'choose a disposition before ending wrap-up';
/** The reason shown with an agent held in wrap-up past its time. */
export const HELD_FOR_DISPOSITION = 'disposition-required';

/** SQL: the notes of the call `staffId` is wrapping up have a disposition. */
export function wrapUpDisposed(staffId: SQLWrapper | number): SQL {
  return sql`exists (
    select 1 from call_notes n
    where n.staff_id = ${staffId} and n.disposition is not null
      and n.call_sid = (
        select o.call_sid from offers o
        where o.staff_id = ${staffId} and o.status = 'completed'
        order by o.ended_at desc nulls last, o.id desc limit 1))`;
}

/** Whether the agent may leave wrap-up now: true when not in wrap-up at all. */
export async function mayEndWrapUp(h: Hotline, staffId: number): Promise<boolean> {
  const [row] = await h.database.db
    .select({ presence: agents.presence, disposed: wrapUpDisposed(staffId).mapWith(Boolean) })
    .from(agents)
    .where(eq(agents.staffId, staffId));
  return row?.presence !== 'wrap-up' || row.disposed;
}

/** A disposition was saved: an agent held in wrap-up past its time for want of one is available now. */
export async function releaseHeldWrapUp(h: Hotline, staffId: number): Promise<boolean> {
  const now = h.now();
  const released = await h.database.db
    .update(agents)
    .set({ presence: 'available', breakReason: null, since: now, idleSince: now, wrapUpUntil: null })
    .where(and(eq(agents.staffId, staffId), eq(agents.presence, 'wrap-up'), eq(agents.breakReason, HELD_FOR_DISPOSITION), wrapUpDisposed(agents.staffId)))
    .returning({ staffId: agents.staffId });
  if (released.length === 0) return false;
  h.bus.emit('wrap-up-ended', { staffId });
  h.bus.emit('presence', { staffId, presence: 'available', reason: null });
  h.bus.emit('changed');
  routeSoon(h);
  return true;
}
