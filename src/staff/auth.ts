import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import type { RequestHandler, Response } from 'express';
import { staff } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { verifyNobody, verifyPassword } from './password.ts';
import { sessionStaff, startSession, type Session } from './sessions.ts';
import { findByEmployeeNo, type Role, type StaffMember } from './staff.ts';

declare global {
  namespace Express {
    interface Locals {
      /** Set by requireStaff: who is making the request. */
      staff?: StaffMember;
    }
  }
}

/** Consecutive failures from which each further attempt must wait: 1 s, then 2, 4, … up to MAX_WAIT_SECONDS. */
const SLOW_DOWN_FROM = 3;
const MAX_WAIT_SECONDS = 300;

export type LoginResult =
  | ({ kind: 'in'; staff: StaffMember } & Session)
  /** Wrong password, unknown or disabled: deliberately one answer, so a guesser learns nothing. */
  | { kind: 'refused' }
  | { kind: 'slowed-down'; retryAfterSeconds: number };

export async function logIn(h: Hotline, employeeNo: string, password: string): Promise<LoginResult> {
  const db = h.database.db;
  const now = h.now();
  const person = await findByEmployeeNo(db, employeeNo);
  if (!person || person.disabled) {
    await verifyNobody(password);
    return { kind: 'refused' };
  }

  const waitUntil = await countAttempt(db, person.id, now);
  if (waitUntil) return { kind: 'slowed-down', retryAfterSeconds: Math.max(1, Math.ceil((waitUntil.getTime() - now.getTime()) / 1000)) };
  if (!(await verifyPassword(password, person.passwordHash))) return { kind: 'refused' };

  await db.update(staff).set({ failedLogins: 0, lockedUntil: null }).where(eq(staff.id, person.id));
  const session = await startSession(db, person.id, now, h.config.sessionHours);
  const { id, name, role, skills } = person;
  return { kind: 'in', staff: { id, employeeNo, name, role, skills }, ...session };
}

/**
 * Count the attempt as a failure before the password is checked (a success resets the count), in one
 * statement that also refuses while a wait is running. Guesses sent in parallel are then counted and
 * slowed down like guesses sent one after another. Returns when the next attempt is allowed, if not yet.
 */
async function countAttempt(db: Db, staffId: number, now: Date): Promise<Date | undefined> {
  const failures = sql`${staff.failedLogins} + 1`;
  const from = sql.raw(String(SLOW_DOWN_FROM));
  const wait = sql`least(power(2, ${failures} - ${from}), ${sql.raw(String(MAX_WAIT_SECONDS))})`;
  const [counted] = await db
    .update(staff)
    .set({
      failedLogins: failures,
      lockedUntil: sql`case when ${failures} >= ${from} then ${now.toISOString()}::timestamptz + make_interval(secs => ${wait}) end`,
    })
    .where(and(eq(staff.id, staffId), or(isNull(staff.lockedUntil), lte(staff.lockedUntil, now))))
    .returning({ id: staff.id });
  if (counted) return undefined;
  const [locked] = await db.select({ until: staff.lockedUntil }).from(staff).where(eq(staff.id, staffId));
  return locked?.until ?? now;
}

/**
 * Who holds this bearer token, if it is a live session of someone not disabled. Knows nothing of HTTP, so
 * the Socket.IO handshake (`auth: { token }`) can use it as well.
 */
export function authenticate(h: Hotline, token: string): Promise<StaffMember | undefined> {
  return sessionStaff(h.database.db, token, h.now());
}

/** The token in `Authorization: Bearer <token>`, if there is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
}

/**
 * Only logged-in staff, and with `roles` only those roles, get past: 401 without a live session, 403 for
 * the wrong role. Puts the person on `res.locals.staff`.
 */
export function requireStaff(h: Hotline, roles?: readonly Role[]): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const member = token === undefined ? undefined : await authenticate(h, token);
    if (!member) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer')
        .json({ error: token === undefined ? 'log in first: send Authorization: Bearer <token>' : 'your session has ended: log in again' });
      return;
    }
    if (roles && !roles.includes(member.role)) {
      res.status(403).json({ error: `only ${roles.join(' or ')} may do this, not ${member.role}` });
      return;
    }
    res.locals.staff = member;
    next();
  };
}

/** The person requireStaff let through, in a handler behind it. */
export function currentStaff(res: Response): StaffMember {
  const member = res.locals.staff;
  if (!member) throw new Error('currentStaff: requireStaff did not run before this handler');
  return member;
}
