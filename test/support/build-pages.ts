import { buildPages } from '../../web-agent/build.ts';

/** vitest globalSetup: the browser specs load the pages as `npm start` serves them. */
export default async function setup(): Promise<void> {
  await buildPages();
}
