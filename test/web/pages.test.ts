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

  it('sends the pages and their assets with a content security policy and helmet\'s other headers', async () => {
    for (const path of ['/agent', '/dashboard', '/assets/agent.js']) {
      const res = await fetch(`${hotline.url}${path}`);
      expect(res.status, path).toBe(200);
      const policy = directives(res.headers.get('content-security-policy'));
      expect(policy.get('script-src'), path).toEqual(["'self'"]);
      expect(policy.get('style-src'), path).toEqual(["'self'"]);
      expect(policy.get('object-src'), path).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors'), path).toEqual(["'none'"]);
      expect(policy.get('connect-src'), path).toContain("'self'");
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy'), path).toBe('same-origin');
      expect(res.headers.get('strict-transport-security'), path).toMatch(/max-age=\d+/);
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
  });

  it('does not run a script injected into the page, as a cross-site scripting attack would inject it', async () => {
    const { page: tab, errors } = await openPage(browser, `${hotline.url}/agent`);
    await tab.locator('#app').filter({ hasNotText: /^$/ }).waitFor();
    // An inline script runs as it is inserted, or never.
    const ran = await tab.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
      return (window as unknown as { injected?: boolean }).injected === true;
    });
    expect(ran).toBe(false);
    expect(errors.join('\n')).toMatch(/Content Security Policy/);
    await tab.context().close();
  });

  it('answers a missing asset with 404 rather than the page', async () => {
    const res = await fetch(`${hotline.url}/assets/nothing.js`);
    expect(res.status).toBe(404);
  });
});

/** A Content-Security-Policy header as directive name → its sources. */
function directives(header: string | null): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!, sources]),
  );
}
