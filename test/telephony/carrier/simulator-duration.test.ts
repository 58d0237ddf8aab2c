import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Leg } from '../../../src/telephony/carrier/simulator/dial.ts';
import type { Simulator } from '../../../src/telephony/carrier/simulator/simulator.ts';
import { carrierPerSpec, twiml, type TwimlServer } from '../../support/twiml-server.ts';
import { nextEvent } from '../../support/running.ts';

/**
 * `CallDuration` is what the hotline stores as the call's length. On Twilio it is the leg's real length in
 * whole seconds. The simulator counts a wait the time scale shortened at its simulated length, but only as
 * far as it ran: a caller who hangs up 1 s into a 10 s hold tune was on the line for 1 s, not 10.
 */

const carrier = carrierPerSpec();
const simulator = carrier.simulator;
let hotline: TwimlServer;

beforeEach(() => {
  hotline = carrier.server();
});

const reported = (path: string, field: string) => hotline.requests(path).map((hit) => Number(hit.params[field]));

/**
 * Place a call, let it run `ms` past the first <Say>, then hang up as the caller. Gives the whole seconds it
 * had run when hung up, and the seconds (not rounded) the test saw it last, end to end.
 */
async function hangUpAfter(sim: Simulator, ms: number): Promise<{ atLeast: number; lasted: number }> {
  const placed = Date.now();
  const call = sim.call();
  await nextEvent(call, 'say');
  await sleep(ms);
  const hungUp = Date.now();
  sim.callerHangup(call.sid);
  await sim.ended(call.sid);
  return { atLeast: Math.floor((hungUp - call.startedAt) / 1000), lasted: (Date.now() - placed) / 1000 };
}

describe("the caller's CallDuration in real time (time scale 1)", () => {
  it('is the time the caller was on the line when they hang up during a <Pause>, not the length of the pause', async () => {
    hotline.serve('/twilio/voice', twiml('<Say>please hold</Say><Pause length="10"/><Say>never heard</Say>'));
    const { atLeast, lasted } = await hangUpAfter(simulator(1), 1_200);

    const [duration] = reported('/twilio/status', 'CallDuration');
    expect(duration).toBeGreaterThanOrEqual(atLeast);
    expect(duration).toBeLessThanOrEqual(Math.round(lasted));
  });

  it('is the time the caller was on the line when they hang up during the hold music, not the length of the tune', async () => {
    hotline.serve('/twilio/voice', twiml('<Say>all agents are busy</Say><Enqueue waitUrl="/twilio/wait">general</Enqueue>'));
    hotline.serve('/twilio/wait', twiml('<Play>https://cdn.example.test/hold.mp3</Play>'));
    const { atLeast, lasted } = await hangUpAfter(simulator(1), 1_200);

    const [duration] = reported('/twilio/status', 'CallDuration');
    expect(duration).toBeGreaterThanOrEqual(atLeast);
    expect(duration).toBeLessThanOrEqual(Math.round(lasted));
  });

  it("is as long as the agent's leg, whose CallDuration and DialCallDuration are the time the agent was connected", async () => {
    hotline.serve('/twilio/voice', twiml('<Dial action="/twilio/dialed"><Client statusCallback="/twilio/leg">agent_1001</Client></Dial>'));
    hotline.serve('/twilio/dialed', twiml('<Hangup/>'));
    hotline.serve('/twilio/leg', { status: 204 });
    const sim = simulator(1);
    const ringing = new Promise<Leg>((resolve) => sim.rings.once('ring', resolve));
    const placed = Date.now();
    const call = sim.call();
    const leg = await ringing;
    sim.answer(leg.sid);
    await nextEvent(call, 'connected');
    await sleep(1_200);
    await sim.hangup(leg.sid);
    await sim.ended(call.sid);
    const atMost = Math.round((Date.now() - placed) / 1000);

    const [talked] = reported('/twilio/dialed', 'DialCallDuration');
    expect(talked).toBeGreaterThanOrEqual(1);
    expect(reported('/twilio/leg', 'CallDuration')).toEqual([talked]);
    const [duration] = reported('/twilio/status', 'CallDuration');
    expect(duration).toBeGreaterThanOrEqual(talked!);
    expect(duration).toBeLessThanOrEqual(atMost);
  });
});

describe("the caller's CallDuration when the time scale shortens waits", () => {
  it('counts only the part of a <Pause> that ran before the caller hung up', async () => {
    const scale = 0.01;
    hotline.serve('/twilio/voice', twiml('<Say>please hold</Say><Pause length="1000"/><Say>never heard</Say>'));
    const { lasted } = await hangUpAfter(simulator(scale), 50);

    // Every real millisecond of the call stands for at most 1 / scale of them on the simulated clock.
    const [duration] = reported('/twilio/status', 'CallDuration');
    expect(duration).toBeLessThan(1000);
    expect(duration).toBeLessThanOrEqual(Math.ceil(lasted / scale));
  });

  it('counts the time an agent rang unanswered, as it counts a <Gather> timing out', async () => {
    hotline.serve('/twilio/voice', twiml('<Dial timeout="20"><Client>agent_1001</Client></Dial><Say>nobody answered</Say>'));
    const sim = simulator(0.01);
    const placed = Date.now();
    const call = sim.call();
    await sim.ended(call.sid);
    const wall = Math.ceil((Date.now() - placed) / 1000);

    const [duration] = reported('/twilio/status', 'CallDuration');
    expect(duration).toBeGreaterThanOrEqual(20);
    expect(duration).toBeLessThanOrEqual(20 + wall);
  });
});
