import fc from 'fast-check';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, type Role } from '../../src/staff/staff.ts';
import { staffToken } from '../support/agents.ts';
import { runningHotline } from '../support/running.ts';
import { LIVE_SIDS, text, failuresLog } from './inputs.ts';

/**
 * Every Socket.IO namespace and event, fuzzed, as every role: any payload, any number of arguments, an
 * acknowledgement that is a function, something else, or missing; handshakes with any auth. Whatever
 * arrives, the process stays up, no promise is left rejected, nothing is logged as failing, every event
 * the namespace handles answers a real acknowledgement with `{ ok }`, and the page's sockets stay
 * connected. The seed is fixed (fast-check prints it with the smallest failing case).
 */

const SEED = 20_260_311;
const RUNS = { events: 300, handshakes: 60 };
/** Far beyond any answer the hotline gives; only an acknowledgement that never comes reaches it. */
const ACK_TIMEOUT_MS = 5_000;
/** A whole property's run, on a machine busy with other specs: it ends far sooner, or something hangs. */
const PROPERTY_TIMEOUT_MS = 120_000;

const NAMESPACES = {
  '/agents': { roles: ['agent', 'supervisor'], events: ['presence', 'wrap-up-done', 'notes'] },
  '/managers': { roles: ['supervisor', 'manager'], events: [] },
  '/phone': { roles: ['agent', 'supervisor'], events: ['answer', 'reject', 'hangup', 'mute', 'hold'] },
} as const satisfies Record<string, { roles: readonly Role[]; events: readonly string[] }>;
type Namespace = keyof typeof NAMESPACES;
const ROLES: Role[] = ['agent', 'supervisor', 'manager', 'trainer'];
const STAFF: Record<Role, string> = { agent: '1001', supervisor: '2001', manager: '3001', trainer: '4001' };
/** Names socket.io-client will not emit. */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

let running: Awaited<ReturnType<typeof runningHotline>>;
const tokens = {} as Record<Role, string>;
const sockets = new Map<string, Socket>();
const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
/** What the hotline logged as failing: with the database up, each is input that should have been refused, or a bug. */
const failures: string[] = [];

function open(namespace: string, auth: unknown): Promise<Socket | Error> {
  const s = connect(`${running.url}${namespace}`, { auth: auth as Record<string, unknown>, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      resolve(err);
      s.close();
    });
    // An auth that is not an object breaks the protocol itself: the server drops the connection. (A refusal
    // closes the connection too, just before it reports connect_error: that one is what the page is told.)
    s.io.once('close', (reason) => setImmediate(() => resolve(new Error(`connection closed by the server: ${reason}`))));
  });
}

beforeAll(async () => {
  process.on('unhandledRejection', record);
  running = await runningHotline();
  // Before any socket connects: each connection's handlers log through a child of this logger.
  running.hotline.log = failuresLog(failures);
  for (const role of ROLES) {
    await addStaff(running.hotline.database.db, { employeeNo: STAFF[role], name: `${role} ${STAFF[role]}`, role, skills: { general: 3 }, password: 'sanling-test' });
    tokens[role] = await staffToken(running.url, STAFF[role]);
    for (const [namespace, { roles }] of Object.entries(NAMESPACES)) {
      if (!(roles as readonly Role[]).includes(role)) continue;
      const s = await open(namespace, { token: tokens[role] });
      if (s instanceof Error) throw s;
      sockets.set(`${role} ${namespace}`, s);
    }
  }
});
afterAll(async () => {
  process.off('unhandledRejection', record);
  for (const s of sockets.values()) s.disconnect();
  await running?.close();
});

