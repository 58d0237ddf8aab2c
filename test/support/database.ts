import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database, type DatabaseOptions } from '../../src/database.ts';

/**
 * A fresh, migrated database that nothing else sees: PGlite in memory, or on the PostgreSQL server at `url`
 * (DATABASE_URL by default) a schema of its own, dropped with everything in it on close. One per test file,
 * so parallel files never see each other's rows; the benchmarks take one too (`prefix` 'bench').
 */
export async function testDatabase(url = process.env.DATABASE_URL, prefix = 'test', options: Pick<DatabaseOptions, 'poolSize'> = {}): Promise<Database> {
  if (!url) return openDatabase({ dataDir: null });
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase({ url, schema, ...options });
  return {
    ...database,
    async close() {
      try {
        await database.db.execute(sql.raw(`DROP SCHEMA "${schema}" CASCADE`));
      } finally {
        await database.close();
      }
    },
  };
}
