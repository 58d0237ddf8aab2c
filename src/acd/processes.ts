import { randomUUID } from 'node:crypto';
import { and, eq, inArray, lt, ne, notExists, sql } from 'drizzle-orm';
import { agentSockets, offers, processes } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { withdrawOffer } from './offers.ts';
import { agentDisconnected } from './presence.ts';

/**
 * Presence belongs to a live process. Each server process holds a lease (a row renewed every few seconds, on
 * the database's clock so a test's business clock cannot lapse it); agents' sockets are rows naming their
 * process. When a process's lease lapses (it was killed, or lost its machine), its agents are as if their
 * sockets had closed: offline after the usual grace unless they reconnect elsewhere, and a phone ringing for
 * them is taken back at once, since nobody is there to answer it.
 */

/** Renewed three times per lease, so one slow renewal does not lapse it. */
export const RENEWALS_PER_LEASE = 3;

export function newProcessId(): string {
  return randomUUID();
}

/** Claim or renew this process's lease (a row that the truncation of a test database may have removed). */
export async function renewLease(db: Db, processId: string, leaseSeconds: number): Promise<void> {
  const until = sql`now() + make_interval(secs => ${leaseSeconds})`;
  await db.insert(processes).values({ id: processId, leaseUntil: until }).onConflictDoUpdate({ target: processes.id, set: { leaseUntil: until } });
}

/** Renew the lease until stopped; a failed renewal is logged (the database may be away) and tried again. */
export function keepLease(h: Hotline, leaseSeconds: number): () => void {
  const timer = setInterval(() => {
    renewLease(h.database.db, h.processId, leaseSeconds).catch((err: unknown) => h.log.warn({ err }, 'could not renew the process lease'));
  }, (leaseSeconds * 1000) / RENEWALS_PER_LEASE);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Take over from processes whose lease lapsed (with `everyone`, from every other process: on the embedded
 * database only one process can exist). Their agents' sockets are gone; agents left with no socket anywhere
 * start the grace, and offers ringing for them are withdrawn and their callers offered to someone else.
 */
export async function takeOverLapsed(h: Hotline, options: { everyone?: boolean } = {}): Promise<number[]> {
  const db = h.database.db;
  await db.delete(processes).where(and(ne(processes.id, h.processId), options.everyone ? undefined : lt(processes.leaseUntil, sql`now()`)));
  const orphaned = await db
    .delete(agentSockets)
    .where(notExists(db.select({ id: processes.id }).from(processes).where(eq(processes.id, agentSockets.processId))))
    .returning({ staffId: agentSockets.staffId });
  const lost = await withoutSockets(db, [...new Set(orphaned.map((s) => s.staffId))]);
  for (const staffId of lost) {
    await agentDisconnected(h, staffId);
    const ringing = await db.select({ id: offers.id }).from(offers).where(and(eq(offers.staffId, staffId), eq(offers.status, 'ringing')));
    for (const offer of ringing) {
      await withdrawOffer(h, offer.id, { status: 'withdrawn', reason: 'agent-unreachable', agent: 'offline' }, { takeBack: true });
    }
  }
  if (lost.length) h.log.warn({ staff: lost }, 'took over agents whose server process stopped');
  return lost;
}

/** This process stops: its lease is released and its agents' sockets are closed (the grace starts for them). */
export async function releaseLease(h: Hotline): Promise<void> {
  const db = h.database.db;
  const closed = await db.delete(agentSockets).where(eq(agentSockets.processId, h.processId)).returning({ staffId: agentSockets.staffId });
  for (const staffId of await withoutSockets(db, [...new Set(closed.map((s) => s.staffId))])) await agentDisconnected(h, staffId);
  await db.delete(processes).where(eq(processes.id, h.processId));
}

/** An agent's socket opened on this process. */
export async function socketOpened(h: Hotline, socketId: string, staffId: number): Promise<void> {
  await h.database.db.insert(agentSockets).values({ socketId, staffId, processId: h.processId }).onConflictDoNothing();
}

/** An agent's socket closed; true when it was their last, anywhere. */
export async function socketClosed(h: Hotline, socketId: string, staffId: number): Promise<boolean> {
  await h.database.db.delete(agentSockets).where(eq(agentSockets.socketId, socketId));
  return (await withoutSockets(h.database.db, [staffId])).length > 0;
}

/** The agents' sockets recorded as open on this process. */
export function ownSockets(h: Hotline): Promise<Array<{ socketId: string; staffId: number }>> {
  return h.database.db.select({ socketId: agentSockets.socketId, staffId: agentSockets.staffId }).from(agentSockets).where(eq(agentSockets.processId, h.processId));
}

async function withoutSockets(db: Db, staffIds: number[]): Promise<number[]> {
  if (staffIds.length === 0) return [];
  const still = await db.selectDistinct({ staffId: agentSockets.staffId }).from(agentSockets).where(inArray(agentSockets.staffId, staffIds));
  const connected = new Set(still.map((s) => s.staffId));
  return staffIds.filter((id) => !connected.has(id));
}
