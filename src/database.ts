import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from '../db/schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** What a transaction callback receives; the same query API as Db. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The hotline's database: PGlite embedded in this process, or a PostgreSQL server. Holds the connection. */
export type Database = {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** On a server: where it is, for parts that need a connection of their own (the Socket.IO adapter). */
  server?: { url: string; schema: string | undefined };
  close(): Promise<void>;
};

const migrationsFolder = fileURLToPath(new URL('../db/migrations', import.meta.url));

export type DatabaseOptions = {
  /** A postgres:// URL: use that server. Unset: PGlite. */
  url?: string | undefined;
  /** PGlite's folder; null keeps the database in memory (tests). */
  dataDir?: string | null;
  /** On a server, the schema to live in (tests give each run its own). */
  schema?: string;
};

/** Open the database and bring its schema up to date with the committed migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const client = postgres(options.url, {
      max: 10,
      onnotice: () => {},
      ...(options.schema ? { connection: { search_path: options.schema } } : {}),
    });
    if (options.schema) await client.unsafe(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
    const db = drizzlePostgres(client, { schema });
    await migratePostgres(db, { migrationsFolder, ...(options.schema ? { migrationsSchema: options.schema } : {}) });
    return {
      db: db as unknown as Db,
      kind: 'postgres',
      server: { url: options.url, schema: options.schema },
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = new PGlite(options.dataDir ?? undefined);
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return { db: db as unknown as Db, kind: 'pglite', close: () => client.close() };
}
