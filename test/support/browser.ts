import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Hotline } from '../../src/hotline.ts';
import { agentOnFloor } from './agents.ts';

/**
 * Real headless Chromium driven by playwright-core: the system's (Debian's `chromium`, which .ci/run installs
 * with the CJK fonts) when there is one, else the one inside the npm package `@sparticuz/chromium` (a
 * devDependency), so `npm test` needs nothing but Node.js. `CHROMIUM_PATH` chooses: a path to a Chromium, or
 * `npm` for the package's even where the system has one.
 */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Screenshots are kept as test artifacts here (CI keeps test-artifacts/). */
export const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

/**
 * The Chromium the browser specs launch. The npm package's is unpacked into the temporary folder on first use
 * (a few seconds; later calls find it there). It has no CJK fonts: the pages' Chinese shows as boxes in
 * screenshots, which DOM checks do not notice.
 */
export async function chromiumPath(): Promise<string> {
  const chosen = process.env['CHROMIUM_PATH'];
  if (chosen === 'npm' || (chosen === undefined && !existsSync(SYSTEM_CHROMIUM))) {
    const { default: packaged } = await import('@sparticuz/chromium');
    return packaged.executablePath();
  }
  const path = chosen ?? SYSTEM_CHROMIUM;
  if (!existsSync(path)) throw new Error(`no Chromium at ${path} (CHROMIUM_PATH): unset it to use the system's or the npm package's, or set it to npm`);
  return path;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumPath(),
    headless: true,
    // Our flags rather than the npm package's (made for AWS Lambda, they switch web security off): these keep
    // Chromium from reaching for Google's hosts on this closed network, where it would stall.
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
  // Below vitest's 20 s per spec: a wait that never ends fails naming what it waited for, not as a bare time-out.
  context.setDefaultTimeout(15_000);
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

/** Log in on a staff page's form, in `language` when given (the pages' chooser), as a person would. */
export async function logInOnPage(page: Page, employeeNo: string, options: { password?: string; language?: string } = {}): Promise<void> {
  if (options.language) await page.selectOption('select[name="ui-language"]', options.language);
  await page.fill('#employee-no', employeeNo);
  await page.fill('#password', options.password ?? 'sanling-test');
  await page.click('#log-in');
}

/**
 * Agent 1001 (complaints and general) logged in on the softphone page of `running`'s hotline, its clock the
 * hotline's, in English, and available once the socket is up and the hotline agreed: from then on the page
 * hears of its offers and cases.
 */
export async function availableAgentPage(
  running: () => { hotline: Hotline; url: string; clock: { now: Date } },
  open: ReturnType<typeof browserPerFile>,
): Promise<{ member: Awaited<ReturnType<typeof agentOnFloor>>; page: Page; errors: string[] }> {
  const member = await agentOnFloor(running().hotline, '1001', { complaints: 3, general: 1 }, { available: false });
  const { page, errors } = await open(`${running().url}/agent`, { clock: running().clock.now });
  await logInOnPage(page, '1001', { language: 'en' });
  await page.click('[data-testid="go-available"]');
  // Available, or already rung by whatever was waiting for an agent.
  await page.locator('[data-testid="presence"]:is([data-presence="available"], [data-presence="ringing"])').waitFor();
  return { member, page, errors };
}
