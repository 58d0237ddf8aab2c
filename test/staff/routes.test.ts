import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sessions } from '../../db/schema.ts';
import { createApp } from '../../src/server.ts';
import { authenticate, currentStaff, requireStaff } from '../../src/staff/auth.ts';
import { staffRoutes } from '../../src/staff/routes.ts';
import { addStaff, disableStaff, type Role } from '../../src/staff/staff.ts';
import { OPEN } from '../support/flows.ts';
import { webhookApp } from '../support/hotline.ts';

/** Staff logging in and out over real HTTP, with the routes mounted as the hotline mounts them. */

const clock = { now: OPEN };
const later = (seconds: number) => (clock.now = new Date(clock.now.getTime() + seconds * 1000));

let ctx: Awaited<ReturnType<typeof webhookApp>>;
let app: express.Express;
beforeAll(async () => {
  ctx = await webhookApp({ now: () => clock.now });
  app = createApp(ctx.hotline, [
    {
      mount(a) {
        a.use('/api', express.json(), staffRoutes(ctx.hotline));
        // A page only supervisors and managers may see.
        a.get('/test/oversight', requireStaff(ctx.hotline, ['supervisor', 'manager']), (_req, res) => {
          res.json({ hello: currentStaff(res).name });
        });
      },
    },
  ]);
});
beforeEach(() => {
  clock.now = OPEN;
});
afterAll(async () => {
  await ctx.database.close();
});

const PASSWORD = 'correct-horse';
const WRONG = { error: 'wrong employee number or password' };
const hire = (employeeNo: string, role: Role = 'agent') =>
  addStaff(ctx.database.db, { employeeNo, name: '王芳', role, skills: { tickets: 3, general: 2 }, password: PASSWORD });
const login = (employeeNo: unknown, password: unknown = PASSWORD) => request(app).post('/api/login').send({ employeeNo, password });
const withToken = (test: request.Test, token: string) => test.set('Authorization', `Bearer ${token}`);
const me = (token: string) => withToken(request(app).get('/api/me'), token);
type Answer = { status: number; retryAfter: string | undefined; body: unknown };

/**
 * A login over a real connection from `address` (any of 127.0.0.0/8 reaches this machine), as from another
 * computer: the hotline sees that address as the client's.
 */
async function loginFrom(address: string, employeeNo: string, password: string): Promise<Answer> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const body = JSON.stringify({ employeeNo, password });
    return await new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, localAddress: address, method: 'POST', path: '/api/login', headers: { 'content-type': 'application/json', connection: 'close' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

async function tokenOf(employeeNo: string): Promise<string> {
  const res = await login(employeeNo);
  expect(res.status).toBe(200);
  return res.body.token;
}

describe('logging in', () => {
  it('answers a token and who you are, and the token then opens /api/me', async () => {
    const hired = await hire('1001');
    const res = await login('1001');
    expect(res.status).toBe(200);
    const staff = { id: hired.id, employeeNo: '1001', name: '王芳', role: 'agent', skills: { tickets: 3, general: 2 } };
    expect(res.body).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: '2026-11-25T16:00:00.000Z', staff });
    const who = await me(res.body.token);
    expect(who.status).toBe(200);
    expect(who.body).toEqual(staff);
  });

  it('keeps only the SHA-256 of the token, so the sessions table logs nobody in', async () => {
    await hire('1002');
    const token = await tokenOf('1002');
    const hash = createHash('sha256').update(token).digest('hex');
    const [row] = await ctx.database.db.select().from(sessions).where(eq(sessions.tokenHash, hash));
    expect(row).toMatchObject({ expiresAt: new Date('2026-11-25T16:00:00Z') });
    expect(JSON.stringify(await ctx.database.db.select().from(sessions))).not.toContain(token);
  });

  it('refuses a wrong password with 401', async () => {
    await hire('1003');
    const res = await login('1003', 'Correct-horse');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(WRONG);
  });

  it('gives an unknown employee number the very same answer, so it does not tell who exists', async () => {
    const res = await login('7777');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(WRONG);
  });

  it('gives an unknown employee number the same answers as a known one attempt after attempt, slow-down included', async () => {
    await hire('1005');
    // Each from an address of its own, so that counting per address treats both the same.
    const answers = async (employeeNo: string, address: string) => {
      const seen: Answer[] = [];
      for (let i = 0; i < 8; i++) seen.push(await loginFrom(address, employeeNo, `guess-${i}`));
      return seen;
    };
    const known = await answers('1005', '127.0.0.2');
    const unknown = await answers('7705', '127.0.0.3');
    expect(known.map((answer) => answer.status)).toContain(429);
    expect(unknown).toEqual(known);
  });

  it('refuses someone disabled the same way, even with the right password, and ends their open sessions', async () => {
    await hire('1004');
    const token = await tokenOf('1004');
    await disableStaff(ctx.database.db, '1004');
    const res = await login('1004');
    expect(res.status).toBe(401);
    expect(res.body).toEqual(WRONG);
    expect((await me(token)).status).toBe(401);
  });

  it('answers 400 naming the field when the request is malformed', async () => {
    const cases: Array<[unknown, string]> = [
      [{ password: PASSWORD }, 'employeeNo is required'],
      [{ employeeNo: '12', password: PASSWORD }, 'employeeNo must be 3 to 10 digits'],
      [{ employeeNo: 1001, password: PASSWORD }, 'employeeNo must be 3 to 10 digits'],
      [{ employeeNo: '1001' }, 'password is required'],
      [{ employeeNo: '1001', password: '' }, 'password is required'],
    ];
    for (const [body, error] of cases) {
      const res = await request(app).post('/api/login').send(body as object);
      expect(res.status, error).toBe(400);
      expect(res.body).toEqual({ error });
    }
    const notJson = await request(app).post('/api/login').type('json').send('{"employeeNo":');
    expect(notJson.status).toBe(400);
    expect((await request(app).post('/api/login').type('form').send('employeeNo=1001')).body).toEqual({ error: 'employeeNo is required' });
  });
});

