import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { MessageChannel, Worker } from 'node:worker_threads';
import { ROOT } from './root.ts';
import type { ThreadStart } from './pglite-thread.ts';

/** The thread's code, built beside the server's bundle (src/build.ts): a worker runs JavaScript only. */
export const PGLITE_THREAD = join(ROOT, 'dist/pglite-thread.js');

/**
 * PGlite in a thread of its own (src/pglite-thread.ts), spoken to by postgres.js as a PostgreSQL server is,
 * through sockets that are MessagePorts. In the main thread its queries held the event loop: the webhooks on
 * PGlite measured 442 new calls and 335 key presses a second there, 1,136 and 1,072 with PGlite served from
 * another process to a connection of postgres.js (`npm run bench -- --only webhooks`, 1 December 2026).
 */
export type PgliteThread = { socket(): Promise<Duplex>; close(): Promise<void> };

export function pgliteThread(start: ThreadStart): PgliteThread {
  if (!existsSync(PGLITE_THREAD)) throw new Error(`${PGLITE_THREAD} is missing: run npm run build`);
  const worker = new Worker(PGLITE_THREAD, { workerData: start });
  // An error ends the thread, and every connection to it: their statements then fail as on a server gone
  // away, and /readyz says so. Heard here for good: an error nobody hears would end the process too.
  let failure: Error | undefined;
  worker.on('error', (err) => (failure = err));
  let ended: Error | undefined;
  const exited = new Promise<void>((done) =>
    worker.once('exit', (code) => {
      // Refused, as a server that is down refuses: what asks the database then apologises or tries again.
      ended = Object.assign(new Error(`the embedded database's thread ended (exit ${code})${failure ? `: ${failure.message}` : ''}`), { code: 'ECONNREFUSED' });
      done();
    }),
  );
  const ready = new Promise<void>((done, fail) => {
    worker.once('message', () => done());
    void exited.then(() => fail(ended));
  });
  ready.catch(() => {});
  return {
    async socket() {
      await ready;
      const socket = portSocket(worker);
      if (ended) process.nextTick(() => socket.destroy(ended));
      return socket;
    },
    async close() {
      worker.postMessage({ close: true });
      await exited;
    },
  };
}

/** A connection to the thread, as the stream postgres.js writes to and reads from. */
function portSocket(worker: Worker): Duplex {
  const { port1, port2 } = new MessageChannel();
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      port1.postMessage(chunk);
      done();
    },
    final(done) {
      port1.close();
      done();
    },
    destroy(err, done) {
      port1.close();
      done(err);
    },
  });
  port1.on('message', (answer: Uint8Array) => socket.push(Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength)));
  // Closed by the thread too when it ends.
  port1.on('close', () => socket.destroy());
  // postgres.js asks whether its socket is open before it says goodbye on it.
  Object.defineProperty(socket, 'readyState', { get: () => (socket.destroyed ? 'closed' : 'open') });
  worker.postMessage({ connect: port2 }, [port2]);
  return socket;
}
