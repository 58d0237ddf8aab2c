import { eq, inArray } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { calls, callEvents } from '../../db/schema.ts';
import { routeSoon } from '../../src/acd/route.ts';
import type { Hotline } from '../../src/hotline.ts';
import { startHotline } from '../../src/start.ts';
import { agentOnFloor, callRow, eventually, offersFor, presence } from '../support/agents.ts';
import { testDatabase } from '../support/database.ts';
import { OPEN } from '../support/flows.ts';
import { callParams, newCallSid, signedPost, testConfig, webhookApp } from '../support/hotline.ts';
import { hotlinePerFile, nextEvent } from '../support/running.ts';
import { verbs } from '../support/twiml.ts';

/**
 * Bringing the hotline back in line with the carrier's calls: callers whose calls died are ended as lost and
 * never offered again (at start-up, and when routing finds out), callers the carrier holds without a row are
 * taken in at its wait URL, a step arriving after the end changes nothing, and an agent the carrier cannot
 * ring goes offline while the caller is offered to someone else.
 */

const running = hotlinePerFile();
const h = () => running().hotline;
const GENERAL = ['1', '0']; // Mandarin, an agent

/** Rows of callers a process that died left queued: the carrier (this simulator) never heard of them. */
async function deadCallers(hotline: Hotline, count: number, waitedSeconds = 60): Promise<string[]> {
  const sids = Array.from({ length: count }, () => newCallSid());
  const queuedAt = new Date(hotline.now().getTime() - waitedSeconds * 1000);
  const ivr = { flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] };
  await hotline.database.db.insert(calls).values(sids.map((sid) => ({ sid, from: '+8613800138000', to: '+864008000123', status: 'queued', ivr, queue: 'general', priority: 0, queuedAt, startedAt: queuedAt })));
  return sids;
}

describe('callers whose calls died', () => {
  it('are ended as lost at start-up, before anyone is offered them', async () => {
    const database = await testDatabase();
    try {
      const before = await startHotline(testConfig(), { log: pino({ level: 'silent' }), database, now: () => OPEN, simulatorTimeScale: 0, sweepEveryMs: 0 });
      await agentOnFloor(before.hotline, '1001', { general: 3 });
      await before.close();
      const dead = await deadCallers(before.hotline, 3);

      const after = await startHotline(testConfig(), { log: pino({ level: 'silent' }), database, now: () => OPEN, simulatorTimeScale: 0, sweepEveryMs: 0 });
      try {
        const rows = await database.db.select().from(calls).where(inArray(calls.sid, dead));
        expect(rows.map((r) => [r.status, r.endReason])).toEqual(dead.map(() => ['ended', 'carrier-gone']));
        const ended = await database.db.select({ data: callEvents.data }).from(callEvents).where(inArray(callEvents.callSid, dead));
        expect(ended.map((e) => e.data)).toEqual(dead.map(() => expect.objectContaining({ reason: 'carrier-gone', why: 'unknown to the carrier at start-up' })));
        // The live caller behind them goes straight to the agent.
        const live = after.simulator!.call({ presses: GENERAL });
        await nextEvent(live, 'ringing');
        for (const sid of dead) expect(await offersFor(after.hotline, sid)).toEqual([]);
      } finally {
        await after.close();
      }
    } finally {
      await database.close();
    }
  });

  it('found out while routing are ended, each offered once at most, and the agent is free at once for a live caller', async () => {
    const dead = await deadCallers(h(), 5);
    const agent = await agentOnFloor(h(), '1002', { general: 3 });
    routeSoon(h());
    for (const sid of dead) await eventually(() => callRow(h(), sid), (c) => c.status === 'ended', `${sid} ended`);
    for (const sid of dead) {
      expect((await callRow(h(), sid)).endReason).toBe('carrier-gone');
      expect((await offersFor(h(), sid)).length).toBeLessThanOrEqual(1);
    }
    // The process answered all along (no pass that never yields), and a live caller is served.
    expect((await fetch(`${running().url}/livez`)).status).toBe(200);
    const live = running().sim.call({ presses: GENERAL });
    const ringing = await nextEvent(live, 'ringing');
    expect(ringing.client).toBe('agent_1002');
    expect((await presence(h(), agent.id)).presence).toBe('ringing');
  });
});

