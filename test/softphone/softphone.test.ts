import { describe, expect, it } from 'vitest';
import type { ScreenPop } from '../../src/acd/screen-pop.ts';
import { inMinutes, onTheFloor } from '../notes/on-a-call.ts';
import { hotlinePerFile } from '../support/running.ts';

/** GET /api/softphone: how the agent page sets up its phone, and the call it shows after a reload. */

const running = hotlinePerFile();
const floor = onTheFloor(running);
const { ask, api } = floor;

describe('GET /api/softphone', () => {
  it('tells the page its carrier, identity and ring cadence, and that no call is on', async () => {
    const { token } = await floor.loggedInAgent('1001');
    expect(await api('GET', '/softphone', token)).toEqual({
      status: 200,
      body: {
        carrier: 'simulator',
        identity: 'agent_1001',
        ringCycleSeconds: 5,
        offerRingLimit: 4,
        standardRings: 3,
        queues: ['tickets', 'luggage', 'lost-and-found', 'complaints', 'general'],
        departments: [
          { key: 'station', name: '車站 Station services' },
          { key: 'train-crew', name: '列車乘務 Train crew' },
          { key: 'luggage-office', name: '行李房 Luggage office' },
          { key: 'lost-and-found', name: '失物招領 Lost and found' },
        ],
        current: null,
      },
    });
    expect((await api('GET', '/softphone')).status).toBe(401);
    expect((await api('GET', '/softphone', await floor.colleague('3001', 'manager'))).status).toBe(403);
  });

  it('shows the ringing call, with its screen-pop', async () => {
    const { token, call } = await floor.ringing('1001');
    const { body } = await api('GET', '/softphone', token);
    expect(body.current).toMatchObject({ offerStatus: 'ringing', answeredAt: null, notes: null, screenPop: { callSid: call.sid, queue: 'general' } });
  });

  it('shows the same call and notes to a page reloaded mid-call and mid-wrap-up', async () => {
    const { socket, call, leg } = await floor.onCall('1001');
    await ask(socket, 'notes', { callSid: call.sid, version: 4, passengerName: '李雷', text: 'seat change' });

    // The page reloads: a new login, a new socket, the old one gone.
    socket.disconnect();
    const token = await floor.logIn('1001');
    const again = await floor.socket('/agents', token);
    const mid = (await api('GET', '/softphone', token)).body.current;
    expect(mid).toMatchObject({ offerStatus: 'connected', screenPop: { callSid: call.sid }, notes: { version: 4, passengerName: '李雷', text: 'seat change' } });
    expect(Date.parse(mid.answeredAt)).not.toBeNaN();

    const ended = floor.next(again, 'ended');
    await running().sim.hangup(leg.sid);
    await ended;
    const wrapping = (await api('GET', '/softphone', token)).body.current;
    expect(wrapping).toMatchObject({ offerStatus: 'completed', screenPop: { callSid: call.sid }, notes: { version: 4, text: 'seat change' } });

    await ask(again, 'notes', { callSid: call.sid, version: 5, disposition: 'resolved' });
    expect(await ask(again, 'wrap-up-done')).toMatchObject({ ok: true });
    expect((await api('GET', '/softphone', token)).body.current).toBeNull();
  });
});

describe('the screen-pop of a caller who called before', () => {
  it('shows the earlier call with its notes, and the callback still owed', async () => {
    const from = '+8613511112222';
    const first = await floor.wrappingUp('1001', { from });
    const due = inMinutes(running, 90);
    const text = `Lost a black suitcase on G1234 coach 5. ${'x'.repeat(300)}`;
    await ask(first.socket, 'notes', { callSid: first.call.sid, version: 1, topic: 'lost-item', text, disposition: 'callback-promised', callbackDueAt: due });
    expect(await ask(first.socket, 'wrap-up-done')).toMatchObject({ ok: true });

    const popped = floor.next<ScreenPop>(first.socket, 'offer');
    await floor.ringing('1001', { from, agent: first });
    const pop = await popped;
    expect(pop.previousCalls).toEqual([
      expect.objectContaining({ callSid: first.call.sid, notes: [{ employeeNo: '1001', topic: 'lost-item', disposition: 'callback-promised', text: text.slice(0, 200) }] }),
    ]);
    expect(pop.openCases).toEqual([expect.objectContaining({ reference: expect.stringMatching(/^R[2-9A-Z]{6}$/), type: 'callback', status: 'new', dueAt: due, overdue: false })]);
  });
});
