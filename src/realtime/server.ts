import cluster from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type Socket } from 'socket.io';
import { agentDisconnected, agentConnected } from '../acd/presence.ts';
import { ownSockets, socketClosed, socketOpened } from '../acd/processes.ts';
import { within } from '../deadline.ts';
import type { Hotline } from '../hotline.ts';
import { authenticate } from '../staff/auth.ts';
import { liveSessions, tokenHash } from '../staff/sessions.ts';
import type { Role, StaffMember } from '../staff/staff.ts';
import { adapterPool, type PoolStats } from './adapter.ts';
import { agentsNamespace } from './agents.ts';
import { caseEvents } from './cases.ts';
import { managersNamespace } from './managers.ts';
import { phoneNamespace } from './phone.ts';
import type { Simulator } from '../telephony/carrier/simulator/simulator.ts';
import type { Namespaces } from './events.ts';

/** What each staff socket carries once its session is checked (requireSession). */
export type SocketData = { staff: StaffMember; tokenHash: string };
type NoEvents = Record<never, never>;
export type HotlineServer = Server<NoEvents, NoEvents, NoEvents, SocketData>;
/** A namespace typed with its events (src/realtime/events.ts): emitting or listening to anything else fails tsc. */
export type TypedNamespace<N extends keyof Namespaces> = Namespace<Namespaces[N]['clientToServer'], Namespaces[N]['serverToClient'], NoEvents, SocketData>;
export type TypedSocket<N extends keyof Namespaces> = Socket<Namespaces[N]['clientToServer'], Namespaces[N]['serverToClient'], NoEvents, SocketData>;
// Any of them, for what every namespace does alike (sessions, the socket check).
type AnyNamespace = Namespace<never, never, NoEvents, SocketData> | TypedNamespace<keyof Namespaces>;

/**
 * `io.of(name)` with that namespace's event types. Socket.IO types a server's namespaces with the server's
 * own event maps; the hotline's differ per namespace, hence the one cast, here.
 */
export function namespaceOf<N extends keyof Namespaces>(io: HotlineServer, name: N): TypedNamespace<N> {
  return io.of(name) as unknown as TypedNamespace<N>;
}

export type Realtime = {
  io: HotlineServer;
  /** On PostgreSQL, the Socket.IO adapter's connection pool, for /metrics. */
  adapterPool?: () => PoolStats;
  close(): Promise<void>;
};

/**
 * How often each process checks its sockets against the database: sessions ended elsewhere (a new password
 * or a disabled person, set from another process) end their sockets, and the agents' socket rows a database
 * outage left behind are put right.
 */
export const SOCKET_CHECK_MS = 2_000;
const SOCKET_CHECK_LIMIT_MS = 30_000;
/** Closing waits this long for the adapter's connections; one still being opened would hold it for ever. */
const ADAPTER_CLOSE_MS = 2_000;

/**
 * Socket.IO for the people on the floor: `/agents` (screen-pops, presence, notes), `/managers` (live
 * metrics) and, with the carrier simulator, `/phone` (the agent page's simulated phone).
 * The only module that knows Socket.IO. On PostgreSQL the postgres adapter shares rooms between server
 * processes, so an offer routed by one process reaches the agent's socket on another.
 */
