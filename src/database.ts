import net from 'node:net';
import { join } from 'node:path';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from '../db/schema.ts';
import { pgliteThread } from './pglite.ts';
import { ROOT } from './root.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** What a transaction callback receives; the same query API as Db. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * The hotline's database: PGlite embedded in a thread of this process (src/pglite.ts), or a PostgreSQL server;
 * postgres.js speaks to either. Holds the connections.
 */
export type Database = {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** On a server: where it is, for parts that need a connection of their own (the Socket.IO adapter). */
  server?: { url: string; schema: string | undefined; applicationName: string };
  /** What the driver did, for /metrics (src/ops): counted here because neither postgres.js nor PGlite counts it. */
  stats?: DatabaseStats;
  close(): Promise<void>;
};

/** Statements sent and failed since the database was opened, and the most that may run at once. */
export type DatabaseStats = {
  /** postgres.js's pool size; 1 for PGlite, which runs one session. */
  poolSize: number;
  inFlight: number;
  /** Statements that failed: a wrong query, a conflict, a timeout. */
  failed: number;
  /** Of those, failed because the database was away (isDatabaseUnavailable). */
  unavailable: number;
};

const newStats = (poolSize: number): DatabaseStats => ({ poolSize, inFlight: 0, failed: 0, unavailable: 0 });

/** A statement's outcome, counted when it settles (its promise is returned as it was). */
function counting<P extends PromiseLike<unknown>>(stats: DatabaseStats, started: P): P {
  stats.inFlight++;
  const done = () => void stats.inFlight--;
  started.then(done, (err: unknown) => {
    done();
    stats.failed++;
    if (isDatabaseUnavailable(err)) stats.unavailable++;
  });
  return started;
}

const migrationsFolder = join(ROOT, 'db/migrations');

export type DatabaseOptions = {
  /** A postgres:// URL: use that server. Unset: PGlite. */
  url?: string | undefined;
  /** PGlite's folder; null keeps the database in memory (tests). */
  dataDir?: string | null;
  /** On a server, the schema to live in (tests give each run its own). */
  schema?: string;
  /**
   * On a server, how this process's connections are named in pg_stat_activity (its other pools add a suffix),
   * by default `sanling` or `sanling:<schema>`.
   */
  applicationName?: string;
  /** On a server, the connections to keep (POOL_SIZE unless told). */
  poolSize?: number;
};

/**
 * Limits that keep a database that refuses or hangs from holding a caller past Twilio's 15 s: a connection
 * attempt gives up after CONNECT_TIMEOUT_SECONDS (postgres.js's timer), a statement after STATEMENT_TIMEOUT_MS
 * (on the server), and a connection on which nothing at all arrives for SILENT_SOCKET_MS while it waits is
 * dropped (a hung server or a dead network never answers, so only our side can notice). Idle connections
 * close before they fall silent.
 */
export const CONNECT_TIMEOUT_SECONDS = 5;
export const STATEMENT_TIMEOUT_MS = 10_000;
const SILENT_SOCKET_MS = 15_000;
const IDLE_TIMEOUT_SECONDS = 10;
/**
 * postgres.js's connections. Few, so that statements share them (pipelined, several to a write) rather than
 * each waking the server on a connection of its own: on 2 cores, new calls 1,075–1,140 a second with 10,
 * 1,330–1,343 with 4, 940 with 2 (`npm run bench -- --only webhooks`, 1 December 2026). A transaction holds
 * one while it runs; the hotline's are a few round trips each. A database across a network, where each round
 * trip waits longer, may want more: `DATABASE_POOL_SIZE`.
 */
export const POOL_SIZE = 4;

/** Open the database and bring its schema up to date with the committed migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const applicationName = options.applicationName ?? (options.schema ? `sanling:${options.schema}` : 'sanling');
    const poolSize = options.poolSize ?? POOL_SIZE;
    const client = postgres(options.url, {
      // `socket` is a documented option that postgres.js's types leave out.
      ...({ socket: openSocket } as object),
      max: poolSize,
      connect_timeout: CONNECT_TIMEOUT_SECONDS,
      idle_timeout: IDLE_TIMEOUT_SECONDS,
      connection: {
        statement_timeout: STATEMENT_TIMEOUT_MS,
        // Statements are prepared (see `preparing`), but each execution is planned for its own values: a
        // generic plan cannot use a partial index whose predicate is a parameter (`status = $1`), and with a
        // million calls of history that is a scan where an index lookup was meant.
        plan_cache_mode: 'force_custom_plan',
        application_name: applicationName,
        ...(options.schema ? { search_path: options.schema } : {}),
      },
      onnotice: () => {},
    });
    if (options.schema) await client.unsafe(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
    await createTrigramExtension(client);
    return {
      ...(await migrated(client, poolSize, options.schema)),
      kind: 'postgres',
      server: { url: options.url, schema: options.schema, applicationName },
      close: () => client.end({ timeout: 5 }),
    };
  }
  // PGlite runs one session: one connection, which a transaction holds while it runs.
  const thread = await pgliteThread(options.dataDir ?? null);
  const client = postgres({
    ...({ socket: () => thread.socket() } as object),
    max: 1,
    connection: { plan_cache_mode: 'force_custom_plan' },
    onnotice: () => {},
  });
  try {
    return {
      ...(await migrated(client, 1)),
      kind: 'pglite',
      close: async () => {
        await client.end({ timeout: 5 });
        await thread.close();
      },
    };
  } catch (err) {
    await client.end({ timeout: 0 });
    await thread.close();
    throw err;
  }
}

/** drizzle over a postgres.js client, counted and preparing its statements, with the schema migrated. */
async function migrated(client: postgres.Sql, poolSize: number, schemaName?: string): Promise<Pick<Database, 'db' | 'stats'>> {
  const stats = newStats(poolSize);
  const db = drizzlePostgres(preparing(client, stats), { schema });
  await migratePostgres(db, { migrationsFolder, ...(schemaName ? { migrationsSchema: schemaName } : {}) });
  return { db: db as unknown as Db, stats };
}

