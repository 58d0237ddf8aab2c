import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { MessageChannel, Worker } from 'node:worker_threads';
import { ROOT } from './root.ts';
import type { ThreadStart } from './pglite-thread.ts';

/** The thread's code, built beside the server's bundle (src/build.ts): a worker runs JavaScript only. */
export const PGLITE_THREAD = join(ROOT, 'dist/pglite-thread.js');

/**
 * The embedded database: PGlite in a thread of its own (src/pglite-thread.ts), spoken to by postgres.js as a
 * PostgreSQL server is, through sockets that are MessagePorts. In the main thread its statements held the
 * event loop that answers callers: the webhooks on PGlite measured 442–552 new calls and 335–530 key presses
 * a second there, 966–1,147 and 976–1,350 from the thread, as many as on PostgreSQL (`npm run bench --
 * --only floors,webhooks`, 1 December 2026), for ~45 MB more resident (a second V8 isolate).
 */
export type PgliteThread = { socket(): Promise<Duplex>; close(): Promise<void> };

export async function pgliteThread(dataDir: string | null): Promise<PgliteThread> {
  if (!existsSync(PGLITE_THREAD)) throw new Error(`${PGLITE_THREAD} is missing: run npm run build`);
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await createPgliteDatabase(dataDir);
  }
  const worker = new Worker(PGLITE_THREAD, { workerData: { dataDir, settings: SETTINGS } satisfies ThreadStart });
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
      // Its bytes alone, handed over: a Buffer may be a view of a larger shared one, which cloning would copy whole.
      const bytes = new Uint8Array(chunk);
      port1.postMessage(bytes, [bytes.buffer]);
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

/**
 * PGlite's PostgreSQL settings beyond its defaults (which `startParams` replaces, so each start adds these to
 * `PGlite.defaultStartParams`: in the thread, and in the child that makes a new database): shared_buffers. Its
 * default, 128 MB, is allocated and touched at start-up in the WebAssembly memory, which grows from the
 * module's 128 MB minimum to 189 MB for it (and never shrinks), ~150 MB of it resident: the idle server on
 * existing data measured 354 MB resident, 238 MB with 8 MB of buffers (which fit in the minimum memory). The
 * data files are read through the operating system's page cache, which keeps what the buffers do not.
 */
const SETTINGS = ['-c', 'shared_buffers=8MB'];

/**
 * A new PGlite database in `dataDir`, made by a child process that then exits. PGlite's initdb runs a second
 * PostgreSQL and initdb's own WebAssembly beside the first and copies the new cluster through JavaScript
 * buffers (800 MB at the peak): in the server's process, what the allocator and the garbage collector kept of
 * it left the idle server at 360–760 MB on its first start against 238 MB on the next; made by a child, 249
 * MB (peak 369 MB), for ~1–2 s more on the first start. The cluster is made in a folder inside `dataDir`, then
 * moved up with PG_VERSION last, so a start interrupted meanwhile begins again.
 */
async function createPgliteDatabase(dataDir: string): Promise<void> {
  const making = join(dataDir, '.initdb');
  rmSync(making, { recursive: true, force: true });
  const script = `const { PGlite } = require(process.argv[1]);
PGlite.create(process.argv[2], { startParams: [...PGlite.defaultStartParams, ...process.argv.slice(3)] }).then((pg) => pg.close())
  .catch((err) => { console.error(err); process.exit(1); });`;
  const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const child = spawn(process.execPath, ['-e', script, pglite, making, ...SETTINGS], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done, fail) => child.once('error', fail).once('exit', done));
  if (code !== 0) throw new Error(`PGlite could not create its database in ${dataDir} (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`);
  const entries = readdirSync(making).sort((a, b) => Number(a === 'PG_VERSION') - Number(b === 'PG_VERSION'));
  for (const entry of entries) {
    // What a start interrupted while moving left behind.
    rmSync(join(dataDir, entry), { recursive: true, force: true });
    renameSync(join(making, entry), join(dataDir, entry));
  }
  rmSync(making, { recursive: true, force: true });
}
