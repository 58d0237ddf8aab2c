import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Stopping a server without failing a request: it takes no new connection (behind one port, another process
 * takes it: src/workers.ts), answers every request already in flight, and closes each kept-alive connection
 * once its answer is out, so the client's next request opens a connection elsewhere rather than meeting a
 * reset. A connection accepted but whose request has not arrived yet is waited for too: closing it as idle
 * (as `closeIdleConnections` does) resets a client that did nothing wrong. Long-polls are not waited for:
 * Socket.IO's (it closes them itself) and the carrier simulator's control requests (`wait=S`), cut when the
 * process goes.
 */
export type Drain = {
  /** Stop taking connections and wait for the requests in flight, up to `limitMs`; then close what is left. */
  drain(limitMs: number): Promise<void>;
  /** Requests being answered now. */
  inFlight(): number;
};

const LONG_POLLS = /^\/(socket\.io|simulator)\//;
/** How long a connection accepted before the stop may take to send its first request. */
const FIRST_REQUEST_MS = 2_000;

/** What a connection is doing: waiting for its first request, answering one, or idle between requests. */
type Connection = 'new' | 'answering' | 'idle';

export function drainable(server: Server, ignore = (req: IncomingMessage) => LONG_POLLS.test(req.url ?? '')): Drain {
  const connections = new Map<Socket, Connection>();
  const answering = new Set<ServerResponse>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    connections.set(socket, 'new');
    socket.once('close', () => connections.delete(socket));
  });
  // A WebSocket is Socket.IO's to close.
  server.on('upgrade', (req: IncomingMessage) => connections.delete(req.socket));
  // Before the server's own handler, which may answer at once.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    if (ignore(req)) {
      connections.delete(socket);
      return;
    }
    // Told with the answer: this connection ends after it.
    if (closing) res.shouldKeepAlive = false;
    connections.set(socket, 'answering');
    answering.add(res);
    res.once('close', () => {
      answering.delete(res);
      if (connections.has(socket)) connections.set(socket, 'idle');
    });
  });
  // A connection that sends nothing is not waited for long: its request would have come by now.
  const busy = (sinceMs: number) => [...connections.values()].some((state) => state === 'answering' || (state === 'new' && sinceMs < FIRST_REQUEST_MS));
  return {
    inFlight: () => answering.size,
    async drain(limitMs) {
      closing = true;
      server.close();
      for (const res of answering) if (!res.headersSent) res.shouldKeepAlive = false;
      const start = Date.now();
      for (;;) {
        for (const [socket, state] of connections) if (state === 'idle') socket.destroy();
        if (!busy(Date.now() - start) || Date.now() - start >= limitMs) break;
        await new Promise((done) => setTimeout(done, 10));
      }
      server.closeAllConnections();
    },
  };
}
