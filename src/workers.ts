import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import type { Logger } from 'pino';

/**
 * `npm start -- --workers N`: N hotline processes behind one port, on one PostgreSQL. The primary here holds
 * nothing but the workers (no database, no hotline); each worker runs the whole hotline and listens on the
 * shared port, and Node's cluster hands each new connection to the next worker in turn, keep-alive and all.
 * Socket.IO runs over WebSocket only in a worker (src/realtime/server.ts): one long-lived connection per
 * page, so no session is split between workers and no sticky layer sits in every request's path (the
 * softphone needs WebSocket for Twilio's audio anyway). Everything else (races, rooms across processes,
 * leases) is the database's and the postgres adapter's, as between separate processes.
 */

export const MAX_WORKERS = 64;
/** A worker that died is replaced after this long, doubling while replacements die before they are ready. */
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** Workers still running this long after being told to stop are killed. */
const STOP_MS = 30_000;

/** What a worker tells the primary once its hotline is up. */
type Ready = { type: 'sanling:ready'; processId: string };
const isReady = (message: unknown): message is Ready => (message as Ready | undefined)?.type === 'sanling:ready';

/** `--workers`: a whole number from 1 to MAX_WORKERS, or undefined. */
export function workerCount(value: string): number | undefined {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  return n >= 1 && n <= MAX_WORKERS ? n : undefined;
}

export type Primary = {
  workers: number;
  port: number;
  log: Logger;
  /** Logged once every worker is up, beside the URL: what the workers run with, on the port taken. */
  about(port: number): Record<string, unknown>;
};

/**
 * Start the workers on `port` and keep them running: one that dies is logged and replaced. The first
 * starts alone (it migrates a fresh database and adds the demo roster), the others once it is ready. A worker
 * that cannot start at all (a broken flow file) stops everything. SIGINT or SIGTERM stops the workers and
 * exits once they have closed; SIGHUP restarts them one by one (`rollingRestart`).
 */
export async function runPrimary(p: Primary): Promise<void> {
  // PORT=0 asks for a free port: chosen here, so that every worker listens on the same one and knows it.
  const port = p.port || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let up = false;
  let stopping = false;
  let deathsInRow = 0;
  let restart: NodeJS.Timeout | undefined;
  const workers = new Set<Worker>();
  /** Workers stopped on purpose (a rolling restart), not to be replaced when they exit. */
  const retiring = new Set<Worker>();
  const served = new WeakSet<Worker>();
  let restarting = false;

  // A worker is handed connections only once it listens, which it does once its hotline is up. Resolves
  // with the worker once it is, or undefined if it exits first.
  const fork = (): Promise<Worker | undefined> => {
    const worker = cluster.fork({ PORT: String(port) });
    workers.add(worker);
    return new Promise((ready) => {
      worker.once('exit', () => {
        workers.delete(worker);
        ready(undefined);
      });
      worker.on('message', (message: unknown) => {
        if (!isReady(message) || worker.isDead()) return;
        deathsInRow = 0;
        served.add(worker);
        p.log.info({ worker: worker.id, pid: worker.process.pid, processId: message.processId }, `worker ${worker.id} ready`);
        ready(worker);
      });
    });
  };

  /**
   * SIGHUP: each worker in turn is replaced by a new one (running the code and configuration on disk now),
   * which serves before the old one is told to stop. The old one answers what it was answering and its
   * agents' pages reconnect to the others, so no webhook fails and nobody goes offline (src/start.ts `close`).
   */
  const rollingRestart = async () => {
    if (restarting || stopping || !up) return;
    restarting = true;
    p.log.info('restarting the workers one by one');
    for (const old of [...workers]) {
      // One that died meanwhile is being replaced already.
      if (old.isDead()) continue;
      const fresh = await fork();
      if (stopping) break;
      if (!fresh) {
        p.log.error(`a new worker could not start: the restart stops, worker ${old.id} keeps serving`);
        break;
      }
      if (old.isDead()) continue;
      retiring.add(old);
      const exited = once(old, 'exit');
      old.process.kill('SIGTERM');
      await exited;
    }
    restarting = false;
    if (!stopping) p.log.info({ workers: [...workers].map((w) => w.id) }, 'workers restarted');
  };

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    clearTimeout(restart);
    p.log.info('shutting down');
    const running = [...workers];
    const exits = running.map((w) => once(w, 'exit') as Promise<[number | null, NodeJS.Signals | null]>);
    for (const w of running) w.process.kill('SIGTERM');
    const overdue = setTimeout(() => {
      p.log.error(`workers still running ${STOP_MS / 1000} s after being told to stop: killing them`);
      for (const w of running) w.process.kill('SIGKILL');
    }, STOP_MS);
    const clean = (await Promise.all(exits)).every(([exitCode]) => exitCode === 0);
    clearTimeout(overdue);
    process.exit(clean ? code : 1);
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  process.on('SIGHUP', () => void rollingRestart());

  cluster.on('exit', (worker, code, signal) => {
    // A replacement that died before serving ends the rolling restart; the old worker serves on.
    if (stopping || retiring.delete(worker) || (restarting && !served.has(worker))) return;
    const who = { worker: worker.id, pid: worker.process.pid, code, signal };
    if (!up) {
      p.log.error(who, `worker ${worker.id} could not start: stopping`);
      void stop(1);
      return;
    }
    const wait = Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** deathsInRow++);
    p.log.error(who, `worker ${worker.id} died; starting another in ${wait / 1000} s`);
    restart = setTimeout(() => stopping || void fork(), wait);
  });

  await fork();
  await Promise.all(Array.from({ length: p.workers - 1 }, fork));
  up = true;
  p.log.info({ url, workers: p.workers, ...p.about(port) }, `Sanling hotline listening on ${url} with ${p.workers} workers`);
}

/** A worker's side, once its hotline is up and listening: tell the primary this worker serves. */
export function serveAsWorker(processId: string): void {
  const ready: Ready = { type: 'sanling:ready', processId };
  process.send?.(ready);
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((closed) => probe.close(closed));
  return port;
}
