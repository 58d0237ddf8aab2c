/**
 * What the benchmarks share: where PostgreSQL is, a fresh database to run against, percentiles and the
 * printed tables.
 */
import postgres from 'postgres';
import type { Database } from '../src/database.ts';
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
