import { buildServer } from '../../src/build.ts';
import { buildPages } from '../../web-agent/build.ts';
import { chromiumPath } from './browser.ts';

/**
 * vitest globalSetup: the build, as `npm start` runs it: the browser specs load the pages as it serves them,
 * and every database on PGlite runs in the thread built beside the server (src/pglite.ts). Finding the
 * Chromium here, once, unpacks the npm package's (when there is no system one) before the workers start: two
 * spec files unpacking it at once would have one of them launch a half-written file. A Chromium that cannot
 * be found is the browser specs' failure to report, not every spec's.
 */
export default async function setup(): Promise<void> {
  await Promise.all([buildPages(), buildServer(), chromiumPath().catch(() => undefined)]);
}
