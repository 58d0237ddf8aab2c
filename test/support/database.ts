import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../src/database.ts';

/**
 * A fresh, migrated database for one test file: PGlite in memory, or with DATABASE_URL a schema of its own
 * on that server (dropped on close), so parallel files never see each other's rows.
 */
export async function testDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (!url) return openDatabase({ dataDir: null });
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase({ url, schema });
  return {
    ...database,
    async close() {
      await database.db.execute(sql.raw(`DROP SCHEMA "${schema}" CASCADE`));
      await database.close();
    },
  };
}
