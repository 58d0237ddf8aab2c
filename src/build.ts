import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildPages } from '../web-agent/build.ts';
import { ROOT } from './root.ts';

/**
 * `npm run build` (and before `npm start`): the server as one JavaScript module, `dist/main.js`, that plain
 * `node` runs (no TypeScript compiler, loader thread or esbuild service at run time), and the staff's pages.
 * The packages stay in node_modules; nothing is minified, and the source map keeps stack traces in src/.
 */
export const SERVER = join(ROOT, 'dist/main.js');

export async function buildServer(): Promise<void> {
  await build({
    entryPoints: [join(ROOT, 'src/main.ts')],
    outfile: SERVER,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await Promise.all([buildServer(), buildPages()]);
