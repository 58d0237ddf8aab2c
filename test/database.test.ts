import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, rows, type Database } from '../src/database.ts';
import { testDatabase } from './support/database.ts';
import { targetOf, tcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

/**
 * The driver under a server that ends connections (PostgreSQL only; PGlite has none to end). A statement on
 * a connection the server has just terminated, inside a transaction, used to make postgres.js 3.4.9 write to
 * a socket it had already dropped, from a timer, ending the whole process (porsager/postgres#1208; patched in
 * patches/, applied by `npm install`). It must fail like any statement on a lost connection, every time.
 */

const url = process.env['DATABASE_URL'];

describe.runIf(!!url)('a transaction whose connection the server terminates', () => {
  let database: Database;
  let killer: Database;
  beforeAll(async () => {
    database = await testDatabase(url);
    killer = await testDatabase(url);
  });
  afterAll(async () => {
    await killer?.close();
    await database?.close();
  });

  it('fails as "database unavailable", and the next statement is served on a new connection', async () => {
    for (let round = 0; round < 8; round++) {
      const failure = await database.db
        .transaction(async (tx) => {
          const [own] = await rows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
          await killer.db.execute(sql`select pg_terminate_backend(${own!.pid}::int)`);
          await new Promise((later) => setTimeout(later, 20));
          await tx.execute(sql`select 1`);
        })
        .then(() => undefined, (err: unknown) => err);
      expect(isDatabaseUnavailable(failure), `round ${round}: ${String(failure)}`).toBe(true);
      expect(await rows<{ one: number }>(database.db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
    }
  });
});

/**
 * A server that is down refuses connections before they are made. Each refused attempt used to cost the pool
 * one of its connections for good (postgres.js kept the slot "connecting" when the hotline's socket factory
 * failed), so after as many attempts as the pool had connections nothing was ever served again, not even once
 * the server was back.
 */
describe.runIf(!!url)('a server that refuses connections', () => {
  let proxy: TcpProxy;
  let database: Database;
  beforeAll(async () => {
    proxy = await tcpProxy(targetOf(url!));
    database = await testDatabase(proxy.url(url!));
  });
  afterAll(async () => {
    proxy.setMode('pass');
    await database?.close();
    await proxy?.close();
  });

  /** A statement's answer, or a failure naming it after 10 s: a pool without connections never answers. */
  const within = <T>(statement: Promise<T>, what: string) =>
    Promise.race([statement, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`${what}: no answer within 10 s`)), 10_000).unref())]);

  it('fails every statement as "database unavailable" while down, and serves again once it is back', async () => {
    proxy.setMode('refuse');
    // One after another, as webhooks and sweeps meet an outage: each tries a connection of its own.
    for (let attempt = 0; attempt < 15; attempt++) {
      const failure = await within(rows(database.db, sql`select 1`), `attempt ${attempt}`).then(() => 'answered', (err: unknown) => err);
      expect(isDatabaseUnavailable(failure), `attempt ${attempt}: ${String(failure)}`).toBe(true);
    }

    proxy.setMode('pass');
    expect(await within(rows(database.db, sql`select 1 as one`), 'once the server is back')).toEqual([{ one: 1 }]);
  });
});

/**
 * A transaction's BEGIN sent on a connection the pool had also given other queries (one whose pipeline it
 * filled, or one still answering earlier queries) used not to reserve it: the transaction failed with
 * UNSAFE_TRANSACTION, or others' statements ran inside it (porsager/postgres#823, #1189; patched). The hotline
 * met it under overload. A small pool with a short pipeline, busy, reaches the boundary every round.
 */
describe.runIf(!!url)('transactions on a pool that is busy', () => {
  it('each get a connection of their own: none fails, and no other statement runs inside one', async () => {
    // max_pipeline is a documented option the type declarations leave out.
    const client = postgres(url!, { max: 3, onnotice: () => {}, ...({ max_pipeline: 2 } as object) });
    try {
      const failures: unknown[] = [];
      let inside = 0;
      for (let round = 0; round < 10; round++) {
        const busy = [1, 2, 3].map(() => client`select pg_sleep(0.1)`);
        const others = Array.from({ length: 8 }, () =>
          client`select current_setting('application_name') as app`.then(([row]) => void (row!['app'] === 'in a transaction' && inside++)),
        );
        const transactions = Array.from({ length: 6 }, () =>
          client
            .begin(async (tx) => {
              await tx`set local application_name = 'in a transaction'`;
              await new Promise((later) => setTimeout(later, 5));
              await tx`select 1`;
            })
            .catch((err: unknown) => void failures.push(err)),
        );
        await Promise.all([...busy, ...others, ...transactions]);
      }
      expect(failures.map(String)).toEqual([]);
      expect(inside).toBe(0);
    } finally {
      await client.end({ timeout: 5 });
    }
  });
});

describe.runIf(!!url)('a pool of the size asked for (DATABASE_POOL_SIZE)', () => {
  let database: Database;
  beforeAll(async () => {
    database = await testDatabase(url, 'test', { poolSize: 2 });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('serves six statements at once on two connections', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => rows<{ pid: number }>(database.db, sql`select pg_backend_pid() as pid, pg_sleep(0.05)`)),
    );
    expect(new Set(answers.map(([a]) => a!.pid)).size).toBe(2);
    expect(database.stats?.poolSize).toBe(2);
  });
});
