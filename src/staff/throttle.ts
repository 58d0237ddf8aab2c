import { isIP } from 'node:net';
import pg from 'pg';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type IRateLimiterOptions, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Database } from '../database.ts';

/**
 * How many failed logins pass before a wait, and how long the wait is (seconds). Every attempt counts as a
 * failure before its password is looked at, and a success takes it back: guesses sent all at once are then
 * counted like guesses sent one after another, and an attempt refused costs no password hashing.
 */
export const LIMITS = {
  /** From one address, whatever numbers it tries: what stops a flood of guesses burning the CPU. */
  address: { points: 30, duration: 3600, blockDuration: 900 },
  /** One employee number from one address, in a row (a success starts again): a forgotten password, or a guesser. */
  accountAtAddress: { points: 5, duration: 86_400, blockDuration: 900 },
  /**
   * One employee number from anywhere: guessing spread over many machines. Addresses the person logged in from
   * lately are let past it, and one machine alone cannot reach it (accountAtAddress lets it at most 20 failures
   * an hour), so a guesser cannot lock an agent out of their shift.
   */
  account: { points: 50, duration: 3600, blockDuration: 3600 },
} as const satisfies Limits;

export type Limits = Record<'address' | 'accountAtAddress' | 'account', { points: number; duration: number; blockDuration: number }>;

/** At most `points` in `duration` seconds; once they are spent, a wait of `blockDuration` seconds (else to the window's end). */
export type Limit = { points: number; duration: number; blockDuration?: number };

