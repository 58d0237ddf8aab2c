import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL), for specs that take the network away:
 *
 * - `pass`: bytes flow both ways, as if the proxy were not there.
 * - `refuse`: the port stops listening and open connections are reset, as a server that is down: a new
 *   connection is refused (ECONNREFUSED) before it is made, which is what a client meets most often in an
 *   outage, and the path its driver takes least.
 * - `blackhole`: connections, open and new, stay open but nothing gets through in either direction, as a
 *   hung server or a dead network. Bytes sent meanwhile are dropped, as a dead network drops packets; a new
 *   connection is accepted and never reaches the server. Only a client's own timeouts can notice.
 *
 * Leaving `blackhole` resets every connection it held: their byte streams lost data, and on a real network
 * that recovers such connections time out and are replaced. Connections made after that pass normally.
 */
export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

export type TcpProxy = {
  host: '127.0.0.1';
  port: number;
  readonly mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  /** Client connections open through the proxy now (held ones included). */
  connections(): number;
  /** `databaseUrl` (postgres://…) pointed at the proxy instead of its own host and port. */
  url(databaseUrl: string): string;
  /** Stops listening and resets every connection. */
  close(): Promise<void>;
};

type Pair = { client: net.Socket; server: net.Socket | undefined; held: boolean };

export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  const pairs = new Set<Pair>();

  const reset = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.resetAndDestroy();
    pair.server?.resetAndDestroy();
  };

  const passing = (pair: Pair) => mode === 'pass' && !pair.held;

  /** Forward `from` → `to` while passing, with back-pressure and half-closes; drop while blackholed. */
  const forward = (pair: Pair, from: net.Socket, to: () => net.Socket | undefined) => {
    from.on('data', (chunk) => {
      const into = to();
      if (!passing(pair) || !into) return;
      if (!into.write(chunk)) {
        from.pause();
        into.once('drain', () => from.resume());
      }
    });
    from.on('end', () => {
      if (passing(pair)) to()?.end();
    });
  };

  const accept = (client: net.Socket) => {
    const pair: Pair = { client, server: undefined, held: mode === 'blackhole' };
    pairs.add(pair);
    client.on('error', () => {});
    client.on('close', () => {
      pairs.delete(pair);
      pair.server?.destroy();
    });
    forward(pair, client, () => pair.server);
    if (pair.held) return; // never reaches the server: a hung one would not answer either
    const upstream = net.connect(target.port, target.host);
    pair.server = upstream;
    upstream.on('error', () => {});
    upstream.on('close', (failed) => {
      // The server hung up or could not be reached: the client hears it, unless the network is "dead".
      if (!passing(pair)) return;
      if (failed) reset(pair);
      else client.end();
    });
    forward(pair, upstream, () => client);
  };
  // Refusing closes the listening socket; passing again opens a new one on the same port. (Binding is
  // synchronous, so a connection made right after `setMode` returns finds the port open.)
  const listen = (port: number) => net.createServer(accept).listen(port, '127.0.0.1');
  let server: net.Server | undefined = listen(0);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
      if (next === 'refuse') {
        server?.close();
        server = undefined;
        for (const pair of [...pairs]) reset(pair);
      } else server ??= listen(port);
      if (next === 'blackhole') for (const pair of pairs) pair.held = true;
      if (next === 'pass') for (const pair of [...pairs]) if (pair.held) reset(pair);
    },
    connections: () => pairs.size,
    url(databaseUrl) {
      const url = new URL(databaseUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.href;
    },
    async close() {
      const closing = server;
      server = undefined;
      for (const pair of [...pairs]) reset(pair);
      if (closing) await new Promise<void>((done) => closing.close(() => done()));
    },
  };
}

/** Host and port of a postgres:// URL, as `tcpProxy` wants its target. */
export function targetOf(databaseUrl: string): { host: string; port: number } {
  const url = new URL(databaseUrl);
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) };
}
