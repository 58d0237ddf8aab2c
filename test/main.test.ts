import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, startCommand } from '../src/build.ts';
import { eventually, staffToken } from './support/agents.ts';
import { middayTimeZone } from './support/remote-agent.ts';
import { runningHotline } from './support/running.ts';

/** `npm start` as an operator meets it: the built bundle in a process of its own, configured by the environment. */

beforeAll(buildServer);

const scratch = mkdtempSync(join(tmpdir(), 'sanling-main-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Started = { url: string; stop(): Promise<number | null>; stderr(): string };

/** Start the bundle as `npm start` does (`node <its flags> dist/main.js`); resolves once it logs where it listens, or with the exit code if it stops first. */
function start(env: Record<string, string>, args: string[] = []): Promise<Started | { code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...startCommand(), ...args], {
    env: { ...process.env, DATABASE_URL: '', PORT: '0', DATA_DIR: join(scratch, 'data'), LOG_LEVEL: 'info', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const url = /"url":"(http:\/\/[^"]+)"/.exec(stdout)?.[1];
      if (url)
        resolve({
          url,
          stderr: () => stderr,
          stop: () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
    });
    void exited.then((code) => resolve({ code, stderr }));
  });
}

async function started(env: Record<string, string>, args: string[] = []): Promise<Started> {
  const s = await start(env, args);
  if (!('url' in s)) throw new Error(`the hotline did not start (exit ${s.code}): ${s.stderr}`);
  return s;
}

describe('starting the hotline', () => {
  it('stops with one line naming the file, node and field when a flow is broken', async () => {
    const flows = join(scratch, 'broken-flows');
    rmSync(flows, { recursive: true, force: true });
    mkdirSync(flows);
    writeFileSync(
      join(flows, 'hotline.yaml'),
      'languages: [zh-CN]\nvoices: { zh-CN: { language: zh-CN } }\nstart: main\nfallback: main\nmessages: {}\nnodes:\n  main: { kind: menu, prompt: { zh-CN: 你好 }, options: { "1": { next: nowhere } } }\n',
    );
    const result = await start({ IVR_FLOWS_DIR: flows });
    expect(result).toMatchObject({ code: 1 });
    const lines = (result as { stderr: string }).stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^sanling: IVR flow: .*hotline\.yaml: field messages\.invalid/);
  });

  it('stops with one line naming the variable when the configuration is wrong', async () => {
    const result = await start({ PORT: 'eighty' });
    expect(result).toMatchObject({ code: 1 });
    expect((result as { stderr: string }).stderr.trim()).toMatch(/^sanling: configuration: PORT /);
  });

  it('keeps its calls across a restart on the embedded database under DATA_DIR', async () => {
    const first = await started({});
    const health = await (await fetch(`${first.url}/healthz`)).json();
    expect(health).toEqual({ ok: true, live: true, ready: true, database: 'pglite', carrier: 'simulator' });
    const placed = await (
      await fetch(`${first.url}/simulator/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"presses":["2"]}' })
    ).json();
    // Wait until the caller is at the main menu, then stop the server (which hangs the call up).
    for (let after = 0; ; ) {
      const { events } = await (await fetch(`${first.url}/simulator/calls/${placed.sid}/events?after=${after}&wait=5`)).json();
      after += events.length;
      if (events.filter((e: { type: string }) => e.type === 'listening').length && after > 5) break;
    }
    expect(await first.stop()).toBe(0);

    const second = await started({});
    const call = await (await fetch(`${second.url}/simulator/calls/${placed.sid}/record`)).json();
    expect(call).toMatchObject({ sid: placed.sid, status: 'ended', endReason: 'abandoned-in-ivr', language: 'en-US' });
    expect(await second.stop()).toBe(0);
  }, 60_000); // two start-ups of a persisted PGlite, on a busy 2-core machine

  it('restarted with SIGTERM on the embedded database, keeps a connected agent available: their page reconnects to the new process', async () => {
    const env = { DATA_DIR: join(scratch, 'restarted'), HOTLINE_TIME_ZONE: middayTimeZone() };
    const servers: Started[] = [await started(env, ['--demo'])];
    const first = servers[0]!;
    let page: Socket | undefined;
    try {
      // The demo roster is added just after the server says it listens.
      const token = await eventually(() => staffToken(first.url, '1001', 'sanling').catch(() => ''), (t) => t !== '', 'the demo agent logged in', 10_000);
      // The softphone page's socket, reconnecting as the page's does (sooner, to keep the spec short).
      page = io(`${first.url}/agents`, { auth: { token }, transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500 });
      const reasons: string[] = [];
      page.on('disconnect', (reason) => reasons.push(reason));
      await new Promise((connected) => page!.once('connect', () => connected(undefined)));
      expect(await page.timeout(10_000).emitWithAck('presence', { state: 'available' })).toMatchObject({ ok: true });

      expect(await servers.shift()!.stop()).toBe(0);
      const back = new Promise<{ presence: string }>((resolve) => page!.once('presence', resolve));
      servers.push(await started({ ...env, PORT: new URL(first.url).port }));
      // The page was not told to go away (it would not have come back), and finds the agent as they were.
      expect(await back).toMatchObject({ presence: 'available' });
      expect(reasons).toEqual(['transport close']);
      expect(await servers.shift()!.stop()).toBe(0);
    } finally {
      page?.close();
      for (const server of servers) await server.stop();
    }
  }, 120_000); // a fresh and a persisted start-up of PGlite, on a busy 2-core machine // a fresh and a persisted start-up of PGlite, on a busy 2-core machine
});

describe('with CARRIER=twilio', () => {
  it('has no simulator control routes', async () => {
    const hotline = await runningHotline({
      env: { CARRIER: 'twilio', TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32), TWILIO_AUTH_TOKEN: 'secret', TWILIO_CALLER_ID: '+864008000123' },
    });
    try {
      expect(hotline.simulator).toBeUndefined();
      expect((await fetch(`${hotline.url}/simulator/calls`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${hotline.url}/healthz`)).status).toBe(200);
    } finally {
      await hotline.close();
    }
  });
});
