import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import { Server, type Namespace, type Socket } from 'socket.io';
import type { Hotline } from '../hotline.ts';
import { authenticate } from '../staff/auth.ts';
import type { Role, StaffMember } from '../staff/staff.ts';
import { agentsNamespace } from './agents.ts';
import { managersNamespace } from './managers.ts';
import { phoneNamespace } from './phone.ts';
import type { Simulator } from '../telephony/carrier/simulator/simulator.ts';

export type Realtime = { io: Server; close(): Promise<void> };

/**
 * Socket.IO for the people on the floor: `/agents` (screen-pops, presence, notes), `/managers` (live
 * metrics) and, with the carrier simulator, `/phone` (the agent page's simulated phone).
 * The only module that knows Socket.IO. On PostgreSQL the postgres adapter shares rooms between server
 * processes, so an offer routed by one process reaches the agent's socket on another.
 */
export async function startRealtime(h: Hotline, http: HttpServer, simulator?: Simulator): Promise<Realtime> {
  const io = new Server(http, { serveClient: false });
  const pool = h.database.server ? await adapterPool(h, io) : undefined;
  const stops = [
    agentsNamespace(h, io.of('/agents')),
    managersNamespace(h, io.of('/managers')),
    ...(simulator ? [phoneNamespace(h, io.of('/phone'), simulator)] : []),
  ];
  return {
    io,
    async close() {
      for (const stop of stops) stop();
      io.disconnectSockets(true);
      await new Promise<void>((done) => io.close(() => done()));
      await pool?.end();
    },
  };
}

async function adapterPool(h: Hotline, io: Server): Promise<pg.Pool> {
  const { url, schema } = h.database.server!;
  const pool = new pg.Pool({ connectionString: url, max: 3, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  pool.on('error', (err) => h.log.error({ err }, 'socket.io adapter connection failed'));
  await pool.query(`CREATE TABLE IF NOT EXISTS socket_io_attachments (id bigserial UNIQUE, created_at timestamptz DEFAULT now(), payload bytea)`);
  // Processes of one hotline share a channel; hotlines (or test runs) in other schemas do not hear them.
  io.adapter(createAdapter(pool, { channelPrefix: `sanling_${schema ?? 'public'}` }));
  return pool;
}

/** Only staff with a valid session (and one of `roles`) may connect; `socket.data.staff` is who. */
export function requireSession(h: Hotline, nsp: Namespace, roles: readonly Role[]): void {
  nsp.use((socket: Socket, next) => {
    const token = typeof socket.handshake.auth?.['token'] === 'string' ? (socket.handshake.auth['token'] as string) : '';
    authenticate(h, token).then(
      (member) => {
        if (!member) return next(new Error('unauthorized: log in and connect with auth.token'));
        if (!roles.includes(member.role)) return next(new Error(`forbidden: only ${roles.join(', ')} may connect here`));
        socket.data.staff = member;
        next();
      },
      (err: Error) => next(err),
    );
  });
}

export const staffOf = (socket: Socket): StaffMember => socket.data.staff as StaffMember;
