import { scrypt } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../../src/database.ts';
import type { Hotline } from '../../src/hotline.ts';
import { createApp } from '../../src/server.ts';
import { staffRoutes } from '../../src/staff/routes.ts';
import { LIMITS, openLoginThrottle, type Limits } from '../../src/staff/throttle.ts';
import { addStaff } from '../../src/staff/staff.ts';
import { testConfig, webhookApp } from '../support/hotline.ts';

/**
 * Logins throttled per client address and per employee number, over real HTTP from real source addresses
 * (every 127.x.y.z is this machine on Linux), with the throttle the hotline runs on its database.
 */

// Counts how often a password is hashed: the real scrypt still runs, the spec only looks.
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return { ...crypto, scrypt: vi.fn(crypto.scrypt) };
});
const hashings = () => vi.mocked(scrypt).mock.calls.length;

/** The hotline's limits with fewer tries, so reaching them costs the specs fewer password hashings. */
const FEW = {
  address: { ...LIMITS.address, points: 8 },
  accountAtAddress: { ...LIMITS.accountAtAddress, points: 3 },
  account: { ...LIMITS.account, points: 6 },
} satisfies Limits;

const PASSWORD = 'correct-horse';
const MINUTES_15 = { error: 'too many failed logins: wait 15 minutes and try again' };
const WRONG = { error: 'wrong employee number or password' };

type Answer = { status: number; retryAfter: string | undefined; body: unknown };
type From = { address?: string; forwardedFor?: string };

/** A hotline's login API on a listening server, with the login throttle the hotline would run with (limits aside). */
async function loginServer(options: { env?: Record<string, string>; database?: Database; limits?: Limits } = {}) {
  const { hotline, database } = await webhookApp(options.database ? { database: options.database } : {});
  const h: Hotline = {
    ...hotline,
    config: testConfig({ ...options.env, IVR_FLOWS_DIR: hotline.config.flowsDir }),
    loginThrottle: await openLoginThrottle(database, hotline.log, options.limits ?? FEW),
  };
  const app = createApp(h, [{ mount: (a) => a.use('/api', express.json(), staffRoutes(h)) }]);
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    h,
    database,
    hire: (employeeNo: string) => addStaff(database.db, { employeeNo, name: '王芳', role: 'agent', skills: { general: 2 }, password: PASSWORD }),
    /** POST /api/login from `address` (a connection of its own), saying X-Forwarded-For if asked to. */
    login(employeeNo: string, password: string, from: From = {}): Promise<Answer> {
      const body = JSON.stringify({ employeeNo, password });
      const headers = { 'content-type': 'application/json', ...(from.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {}) };
      return new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/api/login', method: 'POST', headers, localAddress: from.address ?? '127.0.0.1', agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'], body: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    async close() {
      await new Promise((done) => server.close(done));
      await h.loginThrottle!.close();
      if (!options.database) await database.close();
    },
  };
}
type LoginServer = Awaited<ReturnType<typeof loginServer>>;

/** The rows of `db.execute`, which postgres.js answers as an array. */
const rows = <T>(result: unknown) => result as T[];
const statuses = (answers: Answer[]) => answers.map((a) => a.status).sort();
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
/** `n` failed logins, each for a different employee number nobody has. */
const unknownNumbers = (server: LoginServer, n: number, from: (i: number) => From, first = 50_000) =>
  Promise.all(times(n, (i) => server.login(String(first + i), 'guess', from(i))));

