import type { RequestHandler, Response } from 'express';
import type { Hotline } from '../hotline.ts';
import { verifyNobody, verifyPassword } from './password.ts';
import { sessionStaff, startSession, type Session } from './sessions.ts';
import { findByEmployeeNo, type Role, type StaffMember } from './staff.ts';
import { memoryLoginThrottle, type LoginThrottle } from './throttle.ts';

declare global {
  namespace Express {
    interface Locals {
      /** Set by requireStaff: who is making the request. */
      staff?: StaffMember;
    }
  }
}

export type LoginResult =
  | ({ kind: 'in'; staff: StaffMember } & Session)
  /** Wrong password, unknown or disabled: deliberately one answer, so a guesser learns nothing. */
  | { kind: 'refused' }
  | { kind: 'slowed-down'; retryAfterSeconds: number };

/**
 * Log in from a client `address`. The throttle counts the attempt first, so one refused costs no password
 * hashing; unknown and disabled employee numbers are hashed against a stand-in to take as long as known ones.
 */
export async function logIn(h: Hotline, employeeNo: string, password: string, address: string): Promise<LoginResult> {
  const attempt = await loginThrottle(h).attempt(employeeNo, address);
  if (!attempt.allowed) return { kind: 'slowed-down', retryAfterSeconds: attempt.retryAfterSeconds };

  const db = h.database.db;
  const person = await findByEmployeeNo(db, employeeNo);
  if (!person || person.disabled) {
    await verifyNobody(password);
    return { kind: 'refused' };
  }
  if (!(await verifyPassword(password, person.passwordHash))) return { kind: 'refused' };

  await attempt.succeeded();
  const session = await startSession(db, person.id, h.now(), h.config.sessionHours);
  const { id, name, role, skills } = person;
  return { kind: 'in', staff: { id, employeeNo, name, role, skills }, ...session };
}

/** The hotline's throttle; a hotline put together by hand (tests) counts in memory, as on PGlite. */
function loginThrottle(h: Hotline): LoginThrottle {
  return (h.loginThrottle ??= memoryLoginThrottle());
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
