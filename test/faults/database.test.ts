import { and, asc, eq, inArray } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { agents as agentsTable, calls, offers } from '../../db/schema.ts';
import type { Database } from '../../src/database.ts';
import { addStaff } from '../../src/staff/staff.ts';
import { eventually } from '../support/agents.ts';
import { nextCallEvent, placeCall, terminateBackends, type HotlineProcess, type TcpProxy } from '../support/faults.ts';
import { proxiedHotlinePerFile } from '../support/proxied-hotline.ts';
import { remoteAgent, type RemoteAgent } from '../support/remote-agent.ts';

/**
 * The database goes away under a running hotline (a real process, on PostgreSQL through a TCP proxy): its
 * connections are terminated, it refuses new ones, or it hangs. The process stays up, every caller hears the
 * apology and is held, and once the database is back every one of them is served, in the order they came,
 * exactly once. (PostgreSQL only.)
 */

const url = process.env['DATABASE_URL'];
const GENERAL = ['1', '0']; // Mandarin, an agent
const APOLOGY = '抱歉，系统出现技术故障。请稍候，我们正在为您转接人工客服。';

// A wait turn on hold lasts 20 s when the hotline cannot plan it: a fifth of that keeps the spec short.
const fixture = proxiedHotlinePerFile({ timeScale: 0.2 });
let database: Database;
let proxy: TcpProxy;
let hotline: HotlineProcess;
/** One agent per caller a spec serves: an agent who has talked to a caller is in wrap-up. */
let agents: RemoteAgent[];

beforeAll(async () => {
  if (!url) return;
  ({ database, proxy, hotline } = fixture());
  agents = [];
  for (const employeeNo of ['1001', '1002', '1003']) {
    await addStaff(database.db, { employeeNo, name: `Agent ${employeeNo}`, role: 'agent', skills: { general: 3 }, password: 'sanling-test' });
    agents.push(await remoteAgent(hotline.url, employeeNo));
  }
});
beforeEach(async () => {
  if (!url) return;
  proxy.setMode('pass');
  await eventually(() => ready(), (r) => r, 'the hotline ready again', 30_000);
  await database.db.update(offers).set({ status: 'completed' }).where(eq(offers.status, 'connected'));
  await database.db.update(agentsTable).set({ presence: 'break', wrapUpUntil: null });
});

async function ready(): Promise<boolean> {
  return (await fetch(`${hotline.url}/readyz`, { signal: AbortSignal.timeout(5_000) })).status === 200;
}

async function alive(): Promise<boolean> {
  return (await fetch(`${hotline.url}/livez`, { signal: AbortSignal.timeout(5_000) })).status === 200;
}

/** Callers placed one after another, each heard out to the queue before the next dials. */
async function callersQueued(count: number, options: { apart?: number } = {}): Promise<string[]> {
  const sids: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && options.apart) await new Promise((r) => setTimeout(r, options.apart));
    const call = await placeCall(hotline.url, { presses: GENERAL, from: `+861380013800${i}` });
    await nextCallEvent(hotline.url, call.sid, 'enqueued', { ms: 30_000 });
    sids.push(call.sid);
  }
  return sids;
}

/** Each caller is offered once, in order, and talks to an agent. */
async function servedInOrder(sids: string[]): Promise<void> {
  for (const agent of agents) {
    const answer = await agent.presence('available');
    expect(answer, `the agent's answer: ${JSON.stringify(answer)}`).toMatchObject({ ok: true });
  }
  for (const sid of sids) await nextCallEvent(hotline.url, sid, 'connected', { ms: 60_000 });
  const offered = await database.db.select({ callSid: offers.callSid, status: offers.status }).from(offers).where(inArray(offers.callSid, sids)).orderBy(asc(offers.id));
  expect(offered.map((o) => o.callSid)).toEqual(sids);
  const rows = await database.db.select({ sid: calls.sid, queuedAt: calls.queuedAt }).from(calls).where(inArray(calls.sid, sids)).orderBy(asc(calls.queuedAt));
  expect(rows.map((r) => r.sid)).toEqual(sids);
}

function crashes(): string[] {
  return hotline.log().split('\n').filter((line) => /unhandled rejection|uncaught exception/i.test(line));
}

describe.runIf(!!url)('a database that goes away under a running hotline', { timeout: 120_000 }, () => {
  it("survives having every one of its connections terminated, the Socket.IO adapter's LISTEN included", async () => {
    for (let round = 0; round < 3; round++) {
      expect(await terminateBackends(url!, hotline.applicationName)).toBeGreaterThan(0);
      expect(await alive()).toBe(true);
      await eventually(() => ready(), (r) => r, 'ready again after the terminations', 20_000);
    }
    const [sid] = await callersQueued(1);
    await servedInOrder([sid!]);
    expect(agents.flatMap((a) => a.offered)).toContain(sid);
    expect(crashes()).toEqual([]);
  });

  it('refusing connections: callers hear the apology and are held; after it, all are served in arrival order, once each', async () => {
    proxy.setMode('refuse');
    // The carrier's QueueTime is whole seconds: callers a second and a half apart have a certain order.
    const sids = await callersQueued(3, { apart: 1_500 });
    for (const sid of sids) {
      const said = await nextCallEvent(hotline.url, sid, 'say', { ms: 10_000 });
      expect(said.text).toBe(APOLOGY);
    }
    expect(await alive()).toBe(true);
    const health = await fetch(`${hotline.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ live: true, ready: false });
    // An agent's request meets the outage too: a clear refusal, never a crash.
    expect(await agents[0]!.presence('available')).toMatchObject({ ok: false });

    proxy.setMode('pass');
    await eventually(() => database.db.select({ sid: calls.sid }).from(calls).where(and(inArray(calls.sid, sids), eq(calls.status, 'queued'))), (rows) => rows.length === 3, 'callers taken into the queue', 30_000);
    await servedInOrder(sids);
    expect(crashes()).toEqual([]);
  });

  it('hanging: a new caller still hears the apology within Twilio\'s 15 s, and is served once the database answers', async () => {
    proxy.setMode('blackhole');
    const call = await placeCall(hotline.url, { presses: GENERAL });
    const said = await nextCallEvent(hotline.url, call.sid, 'say', { ms: 20_000 });
    expect(said.text).toBe(APOLOGY);
    await nextCallEvent(hotline.url, call.sid, 'enqueued', { ms: 10_000 });
    expect(await alive()).toBe(true);
    expect(await ready()).toBe(false);

    proxy.setMode('pass');
    await eventually(() => ready(), (r) => r, 'ready again', 30_000);
    await servedInOrder([call.sid]);
    expect(crashes()).toEqual([]);
  });
});