/**
 * pg_trgm, for matching found items to lost ones by their descriptions (src/cases/found-items.ts). In
 * `public`, one per database, whatever schema this process lives in: queries call its functions as
 * `public.similarity`.
 */
async function createTrigramExtension(client: postgres.Sql): Promise<void> {
  await createdOnce(client.unsafe('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public'));
}

/**
 * `CREATE … IF NOT EXISTS` is not safe against itself: two processes starting together may both find the
 * object missing, and the second then fails on the catalogue's unique index (or finds it there after all).
 * Either way the object exists, which is all the caller wanted.
 */
export async function createdOnce(creating: Promise<unknown>): Promise<void> {
  try {
    await creating;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42710' && code !== '42P07') throw err;
  }
}

/**
 * drizzle sends every statement through postgres.js's `unsafe` unprepared, and postgres.js then asks the server
 * for an unprepared statement's parameter types before it sends the values: two round trips for each. Prepared
 * (kept per connection, by its text), a statement is one round trip after its first on a connection. The
 * transactions drizzle opens (`begin`, `savepoint`) hand their own `sql` to the callback: wrapped the same way.
 */
function preparing(sql: postgres.Sql, stats: DatabaseStats): postgres.Sql {
  const wrap = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value = Reflect.get(t, key, receiver) as unknown;
        if (key === 'unsafe') {
          return (query: string, args?: unknown[], options: Record<string, unknown> = {}) =>
            countedWhenRun(stats, (value as (...a: unknown[]) => PromiseLike<unknown>)(query, args, { ...options, prepare: true }));
        }
        if (key === 'begin' || key === 'savepoint') {
          return (...args: unknown[]) => {
            const fn = args.pop() as (tx: object) => unknown;
            return (value as (...a: unknown[]) => unknown)(...args, (tx: object) => fn(wrap(tx)));
          };
        }
        return value;
      },
    });
  return wrap(sql);
}

/**
 * postgres.js runs a statement when it is first awaited (`then`), and drizzle may ask for its rows as arrays
 * first (`values()`, which returns the same statement): counted from that first `then`, so nothing runs early.
 */
function countedWhenRun<Q extends PromiseLike<unknown>>(stats: DatabaseStats, query: Q): Q {
  const then = query.then;
  let counted = false;
  Object.defineProperty(query, 'then', {
    configurable: true,
    value(this: Q, ...args: Parameters<Q['then']>) {
      const settled = then.apply(this, args) as PromiseLike<unknown>;
      if (!counted) {
        counted = true;
        counting(stats, then.call(this, undefined, undefined) as PromiseLike<unknown>);
      }
      return settled;
    },
  });
  return query;
}

/**
 * postgres.js's connection, made here so that a silent socket is dropped: postgres.js then fails the
 * statements waiting on it and opens a new connection for the next ones. The socket is handed over before it
 * connects, so that postgres.js's own handlers meet every outcome: a factory that fails (a refused connection)
 * leaves postgres.js's connection slot "connecting" for good, and a database down for as many attempts as the
 * pool has connections left it with none. postgres.js's `connect_timeout` covers the connection attempt.
 */
function openSocket(o: { host: string[]; port: number[]; path?: string | false }): net.Socket {
  const socket = o.path ? net.connect(o.path) : net.connect(o.port[0] ?? 5432, o.host[0] ?? 'localhost');
  // postgres.js 3.4 loses, for good, a statement sent between a socket's error and its close: on a close
  // "with error" it fails only what was in flight at the error (porsager/postgres#1130). Reported as a plain
  // close, every statement still waiting fails too, and is retried or apologised for by its caller.
  const emit = socket.emit.bind(socket);
  socket.emit = ((event: string | symbol, ...args: unknown[]) => (event === 'close' ? emit('close', false) : emit(event, ...args))) as typeof socket.emit;
  socket.once('connect', () => socket.setTimeout(SILENT_SOCKET_MS, () => socket.destroy(new Error(`the database sent nothing for ${SILENT_SOCKET_MS / 1000} s`))));
  return socket;
}

/** Error codes that mean the database is away (refused, dropped, timed out, shutting down), not that a query is wrong. */
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', '57014']);

/** Whether an error (or what it wraps: drizzle puts the driver's error in `cause`) means the database is away. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && UNAVAILABLE.has(e.code)) return true;
    if (e instanceof Error && /the database sent nothing/.test(e.message)) return true;
  }
  return false;
}

/**
 * Statements of one transaction that need nothing from one another, sent together, in this order: postgres.js
 * pipelines them on the transaction's connection, one round trip where awaiting each was one per statement
 * (on PGlite too: its thread takes what arrives together as one batch). drizzle's statements run when first
 * asked for their result: each is asked here, in order, before any answer comes.
 */
export function together<const S extends ReadonlyArray<PromiseLike<unknown> | undefined>>(statements: S): Promise<{ -readonly [K in keyof S]: Awaited<S[K]> }> {
  const sent = statements.map((statement) => statement && new Promise((done, fail) => void statement.then(done, fail)));
  return Promise.all(sent) as Promise<{ -readonly [K in keyof S]: Awaited<S[K]> }>;
}

/** The rows of a statement run with `execute` (raw SQL): postgres.js answers them as an array, PGlite inside `rows`. */
export async function rows<T>(db: Db | Tx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
