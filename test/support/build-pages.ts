import { buildPages } from '../../web-agent/build.ts';
import { chromiumPath } from './browser.ts';

/**
 * vitest globalSetup: the browser specs load the pages as `npm start` serves them. Finding the Chromium here,
 * once, unpacks the npm package's (when there is no system one) before the workers start: two spec files
 * unpacking it at once would have one of them launch a half-written file. A Chromium that cannot be found is
 * the browser specs' failure to report, not every spec's.
 */
export default async function setup(): Promise<void> {
  await Promise.all([buildPages(), chromiumPath().catch(() => undefined)]);
}
