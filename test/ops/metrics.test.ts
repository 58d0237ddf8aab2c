import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { POOL_SIZE } from '../../src/database.ts';
import { callRow, eventually } from '../support/agents.ts';
import { hotlinePerFile, runningHotline } from '../support/running.ts';
import { onTheFloor } from '../notes/on-a-call.ts';
import { callParams, newCallSid, signedPost } from '../support/hotline.ts';
import { keepLoopBusy } from '../support/overload.ts';
import { parseExposition, valueOf, type Family } from './exposition.ts';

/**
 * /metrics, as an operator's Prometheus scrapes it: real calls through the simulator move the counters, the
 * scrape is read by the exposition format's rules, and only the token's bearer or an allowed address reads it.
 */

const running = hotlinePerFile();
const floor = onTheFloor(running);
const others: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const other of others) await other.close();
});

async function scrape(url = running().url, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

/** Another hotline on the same database, with its own settings (and its own registry, in this process). */
async function hotlineWith(env: Record<string, string>, sweepEveryMs = 0) {
  const other = await runningHotline({ database: running().database, env, sweepEveryMs });
  others.push(other);
  return other;
}

const general = { queue: 'general' };

describe('the figures Prometheus reads', () => {
  it('counts the calls offered, answered and abandoned, the rings to answer, and who waits now', async () => {
    const before = await scrape();
    const offered = () => valueOf(before, 'sanling_calls_offered_total', general) ?? 0;
    expect(before.get('sanling_calls_offered_total')?.type).toBe('counter');
    expect(before.get('sanling_answer_rings')?.type).toBe('histogram');

    // One caller is answered at the first ring; a second waits (the only agent is busy), then hangs up.
    await floor.onCall('1001');
    const second = running().sim.call({ from: '+8613700000002', presses: ['1', '0'] });
    await eventually(() => callRow(running().hotline, second.sid), (row) => row?.status === 'queued', 'the second caller queued');
    running().clock.advance(40);
    const waiting = await scrape();
    expect(valueOf(waiting, 'sanling_queue_waiting_calls', general)).toBe(1);
    expect(valueOf(waiting, 'sanling_queue_longest_wait_seconds', general)).toBe(40);
    expect(valueOf(waiting, 'sanling_agents', { presence: 'on-call' })).toBe(1);
    expect(valueOf(waiting, 'sanling_agents', { presence: 'available' })).toBe(0);

    running().sim.callerHangup(second.sid);
    await eventually(() => callRow(running().hotline, second.sid), (row) => row?.status === 'ended', 'the second caller gone');
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}, sample = name) => (valueOf(after, name, labels, sample) ?? 0) - (valueOf(before, name, labels, sample) ?? 0);
    expect(valueOf(after, 'sanling_calls_offered_total', general)).toBe(offered() + 2);
    expect(moved('sanling_calls_answered_total', general)).toBe(1);
    expect(moved('sanling_calls_abandoned_total', general)).toBe(1);
    expect(moved('sanling_answer_rings', {}, 'sanling_answer_rings_count')).toBe(1);
    expect(moved('sanling_answer_rings', { le: '1' }, 'sanling_answer_rings_bucket')).toBe(1);
    expect(valueOf(after, 'sanling_queue_waiting_calls', general)).toBe(0);
    // Every queue is there, waited in or not.
    expect(valueOf(after, 'sanling_queue_waiting_calls', { queue: 'complaints' })).toBe(0);

    // The carrier's webhooks, timed per route: the calls came in at /twilio/voice and ended at /twilio/status.
    expect(moved('sanling_webhook_duration_seconds', { route: '/twilio/voice', code: '200' }, 'sanling_webhook_duration_seconds_count')).toBe(2);
    // The status webhook's answer may still be on its way when the call's row says it ended.
    await eventually(async () => valueOf(await scrape(), 'sanling_webhook_duration_seconds', { route: '/twilio/status' }, 'sanling_webhook_duration_seconds_count') ?? 0, (n) => n > 0, 'the status webhook timed');
    expect(valueOf(after, 'sanling_database_up')).toBe(1);
  });

  it('times webhooks on paths nobody serves as one series, not one per path', async () => {
    await fetch(`${running().url}/twilio/no-such-hook-${Date.now()}`, { method: 'POST' });
    const families = await scrape();
    const routes = new Set(families.get('sanling_webhook_duration_seconds')!.samples.map((s) => s.labels['route']));
    expect([...routes].some((r) => r?.startsWith('/twilio/no-such-hook'))).toBe(false);
    expect(routes).toContain('unmatched');
  });

  it("counts the database's failed statements and shows its pool", async () => {
    const before = valueOf(await scrape(), 'sanling_database_errors_total', { kind: 'query' }) ?? 0;
    await expect(running().hotline.database.db.execute(sql`select * from no_such_table`)).rejects.toThrow();
    const after = await scrape();
    expect(valueOf(after, 'sanling_database_errors_total', { kind: 'query' })).toBe(before + 1);
    expect(valueOf(after, 'sanling_database_errors_total', { kind: 'unavailable' })).toBe(0);
    expect(valueOf(after, 'sanling_database_pool_size')).toBe(running().database.kind === 'postgres' ? POOL_SIZE : 1);
    expect(valueOf(after, 'sanling_database_statements_in_flight')).toBeGreaterThanOrEqual(0);
    // On PostgreSQL the Socket.IO adapter holds connections of its own (one listening for the others' emits).
    if (running().database.kind === 'postgres') expect(valueOf(after, 'sanling_socketio_adapter_connections', { state: 'open' })).toBeGreaterThanOrEqual(1);
    else expect(after.get('sanling_socketio_adapter_connections')?.samples ?? []).toEqual([]);
  });

  // A statement the server cancels for taking too long (57014) is the database away, as the hotline sees it:
  // PostgreSQL's statement_timeout (PGlite runs no timer to cancel with).
  it.runIf(process.env['DATABASE_URL'])('counts a statement the server timed out as the database unavailable', async () => {
    const before = valueOf(await scrape(), 'sanling_database_errors_total', { kind: 'unavailable' }) ?? 0;
    const slow = running().hotline.database.db.transaction(async (tx) => {
      await tx.execute(sql`set local statement_timeout = 50`);
      await tx.execute(sql`select pg_sleep(2)`);
    });
    await expect(slow).rejects.toThrow();
    expect(valueOf(await scrape(), 'sanling_database_errors_total', { kind: 'unavailable' })).toBe(before + 1);
  });

  it('shows when this process holds new callers at the door, and how many it held', async () => {
    const other = await hotlineWith({ DOOR_LOOP_LAG_MS: '200' });
    const before = await scrape(other.url);
    expect(valueOf(before, 'sanling_door_shut')).toBe(0);
    expect(valueOf(before, 'sanling_door_holds_total')).toBe(0);
    await keepLoopBusy();
    const held = await signedPost(other.app, '/twilio/voice', callParams(newCallSid()));
    expect(held.text).toMatch(/<Redirect[^>]*>[^<]*\/twilio\/voice\?since=\d+</);
    const after = await scrape(other.url);
    expect(valueOf(after, 'sanling_door_shut')).toBe(1);
    expect(valueOf(after, 'sanling_door_holds_total')).toBe(1);
  });

  it("times the deadline sweeps, in each hotline's own registry", async () => {
    const sweeping = await hotlineWith({}, 20);
    await eventually(
      async () => valueOf(await scrape(sweeping.url), 'sanling_sweep_duration_seconds', { outcome: 'ok' }, 'sanling_sweep_duration_seconds_count') ?? 0,
      (count) => count >= 3,
      'three sweeps timed',
    );
    // The first hotline sweeps nothing (its specs sweep by hand): its registry is not the other's.
    expect(valueOf(await scrape(), 'sanling_sweep_duration_seconds', { outcome: 'ok' }, 'sanling_sweep_duration_seconds_count')).toBeUndefined();
  });
});

