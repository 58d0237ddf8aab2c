/**
 * The idle server's footprint (issue 16): its resident memory (VmRSS of every process of it) idle, and how long
 * it takes from spawn to a healthy `GET /healthz`, started as `npm start -- --demo` starts it:
 * - on PGlite, in a fresh folder (the first start: PGlite creates its database);
 * - on PGlite again, on the data that start left (every later start);
 * - on PGlite with `historyCalls` calls of history, written straight into the tables while the server is
 *   stopped (through openDatabase, in this process: PGlite's folder is one process's at a time);
 * - on PostgreSQL, in a database of its own, where a server answers.
 * bench/capacity.ts (`npm run bench -- --only footprint`) prints the figures as rows of its table.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, type Db } from '../src/database.ts';
import type { Child } from './children.ts';
import { processTree, residentMemory } from './proc.ts';
import { freshPostgresDatabase } from './support.ts';
import { addCalls } from './history.ts';

export type FootprintRun = {
  what: 'fresh' | 'existing' | 'history' | 'postgres';
  database: 'PGlite' | 'PostgreSQL';
  /** Spawn to the first 200 from GET /healthz. */
  healthySeconds: number;
  /** VmRSS of the server's processes after `idleSeconds` of idling. */
  idleMb: number;
  /** The server's peak (VmHWM): start-up included. */
  peakMb: number;
  /** PGlite's WebAssembly memory, as found in /proc/<pid>/smaps (see `wasmMemory`): its size and what is resident. */
  wasm: { mb: number; residentMb: number } | undefined;
  processes: number;
  /** Calls in the database the server started on. */
  history: number;
  logFile: string;
};

export type FootprintOptions = {
  /** PostgreSQL's URL, if a server answers. */
  pg: string | undefined;
  /** Starts the hotline (`npm start -- --demo`) with this database environment; resolves once it listens. */
  start(name: string, store: Record<string, string>): Promise<Child>;
  idleSeconds?: number;
  historyCalls?: number;
  log?: (line: string) => void;
};

