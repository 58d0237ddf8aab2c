import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, type Role } from '../../src/staff/staff.ts';
import { sendAs, staffToken, type RoleRoute } from '../support/agents.ts';
import { runningHotline } from '../support/running.ts';
import { socketsPerSpec } from '../support/sockets.ts';

/**
 * Who may do what, in one table: every route under /api and every Socket.IO namespace and event, with the
 * roles allowed. Each is tried as every role and without a token: 401 without one, 403 for a role not
 * allowed, and for an allowed role an answer that is neither (the request itself may still be refused for
 * what it asks: 404 for a call that is not theirs, 409 for a voice token under the simulator).
 */

const EVERYONE = ['agent', 'supervisor', 'manager', 'trainer'] as const satisfies readonly Role[];
const TAKES_CALLS = ['agent', 'supervisor'] as const;
const WATCHES_FLOOR = ['supervisor', 'manager'] as const;

/** Cases are worked by those who take calls and by managers; the board is for those who oversee, trainers included. */
const WORKS_CASES = ['agent', 'supervisor', 'manager'] as const;
const OVERSEES_CASES = ['supervisor', 'manager', 'trainer'] as const;

const CALL = 'CA00000000000000000000000000000000';
const CASE = 'C2345678';

/** Every route under /api but POST /api/login, which is how a token is had. */
const ROUTES: readonly RoleRoute[] = [
  { method: 'POST', path: '/api/logout', allowed: EVERYONE },
  { method: 'GET', path: '/api/me', allowed: EVERYONE },
  { method: 'GET', path: '/api/softphone', allowed: TAKES_CALLS },
  { method: 'GET', path: '/api/voice/token', allowed: TAKES_CALLS },
  { method: 'GET', path: `/api/calls/${CALL}`, allowed: EVERYONE },
  { method: 'GET', path: `/api/calls/${CALL}/notes`, allowed: EVERYONE },
  { method: 'PUT', path: `/api/calls/${CALL}/notes`, body: { version: 1, text: 'refund' }, allowed: TAKES_CALLS },
  { method: 'GET', path: '/api/announcement', allowed: WATCHES_FLOOR },
  { method: 'PUT', path: '/api/announcement', body: { 'en-US': 'Trains run normally.' }, allowed: WATCHES_FLOOR },
  { method: 'DELETE', path: '/api/announcement', allowed: WATCHES_FLOOR },
  { method: 'GET', path: '/api/metrics/live', allowed: WATCHES_FLOOR },
  { method: 'GET', path: '/api/case-desk', allowed: EVERYONE },
  { method: 'GET', path: '/api/case-desk/staff', allowed: WATCHES_FLOOR },
  { method: 'POST', path: '/api/cases', body: { type: 'enquiry', category: 'refund', contactNumber: '13800138000' }, allowed: WORKS_CASES },
  { method: 'GET', path: '/api/cases/mine', allowed: WORKS_CASES },
  { method: 'GET', path: '/api/cases', allowed: OVERSEES_CASES },
  { method: 'GET', path: '/api/cases/summary', allowed: OVERSEES_CASES },
  { method: 'GET', path: `/api/cases/${CASE}`, allowed: EVERYONE },
  { method: 'PATCH', path: `/api/cases/${CASE}`, body: { version: 0, seat: '1A' }, allowed: WORKS_CASES },
  { method: 'POST', path: `/api/cases/${CASE}/acknowledge`, body: {}, allowed: WORKS_CASES },
  { method: 'POST', path: '/api/softphone/hold', body: { on: true }, allowed: TAKES_CALLS },
  { method: 'POST', path: '/api/softphone/transfer', body: { queue: 'luggage' }, allowed: TAKES_CALLS },
  { method: 'POST', path: '/api/softphone/consult', body: { agent: '1002' }, allowed: TAKES_CALLS },
  { method: 'POST', path: '/api/softphone/consult/complete', body: {}, allowed: TAKES_CALLS },
  { method: 'POST', path: '/api/softphone/consult/return', body: {}, allowed: TAKES_CALLS },
  { method: 'POST', path: '/api/softphone/recording', body: { paused: true }, allowed: TAKES_CALLS },
  { method: 'POST', path: '/api/monitor', body: { agent: '1001', mode: 'listen' }, allowed: ['supervisor'] },
  { method: 'DELETE', path: '/api/monitor', allowed: ['supervisor'] },
  { method: 'GET', path: '/api/recordings', allowed: OVERSEES_CASES },
  { method: 'GET', path: '/api/recordings/1/audio', allowed: OVERSEES_CASES },
];

