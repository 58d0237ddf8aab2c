import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles the staff's pages (the agent's softphone and the managers' dashboard) and the passengers' public page
 * into web-agent/dist, which the server serves at /agent, /dashboard and /complaints. Run by `npm install` (`prepare`) and
 * before the tests; takes about a second.
 */

const root = dirname(fileURLToPath(import.meta.url));
export const DIST = join(root, 'dist');

export async function buildPages(): Promise<void> {
  await mkdir(DIST, { recursive: true });
  await build({
    entryPoints: { agent: join(root, 'src/agent/main.ts'), dashboard: join(root, 'src/dashboard/main.ts'), complaints: join(root, 'src/complaints/main.ts'), quality: join(root, 'src/quality/main.ts'), reports: join(root, 'src/reports/main.ts') },
    outdir: DIST,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
  });
  for (const page of ['agent.html', 'agent.css', 'dashboard.html', 'style.css', 'dashboard.css', 'complaints.html', 'complaints.css', 'quality.html', 'quality.css', 'reports.html', 'reports.css']) await cp(join(root, page), join(DIST, page));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPages();
