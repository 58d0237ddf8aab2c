import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, lte, sql } from 'drizzle-orm';
import { sessions, staff } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import { memberColumns, type StaffMember } from './staff.ts';

/**
 * Login sessions. The token is handed out once; the database keeps only its SHA-256, so someone who reads
 * the table cannot log in with what they find there. 32 random bytes need no slow hash: there is nothing
 * to guess.
 */

export type Session = { token: string; expiresAt: Date };

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function startSession(db: Db, staffId: number, now: Date, hours: number): Promise<Session> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + hours * 3_600_000);
  // Housekeeping at the moment it is cheapest: this person's sessions that have run out.
  await db.delete(sessions).where(and(eq(sessions.staffId, staffId), lte(sessions.expiresAt, now)));
  await db.insert(sessions).values({ tokenHash: tokenHash(token), staffId, createdAt: now, expiresAt });
  return { token, expiresAt };
}

/** Who holds this token: only while the session lasts and the person is not disabled. */
export async function sessionStaff(db: Db, token: string, now: Date): Promise<StaffMember | undefined> {
  const [member] = await db
    .select(memberColumns)
    .from(sessions)
    .innerJoin(staff, eq(staff.id, sessions.staffId))
    .where(and(eq(sessions.tokenHash, tokenHash(token)), gt(sessions.expiresAt, now), eq(staff.disabled, false)));
  return member;
}

export async function endSession(db: Db, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash(token)));
}

/** Of these token hashes, those whose sessions still last (and whose person is not disabled). */
export async function liveSessions(db: Db, hashes: string[], now: Date): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await db
    .select({ tokenHash: sessions.tokenHash })
    .from(sessions)
    .innerJoin(staff, eq(staff.id, sessions.staffId))
    // One parameter (a JSON array), not one per socket: with 2,000 agents connected, every check built and
    // bound 2,000 (drizzle expands an array in a statement into a parameter per element).
    .where(and(sql`${sessions.tokenHash} in (select jsonb_array_elements_text(${JSON.stringify(hashes)}::jsonb))`, gt(sessions.expiresAt, now), eq(staff.disabled, false)));
  return new Set(rows.map((row) => row.tokenHash));
}
