import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callbackAttempts, caseClocks, cases } from '../../db/schema.ts';
import { addStaff } from '../../src/staff/staff.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import { agentOnFloor } from '../support/agents.ts';
import { launchBrowser, logInOnPage, openPage, screenshot } from '../support/browser.ts';
import { englishCallerHears, nextEvent, runningHotline } from '../support/running.ts';
import { forgetAnnouncement } from '../../src/calls/announcement.ts';

/**
 * The managers' dashboard at /dashboard in real Chromium, against the whole hotline with simulated callers:
 * live figures without reloading, the callbacks' figures, the charts, the refusal of agents, and the IVR announcement.
 */

let hotline: Awaited<ReturnType<typeof runningHotline>>;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  [hotline, browser] = await Promise.all([runningHotline(), launchBrowser()]);
  await addStaff(hotline.database.db, { employeeNo: '2001', name: 'Supervisor Wang', role: 'supervisor', skills: {}, password: 'sanling-test' });
});
afterAll(async () => {
  await browser?.close();
  await hotline?.close();
});
beforeEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
  await hotline.sim.close();
  await hotline.database.db.execute(sql`truncate agents, offers, calls, call_events, call_replies, surveys, settings, cases, case_clocks, callback_attempts restart identity`);
  forgetAnnouncement(hotline.database.db);
  await hotline.database.db.execute(sql`delete from staff where employee_no <> '2001'`);
});

async function logInAs(employeeNo: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(browser, `${hotline.url}/dashboard`, { clock: hotline.clock.now });
  pages.push(opened.page);
  await logInOnPage(opened.page, employeeNo);
  return opened;
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent({ timeout: 5_000 })) ?? '').trim();
const figure = (page: Page, name: string) => text(page, `[data-figure="${name}"]`);

/** Mandarin (1), an agent (0): the general queue. */
const TO_AN_AGENT = ['1', '0'];