describe('an agent the carrier cannot ring', () => {
  it('goes offline, and the caller is offered to someone else at once', async () => {
    const first = await agentOnFloor(h(), '1001', { general: 3 });
    const call = running().sim.call({ presses: GENERAL });
    const rung = await nextEvent(call, 'ringing');
    expect(rung.client).toBe('agent_1001');
    const second = await agentOnFloor(h(), '1002', { general: 3 });
    const [offer] = await offersFor(h(), call.sid);

    // The carrier reports the agent's leg failed (a softphone that is not registered).
    const res = await signedPost(running().server, `/twilio/agent-leg?offer=${offer!.id}`, callParams(rung.legSid, { CallStatus: 'failed', ParentCallSid: call.sid }));
    expect(res.status).toBe(204);
    expect((await presence(h(), first.id)).presence).toBe('offline');
    const [missed, next] = await eventually(() => offersFor(h(), call.sid), (o) => o.length === 2, 'offered again');
    expect(missed).toMatchObject({ status: 'withdrawn', endReason: 'agent-unreachable' });
    expect(next).toMatchObject({ staffId: second.id });
  });
});

describe('a caller held by the carrier without a row', () => {
  const ctx = webhookApp();
  afterAll(async () => (await ctx).database.close());

  it('is taken into the queue at the wait URL, with the wait counted from when they joined, once', async () => {
    const { app, hotline } = await ctx;
    const earlier = newCallSid();
    const later = newCallSid();
    // Answered by the apology while the database was away; the carrier holds them in "general".
    for (const [sid, waited] of [[later, '10'], [earlier, '30'], [later, '12']] as const) {
      const res = await signedPost(app, '/twilio/wait?queue=general', callParams(sid, { QueueTime: waited, QueuePosition: '1' }));
      expect(res.status).toBe(200);
      expect(verbs(res.text).map((v) => v.verb)).not.toContain('Enqueue');
    }
    const rows = await hotline.database.db.select().from(calls).where(inArray(calls.sid, [earlier, later]));
    const at = (sid: string) => rows.find((r) => r.sid === sid)!;
    expect(at(earlier)).toMatchObject({ status: 'queued', queue: 'general', queuedAt: new Date(OPEN.getTime() - 30_000) });
    expect(at(later)).toMatchObject({ status: 'queued', queue: 'general', queuedAt: new Date(OPEN.getTime() - 10_000) });
    const joined = await hotline.database.db.select().from(callEvents).where(eq(callEvents.type, 'queue.joined'));
    expect(joined.filter((e) => e.callSid === later)).toHaveLength(1);
  });
});

describe('a step that arrives after the call ended', () => {
  const ctx = webhookApp();
  afterAll(async () => (await ctx).database.close());

  it('changes nothing: the caller is not put back in a queue', async () => {
    const { app, hotline } = await ctx;
    const sid = newCallSid();
    await signedPost(app, '/twilio/voice', callParams(sid));
    expect((await signedPost(app, '/twilio/status', callParams(sid, { CallStatus: 'completed', CallDuration: '3' }))).status).toBe(204);
    const late = await signedPost(app, '/twilio/ivr?seq=1', callParams(sid, { Digits: '0' }));
    expect(late.status).toBe(200);
    expect(verbs(late.text).map((v) => v.verb)).toEqual(['Hangup']);
    const [row] = await hotline.database.db.select().from(calls).where(eq(calls.sid, sid));
    expect(row).toMatchObject({ status: 'ended', endReason: 'abandoned-in-ivr' });
  });
});
