import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/**
 * The parent's side of ./hotline-process.ts: a real hotline in a child process on the spec's PostgreSQL
 * schema, which the spec can kill with a real signal. The spec owns the schema (`testDatabase()`) and drops it
 * after the children are gone; any child a spec forgets is killed after its file.
 */

export type HotlineProcess = {
  /** Where it listens, e.g. http://127.0.0.1:40123. */
  url: string;
  pid: number;
  /** How its database connections are named (`<schema>/<label>`): for `terminateBackends`. */
  applicationName: string;
  /** Send a signal (SIGKILL unless told otherwise); resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
  exited: Promise<Exit>;
  /** What it has logged so far (stderr, the last MAX_LOG characters). */
  log(): string;
};
export type Exit = { code: number | null; signal: NodeJS.Signals | null };

const root = fileURLToPath(new URL('../..', import.meta.url));
const START_MS = 60_000;
const MAX_LOG = 1_000_000;
/** Every hotline this worker has running, shared by its spec files (each imports this module afresh). */
const RUNNING = Symbol.for('sanling.spawned-hotlines');
const shared = globalThis as { [RUNNING]?: Set<ChildProcess> };
const firstImport = !shared[RUNNING];
const children = (shared[RUNNING] ??= new Set<ChildProcess>());
let spawned = 0;

afterAll(async () => {
  await Promise.all([...children].map(async (child) => {
    const exit = once(child, 'exit');
    child.kill('SIGKILL');
    await exit;
  }));
});
// A worker that ends without running its hooks must not leave hotlines behind.
if (firstImport) {
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
  });
}

export async function spawnHotline(options: {
  /** Where the child's database is: the server's URL, or a proxy's in front of it. */
  databaseUrl: string;
  schema: string;
  /** More settings for the hotline (e.g. PROCESS_LEASE_SECONDS, LOG_LEVEL); LOG_LEVEL is silent unless set. */
  env?: Record<string, string>;
  /** The simulator's time scale: 1 (real time) unless told. */
  timeScale?: number;
  /** Names this process among the schema's (in `applicationName`); a counter unless told. */
  label?: string;
}): Promise<HotlineProcess> {
  const applicationName = `${options.schema}/${options.label ?? `hotline-${++spawned}`}`;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/hotline-process.ts', '--schema', options.schema, '--time-scale', String(options.timeScale ?? 1)],
    {
      cwd: root,
      // Only what a node process needs, and what the spec says: nothing of the parent's own database or carrier.
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? root, LOG_LEVEL: 'silent', ...options.env, DATABASE_URL: options.databaseUrl, PGAPPNAME: applicationName },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.add(child);
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (log = (log + text).slice(-MAX_LOG)));

  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(`did not listen within ${START_MS / 1000} s`), START_MS);
    function fail(why: string) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`hotline process ${why}:\n${log.slice(-4000)}`));
    }
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const line = out.split('\n').slice(0, -1).find((l) => l.startsWith('{"url"'));
      if (!line) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((exit) => fail(`exited before it listened (code ${exit.code}, signal ${exit.signal})`));
  });

  return {
    url,
    pid: child.pid!,
    applicationName,
    exited,
    async kill(signal = 'SIGKILL') {
      child.kill(signal);
      return exited;
    },
    log: () => log,
  };
}
