/**
 * What the benchmarks share: where PostgreSQL is, a fresh database to run against, percentiles and the
 * printed tables.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { sessions, staff } from '../db/schema.ts';
import type { Database, Db } from '../src/database.ts';
import { hashPassword } from '../src/staff/password.ts';
import { tokenHash } from '../src/staff/sessions.ts';
import type { Skills } from '../src/staff/staff.ts';
import { testDatabase } from '../test/support/database.ts';

export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';

/** Only an explicit DATABASE_URL or a server that answers: a bench run must not wait on an absent one. */
export async function postgresUrl(): Promise<string | undefined> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const probe = postgres(LOCAL_POSTGRES, { max: 1, connect_timeout: 2, onnotice: () => {} });
  const answers = await probe`select 1`.then(() => true, () => false);
  await probe.end({ timeout: 1 });
  return answers ? LOCAL_POSTGRES : undefined;
}

/** A fresh, migrated database of the bench's own (see test/support/database.ts): dropped on close. */
export const benchDatabase = (url: string | undefined): Promise<Database> => testDatabase(url, 'bench');

/**
 * A new, empty database on the server at `url`, for a server started as a child process: the hotline's
 * configuration takes a DATABASE_URL but no schema, so a database of its own is what keeps its rows apart.
 * `drop()` ends its connections and removes it.
 */
export async function freshPostgresDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sanling_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    async drop() {
      const again = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await again.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await again.end({ timeout: 1 });
      }
    },
  };
}

/** An agent the bench made, and the token of their session. */
export type BenchAgent = { staffId: number; employeeNo: string; token: string };

/**
 * `count` agents (employee numbers from `firstEmployeeNo`), each already logged in, in order. Written
 * straight to the roster and the sessions table, with one password hash shared by all: a login over HTTP
 * costs two scrypt hashes (~0.1 s of CPU each, the roster's and the login's), minutes for a floor of
 * thousands, and logging in is not what these benchmarks measure. The sessions last two days (a bench may
 * move the hotline's clock).
 */
export async function loggedInAgents(db: Db, count: number, firstEmployeeNo: number, skillsOf: (i: number) => Skills): Promise<BenchAgent[]> {
  if (count === 0) return [];
  const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
  const made: BenchAgent[] = [];
  const expiresAt = new Date(Date.now() + 48 * 3_600_000);
  for (let from = 0; from < count; from += 500) {
    const batch = Array.from({ length: Math.min(500, count - from) }, (_, k) => from + k);
    const added = await db
      .insert(staff)
      .values(batch.map((i) => ({ employeeNo: String(firstEmployeeNo + i), name: `Bench agent ${firstEmployeeNo + i}`, role: 'agent' as const, skills: skillsOf(i), passwordHash })))
      .returning({ id: staff.id, employeeNo: staff.employeeNo });
    const idOf = new Map(added.map((a) => [a.employeeNo, a.id]));
    const agents = batch.map((i) => ({ staffId: idOf.get(String(firstEmployeeNo + i))!, employeeNo: String(firstEmployeeNo + i), token: randomBytes(32).toString('base64url') }));
    await db.insert(sessions).values(agents.map((a) => ({ tokenHash: tokenHash(a.token), staffId: a.staffId, expiresAt })));
    made.push(...agents);
  }
  return made;
}

/** Samples in milliseconds, summarised as the tables print them. */
export class Samples {
  readonly values: number[] = [];
  private sorted = true;

  add(ms: number): void {
    this.values.push(ms);
    this.sorted = false;
  }

  get count(): number {
    return this.values.length;
  }

  /** The p-th percentile (nearest rank); NaN without samples. */
  at(p: number): number {
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    return this.values[Math.max(0, Math.ceil((p / 100) * this.values.length) - 1)] ?? Number.NaN;
  }

  mean(): number {
    return this.values.length ? this.values.reduce((a, b) => a + b, 0) / this.values.length : Number.NaN;
  }
}

export const ms = (n: number): string => (Number.isNaN(n) ? '-' : n.toFixed(1));

/** Text columns (the first `textColumns`) left, numbers right, as numbers are read. */
export function printTable(rows: string[][], textColumns = 2): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows) {
    console.log(r.map((cell, c) => (c < textColumns ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
  }
}

/**
 * A time zone in which the hotline's agents are on duty now (06:00–23:00): Asia/Shanghai if it is working
 * hours there, else a whole-hour zone where it is noon. For a hotline started as a child process, whose clock
 * cannot be moved (HOTLINE_TIME_ZONE): otherwise every route to an agent would end at `closed`.
 */
export function openTimeZone(): string {
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: 'numeric', hourCycle: 'h23' }).format(new Date()));
  if (hour >= 7 && hour <= 21) return 'Asia/Shanghai';
  let offset = 12 - new Date().getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  // Etc/GMT's sign is POSIX's: Etc/GMT-8 is eight hours ahead of UTC.
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
