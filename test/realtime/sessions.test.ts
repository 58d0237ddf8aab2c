import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { onTheFloor } from '../notes/on-a-call.ts';
import { eventually } from '../support/agents.ts';
import { hotlinePerFile } from '../support/running.ts';
import { disableStaff, setPassword } from '../../src/staff/staff.ts';

/**
 * Whatever ends a login session ends its sockets: logging out (at once, on every process), a new password or
 * being disabled (set from another process, such as `npm run staff`: within a few seconds). A disabled agent
 * receives no more screen-pops.
 */

const running = hotlinePerFile();
const floor = onTheFloor(running);

async function logOut(token: string): Promise<number> {
  return (await fetch(`${running().url}/api/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status;
}

function disconnected(s: Socket): Promise<string> {
  return new Promise((resolve) => s.once('disconnect', (reason) => resolve(reason)));
}

async function agentWithPhone(employeeNo: string) {
  const agent = await floor.loggedInAgent(employeeNo);
  const phone = await floor.socket('/phone', agent.token);
  return { ...agent, phone };
}

describe('ending a session', () => {
  it('logging out disconnects the page\'s sockets at once', async () => {
    const agent = await agentWithPhone('1001');
    const gone = [disconnected(agent.socket), disconnected(agent.phone)];
    expect(await logOut(agent.token)).toBe(204);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
  });

  it("another login of the same person keeps its sockets when one of them logs out", async () => {
    const first = await floor.loggedInAgent('1001');
    const secondToken = await floor.logIn('1001');
    const second = await floor.socket('/agents', secondToken);
    const gone = disconnected(first.socket);
    expect(await logOut(first.token)).toBe(204);
    await gone;
    expect(second.connected).toBe(true);
    expect(await floor.ask(second, 'presence', { state: 'break', reason: 'still here' })).toMatchObject({ ok: true });
  });

  it('disabling someone (from another process) disconnects their sockets and refuses their token from then on', async () => {
    const agent = await agentWithPhone('1001');
    const gone = disconnected(agent.socket);
    await disableStaff(running().database.db, '1001');
    expect(await gone).toBe('io server disconnect');
    await eventually(async () => agent.phone.connected, (c) => !c, 'the phone socket closed too');
    // A reconnect with the old token is refused.
    await expect(floor.socket('/agents', agent.token)).rejects.toThrow(/unauthorized/);
  });

  it('a new password disconnects the sockets of every session that knew the old one', async () => {
    const agent = await floor.loggedInAgent('1001');
    const gone = disconnected(agent.socket);
    await setPassword(running().database.db, '1001', 'a-new-password-1');
    expect(await gone).toBe('io server disconnect');
  });
});
