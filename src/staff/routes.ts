import express, { type Router } from 'express';
import { z } from 'zod';
import type { Hotline } from '../hotline.ts';
import { parseParams } from '../telephony/params.ts';
import { bearerToken, currentStaff, logIn, requireStaff } from './auth.ts';
import { endSession, tokenHash } from './sessions.ts';
import { employeeNoSchema, orRequired } from './staff.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation } from '../api/describe.ts';

export const loginBody = z.object({
  employeeNo: employeeNoSchema,
  password: z.string(orRequired('must be text')).min(1, 'is required'),
});

const WRONG_LOGIN = 'wrong employee number or password';

/** Logging in and out, and who am I; mounted under /api behind express.json(). */
export function staffRoutes(h: Hotline): Router {
  const router = express.Router();

  router.post('/login', async (req, res) => {
    const { employeeNo, password } = parseParams(loginBody, req.body ?? {});
    // Behind a proxy, req.ip is the client's address only as far as TRUST_PROXY lets Express believe it.
    const result = await logIn(h, employeeNo, password, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    switch (result.kind) {
      case 'in':
        res.json({ token: result.token, expiresAt: result.expiresAt, staff: result.staff });
        return;
      case 'refused':
        res.status(401).json({ error: WRONG_LOGIN });
        return;
      case 'slowed-down': {
        const seconds = result.retryAfterSeconds;
        res
          .status(429)
          .set('Retry-After', String(seconds))
          .json({ error: `too many failed logins: wait ${howLong(seconds)} and try again` });
        return;
      }
    }
  });

  router.post('/logout', requireStaff(h), async (req, res) => {
    const token = bearerToken(req.get('authorization'))!;
    await endSession(h.database.db, token);
    // The page's sockets end with the session, on whichever process holds them.
    h.bus.emit('session-ended', { tokenHash: tokenHash(token) });
    res.status(204).end();
  });

  router.get('/me', requireStaff(h), (_req, res) => {
    res.json(currentStaff(res));
  });

  return router;
}

/** "1 second", "45 seconds", "15 minutes": a wait as a person reads it, rounded up. */
function howLong(seconds: number): string {
  const [count, unit] = seconds < 60 ? [seconds, 'second'] : [Math.ceil(seconds / 60), 'minute'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** These routes in /api/openapi.json (src/api/openapi.ts). */
export const staffPaths: ZodOpenApiPathsObject = {
  '/api/login': {
    post: operation({
      summary: 'Log in: a session token for the pages, the API and the sockets',
      tags: ['staff'],
      who: 'public',
      body: loginBody,
      ok: { schema: described('{ token, expiresAt, staff }: send the token as `Authorization: Bearer <token>`.'), description: 'Logged in.' },
      also: { 401: 'Wrong employee number or password.', 429: 'Too many failed logins from this address or for this employee number: Retry-After says when to try again.' },
    }),
  },
  '/api/logout': { post: operation({ summary: 'End this session (its sockets are disconnected on every process)', tags: ['staff'], who: 'staff', ok: { status: 204, description: 'Logged out.' } }) },
  '/api/me': { get: operation({ summary: 'Who is logged in', tags: ['staff'], who: 'staff', ok: { schema: described('The staff member: id, employeeNo, name, role, skills.'), description: 'The member of staff.' } }) },
};
