import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/database.ts';
import { agentOnFloor, staffToken } from '../support/agents.ts';
import { hotlinePerFile, runningHotline } from '../support/running.ts';
import { socketsPerSpec } from '../support/sockets.ts';

/**
 * No Socket.IO event can end the server: not an acknowledgement that is not a function (an easy slip:
 * `emit('wrap-up-done', {})`), not a database that fails under a handler. Either is answered where it can be
 * (`{ ok: false, error }`) and logged; nothing becomes an unhandled rejection.
 */

/** Every event a staff page may send, by namespace, with a payload of the right shape. */
const EVENTS = {
  '/agents': [
    ['presence', { state: 'break', reason: 'lunch' }],
    ['wrap-up-done', undefined],
    ['notes', { callSid: 'CA00000000000000000000000000000000', version: 1, text: 'x' }],
  ],
  '/phone': [
    ['answer', { legSid: 'CA00000000000000000000000000000001' }],
    ['reject', { legSid: 'CA00000000000000000000000000000001' }],
    ['hangup', { legSid: 'CA00000000000000000000000000000001' }],
    ['mute', { legSid: 'CA00000000000000000000000000000001', on: true }],
    ['hold', { legSid: 'CA00000000000000000000000000000001', on: false }],
  ],
} as const;
type Namespace = keyof typeof EVENTS;

/** Acknowledgements a client might pass by mistake, and none at all. */
const NOT_FUNCTIONS: Array<[string, unknown[]]> = [
  ['a string', ['done']],
  ['a number', [42]],
  ['an object', [{}]],
  ['null', [null]],
  ['nothing', []],
];

const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', record);
});
afterAll(() => {
  process.off('unhandledRejection', record);
});
beforeEach(() => {
  unhandled.length = 0;
});

const open = socketsPerSpec();
const socket = (url: string, namespace: Namespace, token: string) => open(url, namespace, { token });

const ask = (s: Socket, event: string, payload: unknown) =>
  (payload === undefined ? s.timeout(5_000).emitWithAck(event) : s.timeout(5_000).emitWithAck(event, payload)) as Promise<{ ok: boolean; error?: string }>;

const running = hotlinePerFile();

describe('an acknowledgement that is not a function', () => {
  it.each(NOT_FUNCTIONS)('(%s) on every event leaves the server up and answering', async (_what, ack) => {
    await agentOnFloor(running().hotline, '1001', { general: 3 }, { available: false });
    const token = await staffToken(running().url, '1001');
    for (const namespace of Object.keys(EVENTS) as Namespace[]) {
      const s = await socket(running().url, namespace, token);
      for (const [event, payload] of EVENTS[namespace]) {
        s.emit(event, ...(payload === undefined ? [] : [payload]), ...ack);
        // With the payload left out, the slip itself takes the payload's place.
        s.emit(event, ...ack);
        // The same event with a real acknowledgement is still answered, after the slips before it.
        expect(await ask(s, event, payload)).toMatchObject({ ok: expect.any(Boolean) });
      }
    }
    expect((await fetch(`${running().url}/healthz`)).status).toBe(200);
    expect(unhandled).toEqual([]);
  });

  it('takes an acknowledgement sent without the payload as the acknowledgement', async () => {
    await agentOnFloor(running().hotline, '1001', { general: 3 }, { available: false });
    const s = await socket(running().url, '/agents', await staffToken(running().url, '1001'));
    expect(await s.timeout(5_000).emitWithAck('notes')).toEqual({ ok: false, error: 'callSid is required', field: 'callSid' });
    expect(await s.timeout(5_000).emitWithAck('presence')).toMatchObject({ ok: false, error: expect.stringMatching(/state/) });
  });
});

describe('a payload the database could not store', () => {
  it('is refused naming the field: a break reason', async () => {
    await agentOnFloor(running().hotline, '1001', { general: 3 }, { available: false });
    const s = await socket(running().url, '/agents', await staffToken(running().url, '1001'));
    expect(await ask(s, 'presence', { state: 'break', reason: 'lunch\u0000' })).toEqual({ ok: false, error: 'reason must not contain a NUL character' });
    expect(await ask(s, 'presence', { state: 'break', reason: '' })).toEqual({ ok: false, error: 'reason must be 1 to 60 characters' });
    expect(await ask(s, 'presence', { state: 'break', reason: 'lunch' })).toEqual({ ok: true, presence: 'break' });
  });
});

/**
 * A database of the hotline's own that the spec can take away (its connections ended) while the hotline
 * runs, and clear up afterwards: on a server, its schema is dropped over a connection of the spec's.
 */
async function databaseToLose(url = process.env['DATABASE_URL']): Promise<{ database: Database; clearUp(): Promise<void> }> {
  if (!url) return { database: await openDatabase({ dataDir: null }), clearUp: async () => {} };
  const schema = `test_${randomBytes(6).toString('hex')}`;
  return {
    database: await openDatabase({ url, schema }),
    async clearUp() {
      const admin = postgres(url, { onnotice: () => {} });
      await admin.unsafe(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

describe('a database that fails under a handler', () => {
  let lost: Awaited<ReturnType<typeof databaseToLose>>;
  let own: Awaited<ReturnType<typeof runningHotline>>;
  beforeAll(async () => {
    lost = await databaseToLose();
    own = await runningHotline({ database: lost.database });
  });
  afterAll(async () => {
    await own.close();
    await lost.clearUp();
  });

  it('is answered { ok: false } on every /agents event, and the process stays up', async () => {
    await agentOnFloor(own.hotline, '1001', { general: 3 }, { available: false });
    const s = await socket(own.url, '/agents', await staffToken(own.url, '1001'));
    expect(await ask(s, 'presence', { state: 'available' })).toEqual({ ok: true, presence: 'available' });

    // The database goes away under the connected page: every connection ended, none to be had.
    await lost.database.close();
    for (const [event, payload] of EVENTS['/agents']) {
      expect(await ask(s, event, payload)).toEqual({ ok: false, error: expect.stringMatching(/^could not .*: try again$/) });
      // Without an acknowledgement to answer, the failure is still only logged.
      s.emit(event, ...(payload === undefined ? [] : [payload]));
    }
    expect(await ask(s, 'wrap-up-done', undefined)).toMatchObject({ ok: false });
    // The process answers HTTP still (its readiness says the database is unreachable).
    expect((await fetch(`${own.url}/healthz`)).status).toBe(503);
    expect(unhandled).toEqual([]);
  });
});
