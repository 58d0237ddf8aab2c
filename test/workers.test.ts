import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { io, type Socket } from 'socket.io-client';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentSockets, agents, processes } from '../db/schema.ts';
import { openDatabase, type Database } from '../src/database.ts';
import { addStaff } from '../src/staff/staff.ts';
import { eventually, staffToken } from './support/agents.ts';
import { middayTimeZone } from './support/remote-agent.ts';
import { fakeTwilioRest } from './support/twilio-rest.ts';
import { verbs } from './support/twiml.ts';

/**
 * `npm start -- --workers 2`: two hotline processes behind one port, on one PostgreSQL, as an operator runs
 * it (src/main.ts in a process of its own, the carrier Twilio, whose REST API a fake stands in for). Requests
 * reach both workers; a caller's webhooks are answered whichever worker takes each; an agent's page keeps
 * its WebSocket with the worker it reached (long-polling, which the workers would split, is refused); an
 * offer reaches the agent's tabs on both workers; a worker that dies is replaced; SIGTERM stops everything
 * cleanly. The specs below run in order, on one running cluster.
 *
 * The hotline reads no schema from its environment, so the cluster gets a database of its own, dropped after.
 */

const serverUrl = process.env['DATABASE_URL'];
const root = fileURLToPath(new URL('..', import.meta.url));
const PUBLIC_URL = 'https://hotline.example.test';
const ACCOUNT_SID = `AC${'ab'.repeat(16)}`;
const AUTH_TOKEN = 'workers-spec-auth-token';
const GENERAL = ['1', '0']; // Mandarin, an agent
const START_MS = 120_000;

type Exit = { code: number | null; signal: NodeJS.Signals | null };
type Cluster = { url: string; workers: Array<{ pid: number; processId: string }>; exited: Promise<Exit>; child: ChildProcess; output(): string };

/** `src/main.ts --workers N`; resolves once the primary logs where it listens (every worker serving). */
function startCluster(args: string[], env: Record<string, string>): Promise<Cluster | { exit: Exit; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: root,
    // Nothing of the parent's own database or carrier.
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? root, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const workers: Cluster['workers'] = [];
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (output += text));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), START_MS);
    let pending = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const entry = JSON.parse(line) as { pid?: number; processId?: string; url?: string };
        if (entry.pid && entry.processId) workers.push({ pid: entry.pid, processId: entry.processId });
        if (entry.url) {
          clearTimeout(timer);
          resolve({ url: entry.url, workers, exited, child, output: () => output });
        }
      }
    });
    void exited.then((exit) => {
      clearTimeout(timer);
      resolve({ exit, output });
    });
  });
}

