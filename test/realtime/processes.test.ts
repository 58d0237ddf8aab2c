import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScreenPop } from '../../src/acd/screen-pop.ts';
import type { Database } from '../../src/database.ts';
import { agentOnFloor } from '../support/agents.ts';
import { testDatabase } from '../support/database.ts';
import { runningHotline } from '../support/running.ts';

/**
 * Two server processes behind one PostgreSQL: the agent's socket is on one, the caller's webhooks and the
 * routing pass on the other. The Socket.IO adapter carries the screen-pop across. (PostgreSQL only.)
 */

const onServer = !!process.env['DATABASE_URL'];
let database: Database;
let a: Awaited<ReturnType<typeof runningHotline>>;
let b: Awaited<ReturnType<typeof runningHotline>>;
let socket: Socket | undefined;

beforeAll(async () => {
  if (!onServer) return;
  database = await testDatabase();
  a = await runningHotline({ database });
  b = await runningHotline({ database });
});
afterAll(async () => {
  socket?.disconnect();
  await a?.close();
  await b?.close();
  await database?.close();
});

describe.runIf(onServer)('several server processes', () => {
  it("deliver the screen-pop routed by one process to the agent's socket on the other", async () => {
    await agentOnFloor(b.hotline, '1001', { general: 2, 'lost-and-found': 3 }, { available: false });
    const login = await fetch(`${b.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"employeeNo":"1001","password":"sanling-test"}' });
    const { token } = (await login.json()) as { token: string };
    socket = connect(`${b.url}/agents`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', () => resolve());
      socket!.once('connect_error', reject);
    });
    expect(await socket.timeout(5_000).emitWithAck('presence', { state: 'available' })).toEqual({ ok: true, presence: 'available' });

    const routedBy: string[] = [];
    a.hotline.bus.on('offer', () => routedBy.push('a'));
    b.hotline.bus.on('offer', () => routedBy.push('b'));
    const popped = new Promise<ScreenPop>((resolve) => socket!.once('offer', resolve));
    const call = a.sim.call({ presses: ['2', '3', '5678#', '1201'] });
    const pop = await popped;
    expect(pop).toMatchObject({ callSid: call.sid, queue: 'lost-and-found', answers: { trainNumber: '5678' } });
    expect(routedBy).toEqual(['a']);
  });
});