describe('the dashboard, live', () => {
  it('shows a supervisor the call arrive, be answered within three rings and rated, without reloading', async () => {
    const agent = await agentOnFloor(hotline.hotline, '1001', { general: 3 });
    const { page, errors } = await logInAs('2001');
    await expect.poll(() => figure(page, 'offered')).toBe('0');
    expect(await figure(page, 'answered')).toBe('0');
    expect(await figure(page, 'withinStandardShare')).toBe('—');
    expect(await figure(page, 'csat')).toBe('—');
    await expect.poll(() => text(page, '[data-agent="1001"] .presence')).toBe('Available');
    // Marks this document: a reload would lose it.
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));

    const ring = new Promise<Leg>((resolve) => hotline.sim.rings.once('ring', resolve));
    const call = hotline.sim.call({ presses: TO_AN_AGENT });
    const leg = await ring;
    // The caller waits while 1001's phone rings.
    await expect.poll(() => text(page, '[data-queue="general"] [data-waiting]')).toBe('1');
    await expect.poll(() => text(page, '[data-agent="1001"] .presence')).toBe('Ringing');

    hotline.sim.answer(leg.sid);
    await nextEvent(call, 'connected');
    await expect.poll(() => figure(page, 'answered')).toBe('1');
    expect(await figure(page, 'offered')).toBe('1');
    await expect.poll(() => figure(page, 'withinStandard')).toBe('1');
    expect(await figure(page, 'withinStandardShare')).toBe('100 %');
    expect(await figure(page, 'averageRings')).toBe('1.0');
    expect(await figure(page, 'averageSpeedOfAnswer')).toBe('0 s');
    expect(await page.locator('[data-tile="averageSpeedOfAnswer"]').getAttribute('data-goal')).toBe('met');
    expect(await figure(page, 'serviceLevel')).toBe('100 %');
    await expect.poll(() => text(page, '[data-queue="general"] [data-waiting]')).toBe('0');
    await expect.poll(() => text(page, '[data-agent="1001"] .presence')).toBe('On call');
    expect(await text(page, '[data-agent="1001"] [data-calls-today]')).toBe('1');
    expect(await text(page, '[data-agent="1001"] [data-within-standard]')).toBe('100 %');

    // The agent hangs up first; the caller rates the call 5 and says the problem was solved.
    await hotline.sim.hangup(leg.sid);
    const disconnected = await nextEvent(call, 'disconnected');
    await nextEvent(call, 'listening', disconnected.n);
    hotline.sim.press(call.sid, '5');
    // A survey answer reaches the board with the next refresh (every 2 s).
    await expect.poll(() => figure(page, 'csat'), { timeout: 10_000 }).toBe('100');
    expect(await figure(page, 'csatTopTwoBox')).toBe('100');
    expect(await page.locator('[data-tile="csatTopTwoBox"]').getAttribute('data-goal')).toBe('met');
    await expect.poll(() => text(page, '[data-agent="1001"] [data-csat]'), { timeout: 10_000 }).toBe('100');
    await expect.poll(() => text(page, '[data-agent="1001"] .presence')).toBe('Wrap-up');

    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(agent.employeeNo).toBe('1001');
    await screenshot(page, 'dashboard-live');
    expect(errors).toEqual([]);
  });

  it('counts the longest wait and the time in a presence up each second between updates', async () => {
    // 1001 answers tickets only: the caller for general waits.
    await agentOnFloor(hotline.hotline, '1001', { tickets: 3 });
    const { page, errors } = await logInAs('2001');
    const call = hotline.sim.call({ presses: TO_AN_AGENT });
    await nextEvent(call, 'enqueued');
    hotline.clock.advance(42);
    // The server says 42 s at each update; the page adds the seconds since, so 43 s shows before the next.
    await expect.poll(() => text(page, '[data-queue="general"] [data-longest-wait]'), { timeout: 10_000 }).toBe('43 s');
    await expect.poll(() => text(page, '[data-agent="1001"] [data-time-in-presence]'), { timeout: 10_000 }).toBe('43 s');
    expect(errors).toEqual([]);
  });

  it('draws today’s calls per 15 minutes and the histogram of rings to answer', async () => {
    const { page, errors } = await logInAs('2001');
    await expect.poll(() => figure(page, 'offered')).toBe('0');
    for (const chart of ['calls-per-15-minutes', 'rings-histogram']) {
      const canvas = page.locator(`canvas[data-chart="${chart}"]`);
      const box = await canvas.boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      expect(box!.height).toBeGreaterThan(100);
      // Drawn on: axes, labels and bars differ from a blank canvas of the same size.
      const drawn = await canvas.evaluate((c: HTMLCanvasElement) => {
        const blank = document.createElement('canvas');
        blank.width = c.width;
        blank.height = c.height;
        return c.toDataURL() !== blank.toDataURL();
      });
      expect(drawn).toBe(true);
    }
    await screenshot(page, 'dashboard-charts');
    expect(errors).toEqual([]);
  });
});

describe('the callbacks', () => {
  it('shows today’s callbacks beside today’s figures: asked for, completed (within the promise), attempts, and those waiting with the oldest due time', async () => {
    const db = hotline.database.db;
    const ago = (minutes: number) => new Date(hotline.clock.now.getTime() - minutes * 60_000);
    // All asked for today (noon in Shanghai): R1 completed in time (1 attempt), R2 late (2), R3 waiting, due 15 min ago.
    const callback = (reference: string, createdAt: Date, done?: Date) => ({
      reference,
      type: 'callback' as const,
      status: done ? ('resolved' as const) : ('new' as const),
      channel: 'phone' as const,
      language: 'zh-CN',
      queue: 'general',
      createdAt,
      updatedAt: done ?? createdAt,
      resolvedAt: done ?? null,
      resolution: done ? { reason: 'answered', answer: 'Called back.' } : null,
      dueAt: done ? null : ago(15),
    });
    const [r1, r2, r3] = await db
      .insert(cases)
      .values([callback('R2222A2', ago(60), ago(30)), callback('R2222A3', ago(60), ago(20)), callback('R2222A4', ago(25))])
      .returning({ id: cases.id });
    const clock = (caseId: number, dueAt: Date, metAt: Date | null) => ({ caseId, kind: 'resolve' as const, span: 'promised', working: false, calendar: 'hotline', startedAt: ago(60), dueAt, remindAt: dueAt, managerAt: dueAt, metAt });
    await db.insert(caseClocks).values([clock(r1!.id, ago(20), ago(30)), clock(r2!.id, ago(40), ago(20)), clock(r3!.id, ago(15), null)]);
    const attempt = (caseId: number, offerId: number, outcome: 'answered' | 'no-answer') => ({ caseId, offerId, staffId: 1, number: '+8613800138000', outcome, startedAt: ago(35) });
    await db.insert(callbackAttempts).values([attempt(r1!.id, 1, 'answered'), attempt(r2!.id, 2, 'no-answer'), attempt(r2!.id, 3, 'answered')]);

    const { page, errors } = await logInAs('2001');
    await expect.poll(() => figure(page, 'callbacksRequested')).toBe('3');
    expect(await figure(page, 'callbacksCompleted')).toBe('2');
    expect(await figure(page, 'callbacksWithinPromise')).toBe('50 %');
    expect(await figure(page, 'callbacksAttempts')).toBe('1.5');
    expect(await figure(page, 'callbacksWaiting')).toBe('1');
    // 11:45 in Shanghai, passed: the tile says so.
    expect(await text(page, '[data-callbacks-oldest-due]')).toMatch(/^oldest due .*11:45$/);
    expect(await page.locator('[data-tile="callbacksWaiting"]').getAttribute('data-overdue')).toBe('true');
    await screenshot(page, 'dashboard-callbacks');
    expect(errors).toEqual([]);
  });
});

