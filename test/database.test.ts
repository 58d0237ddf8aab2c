import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, rows, type Database } from '../src/database.ts';
import { testDatabase } from './support/database.ts';

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
