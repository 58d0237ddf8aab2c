import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { agents, offers, type Presence } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { withdrawOffer } from './offers.ts';
import { routeSoon } from './route.ts';

/** What an agent may choose; ringing, on-call and wrap-up belong to the ACD. */
export type ChosenPresence = 'available' | 'break' | 'offline';

export class PresenceError extends Error {}

/** Seconds an agent whose last socket closed stays as they were before being made offline. */
export const GONE_GRACE_SECONDS = 10;

/** The agent's row, made on first sight. */
export async function ensureAgent(h: Hotline, staffId: number): Promise<void> {
  await h.database.db.insert(agents).values({ staffId, presence: 'offline', since: h.now() }).onConflictDoNothing();
}

export async function presenceOf(h: Hotline, staffId: number) {
  const [row] = await h.database.db.select().from(agents).where(eq(agents.staffId, staffId));
  return row;
}

/**
 * The agent sets available, break (with a reason) or offline. Available from wrap-up ends the wrap-up
 * early. Not while the phone rings or a caller is on the line: that is the ACD's to change.
 */
export async function choosePresence(h: Hotline, staffId: number, want: ChosenPresence, reason: string | null = null): Promise<Presence> {
  await ensureAgent(h, staffId);
  const now = h.now();
  const [row] = await h.database.db
    .update(agents)
    .set({
      presence: want,
      breakReason: want === 'break' ? (reason ?? 'break') : null,
      since: now,
      wrapUpUntil: null,
      ...(want === 'available' ? { idleSince: now } : {}),
    })
    .where(and(eq(agents.staffId, staffId), inArray(agents.presence, ['offline', 'available', 'break', 'wrap-up'])))
    .returning({ presence: agents.presence });
  if (!row) {
    const current = await presenceOf(h, staffId);
    throw new PresenceError(`cannot change presence while ${current?.presence ?? 'unknown'}`);
  }
  h.bus.emit('presence', { staffId, presence: want, reason: want === 'break' ? (reason ?? 'break') : null });
  h.bus.emit('changed');
  if (want === 'available') routeSoon(h);
  return want;
}

/**
 * The agent's first socket is back: cancel the pending "gone". Only a pending one is touched: the row is not
 * locked for nothing while the page, just connected, asks to be available.
 */
export async function agentConnected(h: Hotline, staffId: number): Promise<void> {
  await ensureAgent(h, staffId);
  const back = await h.database.db
    .update(agents)
    .set({ goneAt: null })
    .where(and(eq(agents.staffId, staffId), isNotNull(agents.goneAt)))
    .returning({ presence: agents.presence });
  // Available all along, but not rung while gone: callers may be waiting for them.
  if (back[0]?.presence === 'available') routeSoon(h);
}

/** The agent's last socket closed: offline after the grace period, unless they come back (a row, not a timer). */
export async function agentDisconnected(h: Hotline, staffId: number): Promise<void> {
  const goneAt = new Date(h.now().getTime() + GONE_GRACE_SECONDS * 1000);
  await h.database.db
    .update(agents)
    .set({ goneAt })
    .where(and(eq(agents.staffId, staffId), sql`${agents.presence} <> 'offline'`));
}

/** The grace has passed: offline, and a phone ringing for them is re-routed to someone else. */
export async function agentGone(h: Hotline, staffId: number): Promise<void> {
  const [ringing] = await h.database.db
    .select({ id: offers.id })
    .from(offers)
    .where(and(eq(offers.staffId, staffId), eq(offers.status, 'ringing')));
  if (ringing) await withdrawOffer(h, ringing.id, { status: 'withdrawn', reason: 'agent-gone', agent: 'break' }, { takeBack: true });
  const [row] = await h.database.db
    .update(agents)
    .set({ presence: 'offline', breakReason: null, since: h.now(), goneAt: null, wrapUpUntil: null })
    .where(and(eq(agents.staffId, staffId), inArray(agents.presence, ['available', 'break', 'wrap-up'])))
    .returning({ staffId: agents.staffId });
  await h.database.db.update(agents).set({ goneAt: null }).where(eq(agents.staffId, staffId));
  if (row) {
    h.bus.emit('presence', { staffId, presence: 'offline', reason: null });
    h.bus.emit('changed');
  }
}