describe('who may watch', () => {
  it('refuses an agent who logs in, showing no figures', async () => {
    await agentOnFloor(hotline.hotline, '1001', { general: 3 });
    const { page, errors } = await logInAs('1001');
    await expect.poll(() => text(page, '[data-refused]')).toMatch(/supervisors and managers only/);
    expect(await page.locator('[data-figure]').count()).toBe(0);
    expect(await page.locator('canvas').count()).toBe(0);
    await screenshot(page, 'dashboard-agent-refused');
    expect(errors).toEqual([]);
  });
});

describe('the IVR announcement', () => {
  const englishCallerHearsText = async () => (await englishCallerHears(hotline.sim)).join('\n');

  it('set from the page, is heard by the next caller; cleared, it is not', async () => {
    const { page, errors } = await logInAs('2001');
    const notice = 'Due to snow, trains to Harbin are delayed by about one hour.';
    await page.locator('[name="announcement-en-US"]').fill(notice);
    await page.locator('[name="announcement-zh-CN"]').fill('受降雪影响，开往哈尔滨的列车晚点约一小时。');
    await page.click('#announcement-set');
    await expect.poll(() => text(page, '[data-announcement-result]')).toBe('Announcement set: the next caller hears it.');
    expect(await text(page, '[data-announcement-now]')).toBe('Now playing: zh-CN, en-US');
    await screenshot(page, 'dashboard-announcement');
    expect(await englishCallerHearsText()).toContain(`[en-US] ${notice}`);

    await page.click('#announcement-clear');
    await expect.poll(() => text(page, '[data-announcement-result]')).toBe('Announcement cleared: the next caller hears none.');
    expect(await page.locator('[name="announcement-en-US"]').inputValue()).toBe('');
    expect(await englishCallerHearsText()).not.toContain(notice);
    expect(errors).toEqual([]);
  });

  it('shows the announcement already set, and the server’s error for a text that is too long', async () => {
    const { page, errors } = await logInAs('2001');
    await page.locator('[name="announcement-en-US"]').fill('Short.');
    await page.click('#announcement-set');
    await expect.poll(() => text(page, '[data-announcement-result]')).toMatch(/^Announcement set/);

    const again = await logInAs('2001');
    await expect.poll(() => again.page.locator('[name="announcement-en-US"]').inputValue()).toBe('Short.');
    // Past the textarea's own limit, as a script or an older page could send it.
    await again.page.locator('[name="announcement-en-US"]').evaluate((t: HTMLTextAreaElement) => {
      t.removeAttribute('maxlength');
      t.value = 'x'.repeat(501);
    });
    await again.page.click('#announcement-set');
    await expect.poll(() => text(again.page, '[data-announcement-result]')).toBe('en-US must be at most 500 characters');
    expect(await again.page.locator('[data-announcement-result]').getAttribute('data-outcome')).toBe('error');
    expect(await englishCallerHearsText()).toContain('[en-US] Short.');
    // The browser reports the refused request itself; nothing else went wrong.
    expect([...errors, ...again.errors].filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
