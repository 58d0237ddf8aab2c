import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * Real headless Chromium (Debian's `chromium`, installed by .ci/run) driven by playwright-core. The flags keep
 * it from reaching for Google's hosts on this closed network, where it would stall.
 */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Screenshots are kept as test artifacts here (CI keeps test-artifacts/). */
export const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
      // The ring is a sound; a page may play it without a click first.
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/**
 * A page whose console errors and uncaught exceptions fail the spec that reads `errors`. With `clock`, the
 * browser's clock starts at the hotline's test clock (sessions, rings and call timers are the server's times)
 * and moves on in real time.
 */
export async function openPage(browser: Browser, url: string, options: { clock?: Date } = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  if (options.clock) await page.clock.install({ time: options.clock });
  await page.goto(url);
  return { page, errors };
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * One Chromium for a spec file. Returns `open(url, options)`, which opens a page as `openPage` does; the
 * pages a spec opened are closed after it.
 */
export function browserPerFile(): (url: string, options?: { clock?: Date }) => Promise<{ page: Page; errors: string[] }> {
  let browser: Browser | undefined;
  const opened: Page[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const page of opened.splice(0)) await page.context().close();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return async (url, options) => {
    const page = await openPage(browser!, url, options);
    opened.push(page.page);
    return page;
  };
}