/** Every namespace, the roles that may connect, and the events a page sends there (each acknowledged). */
const NAMESPACES: ReadonlyArray<{ namespace: string; allowed: readonly Role[]; events: ReadonlyArray<[string, unknown]> }> = [
  {
    namespace: '/agents',
    allowed: TAKES_CALLS,
    events: [
      ['presence', { state: 'break', reason: 'training' }],
      ['wrap-up-done', undefined],
      ['notes', { callSid: CALL, version: 1 }],
    ],
  },
  { namespace: '/managers', allowed: WATCHES_FLOOR, events: [] },
  {
    namespace: '/phone',
    allowed: TAKES_CALLS,
    events: (['answer', 'reject', 'hangup', 'mute', 'hold'] as const).map((event) => [event, { legSid: CALL }]),
  },
];

const STAFF: Record<Role, string> = { agent: '1001', supervisor: '2001', manager: '3001', trainer: '4001' };

let running: Awaited<ReturnType<typeof runningHotline>>;
beforeAll(async () => {
  running = await runningHotline();
  for (const [role, employeeNo] of Object.entries(STAFF) as Array<[Role, string]>) {
    await addStaff(running.hotline.database.db, { employeeNo, name: `${role} ${employeeNo}`, role, skills: { general: 3 }, password: 'sanling-test' });
  }
});
afterAll(async () => {
  await running.close();
});

const open = socketsPerSpec();

/** A fresh session each time: logging out ends the one it is sent with. */
const tokenOf = (role: Role) => staffToken(running.url, STAFF[role]);

const send = (route: RoleRoute, token: string | undefined) => sendAs(running.url, route, token);

/** Connect as `token`: the socket once connected, or why the server refused it. */
function connectAs(namespace: string, token: string | undefined): Promise<Socket | Error> {
  return open(running.url, namespace, token ? { token } : {}).catch((err: Error) => err);
}

describe('every route under /api', () => {
  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))('%s', async (_name, route) => {
    expect(await send(route, undefined), 'without a token').toMatchObject({ status: 401 });
    for (const role of EVERYONE) {
      const answer = await send(route, await tokenOf(role));
      if (route.allowed.includes(role)) expect([401, 403], `${role}: ${answer.body}`).not.toContain(answer.status);
      else expect(answer, role).toEqual({ status: 403, body: expect.stringContaining(`not ${role}`) });
    }
  });
});

describe('every Socket.IO namespace and event', () => {
  it.each(NAMESPACES.map((n) => [n.namespace, n] as const))('%s', async (namespace, { allowed, events }) => {
    expect(String(await connectAs(namespace, undefined)), 'without a token').toMatch(/unauthorized/);
    for (const role of EVERYONE) {
      const token = await tokenOf(role);
      if (!allowed.includes(role)) {
        expect(String(await connectAs(namespace, token)), role).toMatch(/forbidden/);
        continue;
      }
      // /managers speaks first: the live figures, on connecting.
      let figures: unknown;
      const s = await open(running.url, namespace, { token }, (socket) => socket.on('metrics', (m: unknown) => (figures = m)));
      if (namespace === '/managers') await expect.poll(() => figures, { message: role }).toMatchObject({ queues: expect.anything() });
      for (const [event, payload] of events) {
        const answer = (await (payload === undefined ? s.timeout(5_000).emitWithAck(event) : s.timeout(5_000).emitWithAck(event, payload))) as { ok: boolean };
        expect(answer, `${role} ${event}`).toMatchObject({ ok: expect.any(Boolean) });
      }
    }
  });
});
