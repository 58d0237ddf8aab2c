import { asc, eq, inArray } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agents, calls, offers, staff } from '../../db/schema.ts';
import type { Database } from '../../src/database.ts';
import { addStaff } from '../../src/staff/staff.ts';
import { eventually } from '../support/agents.ts';
import { testDatabase } from '../support/database.ts';
import { nextCallEvent, placeCall, spawnHotline, type HotlineProcess } from '../support/faults.ts';
import { middayTimeZone, remoteAgent } from '../support/remote-agent.ts';

/**
 * Two hotline processes on one PostgreSQL; one is killed with `kill -9`. What hung on it is taken over by the
 * survivor once its lease lapses: its agent is no longer rung and goes offline after the grace, the callers
 * whose calls died with it are ended as lost (never offered over and over), and a live caller is served.
 * (PostgreSQL only.)
 */

const url = process.env['DATABASE_URL'];
const GENERAL = ['1', '0']; // Mandarin, an agent
const LUGGAGE = ['2', '2', '0']; // English, luggage, an agent
const LEASE_SECONDS = 2;

let database: Database;
let doomed: HotlineProcess;
let survivor: HotlineProcess;

beforeAll(async () => {
  if (!url) return;
  database = await testDatabase();
  const options = { databaseUrl: url, schema: database.server!.schema!, env: { HOTLINE_TIME_ZONE: middayTimeZone(), PROCESS_LEASE_SECONDS: String(LEASE_SECONDS), LOG_LEVEL: 'warn' } };
  [doomed, survivor] = await Promise.all([spawnHotline({ ...options, label: 'doomed' }), spawnHotline({ ...options, label: 'survivor' })]);
});
afterAll(async () => {
  await doomed?.kill();
  await survivor?.kill();
  await database?.close();
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.log(`the survivor's log, last part:\n${survivor.log().slice(-6_000)}`);
});

async function staffId(employeeNo: string): Promise<number> {
  const [row] = await database.db.select({ id: staff.id }).from(staff).where(eq(staff.employeeNo, employeeNo));
  return row!.id;
}

describe.runIf(!!url)('a server process killed with kill -9', { timeout: 120_000 }, () => {
  it('leaves no caller stranded and no agent rung on it once its lease lapses', async () => {
    await addStaff(database.db, { employeeNo: '1001', name: 'On the killed process', role: 'agent', skills: { general: 3 }, password: 'sanling-test' });
    await addStaff(database.db, { employeeNo: '1002', name: 'On the survivor', role: 'agent', skills: { general: 3, luggage: 3 }, password: 'sanling-test' });
    const onDoomed = await remoteAgent(doomed.url, '1001');
    const onSurvivor = await remoteAgent(survivor.url, '1002');
    expect(await onDoomed.presence('available')).toMatchObject({ ok: true });
    expect(await onSurvivor.presence('break', 'briefing')).toMatchObject({ ok: true });
    const [agent1001, agent1002] = [await staffId('1001'), await staffId('1002')];

    // A caller on the doomed process waits for luggage (only 1002, on a break, has the skill).
    const dying = await placeCall(doomed.url, { presses: LUGGAGE });
    await nextCallEvent(doomed.url, dying.sid, 'enqueued', { ms: 30_000 });

    const killed = await doomed.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    // A live caller phones the survivor; 1002 comes back from the break.
    const live = await placeCall(survivor.url, { presses: GENERAL });
    await nextCallEvent(survivor.url, live.sid, 'enqueued', { ms: 30_000 });
    expect(await onSurvivor.presence('available')).toMatchObject({ ok: true });

    // The live caller talks to 1002; the dead one is ended as lost, offered at most once on the way.
    await nextCallEvent(survivor.url, live.sid, 'connected', { ms: 60_000 });
    const [dead] = await eventually(() => database.db.select().from(calls).where(eq(calls.sid, dying.sid)), ([c]) => c?.status === 'ended', 'the dead caller ended', 30_000);
    expect(dead!.endReason).toBe('carrier-gone');
    expect((await database.db.select().from(offers).where(eq(offers.callSid, dying.sid))).length).toBeLessThanOrEqual(1);
    const [liveOffer] = await database.db.select().from(offers).where(eq(offers.callSid, live.sid)).orderBy(asc(offers.id));
    expect(liveOffer).toBeDefined();

    // 1001's softphone died with its process: offline after the lease (and the grace), never left ringing to
    // the ring limit or put on a "missed" break. A caller offered to 1001 in the moments before the lease
    // lapsed is taken back at once, once.
    const [gone] = await eventually(() => database.db.select().from(agents).where(eq(agents.staffId, agent1001)), ([a]) => a?.presence === 'offline', '1001 offline', 40_000);
    expect(gone!.breakReason).toBeNull();
    const rung = await database.db.select().from(offers).where(inArray(offers.staffId, [agent1001]));
    expect(rung.length).toBeLessThanOrEqual(1);
    for (const offer of rung) expect(offer).toMatchObject({ status: 'withdrawn', endReason: 'agent-unreachable' });
    const [talking] = await database.db.select().from(agents).where(eq(agents.staffId, agent1002));
    expect(talking!.presence).toBe('on-call');
    expect(survivor.log()).not.toMatch(/unhandled rejection|uncaught exception/i);
  });
});
