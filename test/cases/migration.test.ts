import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';

/**
 * Callbacks asked for before the case desk existed are not lost by the upgrade: migration 0004 turns every
 * `callbacks` row into a callback case with the same id (the call notes point at it), its number, queue,
 * language and due time, a reference in the unambiguous alphabet, and a clock still running for open ones.
 */

const DIR = 'db/migrations';
const files = readdirSync(DIR).filter((f) => f.endsWith('.sql')).sort();
const statements = (file: string) => readFileSync(join(DIR, file), 'utf8').split('--> statement-breakpoint');

type Sql = { run(text: string): Promise<void>; rows<T>(text: string): Promise<T[]>; close(): Promise<void> };

async function database(): Promise<Sql> {
  const url = process.env['DATABASE_URL'];
  if (!url) {
    const db = new PGlite();
    return { run: async (t) => void (await db.exec(t)), rows: async (t) => (await db.query(t)).rows as never, close: () => db.close() };
  }
  const schema = `migration_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema "${schema}"`);
  const db = postgres(url, { max: 1, onnotice: () => {}, connection: { search_path: schema } });
  return {
    run: async (t) => void (await db.unsafe(t)),
    rows: async (t) => (await db.unsafe(t)) as never,
    close: async () => {
      await db.end();
      await admin.unsafe(`drop schema "${schema}" cascade`);
      await admin.end();
    },
  };
}

let db: Sql;
beforeAll(async () => {
  db = await database();
  for (const file of files.filter((f) => f < '0004')) for (const s of statements(file)) await db.run(s);
  await db.run(`
    insert into callbacks (id, call_sid, number, queue, language, requested_at, due_at, status) values
      (7, 'CA07', '+8613800138000', 'general', 'yue-HK', '2026-11-25T04:00:00Z', '2026-11-25T04:15:00Z', 'open'),
      (8, 'CA08', '13900001111', 'lost-and-found', 'zh-CN', '2026-11-24T04:00:00Z', '2026-11-24T06:00:00Z', 'done'),
      (9, 'CA09', '+8613700000000', 'general', 'en-US', '2026-11-24T04:00:00Z', '2026-11-24T05:00:00Z', 'cancelled');
    insert into call_notes (call_sid, staff_id, disposition, callback_due_at, callback_id) values ('CA08', 1, 'callback-promised', '2026-11-24T06:00:00Z', 8);
  `);
  for (const file of files.filter((f) => f >= '0004')) for (const s of statements(file)) await db.run(s);
});
afterAll(() => db?.close());

it('every callback becomes a callback case with its id, number, queue, language and status; the reference spells the id (7 → R222229)', async () => {
  const rows = await db.rows<Record<string, unknown>>(`select id, reference, type, status, channel, contact_number, contact_key, queue, language, call_sid from cases order by id`);
  expect(rows).toEqual([
    { id: 7, reference: 'R222229', type: 'callback', status: 'new', channel: 'phone', contact_number: '+8613800138000', contact_key: '00138000', queue: 'general', language: 'yue-HK', call_sid: 'CA07' },
    { id: 8, reference: 'R22222A', type: 'callback', status: 'resolved', channel: 'phone', contact_number: '13900001111', contact_key: '00001111', queue: 'lost-and-found', language: 'zh-CN', call_sid: 'CA08' },
    { id: 9, reference: 'R22222B', type: 'callback', status: 'closed', channel: 'phone', contact_number: '+8613700000000', contact_key: '00000000', queue: 'general', language: 'en-US', call_sid: 'CA09' },
  ]);
});

it('an open callback keeps its due time on a running clock; the notes point at the case', async () => {
  const clocks = await db.rows<{ case_id: number; kind: string; due_at: Date | string; next_at: Date | string | null }>(`select case_id, kind, due_at, next_at from case_clocks`);
  expect(clocks.map((c) => [c.case_id, c.kind, new Date(c.due_at).toISOString()])).toEqual([[7, 'resolve', '2026-11-25T04:15:00.000Z']]);
  expect(await db.rows(`select callback_case_id from call_notes`)).toEqual([{ callback_case_id: 8 }]);
  expect(await db.rows(`select count(*)::int as n from case_events where type = 'created'`)).toEqual([{ n: 3 }]);
});

it('an open callback joins the line to be dialled (0005): its place the time it was asked for, due to be dialled at once; a finished one does not', async () => {
  const rows = await db.rows<{ id: number; place_at: Date | string | null; dial_after: Date | string | null; attempts: number }>(`select id, place_at, dial_after, attempts from cases order by id`);
  const at = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  expect(rows.map((r) => [r.id, at(r.place_at), at(r.dial_after), r.attempts])).toEqual([
    [7, '2026-11-25T04:00:00.000Z', '2026-11-25T04:00:00.000Z', 0],
    [8, null, null, 0],
    [9, null, null, 0],
  ]);
});

it('new cases are numbered after the migrated ones', async () => {
  await db.run(`insert into cases (reference, type, channel, language, created_at, updated_at) values ('C2345678', 'complaint', 'online', 'zh-CN', now(), now())`);
  expect(await db.rows(`select max(id)::int as id from cases`)).toEqual([{ id: 10 }]);
});