describe('who may read /metrics', () => {
  it('with METRICS_TOKEN: 401 without the token, 403 with another, the figures with it', async () => {
    const token = 'metrics-secret-0123456789';
    const guarded = await hotlineWith({ METRICS_TOKEN: token });
    const without = await fetch(`${guarded.url}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(403);
    const families = await scrape(guarded.url, { authorization: `Bearer ${token}` });
    expect(families.has('sanling_calls_offered_total')).toBe(true);
  });

  it('without a token: served to loopback by default, not to a client behind a proxy that is not trusted', async () => {
    await scrape();
    const proxied = await fetch(`${running().url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(403);
  });

  it('without a token: refused to addresses METRICS_ALLOW leaves out', async () => {
    const adminOnly = await hotlineWith({ METRICS_ALLOW: '10.20.0.0/16' });
    const res = await fetch(`${adminOnly.url}/metrics`);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toMatch(/METRICS_ALLOW/);
  });

  it('refuses to start with a token too short to be a secret, or an allow list it cannot read', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'secret' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_TOKEN: 'secret' })).toThrow(/^METRICS_TOKEN must be at least 16 characters/);
    // …without repeating the secret in the message, which ends up in logs.
    expect(() => loadConfig({ METRICS_TOKEN: 'secret' })).not.toThrow(/"secret"/);
    expect(() => loadConfig({ METRICS_ALLOW: 'loopback, everyone' })).toThrow(/^METRICS_ALLOW must be a comma-separated list of addresses or subnets/);
    expect(loadConfig({ METRICS_ALLOW: 'loopback, 10.20.0.0/16, 2001:db8::/32' }).metrics.allow).toEqual(['loopback', '10.20.0.0/16', '2001:db8::/32']);
    expect(loadConfig({}).metrics).toEqual({ token: undefined, allow: ['loopback'] });
  });
});
