import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../support/browser.ts';
import { runningHotline } from '../support/running.ts';

describe('the staff pages', () => {
  let hotline: Awaited<ReturnType<typeof runningHotline>>;
  let browser: Browser;
  beforeAll(async () => {
    [hotline, browser] = await Promise.all([runningHotline(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await hotline?.close();
  });

  it('serves the softphone at /agent and the dashboard at /dashboard, each running its script', async () => {
    for (const page of ['agent', 'dashboard']) {
      const { page: tab, errors } = await openPage(browser, `${hotline.url}/${page}`);
      await tab.locator('#app').filter({ hasNotText: /^$/ }).waitFor();
      expect(errors).toEqual([]);
      await tab.context().close();
    }
  });

  it('answers a missing asset with 404 rather than the page', async () => {
    const res = await fetch(`${hotline.url}/assets/nothing.js`);
    expect(res.status).toBe(404);
  });
});