/** A Twilio webhook, signed as Twilio signs it for PUBLIC_URL + path, sent to wherever the cluster listens. */
async function webhook(url: string, path: string, params: Record<string, string>): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(url + path, { method: 'POST', headers: signed(path, params), body: new URLSearchParams(params) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

const newCallSid = () => `CA${randomBytes(16).toString('hex')}`;
const callParams = (sid: string, extra: Record<string, string> = {}) => ({
  CallSid: sid,
  AccountSid: ACCOUNT_SID,
  From: '+8613800138000',
  To: '+864008000123',
  CallStatus: 'in-progress',
  Direction: 'inbound',
  ApiVersion: '2010-04-01',
  ...extra,
});

/** Walk a new call through the IVR, a webhook per step (each may reach either worker), until it is queued. */
async function callIntoQueue(url: string, sid: string, presses: string[]): Promise<void> {
  let answer = await webhook(url, '/twilio/voice', callParams(sid));
  for (const digits of presses) {
    expect(answer.status).toBe(200);
    const gather = verbs(answer.text).find((v) => v.verb === 'Gather');
    if (!gather) throw new Error(`no menu to press ${digits} at: ${answer.text}`);
    const action = new URL(gather.attrs['action']!);
    answer = await webhook(url, action.pathname + action.search, callParams(sid, { Digits: digits }));
  }
  expect(verbs(answer.text).map((v) => v.verb)).toContain('Enqueue');
}

/**
 * An agent's page, over WebSocket as the pages connect (`transports` forced to one, to say which); with
 * `reconnect`, it reconnects after losing its connection, as the pages do.
 */
function agentTab(url: string, token: string, transport: 'websocket' | 'polling' = 'websocket', reconnect = false): Promise<Socket> {
  const s = io(`${url}/agents`, { auth: { token }, transports: [transport], reconnection: reconnect, forceNew: true, timeout: 10_000 });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}

describe.skipIf(!serverUrl)('npm start -- --workers 2, on PostgreSQL', { timeout: 180_000 }, () => {
  const name = `workers_${randomBytes(6).toString('hex')}`;
  const databaseUrl = serverUrl ? Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString() : '';
  let admin: postgres.Sql;
  let database: Database;
  let twilioRest: Awaited<ReturnType<typeof fakeTwilioRest>>;
  let running: Cluster;
  let agentId: number;
  const tabs: Socket[] = [];
  const disconnects: string[] = [];

  beforeAll(async () => {
    admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    database = await openDatabase({ url: databaseUrl });
    ({ id: agentId } = await addStaff(database.db, { employeeNo: '1001', name: 'Polling agent', role: 'agent', skills: { general: 3 }, password: 'sanling-test' }));
    twilioRest = await fakeTwilioRest();
    const started = await startCluster(['--workers', '2'], {
      DATABASE_URL: databaseUrl,
      PUBLIC_URL,
      CARRIER: 'twilio',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_CALLER_ID: '+864008000123',
      TWILIO_API_URL: twilioRest.url,
      HOTLINE_TIME_ZONE: middayTimeZone(),
    });
    if (!('url' in started)) throw new Error(`the cluster did not start (${JSON.stringify(started.exit)}):\n${started.output.slice(-4_000)}`);
    running = started;
  }, START_MS + 30_000);

  afterAll(async () => {
    for (const tab of tabs) tab.disconnect();
    if (running && running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    await twilioRest?.close();
    await database?.close();
    // The workers of a primary killed above stop once they notice; FORCE ends whatever they still hold.
    await admin?.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin?.end();
  });

  it('starts two workers behind one URL, and says so', () => {
    expect(running.workers).toHaveLength(2);
    expect(new Set(running.workers.map((w) => w.pid)).size).toBe(2);
    expect(running.output()).toMatch(/"msg":"Sanling hotline listening on http:\/\/127\.0\.0\.1:\d+ with 2 workers"/);
  });

  it('answers /healthz from both workers', async () => {
    const answeredBy = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const res = await healthOnNewConnection(running.url);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ ok: true, live: true, ready: true, database: 'postgres', carrier: 'twilio' });
      answeredBy.add(res.process);
    }
    expect([...answeredBy].sort()).toEqual(running.workers.map((w) => w.processId).sort());
  });

  it('answers a new call with the welcome menu, whichever worker takes the webhook', async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await webhook(running.url, '/twilio/voice', callParams(newCallSid()));
      expect(answer.status).toBe(200);
      expect(answer.type).toMatch(/xml/);
      expect(verbs(answer.text).map((v) => v.verb)).toContain('Gather');
    }
  });

  it("keeps an agent's tabs connected over WebSocket, whichever worker each lands on, and refuses long-polling, which the workers would split", async () => {
    const token = await staffToken(running.url, '1001');
    await expect(agentTab(running.url, token, 'polling')).rejects.toThrow();
    // Each new connection goes to the next worker in turn: two tabs, or a few more, land on both.
    for (let i = 0; i < 6; i++) {
      const tab = await agentTab(running.url, token);
      tab.on('disconnect', (reason) => disconnects.push(reason));
      tabs.push(tab);
      const held = await eventually(
        () => database.db.select().from(agentSockets).where(eq(agentSockets.staffId, agentId)),
        (rows) => rows.length === tabs.length,
        'every tab recorded on its worker',
        10_000,
      );
      if (new Set(held.map((row) => row.processId)).size === 2) break;
    }
    const held = await database.db.select({ processId: agentSockets.processId }).from(agentSockets);
    expect(new Set(held.map((row) => row.processId))).toEqual(new Set(running.workers.map((w) => w.processId)));

    // A presence change made through one tab's worker reaches every tab, on the other worker too.
    const seen = tabs.map((tab) => new Promise((resolve) => tab.on('presence', (p: { presence: string }) => p.presence === 'break' && resolve(p))));
    expect(await tabs[0]!.timeout(10_000).emitWithAck('presence', { state: 'break', reason: 'briefing' })).toMatchObject({ ok: true });
    await Promise.all(seen);
    expect(tabs.every((tab) => tab.connected && tab.io.engine.transport.name === 'websocket')).toBe(true);
    expect(disconnects).toEqual([]);
  });

  it("pops the caller's screen on the agent's tabs on both workers, whichever worker routes the call", async () => {
    expect(tabs.length, 'tabs opened on both workers by the spec before').toBeGreaterThanOrEqual(2);
    const sid = newCallSid();
    const offered = tabs.map((tab) => new Promise<{ callSid: string }>((resolve) => tab.on('offer', resolve)));
    expect(await tabs[1]!.timeout(10_000).emitWithAck('presence', { state: 'available' })).toMatchObject({ ok: true });
    await callIntoQueue(running.url, sid, GENERAL);
    for (const pop of await Promise.all(offered)) expect(pop.callSid).toBe(sid);
    // The worker that routed the call moved the caller to the agent through Twilio.
    await eventually(async () => twilioRest.updates.filter((u) => u.callSid === sid), (updates) => updates.some((u) => /\/twilio\/connect\?offer=/.test(u.params['Url'] ?? '')), 'the caller redirected to the agent', 10_000);
    expect(disconnects).toEqual([]);
  });

  it('replaces a worker that dies, and loses no request while the new one starts', async () => {
    const [dead, survivor] = running.workers;
    process.kill(dead!.pid, 'SIGKILL');
    await eventually(async () => running.output(), (out) => out.includes('"msg":"worker 1 died; starting another in 1 s"'), 'the death logged', 10_000);
    // The starting worker is handed nothing until it listens: every request is answered meanwhile.
    const answeredBy = new Set<string>();
    while (answeredBy.size < 2) {
      const res = await healthOnNewConnection(running.url);
      expect(res.status).toBe(200);
      answeredBy.add(res.process);
    }
    const replacement = running.workers[2];
    expect(replacement).toBeDefined();
    expect([...answeredBy].sort()).toEqual([survivor!.processId, replacement!.processId].sort());
  });

  it('restarts its workers one by one on SIGHUP: every webhook sent meanwhile is answered, and the agent never goes offline', async () => {
    const before = running.workers.filter((w) => alive(w.pid));
    const socketsOf = (staffId: number) => database.db.select({ processId: agentSockets.processId }).from(agentSockets).where(eq(agentSockets.staffId, staffId));
    const { id: agent } = await addStaff(database.db, { employeeNo: '1002', name: 'Restart agent', role: 'agent', skills: { luggage: 3 }, password: 'sanling-test' });
    const token = await staffToken(running.url, '1002');
    const pages: Socket[] = [];
    for (let i = 0; i < 6 && new Set((await socketsOf(agent)).map((s) => s.processId)).size < 2; i++) {
      pages.push(await agentTab(running.url, token, 'websocket', true));
      await eventually(() => socketsOf(agent), (rows) => rows.length === pages.length, 'the page recorded on its worker', 10_000);
    }
    expect(await pages[0]!.timeout(10_000).emitWithAck('presence', { state: 'available' })).toMatchObject({ ok: true });

    // Callers keep coming (a webhook per step, each on a connection of its own, as the cluster hands them out),
    // and the agent's presence is watched, all through the restart.
    let restarting = true;
    const answers: Array<{ status: number; menu: boolean } | { error: string }> = [];
    const presences = new Set<string>();
    const callers = Array.from({ length: 4 }, async () => {
      while (restarting) {
        // A new call, then its choice of language at the menu it was given.
        const sid = newCallSid();
        let path = '/twilio/voice';
        for (const extra of [{}, { Digits: '1' }] as Array<Record<string, string>>) {
          const answer = await webhookOnNewConnection(running.url, path, callParams(sid, extra)).catch((err: Error) => ({ error: err.message }));
          if ('error' in answer) {
            answers.push(answer);
            break;
          }
          const gather = verbs(answer.text).find((v) => v.verb === 'Gather');
          answers.push({ status: answer.status, menu: gather !== undefined });
          if (!gather) break;
          const action = new URL(gather.attrs['action']!);
          path = action.pathname + action.search;
        }
      }
    });
    const watching = (async () => {
      while (restarting) {
        const [row] = await database.db.select({ presence: agents.presence }).from(agents).where(eq(agents.staffId, agent));
        presences.add(row!.presence);
        await new Promise((done) => setTimeout(done, 50));
      }
    })();

    running.child.kill('SIGHUP');
    await eventually(async () => running.output(), (out) => out.includes('"msg":"workers restarted"'), 'the restart logged', 90_000);
    // The pages are back, on the new workers.
    const fresh = running.workers.filter((w) => alive(w.pid));
    await eventually(() => socketsOf(agent), (rows) => rows.length === pages.length && rows.every((s) => fresh.some((w) => w.processId === s.processId)), 'every page reconnected to a new worker', 20_000);
    restarting = false;
    await Promise.all([...callers, watching]);

    expect(fresh).toHaveLength(2);
    for (const old of before) expect(alive(old.pid)).toBe(false);
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => !('status' in a) || a.status !== 200 || !a.menu)).toEqual([]);
    expect([...presences]).toEqual(['available']);
    // The old workers gave back their leases on the way out.
    const leases = (await database.db.select({ id: processes.id }).from(processes)).map((row) => row.id);
    for (const old of before) expect(leases).not.toContain(old.processId);
    for (const page of pages) page.disconnect();
  });

  it('stops every worker on SIGTERM and exits cleanly', async () => {
    for (const tab of tabs) tab.disconnect();
    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
    for (const { pid } of running.workers) expect(alive(pid)).toBe(false);
    // Each worker stopped gave its lease back on the way out (the one killed could not).
    const leases = await database.db.select({ id: processes.id }).from(processes);
    expect(leases.map((row) => row.id).filter((id) => id !== running.workers[0]!.processId)).toEqual([]);
    expect(running.output()).not.toMatch(/unhandled rejection|uncaught exception|could not stop cleanly/i);
  });
});