describe('Socket.IO events', () => {
  const payload = fc.oneof(
    { arbitrary: fc.anything({ maxDepth: 2 }), weight: 2 },
    { arbitrary: text, weight: 1 },
    {
      arbitrary: fc.record(
        {
          state: fc.oneof(fc.constantFrom('available', 'break', 'offline', 'wrap-up', 'on-call'), text),
          reason: text,
          callSid: fc.oneof(fc.constantFrom(...LIVE_SIDS), text),
          legSid: fc.oneof(fc.constantFrom(...LIVE_SIDS), text),
          on: fc.oneof(fc.boolean(), text),
          version: fc.oneof(fc.integer(), fc.constantFrom(2 ** 31, 2 ** 31 - 1, 1.5, -1, 1e308)),
          text,
          topic: text,
          disposition: fc.oneof(fc.constantFrom('resolved', 'callback-promised'), text),
          callbackDueAt: text,
        },
        { requiredKeys: [] },
      ),
      weight: 3,
    },
  );
  const ALLOWED = (Object.keys(NAMESPACES) as Namespace[]).flatMap((namespace) => NAMESPACES[namespace].roles.map((role) => [role as Role, namespace] as const));
  const REFUSED = (Object.keys(NAMESPACES) as Namespace[]).flatMap((namespace) =>
    ROLES.filter((role) => !(NAMESPACES[namespace].roles as readonly Role[]).includes(role)).map((role) => [role, namespace] as const),
  );
  const event = fc
    .oneof({ arbitrary: fc.constantFrom(...ALLOWED), weight: 6 }, { arbitrary: fc.constantFrom(...REFUSED), weight: 1 })
    .chain(([role, namespace]) =>
      fc.record({
        role: fc.constant(role),
        namespace: fc.constant(namespace),
        name: fc.oneof(
          { arbitrary: NAMESPACES[namespace].events.length ? fc.constantFrom(...NAMESPACES[namespace].events) : fc.constant('metrics'), weight: 6 },
          { arbitrary: fc.constantFrom('presence', 'wrap-up-done', 'notes', 'answer', 'reject', 'hangup', 'mute', 'hold', 'metrics', 'offer'), weight: 1 },
          { arbitrary: fc.string({ maxLength: 20 }).filter((name) => !RESERVED.has(name)), weight: 1 },
        ),
        args: fc.array(payload, { maxLength: 3 }),
        ack: fc.constantFrom('function', 'function', 'function', 'a string', 'a number', 'an object', 'none'),
      }),
    );
  const NOT_FUNCTIONS: Record<string, unknown[]> = { 'a string': ['done'], 'a number': [42], 'an object': [{}], none: [] };

  it(`answers ${RUNS.events} fuzzed events as every role, and stays up`, async () => {
    let answered = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(event, async ({ role, namespace, name, args, ack }) => {
        const s = sockets.get(`${role} ${namespace}`);
        if (!s) {
          // A role that may not connect here is refused, whatever it would have sent.
          const refusal = await open(namespace, { token: tokens[role] });
          expect(String(refusal), `${role} on ${namespace}`).toMatch(/forbidden/);
          refused++;
          return;
        }
        const handled = (NAMESPACES[namespace].events as readonly string[]).includes(name);
        if (ack === 'function' && handled) {
          const answer = (await s.timeout(ACK_TIMEOUT_MS).emitWithAck(name, ...args)) as { ok?: unknown };
          expect(typeof answer?.ok, `${role} ${namespace} ${name} ${JSON.stringify(args)}: ${JSON.stringify(answer)}`).toBe('boolean');
          answered++;
        } else {
          // An event nobody handles is never acknowledged: nothing to wait for.
          s.emit(name, ...args, ...(ack === 'function' ? [() => {}] : NOT_FUNCTIONS[ack]!));
        }
        expect(s.connected, `${role} ${namespace} still connected`).toBe(true);
        expect(failures.splice(0), `${role} ${namespace} ${name} ${JSON.stringify(args)}`).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS.events },
    );
    // The process still answers on every socket, and over HTTP.
    for (const [key, s] of sockets) {
      if (key.endsWith('/agents')) expect(await s.timeout(ACK_TIMEOUT_MS).emitWithAck('presence', { state: 'break', reason: 'after fuzzing' }), key).toMatchObject({ ok: true });
      expect(s.connected, key).toBe(true);
    }
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    expect(unhandled).toEqual([]);
    expect(failures).toEqual([]);
    console.info(`fuzz sockets: ${RUNS.events} events, ${answered} acknowledged, ${refused} refused connections, ${unhandled.length} unhandled rejections`);
  }, PROPERTY_TIMEOUT_MS);
});

describe('Socket.IO handshakes', () => {
  const auth = fc.oneof(
    fc.anything({ maxDepth: 2 }),
    fc.record({ token: fc.oneof(text, fc.anything({ maxDepth: 1 })) }),
    fc.constantFrom(...ROLES).map((role) => ({ token: `${tokens[role]}\u0000` })),
  );

  it(`refuses ${RUNS.handshakes} fuzzed handshakes on every namespace, and stays up`, async () => {
    await fc.assert(
      fc.asyncProperty(auth, fc.constantFrom(...(Object.keys(NAMESPACES) as Namespace[])), async (sent, namespace) => {
        const refusal = await open(namespace, sent);
        if (!(refusal instanceof Error)) refusal.disconnect();
        expect(String(refusal), JSON.stringify(sent)).toMatch(/unauthorized|closed by the server/);
      }),
      { seed: SEED, numRuns: RUNS.handshakes },
    );
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    expect(unhandled).toEqual([]);
    console.info(`fuzz handshakes: ${RUNS.handshakes} refused`);
  }, PROPERTY_TIMEOUT_MS);
});
