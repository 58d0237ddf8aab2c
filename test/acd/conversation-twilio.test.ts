import { describe, expect, it } from 'vitest';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import { agentOnFloor, eventually, offersFor, presence, staffToken } from '../support/agents.ts';
import { hotlineOnTwilioPerFile } from '../support/twilio-standin.ts';

/**
 * The conversation's room as the hotline drives it on Twilio: through the `twilio` client and Twilio's REST
 * resources (Participants create and update, Calls update), answered by a stand-in for Twilio's API that a
 * carrier simulator carries out, so the room's behaviour is real and only Twilio's cloud is stood in for.
 * The stand-in also fails on request, as Twilio does when it is in trouble (500).
 */

const on = hotlineOnTwilioPerFile();
const h = () => on.running().hotline;

/** An agent of the general queue, available, and a caller pressing their way to them; resolves as the agent rings. */
async function ringing(employeeNo: string) {
  const agent = await agentOnFloor(h(), employeeNo, { general: 3 });
  const rung = new Promise<Leg>((resolve) => on.sim().rings.once('ring', resolve));
  const call = on.sim().call({ presses: ['1', '0'] });
  return { agent, call, leg: await rung };
}

const api = async (token: string, path: string, body: unknown) => {
  const res = await fetch(`${on.running().url}/api${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('a conversation on Twilio', () => {
  it('dials the agent into the caller\'s room by its name, and holds the caller through the participant', async () => {
    const { agent, call, leg } = await ringing('1001');
    expect(leg.parameters).toMatchObject({ offerId: expect.stringMatching(/^\d+$/) });
    expect(on.standIn().counts.get('redirect')).toBe(1); // the caller, out of the queue into the room
    expect(on.standIn().counts.get('participant')).toBe(1);
    on.sim().answer(leg.sid);
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'connected');

    const token = await staffToken(on.running().url, '1001');
    expect(await api(token, '/softphone/hold', { on: true })).toMatchObject({ status: 200, body: { onHold: true } });
    expect(on.sim().hears(`call-${call.sid}`, call.sid)).toEqual([]);
    expect(await api(token, '/softphone/hold', { on: false })).toMatchObject({ status: 200, body: { onHold: false } });
    expect(on.sim().hears(`call-${call.sid}`, call.sid)).toEqual([leg.sid]);
    expect(on.standIn().counts.get('participant update')).toBe(2);
    expect(await presence(h(), agent.id)).toMatchObject({ presence: 'on-call' });
  });

  it('when Twilio fails to dial the agent in, takes the caller back to the head of the queue and frees the agent', async () => {
    on.standIn().failing.add('participant');
    const agent = await agentOnFloor(h(), '1001', { general: 3 });
    const call = on.sim().call({ presses: ['1', '0'] });
    const [offer] = await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'withdrawn', 'offer withdrawn');
    expect(offer).toMatchObject({ endReason: 'carrier-failed', staffId: agent.id });
    // The caller left the room for the queue, and waits there; the agent is free for the next caller.
    await eventually(async () => call.events.map((e) => e.type), (types) => types.lastIndexOf('enqueued') > types.indexOf('conference-joined'), 'caller back in the queue');
    expect(await presence(h(), agent.id)).toMatchObject({ presence: 'available' });
  });

  it('when Twilio fails to move the caller for a transfer, tells the agent, and the caller stays with them', async () => {
    const { call, leg } = await ringing('1001');
    on.sim().answer(leg.sid);
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'connected');
    on.standIn().failing.add('redirect');
    const token = await staffToken(on.running().url, '1001');
    expect(await api(token, '/softphone/transfer', { queue: 'luggage' })).toEqual({
      status: 502,
      body: { error: 'the carrier could not move the caller; they are still with you' },
    });
    expect(on.sim().hears(`call-${call.sid}`, call.sid)).toEqual([leg.sid]);
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'connected', endReason: null });
  });

  it('when Twilio fails to hold, tells the agent and counts no hold', async () => {
    const { call, leg } = await ringing('1001');
    on.sim().answer(leg.sid);
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'connected');
    on.standIn().failing.add('participant update');
    const token = await staffToken(on.running().url, '1001');
    expect(await api(token, '/softphone/hold', { on: true })).toEqual({ status: 502, body: { error: 'the carrier could not change the hold; try again' } });
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ holdStartedAt: null, holdSeconds: 0 });
  });
});
