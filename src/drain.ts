import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Stopping a server without failing a request: it takes no new connection (behind one port, another process
 * takes it: src/workers.ts), answers every request already in flight, and closes each kept-alive connection
 * once its answer is out, so the client's next request opens a connection elsewhere rather than meeting a
 * reset. Long-polls are not waited for: Socket.IO's (it closes them itself) and the carrier simulator's
 * control requests (`wait=S`), cut when the process goes.
 */
export type Drain = {
  /** Stop taking connections and wait for the requests in flight, up to `limitMs`; then close what is left. */
  drain(limitMs: number): Promise<void>;
  /** Requests being answered now. */
  inFlight(): number;
};

const LONG_POLLS = /^\/(socket\.io|simulator)\//;

export function drainable(server: Server, ignore = (req: IncomingMessage) => LONG_POLLS.test(req.url ?? '')): Drain {
  const answering = new Set<ServerResponse>();
  let closing = false;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (ignore(req)) return;
    // Told with the answer: this connection ends after it.
    if (closing) res.shouldKeepAlive = false;
    answering.add(res);
    res.once('close', () => answering.delete(res));
  });
  return {
    inFlight: () => answering.size,
    async drain(limitMs) {
      closing = true;
      server.close();
      for (const res of answering) if (!res.headersSent) res.shouldKeepAlive = false;
      server.closeIdleConnections();
      const deadline = Date.now() + limitMs;
      while (answering.size > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 10));
      server.closeAllConnections();
    },
  };
}
