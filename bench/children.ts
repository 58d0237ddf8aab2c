/**
 * The servers the capacity bench measures, each a child process started the way a user starts it
 * (`node dist/main.js`, configured by the environment), with its output in a log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processTree } from './proc.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const LOG_DIR = join(ROOT, 'test-artifacts', 'capacity-logs');

export type Child = {
  name: string;
  pid: number;
  url: string;
  logFile: string;
  /** Stop it (SIGTERM, then SIGKILL for anything of its tree still there after 10 s). */
  stop(): Promise<void>;
};

/** The server did not come up; `output` is the end of what it printed. */
export class StartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/** A port nothing listens on now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

/**
 * Start `node <script> [...args]` (through tsx for a .ts script) with `env(port)` added (PORT is a free port), and wait until it answers HTTP on its port
 * (and, with `processes`, until that many node processes of it exist: cluster workers come up after the
 * primary listens). Throws StartError if it exits first or takes longer than `timeoutMs`.
 */
export async function startChild(name: string, script: string, args: string[], env: (port: number) => Record<string, string>, options: { processes?: number; timeoutMs?: number; nodeArgs?: string[] } = {}): Promise<Child> {
  const port = await freePort();
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${name}.log`);
  const fd = openSync(logFile, 'w');
  // Straight to a file: the server's logging costs what it costs in production, and nobody here reads a pipe.
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env(port), PORT: String(port) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const tail = () => readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));

  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) throw new StartError(`${name} exited with code ${exited} before it listened`, tail());
    if (performance.now() > deadline) {
      await stopTree(child);
      throw new StartError(`${name} did not answer on ${url} in time`, tail());
    }
    // A time limit of its own: a connection taken while workers start may never be answered (seen with
    // --workers: the primary accepts before any worker is ready).
    const answers = await fetch(`${url}/capacity-bench-probe`, { signal: AbortSignal.timeout(2000) }).then((res) => res.body?.cancel().then(() => true) ?? true, () => false);
    const nodes = processTree(child.pid!).filter((pid) => isNode(pid)).length;
    if (answers && nodes >= (options.processes ?? 1)) break;
    await new Promise((done) => setTimeout(done, 200));
  }
  // The last worker forked may still be opening its database: give it a moment before the load begins.
  if ((options.processes ?? 1) > 1) await new Promise((done) => setTimeout(done, 3000));
  return { name, pid: child.pid!, url, logFile, stop: () => stopTree(child) };
}

/**
 * The warnings and errors a server logged (pino's JSON, level 40 and up) before it was told to stop: how
 * many, and the first few messages.
 */
export function loggedProblems(logFile: string): { count: number; examples: string[] } {
  let count = 0;
  const examples = new Set<string>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (line.includes('"msg":"shutting down"')) break;
    const level = /"level":(\d+)/.exec(line)?.[1];
    if (!level || Number(level) < 40) continue;
    count++;
    const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
    if (msg && examples.size < 3) examples.add(msg);
  }
  return { count, examples: [...examples] };
}

function isNode(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === process.execPath;
  } catch {
    return false;
  }
}

/** SIGTERM to the child (the hotline closes its calls and connections); its whole tree killed if it lingers. */
async function stopTree(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const tree = processTree(child.pid!);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const quit = await Promise.race([exited.then(() => true), new Promise<boolean>((done) => setTimeout(() => done(false), 10_000))]);
  // Only the pids of this child's own tree, by number.
  for (const pid of quit ? tree.slice(1) : tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (!quit) await exited;
}
