import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agents, calls, offers, staff } from '../../db/schema.ts';
import type { Database } from '../../src/database.ts';
import type { IvrState } from '../../src/ivr/types.ts';
import { testDatabase } from '../support/database.ts';

/**
 * Two server processes on one PostgreSQL routing the same waiting callers at the same moment: row locks
 * and the one-live-offer rules must keep every caller to one offer and every agent to one call.
 * (PGlite is one process by design, so this runs on PostgreSQL only.)
 */

/** A routing process: resolves `ready` once it is connected, and with what it printed once it exits. */
function worker(url: string, schema: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/acd/race-worker.ts', url, schema]);
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const ready = new Promise<void>((resolve) => child.stderr.on('data', (d) => String(d).includes('ready') && resolve()));
  const done = new Promise<string>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`worker exited with ${code}`)))),
  );
  return { ready, done, go: () => child.stdin.write('go\n') };
}
const onServer = !!process.env['DATABASE_URL'];
const CALLERS = 60;
const AGENTS = 25;
let database: Database;

beforeAll(async () => {
  if (!onServer) return;
  database = await testDatabase();
  const now = Date.now();
  const ivr: IvrState = { flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, path: [], answers: {} };
  await database.db.insert(calls).values(
    Array.from({ length: CALLERS }, (_, i) => ({
      sid: `CA${i.toString(16).padStart(32, '0')}`,
      from: '+8613800138000',
      to: '+864008000123',
      status: 'queued',
      ivr,
      queue: 'general',
      priority: i % 3,
      queuedAt: new Date(now - (CALLERS - i) * 1000),
    })),
  );
  const members = await database.db
    .insert(staff)
    .values(Array.from({ length: AGENTS }, (_, i) => ({ employeeNo: String(1001 + i), name: `Agent ${i}`, role: 'agent' as const, skills: { general: 1 }, passwordHash: 'x' })))
    .returning({ id: staff.id });
  await database.db.insert(agents).values(members.map((m, i) => ({ staffId: m.id, presence: 'available' as const, idleSince: new Date(now - i * 1000) })));
});
afterAll(async () => {
  await database?.close();
});

describe.runIf(onServer)('two processes routing at once', () => {
  it('offer each caller at most once and each agent at most one caller', async () => {
    const { url, schema } = database.server!;
    const a = worker(url, schema!);
    const b = worker(url, schema!);
    await Promise.all([a.ready, b.ready]);
    a.go();
    b.go();
    const movedA: string[] = JSON.parse(await a.done);
    const movedB: string[] = JSON.parse(await b.done);

    const all = [...movedA, ...movedB];
    expect(all).toHaveLength(AGENTS);
    expect(new Set(all).size).toBe(AGENTS);
    // Both processes really took part in the race.
    expect(movedA.length).toBeGreaterThan(0);
    expect(movedB.length).toBeGreaterThan(0);

    const live = await database.db.select().from(offers);
    expect(live).toHaveLength(AGENTS);
    expect(new Set(live.map((o) => o.callSid)).size).toBe(AGENTS);
    expect(new Set(live.map((o) => o.staffId)).size).toBe(AGENTS);
    const ringing = await database.db.select().from(agents).where(sql`presence = 'ringing'`);
    expect(ringing).toHaveLength(AGENTS);
    // Priority first, then the longest wait: the callers offered are exactly the first AGENTS in that order.
    const expected = (await database.db.select({ sid: calls.sid }).from(calls).orderBy(sql`priority desc, queued_at`)).slice(0, AGENTS).map((c) => c.sid);
    expect(new Set(all)).toEqual(new Set(expected));
  }, 90_000);
});