// Repeated failed logins are slowed down per address and per account: test/staff/throttle.test.ts.

describe('a session', () => {
  it('lasts SESSION_HOURS (12 by default) from the login, then asks to log in again', async () => {
    await hire('1201');
    const token = await tokenOf('1201');
    later(12 * 3600 - 1);
    expect((await me(token)).status).toBe(200);
    later(1);
    const res = await me(token);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'your session has ended: log in again' });
  });

  it('ends at logout: the token opens nothing afterwards, while the same person’s other sessions go on', async () => {
    await hire('1202');
    const [desk, phone] = [await tokenOf('1202'), await tokenOf('1202')];
    const out = await withToken(request(app).post('/api/logout'), desk);
    expect(out.status).toBe(204);
    expect((await me(desk)).status).toBe(401);
    expect((await withToken(request(app).post('/api/logout'), desk)).status).toBe(401);
    expect((await me(phone)).status).toBe(200);
  });

  it('is needed for /api/me: without a token the answer says how to send one', async () => {
    const res = await request(app).get('/api/me');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toEqual({ error: 'log in first: send Authorization: Bearer <token>' });
    expect((await request(app).get('/api/me').set('Authorization', 'Basic MTAwMTpzYW5saW5n')).status).toBe(401);
    expect((await me('not-a-token')).status).toBe(401);
  });

  it('is recognised without HTTP, as the Socket.IO handshake needs', async () => {
    await hire('1203');
    const token = await tokenOf('1203');
    expect(await authenticate(ctx.hotline, token)).toMatchObject({ employeeNo: '1203', role: 'agent' });
    // Another token: its first character changed (a random token may already start with x).
    expect(await authenticate(ctx.hotline, (token.startsWith('x') ? 'y' : 'x') + token.slice(1))).toBeUndefined();
    expect(await authenticate(ctx.hotline, '')).toBeUndefined();
  });
});

describe('a page for some roles only', () => {
  it('lets those roles in and tells anyone else which roles may', async () => {
    await hire('2101', 'supervisor');
    await hire('3101', 'manager');
    await hire('1301', 'agent');
    await hire('4101', 'trainer');
    const visit = (token: string) => withToken(request(app).get('/test/oversight'), token);
    for (const employeeNo of ['2101', '3101']) {
      const res = await visit(await tokenOf(employeeNo));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ hello: '王芳' });
    }
    for (const [employeeNo, role] of [['1301', 'agent'], ['4101', 'trainer']]) {
      const res = await visit(await tokenOf(employeeNo!));
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: `only supervisor or manager may do this, not ${role}` });
    }
    expect((await request(app).get('/test/oversight')).status).toBe(401);
  });
});
