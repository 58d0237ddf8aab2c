import { beforeEach, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../../src/telephony/carrier/simulator/call.ts';
import { PLAY_LOOP_SECONDS } from '../../../src/telephony/carrier/simulator/run.ts';
import type { Simulator } from '../../../src/telephony/carrier/simulator/simulator.ts';
import { PUBLIC_URL, carrierPerSpec, twiml, type TwimlServer } from '../../support/twiml-server.ts';
import { nextEvent } from '../../support/running.ts';

/**
 * The simulator's queue wait loop, held to Twilio's contract for wait documents: only Say, Play, Pause,
 * Gather, Redirect, Leave and Hangup; a <Gather>'s answer is the next wait document; and music takes time.
 */

const carrier = carrierPerSpec();
const simulator = carrier.simulator;
let hotline: TwimlServer;

beforeEach(() => {
  hotline = carrier.server();
  hotline.serve('/twilio/voice', twiml('<Say>all agents are busy</Say><Enqueue waitUrl="/twilio/wait?queue=general" action="/twilio/queue-exit">general</Enqueue>'));
  hotline.serve('/twilio/queue-exit', (hit) => twiml(`<Say>left: ${hit.params['QueueResult']}</Say><Hangup/>`));
});

const said = (events: CallEvent[]) => events.flatMap((event) => (event.type === 'say' ? [event.text] : []));

describe('a <Gather> in a wait document', () => {
  it('says its prompt, listens, posts the key to its action and follows the answer as the next wait document, whose <Leave> leaves the queue', async () => {
    hotline.serve('/twilio/wait', twiml('<Say>you are number 1</Say><Gather numDigits="1" action="/twilio/wait-key?queue=general"><Say>press 1 for a call back</Say></Gather><Pause length="30"/>'));
    hotline.serve('/twilio/wait-key', twiml('<Say>we will call you back</Say><Leave/><Say>not heard</Say>'));
    const sim = simulator();
    const call = sim.call();
    await nextEvent(call, 'listening');
    sim.press(call.sid, '1');
    const events = await sim.ended(call.sid);

    const [key] = hotline.requests('/twilio/wait-key');
    expect(key!.url).toBe('/twilio/wait-key?queue=general');
    expect(key!.params).toMatchObject({ CallSid: call.sid, Digits: '1' });
    expect(said(events)).toEqual(['all agents are busy', 'you are number 1', 'press 1 for a call back', 'we will call you back', 'left: leave']);
    expect(hotline.requests('/twilio/queue-exit').map((hit) => hit.params['QueueResult'])).toEqual(['leave']);
  });

  it('goes on with the wait document when the caller presses nothing, without calling the action', async () => {
    hotline.serve('/twilio/wait', twiml('<Gather numDigits="1" action="/twilio/wait-key"><Say>press 1 for a call back</Say></Gather><Say>please hold</Say><Leave/>'));
    const sim = simulator();
    const call = sim.call();
    await nextEvent(call, 'listening');
    sim.press(call.sid, '');
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/wait-key')).toEqual([]);
    expect(said(events)).toEqual(['all agents are busy', 'press 1 for a call back', 'please hold', 'left: leave']);
  });

  it("keeps the caller waiting when the answer redirects back to the wait URL, fetched with the queue's parameters", async () => {
    let turns = 0;
    hotline.serve('/twilio/wait', () =>
      ++turns === 1 ? twiml('<Gather numDigits="1" action="/twilio/wait-key?queue=general"><Say>press 1 for a call back</Say></Gather>') : twiml('<Say>still waiting</Say><Leave/>'),
    );
    hotline.serve('/twilio/wait-key', twiml('<Redirect>/twilio/wait?queue=general</Redirect>'));
    const sim = simulator(0.001);
    const call = sim.call({ presses: ['5'] });
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/wait-key')[0]!.params['Digits']).toBe('5');
    const waits = hotline.requests('/twilio/wait');
    expect(waits).toHaveLength(2);
    expect(waits[1]!.params).toMatchObject({ QueuePosition: '1', QueueSid: expect.stringMatching(/^QU/) });
    expect(said(events)).toEqual(['all agents are busy', 'press 1 for a call back', 'still waiting', 'left: leave']);
  });

  it('plays the music inside it, and takes keys pressed during the music', async () => {
    hotline.serve('/twilio/wait', twiml('<Gather numDigits="1" action="/twilio/wait-key"><Play loop="2">https://cdn.example.test/hold.mp3</Play></Gather>'));
    hotline.serve('/twilio/wait-key', twiml('<Leave/>'));
    const sim = simulator(0.01); // the music lasts 200 ms
    const call = sim.call();
    await nextEvent(call, 'play');
    sim.press(call.sid, '1');
    await sim.ended(call.sid);

    expect(hotline.requests('/twilio/wait-key')[0]!.params['Digits']).toBe('1');
  });
});

describe('time in a wait document', () => {
  it(`takes a <Play> as ${PLAY_LOOP_SECONDS} s per loop, counted in the call's duration even at time scale 0`, async () => {
    hotline.serve('/twilio/wait', twiml('<Play loop="3">https://cdn.example.test/hold.mp3</Play><Leave/>'));
    const sim = simulator();
    const call = sim.call();
    await sim.ended(call.sid);

    expect(hotline.requests('/twilio/status')[0]!.params['CallDuration']).toBe(String(3 * PLAY_LOOP_SECONDS));
  });

  it('fetches the wait document again only after its music has played, at the time scale', async () => {
    const fetched: number[] = [];
    hotline.serve('/twilio/wait', () => {
      fetched.push(Date.now());
      return twiml(fetched.length < 2 ? '<Play loop="2">https://cdn.example.test/hold.mp3</Play>' : '<Leave/>');
    });
    const sim = simulator(0.01); // 2 loops of 10 s: 200 ms
    const call = sim.call();
    await sim.ended(call.sid);

    expect(fetched).toHaveLength(2);
    expect(fetched[1]! - fetched[0]!).toBeGreaterThanOrEqual(190);
  });

  it('plays a <Play loop="0"> until the caller leaves the queue', async () => {
    hotline.serve('/twilio/wait', twiml('<Play loop="0">https://cdn.example.test/hold.mp3</Play>'));
    hotline.serve('/twilio/agent', twiml('<Say>connecting you</Say><Hangup/>'));
    const sim = simulator(0.01);
    const call = sim.call();
    await nextEvent(call, 'play');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sim.redirect(call.sid, `${PUBLIC_URL}/twilio/agent`);
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/wait')).toHaveLength(1);
    expect(said(events)).toEqual(['all agents are busy', 'connecting you']);
  });
});

describe('verbs a wait document may not hold', () => {
  it.each(['<Dial>+8613800138000</Dial>', '<Enqueue>other</Enqueue>'])('%s is an application error', async (verb) => {
    hotline.serve('/twilio/wait', twiml(verb));
    const sim = simulator();
    const call = sim.call();
    const events = await sim.ended(call.sid);

    expect(events.find((event) => event.type === 'application-error')).toMatchObject({ message: expect.stringMatching(/not allowed in a queue wait document/) });
    expect(hotline.requests('/twilio/queue-exit').map((hit) => hit.params['QueueResult'])).toEqual([]);
  });
});
