import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildPages } from '../web-agent/build.ts';
import { ROOT } from './root.ts';

/**
 * `npm run build` (and `npm install`, through `prepare`): the server as one JavaScript module, `dist/main.js`, that plain
 * `node` runs (no TypeScript compiler, loader thread or esbuild service at run time), and the staff's pages.
 * The packages stay in node_modules; nothing is minified, and the source map keeps stack traces in src/.
 */
export const SERVER = join(ROOT, 'dist/main.js');

export async function buildServer(): Promise<void> {
  await build({
    // The embedded database's thread (src/pglite.ts) is a module of its own: a worker starts from a file.
    entryPoints: [join(ROOT, 'src/main.ts'), join(ROOT, 'src/pglite-thread.ts')],
    outdir: join(ROOT, 'dist'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

/**
 * What `npm start` gives `node` (package.json's `start`: its flags, then the bundle), for whatever must run the
 * server exactly as it does (the capacity bench, the start-up specs). The heap is capped there at 256 MB: the
 * live heap with 2,000 agents connected and 10,000 callers waiting measured 60 MB, and without a cap V8 sizes
 * the heap from the machine's memory and lets a burst's garbage hold 300 MB or more of it resident.
 *
 * `--liftoff-only`: WebAssembly (PGlite's PostgreSQL, 9 MB of it) keeps V8's baseline code, not recompiled
 * hot by its optimising compiler in background threads whose scratch memory the allocator keeps: the idle
 * server on PGlite measured 177 MB resident against 222. The webhooks on PGlite were not slower for it
 * (`npm run bench -- --only webhooks`: 458 and 259 req/s against 411 and 198); a statement alone costs ~1.5×
 * (0.6 against 0.4 ms). On PostgreSQL the server runs no WebAssembly to speak of.
 */
export function startCommand(): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts;
  const [node, ...args] = scripts.start.trim().split(/\s+/);
  if (node !== 'node') throw new Error(`package.json's start script should run node, not ${node}`);
  return args.map((arg) => (arg.endsWith('.js') ? join(ROOT, arg) : arg));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await Promise.all([buildServer(), buildPages()]);