/** A count per key under one limit: `take` counts one, answering how long to wait when the limit is spent. */
export type Counter = { take(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> };

/** An address someone logged in from is theirs this long (kept under the 24.8 days a Node timer can wait). */
const TRUSTED = { points: 1, duration: 14 * 86_400 };

/** The one table all the limits keep their counts in, in the hotline's schema. */
const TABLE = 'login_throttle';

export type Attempt =
  | { allowed: true; /** The password was right: take the attempt back as a failure. */ succeeded(): Promise<void> }
  | { allowed: false; retryAfterSeconds: number };

/** Failed logins counted per client address and per employee number; opened once per running hotline. */
export type LoginThrottle = {
  /** Count an attempt before its password is checked; refused while one of its limits is spent. */
  attempt(employeeNo: string, address: string): Promise<Attempt>;
  /**
   * A count of another kind kept where these are (on PostgreSQL the same table, told apart by `keyPrefix`, so
   * every process shares it; else this process's memory): the passengers' public form counts per address here.
   */
  counter(keyPrefix: string, limit: Limit): Counter;
  close(): Promise<void>;
};

type Limiters = Record<keyof Limits | 'trusted', RateLimiterAbstract>;

/** Each limit's options, told apart in the shared table by their key prefix. */
function limitOptions(limits: Limits): Record<keyof Limiters, IRateLimiterOptions> {
  return {
    address: { keyPrefix: 'address', ...limits.address },
    accountAtAddress: { keyPrefix: 'account-address', ...limits.accountAtAddress },
    account: { keyPrefix: 'account', ...limits.account },
    trusted: { keyPrefix: 'trusted', ...TRUSTED },
  };
}

/**
 * On PostgreSQL the counts live in the database, so every server process sees the same ones. Should that
 * store fail (the database gone or hanging), each limit goes on counting in this process's memory until it
 * is back: guesses stay throttled, at worst a few times as loosely with several processes, and agents are
 * not refused for a fault of ours. PGlite is one process by definition: memory is all it needs.
 */
export async function openLoginThrottle(database: Database, log: Logger, limits: Limits = LIMITS): Promise<LoginThrottle> {
  if (!database.server) return memoryLoginThrottle(limits);
  const { url, schema, applicationName } = database.server;
  const pool = new pg.Pool({
    connectionString: url,
    max: 5,
    // A hung database must not hold a login for long: after these the memory counts take over.
    connectionTimeoutMillis: 3000,
    query_timeout: 3000,
    idleTimeoutMillis: 10_000,
    application_name: `${applicationName}/login-throttle`,
  });
  // An idle connection the server drops emits 'error' on the pool; unheard, it would end the process.
  pool.on('error', (err) => log.warn({ err: err.message }, 'login throttle: the database dropped a connection; the next login opens another'));
  try {
    const options = limitOptions(limits);
    // One after another: each creates the table if it is missing, which PostgreSQL does not do concurrently.
    const limiters: Limiters = {
      address: await postgresLimiter(pool, schema, options.address),
      accountAtAddress: await postgresLimiter(pool, schema, options.accountAtAddress),
      account: await postgresLimiter(pool, schema, options.account),
      trusted: await postgresLimiter(pool, schema, options.trusted),
    };
    const sweep = setInterval(() => void sweepExpired(pool, schema), 5 * 60_000).unref();
    let closed: Promise<void> | undefined;
    // The table exists by now: limiters made later need not wait to create it.
    const more = (limit: IRateLimiterOptions) => postgresLimiterOn(pool, schema, limit, true);
    return throttle(limiters, more, () => {
      clearInterval(sweep);
      return (closed ??= pool.end());
    });
  } catch (err) {
    await pool.end();
    throw err;
  }
}

/** Counts in this process only: for PGlite, and for hotlines put together by hand in tests. */
export function memoryLoginThrottle(limits: Limits = LIMITS): LoginThrottle {
  const options = limitOptions(limits);
  const memory = (key: keyof Limiters) => new RateLimiterMemory(options[key]);
  const limiters = { address: memory('address'), accountAtAddress: memory('accountAtAddress'), account: memory('account'), trusted: memory('trusted') };
  return throttle(limiters, (limit) => new RateLimiterMemory(limit), async () => {});
}

function throttle(limiters: Limiters, more: (limit: IRateLimiterOptions) => RateLimiterAbstract, close: () => Promise<void>): LoginThrottle {
  return {
    async attempt(employeeNo, address) {
      // Unknown numbers are counted by what was typed, exactly as known ones: the answers tell nobody apart.
      const from = addressKey(address);
      const pair = `${employeeNo}@${from}`;
      try {
        await limiters.address.consume(from);
        await limiters.accountAtAddress.consume(pair);
        const trusted = (await limiters.trusted.get(pair)) !== null;
        if (!trusted) await limiters.account.consume(employeeNo);
        return {
          allowed: true,
          async succeeded() {
            await Promise.all([
              limiters.address.reward(from),
              limiters.accountAtAddress.delete(pair),
              trusted ? undefined : limiters.account.reward(employeeNo),
              limiters.trusted.set(pair, 1, TRUSTED.duration),
            ]);
          },
        };
      } catch (refusal) {
        return refused(refusal);
      }
    },
    counter(keyPrefix, limit) {
      const limiter = more({ keyPrefix, ...limit });
      return {
        async take(key) {
          try {
            await limiter.consume(key);
            return { allowed: true };
          } catch (refusal) {
            return refused(refusal);
          }
        },
      };
    },
    close,
  };
}

/** A limiter's refusal as the wait it asks for; anything else it threw is a fault, thrown on. */
function refused(refusal: unknown): { allowed: false; retryAfterSeconds: number } {
  if (!(refusal instanceof RateLimiterRes)) throw refusal;
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
}

/** A limit kept in the shared table (created if missing), falling back to memory while the table cannot be reached. */
function postgresLimiter(pool: pg.Pool, schema: string | undefined, limit: IRateLimiterOptions): Promise<RateLimiterAbstract> {
  return new Promise((resolve, reject) => {
    const limiter: RateLimiterAbstract = postgresLimiterOn(pool, schema, limit, false, (err) => (err ? reject(err) : resolve(limiter)));
  });
}

function postgresLimiterOn(pool: pg.Pool, schema: string | undefined, limit: IRateLimiterOptions, tableCreated: boolean, ready?: (err?: unknown) => void): RateLimiterAbstract {
  return new RateLimiterPostgres(
    {
      ...limit,
      storeClient: pool,
      tableName: TABLE,
      ...(schema ? { schemaName: schema } : {}),
      tableCreated,
      // Its own sweep would go on querying after close(); sweepExpired does the same, stoppably.
      clearExpiredByTimeout: false,
      insuranceLimiter: new RateLimiterMemory(limit),
    },
    ready,
  );
}

/** Counts whose time is up are only ever overwritten: delete them, so the table holds recent ones only. */
async function sweepExpired(pool: pg.Pool, schema: string | undefined): Promise<void> {
  const table = schema ? `"${schema}"."${TABLE}"` : `"${TABLE}"`;
  await pool.query(`DELETE FROM ${table} WHERE expire < $1`, [Date.now()]).catch(() => {});
}

/**
 * The part of a client's address that one client holds: an IPv4 address, or an IPv6 address's /64 (a home
 * or a server gets a whole /64, and could otherwise try each of its addresses in turn).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return mapped;
  const plain = address.replace(/%.*$/, '');
  if (isIP(plain) !== 6) return address.slice(0, 100);
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const [head = '', tail] = plain.split('::');
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const all = [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
