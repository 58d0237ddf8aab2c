/**
 * What a process tree costs, read from /proc (Linux): CPU time and resident memory of a process and all its
 * descendants (cluster workers, tsx's esbuild service), so a figure never leaves out a helper process.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times: 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

type Stat = { pid: number; ppid: number; cpuMs: number };

/** One process's parent and CPU time (user + system), or undefined once it has gone. */
function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: the fields after the last ')' are fixed.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { pid, ppid: Number(fields[1]), cpuMs: (ticks * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** `root` and every process below it, as they are now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (!s) continue;
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/** CPU milliseconds used so far by these processes (those still running). */
export function cpuMs(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (stat(pid)?.cpuMs ?? 0), 0);
}

/** Resident memory in bytes (VmRSS) of each process, with its command line, for those still running. */
export function residentMemory(pids: number[]): Array<{ pid: number; bytes: number; command: string }> {
  const out: Array<{ pid: number; bytes: number; command: string }> = [];
  for (const pid of pids) {
    try {
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      if (kb) out.push({ pid, bytes: Number(kb) * 1024, command });
    } catch {
      // Gone in between.
    }
  }
  return out;
}

/**
 * CPU of a process tree over a window: `start()` when the window opens, `stop()` when it closes. Processes
 * that appear in between (a worker forked late) count from zero.
 */
export function cpuMeter(root: number): { start(): void; stop(): { cpuMs: number; seconds: number } } {
  let at = 0;
  let before = new Map<number, number>();
  return {
    start() {
      at = performance.now();
      before = new Map(processTree(root).map((pid) => [pid, stat(pid)?.cpuMs ?? 0]));
    },
    stop() {
      const seconds = (performance.now() - at) / 1000;
      let used = 0;
      for (const pid of processTree(root)) used += (stat(pid)?.cpuMs ?? 0) - (before.get(pid) ?? 0);
      return { cpuMs: used, seconds };
    },
  };
}