export async function startRealtime(h: Hotline, http: HttpServer, simulator?: Simulator): Promise<Realtime> {
  // A cluster worker (src/workers.ts) takes only WebSocket: Node's cluster hands each connection to any
  // worker, and a long-polling session's requests would be split between them.
  const io: HotlineServer = new Server(http, { serveClient: false, ...(cluster.isWorker ? { transports: ['websocket' as const] } : {}) });
  const adapter = h.database.server ? await adapterPool(h, io) : undefined;
  const agents = namespaceOf(io, '/agents');
  const managers = namespaceOf(io, '/managers');
  const phone = simulator ? namespaceOf(io, '/phone') : undefined;
  const namespaces: AnyNamespace[] = [agents, managers, ...(phone ? [phone] : [])];
  const stops = [
    agentsNamespace(h, agents),
    managersNamespace(h, managers),
    caseEvents(h, agents, managers),
    ...(phone && simulator ? [phoneNamespace(h, phone, simulator)] : []),
  ];
  // A session ended here (logout) ends its sockets at once, on every process.
  const sessionEnded = ({ tokenHash: hash }: { tokenHash: string }) => {
    for (const nsp of namespaces) nsp.in(sessionRoom(hash)).disconnectSockets(true);
  };
  h.bus.on('session-ended', sessionEnded);
  let checking: Promise<void> | undefined;
  const timer = setInterval(() => {
    checking ??= within(SOCKET_CHECK_LIMIT_MS, checkSockets(h, namespaces), 'socket check')
      .catch((err: unknown) => h.log.warn({ err }, 'socket check failed; trying again'))
      .finally(() => (checking = undefined));
  }, SOCKET_CHECK_MS);
  timer.unref();
  return {
    io,
    ...(adapter ? { adapterPool: adapter.stats } : {}),
    async close() {
      clearInterval(timer);
      await checking;
      h.bus.off('session-ended', sessionEnded);
      for (const stop of stops) stop();
      // Not `disconnectSockets`: a page told it was disconnected by the server would not reconnect.
      await new Promise<void>((done) => io.close(() => done()));
      if (adapter) await within(ADAPTER_CLOSE_MS, adapter.end(), 'closing the adapter').catch((err: unknown) => h.log.warn({ err: (err as Error).message }, 'left the adapter connections to close'));
    },
  };
}

const sessionRoom = (hash: string) => `session:${hash}`;

/** Only staff with a valid session (and one of `roles`) may connect; `socket.data.staff` is who. */
export function requireSession<N extends keyof Namespaces>(h: Hotline, nsp: TypedNamespace<N>, roles: readonly Role[]): void {
  nsp.use((socket, next) => {
    const token = typeof socket.handshake.auth?.['token'] === 'string' ? (socket.handshake.auth['token'] as string) : '';
    authenticate(h, token).then(
      (member) => {
        if (!member) return next(new Error('unauthorized: log in and connect with auth.token'));
        if (!roles.includes(member.role)) return next(new Error(`forbidden: only ${roles.join(', ')} may connect here`));
        socket.data.staff = member;
        socket.data.tokenHash = tokenHash(token);
        void socket.join(sessionRoom(socket.data.tokenHash));
        next();
      },
      (err: Error) => {
        h.log.warn({ err: err.message }, 'could not check a socket session');
        next(new Error('unavailable: try again shortly'));
      },
    );
  });
}

export const staffOf = (socket: { data: Partial<SocketData> }): StaffMember => socket.data.staff!;

/**
 * This process's sockets against the database: those whose session has ended are disconnected, and the
 * agents' socket rows are made to match the sockets really open here (a database outage may have kept a
 * socket from being recorded, or a closed one from being removed).
 */
async function checkSockets(h: Hotline, namespaces: AnyNamespace[]): Promise<void> {
  const local: Array<{ data: Partial<SocketData>; connected: boolean; id: string; disconnect(close: boolean): unknown }> = namespaces.flatMap((nsp) => [...nsp.sockets.values()]);
  const live = await liveSessions(h.database.db, [...new Set(local.map((s) => s.data.tokenHash!))], h.now());
  for (const socket of local) if (!live.has(socket.data.tokenHash!)) socket.disconnect(true);

  const agents = new Map([...namespaces[0]!.sockets.values()].filter((s) => s.connected).map((s) => [s.id, staffOf(s).id]));
  const recorded = await ownSockets(h);
  for (const row of recorded) {
    if (agents.has(row.socketId)) continue;
    if (await socketClosed(h, row.socketId, row.staffId)) await agentDisconnected(h, row.staffId);
  }
  const known = new Set(recorded.map((row) => row.socketId));
  for (const [socketId, staffId] of agents) {
    if (known.has(socketId)) continue;
    await socketOpened(h, socketId, staffId);
    await agentConnected(h, staffId);
  }
}
