import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, runningHotline } from '../support/running.ts';
import { callsPlacedTo } from '../support/simulator-client.ts';
import { eventually } from '../support/twiml-server.ts';
import { agentOnFloor } from '../support/agents.ts';
import { choosePresence } from '../../src/acd/presence.ts';
import { acceptCallback } from '../../src/callbacks/offers.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';

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

  describe('--await-callback', () => {
    // The path of the first spec, to the lost-and-found queue, then 1 at the call-back offer.
    const TO_THE_QUEUE = '2,3,1234#,0312';

    it('asks for a call back on hold, waits for the hotline to call, answers, and is put through to the agent who accepted it', async () => {
      const number = '+8613912340001';
      const running = callCommand(['--url', hotline.url, '--from', number, '--press', `${TO_THE_QUEUE},1`, '--await-callback', '--await-minutes', '1']);
      const inbound = await eventually('the caller on the line', () => hotline.sim.list().find((call) => call.from === number && call.direction === 'inbound'), 30_000);
      await nextEvent(inbound, 'enqueued');
      // Past the queue's callbackAfterSeconds: the next wait turn offers the call back, and the 1 takes it.
      hotline.clock.advance(120);
      await hotline.sim.ended(inbound.sid);
      expect(inbound.events).toContainEqual(expect.objectContaining({ type: 'left-queue', result: 'leave' }));

      // An agent comes on and is offered the callback; accepting it makes the hotline call the passenger.
      const h = hotline.hotline;
      const agent = await agentOnFloor(h, '1001', { 'lost-and-found': 3, general: 1 }, { available: false });
      const offered = new Promise<{ offerId: number }>((resolve) => h.bus.once('offer', resolve));
      await choosePresence(h, agent.id, 'available');
      const rung = new Promise<Leg>((resolve) => hotline.sim.rings.once('ring', resolve));
      await acceptCallback(h, agent.id, (await offered).offerId);
      const leg = await rung;
      hotline.sim.answer(leg.sid);
      const outbound = hotline.sim.callOfLeg(leg.sid)!;
      await nextEvent(outbound, 'connected');
      hotline.sim.callerHangup(outbound.sid);
      const { code, stdout, stderr } = await running;

      expect(stderr).toBe('');
      expect(code).toBe(0);
      const lines = stdout.split('\n');
      expect(stdout).toContain(`call ${inbound.sid}: callback-requested`);
      expect(lines).toContain('waiting for the hotline to call back…');
      expect(lines).toContain(`the hotline is calling ${number} from +864008000123 (call ${outbound.sid}); Ctrl-C hangs up`);
      const callback = lines.slice(lines.indexOf('waiting for the hotline to call back…'));
      // Nothing is said to the passenger before the agent is there.
      expect(callback.slice(2, 7)).toEqual([
        '~ your phone rings: +864008000123 is calling you',
        '~ you answer',
        "~ in the call's conference room",
        '~ ringing agent agent_1001',
        '~ connected to agent agent_1001',
      ]);
      expect(callback).toContain('~ call ended (you hung up)');
    });

    it('says plainly when the hotline does not call back within --await-minutes, and exits 1', async () => {
      const number = '+8613912340002';
      const { code, stdout, stderr } = await callCommand(['--url', hotline.url, '--from', number, '--press', TO_THE_QUEUE, '--hold', '0', '--await-callback', '--await-minutes', '0.02']);

      expect(code).toBe(1);
      expect(stdout).toContain('waiting for the hotline to call back…');
      expect(stderr.trim()).toBe(`sanling call: the hotline did not call ${number} back within 0.02 minutes`);
      expect(await callsPlacedTo(hotline.url, number)).toEqual([]);
    });

    it('refuses --await-minutes without --await-callback, and a wait that is not a number of minutes', async () => {
      const alone = await callCommand(['--url', hotline.url, '--await-minutes', '5']);
      expect(alone.code).toBe(1);
      expect(alone.stderr.trim()).toBe('sanling call: --await-minutes goes with --await-callback');

      const zero = await callCommand(['--url', hotline.url, '--await-callback', '--await-minutes', '0']);
      expect(zero.code).toBe(1);
      expect(zero.stderr.trim()).toBe('sanling call: --await-minutes must be a number of minutes above 0, not 0');
    });
  });
});
