import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, type Role } from '../../src/staff/staff.ts';
import { sendAs, staffToken, type RoleRoute } from '../support/agents.ts';
import { runningHotline } from '../support/running.ts';

/**
 * Who may do what on the quality desk, every route under /api/quality tried as every role and without a
 * token: 401 without one, 403 for a role not allowed, and for an allowed role an answer that is neither (the
 * request may still be refused for what it asks: 404 for a call or note that is not there or not theirs).
 */

const EVERYONE = ['agent', 'supervisor', 'manager', 'trainer'] as const satisfies readonly Role[];
const SCORERS = ['trainer', 'supervisor'] as const;
const READERS = ['trainer', 'supervisor', 'manager'] as const;
const JUDGED = { greeting: 5, accuracy: 5, courtesy: 5, closing: 5 };

const ROUTES: readonly RoleRoute[] = [
  { method: 'GET', path: '/api/quality/scorecard', allowed: EVERYONE },
  { method: 'POST', path: '/api/quality/samples', body: { day: '2026-11-25' }, allowed: SCORERS },
  { method: 'GET', path: '/api/quality/worklist?day=2026-11-25', allowed: READERS },
  // An agent may read their own scorecard: this one is nobody's (404), but the role gets past.
  { method: 'GET', path: '/api/quality/calls/1', allowed: EVERYONE },
  { method: 'PUT', path: '/api/quality/calls/1/score', body: { judged: JUDGED }, allowed: SCORERS },
  { method: 'GET', path: '/api/quality/coaching', allowed: EVERYONE },
  { method: 'POST', path: '/api/quality/coaching/1/acknowledge', allowed: EVERYONE },
  { method: 'GET', path: '/api/quality/agents?from=2026-11-25&to=2026-11-25', allowed: READERS },
];

const STAFF: Record<Role, string> = { agent: '1001', supervisor: '2001', manager: '3001', trainer: '4001' };
let running: Awaited<ReturnType<typeof runningHotline>>;
const tokens = {} as Record<Role, string>;
beforeAll(async () => {
  running = await runningHotline();
  for (const [role, employeeNo] of Object.entries(STAFF) as Array<[Role, string]>) {
    await addStaff(running.hotline.database.db, { employeeNo, name: `${role} ${employeeNo}`, role, skills: { general: 3 }, password: 'sanling-test' });
    tokens[role] = await staffToken(running.url, employeeNo);
  }
});
afterAll(() => running.close());

const send = (route: RoleRoute, token: string | undefined) => sendAs(running.url, route, token);

describe('every route under /api/quality', () => {
  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))('%s', async (_name, route) => {
    expect(await send(route, undefined), 'without a token').toMatchObject({ status: 401 });
    for (const role of EVERYONE) {
      const answer = await send(route, tokens[role]);
      if (route.allowed.includes(role)) expect([401, 403, 500], `${role}: ${answer.body}`).not.toContain(answer.status);
      else expect(answer, role).toEqual({ status: 403, body: expect.stringContaining(`not ${role}`) });
    }
  });
});
