import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Server } from 'socket.io';
import { MessageType, type BroadcastOptions } from 'socket.io-adapter';
import { CONNECT_TIMEOUT_SECONDS, STATEMENT_TIMEOUT_MS, createdOnce } from '../database.ts';
import type { Hotline } from '../hotline.ts';

/**
 * The adapter's connections: one held for LISTEN, the rest publishing. Every emit to a room is a NOTIFY, so
 * under a busy hour they are many; with too few they queue for a connection (seconds at 50 calls a second
 * with two).
 */
const ADAPTER_CONNECTIONS = 8;

/**
 * The adapter's own connections to PostgreSQL, made safe to lose. The adapter keeps one pool client for
 * LISTEN and attaches no `error` listener to it, so a server that stops would end the process; here every
 * client gets one, and the LISTEN client, once its connection ends, is dropped from the pool (the adapter
 * then takes a new one, with backoff) rather than held for ever.
 */
/** The adapter's pool as node-postgres counts it: connections open, idle among them, and requests waiting for one. */
export type PoolStats = { total: number; idle: number; waiting: number };

export async function adapterPool(h: Hotline, io: Server): Promise<{ end(): Promise<void>; stats(): PoolStats }> {
  const { url, schema, applicationName } = h.database.server!;
  const log = h.log.child({ part: 'socket.io adapter' });
  const pool = new pg.Pool({
    connectionString: url,
    max: ADAPTER_CONNECTIONS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_SECONDS * 1000,
    keepAlive: true,
    application_name: `${applicationName}/socket.io`,
    options: [`-c statement_timeout=${STATEMENT_TIMEOUT_MS}`, ...(schema ? [`-c search_path=${schema}`] : [])].join(' '),
  });
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle connection lost'));
  const clients = new Set<pg.Client>();
  pool.on('connect', (client) => {
    clients.add(client);
    client.on('end', () => clients.delete(client));
    client.on('error', (err) => log.warn({ err: err.message }, 'connection lost'));
  });
  const connect = pool.connect.bind(pool);
  // Only the adapter asks for a client without a callback (pool.query uses the callback form).
  pool.connect = ((...args: Parameters<typeof connect>) => {
    if (args.length) return connect(...args);
    return (connect() as Promise<pg.PoolClient>).then((client) => {
      client.once('end', () => {
        try {
          client.release(new Error('connection ended'));
        } catch {
          // released already (the pool is closing)
        }
      });
      return client;
    });
  }) as typeof pool.connect;
  // The adapter does not give back a client it is still setting up when it is closed: pool.end() alone would
  // wait for ever. Ending every connection first lets it finish.
  const end = async () => {
    for (const client of clients) await client.end().catch(() => undefined);
    await pool.end();
  };
  await createdOnce(pool.query(`CREATE TABLE IF NOT EXISTS socket_io_attachments (id bigserial UNIQUE, created_at timestamptz DEFAULT now(), payload bytea)`));
  // Processes of one hotline share a channel; hotlines (or test runs) in other schemas do not hear them.
  const adapter = createAdapter(pool, { channelPrefix: `sanling_${schema ?? 'public'}`, errorHandler: (err) => log.warn({ err: err.message }, 'adapter failed') });
  // Socket.IO calls this with `new`: a function (not an arrow) returning the adapter it made.
  io.adapter(function (nsp: Parameters<typeof adapter>[0]) {
    return hereFirst(adapter(nsp) as unknown as Broadcasting);
  } as unknown as typeof adapter);
  return { end, stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }) };
}

/** The part of the adapter (socket.io-adapter's ClusterAdapter) that carries an emit to a room. */
type Broadcasting = {
  broadcast(packet: unknown, opts: BroadcastOptions): Promise<void>;
  publishAndReturnOffset(message: { type: MessageType; data: unknown }): Promise<string>;
  /** The other processes heard from (their heartbeats, every 5 s, and their messages), by their uid. */
  nodesMap: Map<string, number>;
};

/**
 * The adapter publishes an emit (a NOTIFY) and only then delivers it to this process's own sockets: a
 * screen-pop for an agent connected here waited for a round trip to the database, and under load for a free
 * publishing connection too (up to the pool's connection time-out: seconds). Here this process's sockets get
 * it at once and the other processes through the NOTIFY, sent without waiting for it (the adapter reports
 * its failures through `errorHandler`). A process that has heard of no other (one `npm start`) sends none:
 * a NOTIFY for every screen-pop, presence change and live figure that nobody listens to. A process announces
 * itself as it starts, before it listens, and the others answer: each knows of the rest within a round trip
 * (at the latest by their next heartbeat).
 */
function hereFirst<A extends Broadcasting>(adapter: A): A {
  const broadcast = adapter.broadcast.bind(adapter);
  adapter.broadcast = async (packet, opts) => {
    if (opts.flags?.local) return broadcast(packet, opts);
    await broadcast(packet, { ...opts, flags: { ...opts.flags, local: true } });
    if (adapter.nodesMap.size === 0) return;
    // socket.io-adapter's own message for a broadcast (its encodeOptions: the rooms as arrays). No offset is
    // added to the packet: the postgres adapter has no connection state recovery, and this hotline uses none.
    void adapter.publishAndReturnOffset({ type: MessageType.BROADCAST, data: { packet, opts: { rooms: [...opts.rooms], except: [...(opts.except ?? [])], flags: opts.flags } } });
  };
  return adapter;
}