describe('npm start -- --workers 2 without DATABASE_URL', () => {
  it('refuses at once, naming DATABASE_URL, before opening the embedded database', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'sanling-workers-'));
    try {
      const dataDir = join(scratch, 'data');
      const result = await startCluster(['--workers', '2'], { DATA_DIR: dataDir });
      expect('exit' in result && result.exit).toEqual({ code: 1, signal: null });
      expect((result as { output: string }).output.trim()).toMatch(/^sanling: --workers 2 needs DATABASE_URL: the embedded database \(PGlite\) lives inside one process/);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

/**
 * A request over a connection of its own: the cluster hands out connections, not requests, so a kept-alive
 * connection to one worker would never reach another (a replacement, say).
 */
function onNewConnection(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** /healthz, and which worker answered it. */
async function healthOnNewConnection(url: string): Promise<{ status: number; process: string; body: string }> {
  const res = await onNewConnection(`${url}/healthz`);
  return { status: res.status, process: String(res.headers['sanling-process'] ?? 'none'), body: res.text };
}

/** A signed webhook, as `webhook` sends it, over a connection of its own. */
function webhookOnNewConnection(url: string, path: string, params: Record<string, string>): Promise<{ status: number; text: string }> {
  return onNewConnection(`${url}${path}`, { method: 'POST', headers: signed(path, params), body: new URLSearchParams(params).toString() });
}

/** A webhook's headers, signed as Twilio signs it for PUBLIC_URL + path. */
function signed(path: string, params: Record<string, string>): Record<string, string> {
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, PUBLIC_URL + path, params) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