describe('with TRUST_PROXY unset (the default)', () => {
  let server: LoginServer;
  let standard: LoginServer;
  beforeAll(async () => {
    server = await loginServer();
    standard = await loginServer({ database: server.database, limits: LIMITS });
    // The first login of nobody makes the stand-in hash that later ones are checked against.
    await server.login('999', 'warm-up', { address: '127.0.9.9' });
  });
  afterAll(async () => {
    await standard.close();
    await server.close();
  });

  it('refuses a flood of guesses from one address with 429 before any password is hashed, and only that address', async () => {
    await server.hire('1101');
    const before = hashings();
    const flood = await unknownNumbers(server, 2 * FEW.address.points, () => ({ address: '127.0.1.1' }));
    expect(statuses(flood)).toEqual([...times(FEW.address.points, () => 401), ...times(FEW.address.points, () => 429)]);
    expect(hashings() - before).toBe(FEW.address.points);
    const refused = flood.find((a) => a.status === 429)!;
    expect(refused.retryAfter).toMatch(/^\d+$/);
    expect(refused.body).toEqual({ error: expect.stringMatching(/^too many failed logins: wait \d+ minutes? and try again$/) });

    // The address waits whoever it names; an agent at another machine does not.
    expect(await server.login('1101', PASSWORD, { address: '127.0.1.1' })).toMatchObject({ status: 429 });
    expect(await server.login('1101', PASSWORD, { address: '127.0.1.2' })).toMatchObject({ status: 200 });
    expect(hashings() - before).toBe(FEW.address.points + 1);
  });

  it('makes the sixth wrong password in a row from one address wait 15 minutes, even when right; a success starts the count again', async () => {
    await standard.hire('1201');
    const from = { address: '127.0.2.1' };
    const wrong = () => standard.login('1201', 'wrong', from);
    for (let i = 0; i < 4; i++) expect(await wrong()).toMatchObject({ status: 401, body: WRONG });
    expect(await standard.login('1201', PASSWORD, from)).toMatchObject({ status: 200 });
    for (let i = 0; i < 5; i++) expect(await wrong()).toMatchObject({ status: 401, body: WRONG });

    const before = hashings();
    expect(await standard.login('1201', PASSWORD, from)).toEqual({ status: 429, retryAfter: '900', body: MINUTES_15 });
    expect(hashings()).toBe(before);
  });

  it('lets the agent in again once the wait is over', async () => {
    await server.hire('1211');
    const from = { address: '127.0.2.11' };
    for (let i = 0; i < FEW.accountAtAddress.points; i++) await server.login('1211', 'wrong', from);
    expect(await server.login('1211', PASSWORD, from)).toMatchObject({ status: 429 });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + (FEW.accountAtAddress.blockDuration - 1) * 1000);
      expect(await server.login('1211', PASSWORD, from)).toMatchObject({ status: 429, retryAfter: '1', body: { error: 'too many failed logins: wait 1 second and try again' } });
      vi.setSystemTime(Date.now() + 1000);
      expect(await server.login('1211', PASSWORD, from)).toMatchObject({ status: 200 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not let a guesser at one machine stop the agent logging in at another', async () => {
    await server.hire('1301');
    const guesser = { address: '127.0.3.1' };
    const guesses = [];
    for (let i = 0; i < FEW.address.points; i++) guesses.push(await server.login('1301', `guess-${i}`, guesser));
    expect(guesses.filter((a) => a.status === 429)).toHaveLength(FEW.address.points - FEW.accountAtAddress.points);
    expect(await server.login('1301', PASSWORD, guesser)).toMatchObject({ status: 429 });

    expect(await server.login('1301', PASSWORD, { address: '127.0.3.2' })).toMatchObject({ status: 200 });
  });

  it('answers guesses at an unknown employee number exactly as guesses at a known one', async () => {
    await server.hire('1401');
    const answers = async (employeeNo: string, address: string) => {
      const seen = [];
      for (let i = 0; i <= FEW.accountAtAddress.points + 1; i++) seen.push(await server.login(employeeNo, `guess-${i}`, { address }));
      return seen;
    };
    const known = await answers('1401', '127.0.4.1');
    const unknown = await answers('7401', '127.0.4.2');
    expect(unknown).toEqual(known);
    expect(known.map((a) => a.status)).toEqual([...times(FEW.accountAtAddress.points, () => 401), 429, 429]);
    expect(known.at(-2)).toEqual({ status: 429, retryAfter: '900', body: MINUTES_15 });
  });

  it('counts guesses sent all at once like guesses sent one after another', async () => {
    await server.hire('1501');
    const before = hashings();
    const answers = await Promise.all(times(10, (i) => server.login('1501', `guess-${i}`, { address: '127.0.5.1' })));
    expect(statuses(answers)).toEqual([...times(FEW.accountAtAddress.points, () => 401), ...times(10 - FEW.accountAtAddress.points, () => 429)]);
    expect(hashings() - before).toBe(FEW.accountAtAddress.points);
  });

  it('refuses one employee number guessed from many machines at machines it was not used from, while the agent logs in at their own', async () => {
    await server.hire('1601');
    expect(await server.login('1601', PASSWORD, { address: '127.0.6.1' })).toMatchObject({ status: 200 });

    const machines = FEW.account.points / FEW.accountAtAddress.points;
    const spread = await Promise.all(
      times(machines, async (m) => {
        const seen = [];
        for (let i = 0; i < FEW.accountAtAddress.points; i++) seen.push(await server.login('1601', `guess-${m}-${i}`, { address: `127.0.16.${m + 1}` }));
        return seen;
      }),
    );
    expect(spread.flat().every((a) => a.status === 401)).toBe(true);
    expect(await server.login('1601', 'one-more', { address: '127.0.16.200' })).toEqual({ status: 429, retryAfter: '3600', body: { error: 'too many failed logins: wait 60 minutes and try again' } });

    expect(await server.login('1601', PASSWORD, { address: '127.0.6.1' })).toMatchObject({ status: 200 });
    expect(await server.login('1601', PASSWORD, { address: '127.0.6.2' })).toMatchObject({ status: 429 });
  });

  it('ignores X-Forwarded-For, so a guesser cannot pose as many addresses', async () => {
    const flood = await unknownNumbers(server, FEW.address.points + 1, (i) => ({ address: '127.0.7.1', forwardedFor: `198.51.100.${i + 1}` }), 60_000);
    expect(statuses(flood)).toEqual([...times(FEW.address.points, () => 401), 429]);
  });
});

describe('with TRUST_PROXY naming the proxy in front', () => {
  let server: LoginServer;
  beforeAll(async () => {
    server = await loginServer({ env: { TRUST_PROXY: 'loopback' } });
  });
  afterAll(() => server.close());

  it('limits the address the proxy reports, not the proxy', async () => {
    await server.hire('2101');
    const guesser = { forwardedFor: '203.0.113.7' };
    const flood = await unknownNumbers(server, FEW.address.points + 1, () => guesser);
    expect(statuses(flood)).toEqual([...times(FEW.address.points, () => 401), 429]);
    expect(await server.login('2101', PASSWORD, guesser)).toMatchObject({ status: 429 });
    expect(await server.login('2101', PASSWORD, { forwardedFor: '203.0.113.8' })).toMatchObject({ status: 200 });
  });

  it('counts the addresses of one IPv6 /64 as one, since whoever holds one address holds them all', async () => {
    await server.hire('2201');
    const hopping = await unknownNumbers(server, FEW.address.points + 1, (i) => ({ forwardedFor: `2001:db8:7:1:${(i + 1).toString(16)}::${i}` }), 70_000);
    expect(statuses(hopping)).toEqual([...times(FEW.address.points, () => 401), 429]);
    expect(await server.login('2201', PASSWORD, { forwardedFor: '2001:db8:7:1::1' })).toMatchObject({ status: 429 });
    expect(await server.login('2201', PASSWORD, { forwardedFor: '2001:db8:7:2::1' })).toMatchObject({ status: 200 });
  });
});

describe.runIf(!!process.env.DATABASE_URL)('on PostgreSQL', () => {
  let first: LoginServer;
  let second: LoginServer;
  let secondDatabase: Database;
  beforeAll(async () => {
    first = await loginServer();
    // Another hotline process on the same database: its own connections, its own throttle.
    secondDatabase = await openDatabase({ url: process.env.DATABASE_URL, schema: first.database.server!.schema! });
    second = await loginServer({ database: secondDatabase });
  });
  afterAll(async () => {
    await second.close();
    await secondDatabase.close();
    await first.close();
  });

  it('shares the count between hotlines on one database', async () => {
    await first.hire('3101');
    const from = { address: '127.0.31.1' };
    for (let i = 0; i < FEW.accountAtAddress.points; i++) {
      expect(await (i % 2 ? second : first).login('3101', `guess-${i}`, from)).toMatchObject({ status: 401 });
    }
    expect(await second.login('3101', PASSWORD, from)).toMatchObject({ status: 429 });
    expect(await first.login('3101', PASSWORD, from)).toMatchObject({ status: 429 });
    expect(await second.login('3101', PASSWORD, { address: '127.0.31.2' })).toMatchObject({ status: 200 });
  });

  it('keeps counting when the database cuts its connections', async () => {
    await first.hire('3201');
    const from = { address: '127.0.32.1' };
    expect(await first.login('3201', 'guess', from)).toMatchObject({ status: 401 });
    const throttleConnections = sql`from pg_stat_activity where application_name = ${`${first.database.server!.applicationName}/login-throttle`}`;
    const terminated = rows<{ cut: boolean }>(await first.database.db.execute(sql`select pg_terminate_backend(pid) as cut ${throttleConnections}`));
    expect(terminated.map((row) => row.cut)).toContain(true);
    // Once the server has ended them, their 'error' has reached the pool too.
    await expect.poll(async () => rows(await first.database.db.execute(sql`select pid ${throttleConnections}`))).toEqual([]);
    for (let i = 1; i < FEW.accountAtAddress.points; i++) expect(await first.login('3201', `guess-${i}`, from)).toMatchObject({ status: 401 });
    expect(await first.login('3201', PASSWORD, from)).toMatchObject({ status: 429 });
    expect(await first.login('3201', PASSWORD, { address: '127.0.32.2' })).toMatchObject({ status: 200 });
  });

  it('still refuses guesses, counting in this process, when its table is gone, and still lets the agent in', async () => {
    const broken = await loginServer();
    try {
      await broken.hire('3301');
      await broken.database.db.execute(sql.raw(`drop table "${broken.database.server!.schema}"."login_throttle"`));
      const from = { address: '127.0.33.1' };
      for (let i = 0; i < FEW.accountAtAddress.points; i++) expect(await broken.login('3301', `guess-${i}`, from)).toMatchObject({ status: 401 });
      expect(await broken.login('3301', PASSWORD, from)).toEqual({ status: 429, retryAfter: '900', body: MINUTES_15 });
      expect(await broken.login('3301', PASSWORD, { address: '127.0.33.2' })).toMatchObject({ status: 200 });
    } finally {
      await broken.close();
    }
  });
});
