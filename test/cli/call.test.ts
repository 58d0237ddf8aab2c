import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningHotline } from '../support/running.ts';

/** `npm run call` against a running hotline, as a person types it (its own process, real HTTP). */

const run = promisify(execFile);
const callCommand = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/call.ts', ...args], { timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );

let hotline: Awaited<ReturnType<typeof runningHotline>>;
beforeAll(async () => {
  // Time runs 100 times faster, so the last menu's 5-second timeout passes in 50 ms.
  hotline = await runningHotline({ timeScale: 0.01 });
});
afterAll(async () => {
  await hotline.close();
});

describe('npm run call', () => {
  it('prints what the caller hears with its language, takes --press, and ends with the path through the IVR', async () => {
    const { code, stdout } = await callCommand(['--url', hotline.url, '--press', '2,3,1234#,0312', '--hold', '0']);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines).toContain('[en-US] For English, press 2.');
    expect(lines).toContain('  (you press 3)');
    expect(lines).toContain('[en-US] You entered train 1 2 3 4, travel date 0 3 1 2.');
    expect(lines).toContain('~ on hold in queue lost-and-found');
    expect(stdout).toMatch(/call CA[0-9a-f]{32}: abandoned-in-queue/);
    expect(stdout).toContain('path: hotline:welcome → hotline:news → hotline:main → hotline:lost');
    expect(stdout).toContain('answers: travelDate=0312 trainNumber=1234');
  });

  it('stays silent when the presses run out, as a caller who says nothing', async () => {
    const { code, stdout } = await callCommand(['--url', hotline.url, '--press', '1,1', '--hold', '0']);
    expect(code).toBe(0);
    expect(stdout).toContain('[zh-CN] 抱歉，没有听到您的选择。');
  });

  it('says plainly when no hotline answers at --url', async () => {
    const { code, stderr } = await callCommand(['--url', 'http://127.0.0.1:9']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('sanling call: cannot reach the hotline at http://127.0.0.1:9: is `npm start` running there?');
  });

  it('rejects an unknown option with the usage', async () => {
    const { code, stderr } = await callCommand(['--presss', '1']);
    expect(code).toBe(1);
    expect(stderr).toContain("Unknown option '--presss'");
    expect(stderr).toContain('usage: npm run call');
  });
});
