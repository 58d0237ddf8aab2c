import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { onTheFloor } from '../notes/on-a-call.ts';
import { eventually, offersFor, presence } from '../support/agents.ts';
import { hotlinePerFile, nextEvent } from '../support/running.ts';

/** `/phone`: the agent page's phone in simulator mode, ringing and answering like a softphone. */

const running = hotlinePerFile();
const floor = onTheFloor(running);
const { h, ask } = floor;

type Incoming = { legSid: string; callSid: string; from: string; ringingSince: string; parameters?: Record<string, string> };
type Ack = { ok: true } | { ok: false; error: string };

/** Everything a socket hears of `event`, as it arrives. */
function heard<T>(s: Socket, event: string): T[] {
  const seen: T[] = [];
  s.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** An available agent with the page's phone open on /phone. */
async function withPhone(employeeNo: string) {
  const agent = await floor.loggedInAgent(employeeNo);
  const phone = await floor.socket('/phone', agent.token);
  return { agent, phone, incoming: heard<Incoming>(phone, 'incoming'), ended: heard<{ legSid: string; reason: string }>(phone, 'leg-ended') };
}

describe('the simulated phone', () => {
  it('rings the phone of the agent the caller is offered to, and no one else\'s', async () => {
    const first = await withPhone('1001');
    const second = await withPhone('1002');
    await ask(second.agent.socket, 'presence', { state: 'break', reason: 'lunch' });

    const { call, leg } = await floor.ringing('1001', { agent: first.agent, from: '+8613812345678' });
    const [ring] = await eventually(async () => first.incoming, (seen) => seen.length === 1, '1001 rung');
    // The leg names its offer, as Twilio's custom parameters do for the page's Voice SDK.
    const [offer] = await offersFor(floor.h(), call.sid);
    expect(ring).toEqual({ legSid: leg.sid, callSid: call.sid, from: '+8613812345678', ringingSince: expect.any(String), parameters: { offerId: String(offer!.id) } });
    expect(Date.parse(ring!.ringingSince)).not.toBeNaN();

    // 1002's phone works, and rings only for the caller offered to 1002.
    const other = await floor.ringing('1002', { agent: second.agent });
    await eventually(async () => second.incoming, (seen) => seen.length === 1, '1002 rung');
    expect(second.incoming.map((i) => i.legSid)).toEqual([other.leg.sid]);
    expect(first.incoming).toHaveLength(1);
  });

  it('rings a page that opens its phone while a call already rings', async () => {
    const { token, leg, call } = await floor.ringing('1001');
    let incoming: Incoming[] = [];
    await floor.socket('/phone', token, (s) => (incoming = heard<Incoming>(s, 'incoming')));
    await eventually(async () => incoming, (seen) => seen.length === 1, 'rung on connecting');
    expect(incoming[0]).toMatchObject({ legSid: leg.sid, callSid: call.sid });
  });

  it('answers: the offer is connected and the caller hears the agent', async () => {
    const { agent, phone } = await withPhone('1001');
    const { call, leg } = await floor.ringing('1001', { agent });
    expect(await ask<Ack>(phone, 'answer', { legSid: leg.sid })).toEqual({ ok: true });
    expect(await nextEvent(call, 'connected')).toMatchObject({ client: 'agent_1001', legSid: leg.sid });
    expect(await eventually(() => offersFor(h(), call.sid), (o) => o[0]?.status === 'connected', 'offer connected')).toHaveLength(1);

    // Mute and hold are noted (the simulator carries no audio).
    expect(await ask<Ack>(phone, 'mute', { legSid: leg.sid, on: true })).toEqual({ ok: true });
    expect(await ask<Ack>(phone, 'hold', { legSid: leg.sid, on: false })).toEqual({ ok: true });
  });

  it('rejects: the caller goes back to waiting and the phone stops ringing', async () => {
    const { agent, phone, ended } = await withPhone('1001');
    const { call, leg } = await floor.ringing('1001', { agent });
    const rung = await nextEvent(call, 'ringing');
    expect(await ask<Ack>(phone, 'reject', { legSid: leg.sid })).toEqual({ ok: true });
    await nextEvent(call, 'enqueued', rung.n);
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'rejected' });
    await eventually(async () => ended, (e) => e.length === 1, 'leg ended');
    expect(ended).toEqual([{ legSid: leg.sid, reason: 'rejected' }]);
  });

  it('hangs up: the conversation ends and the agent wraps up', async () => {
    const { agent, phone, ended } = await withPhone('1001');
    const { call, leg } = await floor.ringing('1001', { agent });
    await ask(phone, 'answer', { legSid: leg.sid });
    await nextEvent(call, 'connected');
    expect(await ask<Ack>(phone, 'hangup', { legSid: leg.sid })).toEqual({ ok: true });
    expect(await nextEvent(call, 'disconnected')).toMatchObject({ legSid: leg.sid, status: 'completed' });
    await eventually(() => presence(h(), agent.id), (p) => p.presence === 'wrap-up', 'agent wrapping up');
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'completed' });
    await eventually(async () => ended, (e) => e.length === 1, 'leg ended');
    expect(ended).toEqual([{ legSid: leg.sid, reason: 'agent-hung-up' }]);
  });

  it('tells the phone the leg ended when the caller hangs up while it rings', async () => {
    const { agent, ended } = await withPhone('1001');
    const { call, leg } = await floor.ringing('1001', { agent });
    running().sim.callerHangup(call.sid);
    await eventually(async () => ended, (e) => e.length === 1, 'leg ended');
    expect(ended).toEqual([{ legSid: leg.sid, reason: 'caller-hung-up' }]);
  });

  it('acts only on the agent\'s own legs, and says what is wrong', async () => {
    const { agent } = await withPhone('1001');
    const { leg, call } = await floor.ringing('1001', { agent });
    const stranger = await withPhone('1002');
    expect(await ask<Ack>(stranger.phone, 'answer', { legSid: leg.sid })).toEqual({ ok: false, error: `no call of yours on leg ${leg.sid}` });
    expect(await ask<Ack>(stranger.phone, 'answer', {})).toEqual({ ok: false, error: 'legSid is required' });
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ status: 'ringing' });
  });

  it('wants a login', async () => {
    await expect(floor.socket('/phone', 'not-a-token')).rejects.toThrow(/unauthorized/);
  });
});