export async function footprintBench(o: FootprintOptions): Promise<FootprintRun[]> {
  const log = o.log ?? ((line: string) => console.error(line));
  const idleSeconds = o.idleSeconds ?? 10;
  const historyCalls = o.historyCalls ?? 10_000;
  const runs: FootprintRun[] = [];
  const measured = async (what: FootprintRun['what'], store: Record<string, string>, history: number) => {
    const run = await idleServer(o, `hotline-footprint-${what}`, store, idleSeconds);
    runs.push({ what, database: what === 'postgres' ? 'PostgreSQL' : 'PGlite', history, ...run });
    log(`footprint: ${what}: healthy in ${run.healthySeconds.toFixed(1)} s, idle ${run.idleMb.toFixed(0)} MB (peak ${run.peakMb.toFixed(0)} MB)`);
  };

  const dir = mkdtempSync(join(tmpdir(), 'sanling-footprint-'));
  try {
    const store = { DATABASE_URL: '', DATA_DIR: dir };
    await measured('fresh', store, 0);
    await measured('existing', store, 0);
    const loading = performance.now();
    const database = await openDatabase({ dataDir: dir });
    try {
      await addHistory(database.db, historyCalls);
    } finally {
      await database.close();
    }
    log(`footprint: ${historyCalls.toLocaleString('en')} calls of history written in ${((performance.now() - loading) / 1000).toFixed(1)} s`);
    await measured('history', store, historyCalls);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (o.pg) {
    const fresh = await freshPostgresDatabase(o.pg);
    try {
      await measured('postgres', { DATABASE_URL: fresh.url }, 0);
    } finally {
      await fresh.drop();
    }
  }
  return runs;
}

/** One server: spawned, timed to its first healthy answer, left idle, measured, stopped. */
async function idleServer(o: FootprintOptions, name: string, store: Record<string, string>, idleSeconds: number) {
  const spawned = performance.now();
  const server = await o.start(name, store);
  try {
    // The server listens once its database is open; /healthz answers 200 once it is ready.
    for (;;) {
      const ok = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((res) => (res.body?.cancel(), res.status === 200), () => false);
      if (ok) break;
      if (performance.now() - spawned > 120_000) throw new Error(`${name}: /healthz not healthy within 120 s`);
      await new Promise((done) => setTimeout(done, 50));
    }
    const healthySeconds = (performance.now() - spawned) / 1000;
    await new Promise((done) => setTimeout(done, idleSeconds * 1000));
    const processes = residentMemory(processTree(server.pid));
    const peak = processTree(server.pid).reduce((sum, pid) => sum + peakOf(pid), 0);
    const mb = (bytes: number) => bytes / 2 ** 20;
    const wasm = wasmMemory(server.pid);
    return {
      healthySeconds,
      idleMb: mb(processes.reduce((sum, p) => sum + p.bytes, 0)),
      peakMb: mb(peak),
      wasm: wasm && { mb: mb(wasm.bytes), residentMb: mb(wasm.resident) },
      processes: processes.length,
      logFile: server.logFile,
    };
  } finally {
    await server.stop();
  }
}

/** VmHWM: the process's peak resident memory, in bytes (0 once it has gone). */
function peakOf(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * The process's largest WebAssembly memory, read from /proc/<pid>/smaps: V8 maps a wasm memory as an anonymous
 * read-write mapping of its size (whole 64 kB pages) followed by a reservation of gigabytes it may grow into
 * (no access). A heuristic, for the notes: undefined where nothing looks like one (the server on PostgreSQL).
 */
function wasmMemory(pid: number): { bytes: number; resident: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return undefined;
  }
  type Mapping = { start: number; end: number; perms: string; named: boolean; resident: number };
  const maps: Mapping[] = [];
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) maps.push({ start: parseInt(head[1]!, 16), end: parseInt(head[2]!, 16), perms: head[3]!, named: head[4] !== '', resident: 0 });
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && maps.length) maps.at(-1)!.resident = Number(rss[1]) * 1024;
  }
  let best: { bytes: number; resident: number } | undefined;
  for (const [i, m] of maps.entries()) {
    const next = maps[i + 1];
    const bytes = m.end - m.start;
    const memory = m.perms.startsWith('rw') && !m.named && bytes >= 16 * 2 ** 20 && bytes % 65536 === 0;
    if (memory && next && next.start === m.end && next.perms.startsWith('---') && next.end - next.start >= 2 ** 30 && bytes > (best?.bytes ?? 0)) {
      best = { bytes, resident: m.resident };
    }
  }
  return best;
}

/**
 * `n` ended calls over the past 90 days, as the hotline leaves them (bench/history.ts's shape): 85 % answered
 * (an offer each, a missed one before it for one in ten, a survey for three in ten), 10 % abandoned in the
 * queue, 5 % hung up in the IVR; each with four events and three TwiML replies. Answered by 20 agents of
 * their own. In one transaction, through the counters' triggers.
 */
async function addHistory(db: Db, n: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw(`
      insert into staff (employee_no, name, role, skills, password_hash)
      select 'F' || lpad(g::text, 4, '0'), 'Footprint agent ' || g, 'agent', '{"general":2,"tickets":3,"luggage":1}'::jsonb, 'not-a-real-hash'
      from generate_series(1, 20) g`));
    const agents = `(select array_agg(id order by id) from staff where employee_no like 'F%')`;
    // Answered by those 20, over the 90 days before yesterday.
    await addCalls(tx, 'FP', n, new Date(Date.now() - 86_400_000), 90 * 86_400, 1, { answering: `(${agents})[1 + g % 20]`, missing: `(${agents})[1 + (agent_id + 1) % 20]` });
    await tx.execute(sql.raw(`
      insert into call_events (call_sid, at, type, data)
      select sid, started_at + e * interval '10 seconds', (array['started', 'ivr', 'enqueued', 'ended'])[e + 1],
        jsonb_build_object('queue', queue, 'node', 'agent')
      from calls, generate_series(0, 3) e where sid like 'FP%'`));
    await tx.execute(sql.raw(`
      insert into call_replies (call_sid, seq, twiml)
      select sid, r, '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" timeout="5" action="/twilio/ivr?seq=' || r || '"><Say language="zh-CN">欢迎致电高铁客服热线。请按一选择中文，按二选择英文。</Say></Gather></Response>'
      from calls, generate_series(1, 3) r where sid like 'FP%'`));
  });
  await db.execute(sql`analyze`);
}
