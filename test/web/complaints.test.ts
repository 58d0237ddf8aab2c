import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { cases } from '../../db/schema.ts';
import { browserPerFile, screenshot } from '../support/browser.ts';
import { call, deskStaff } from '../support/cases.ts';
import { hotlinePerFile } from '../support/running.ts';

/**
 * The passengers' public page at /complaints, in Chromium: no account, three languages, a complaint, a lost-item
 * report or a luggage claim filed and its reference shown, a case looked up by reference and phone number, and
 * whatever anyone typed shown as the text it is. The hotline's clock stands on Wednesday 2026-11-25 at 12:00 in
 * Shanghai; the browser is a passenger's in Shanghai too.
 */

const running = hotlinePerFile();
const open = browserPerFile();

async function complaintsPage(): Promise<{ page: Page; errors: string[] }> {
  const opened = await open(`${running().url}/complaints`);
  // Dates are written in the passenger's own time zone.
  const cdp = await opened.page.context().newCDPSession(opened.page);
  await cdp.send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Shanghai' });
  await opened.page.locator('#send').waitFor();
  return opened;
}

const heading = (page: Page) => page.locator('h1').textContent();
const chooseLanguage = (page: Page, language: string) => page.selectOption('select[name="ui-language"]', language);

/** The passenger's part common to every type. */
async function aboutMe(page: Page, me: { name: string; phone: string; description: string }): Promise<void> {
  await page.fill('#passenger-name', me.name);
  await page.fill('#contact-number', me.phone);
  await page.fill('#train-number', 'g1234');
  await page.fill('#travel-date', '2026-11-24');
  await page.fill('#car', '5');
  await page.fill('#seat', '12F');
  await page.fill('#description', me.description);
}

/** The passenger's browser may only show 404s the lookup is meant to get. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 404/.test(e));

describe('the public complaints page', () => {
  it('lets a passenger file a complaint in English, shows the reference and what happens next, and looks its status up', async () => {
    const { page, errors } = await complaintsPage();
    // Simplified Chinese first: most passengers read it.
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await heading(page)).toBe('投诉、失物与行李索赔');
    await chooseLanguage(page, 'en-US');
    expect(await heading(page)).toBe('Complaints, lost items and luggage claims');

    await page.selectOption('#category', 'staff-attitude');
    await aboutMe(page, { name: 'Li Wei', phone: '+86 138 0013 8000', description: 'The conductor was rude to my mother.' });
    await page.click('#send');

    const reference = (await page.getByTestId('case-reference').textContent())!;
    expect(reference).toMatch(/^C[2-9A-HJKMNP-TW-Z]{6}$/);
    expect(await page.locator('.receipt h2').textContent()).toBe('Thank you: your complaint has been received.');
    // One working day from the office's lunch break, and a month: read from the hotline's answer.
    expect(await page.getByTestId('acknowledge-by').textContent()).toBe('We will confirm that we are handling it by Thursday, November 26, 2026 at 1:00 PM.');
    expect(await page.getByTestId('reply-by').textContent()).toMatch(/^You will have our answer by Friday, December 25, 2026\./);
    await screenshot(page, 'complaints-filed-en');

    const [row] = await running().database.db.select().from(cases).where(eq(cases.reference, reference));
    expect(row).toMatchObject({ type: 'complaint', channel: 'online', language: 'en-US', category: 'staff-attitude', trainNumber: 'G1234', passengerName: 'Li Wei', ownerDepartment: 'station' });

    // Straight from the receipt …
    await page.click('#check-filed');
    await expect.poll(() => page.getByTestId('case-status').textContent()).toBe('Received');
    expect(await page.getByTestId('case-due').textContent()).toBe('Friday, December 25, 2026');
    expect(await page.getByTestId('case-answer').textContent()).toBe('No answer yet: the case is being handled.');

    // … and typed in later, the reference as it might be written down, the number without its country code.
    const later = await complaintsPage();
    await chooseLanguage(later.page, 'en-US');
    await later.page.fill('#lookup-reference', `${reference.slice(0, 3).toLowerCase()} ${reference.slice(3)}`);
    await later.page.fill('#lookup-phone', '138 0013 8000');
    await later.page.click('#look-up');
    await expect.poll(() => later.page.getByTestId('case-status').textContent()).toBe('Received');
    expect(await later.page.locator('[data-testid="case-found"] h3').textContent()).toBe(`${reference} · complaint`);

    await later.page.fill('#lookup-phone', '139 0000 0000');
    await later.page.click('#look-up');
    await expect.poll(() => later.page.getByTestId('lookup-error').textContent()).toBe('No case has this reference and phone number. Please check both and try again.');
    expect(await later.page.getByTestId('case-found').isHidden()).toBe(true);
    expect(unexpected([...errors, ...later.errors])).toEqual([]);
  });

  it('changes its words to Traditional Chinese when the passenger chooses 繁體中文, files in it, and keeps the choice', async () => {
    const { page, errors } = await complaintsPage();
    await chooseLanguage(page, 'zh-TW');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-TW');
    expect(await heading(page)).toBe('投訴、遺失物與行李索賠');
    expect(await page.locator('#send').textContent()).toBe('送出');
    expect(await page.locator('#category option[value="staff-attitude"]').textContent()).toBe('工作人員態度');
    expect(await page.locator('#lookup-heading').textContent()).toBe('查詢處理進度');
    await screenshot(page, 'complaints-form-zh-TW');

    await page.selectOption('#category', 'cleanliness');
    await aboutMe(page, { name: '陳大文', phone: '0912 345 678', description: '車廂很髒。' });
    await page.click('#send');
    const reference = (await page.getByTestId('case-reference').textContent())!;
    expect(await page.getByTestId('reply-by').textContent()).toMatch(/^我們將在2026年12月25日 ?(星期五)?之前給您答覆。/);
    const [row] = await running().database.db.select().from(cases).where(eq(cases.reference, reference));
    expect(row?.language).toBe('zh-TW');
    await screenshot(page, 'complaints-filed-zh-TW');

    // What is already on the page is written again in the language chosen, its dates too.
    await chooseLanguage(page, 'en-US');
    expect(await page.getByTestId('reply-by').textContent()).toMatch(/^You will have our answer by Friday, December 25, 2026\./);
    await page.click('#file-another');
    expect(await page.locator('#send').textContent()).toBe('Send');
    expect(await page.locator('#passenger-name').inputValue()).toBe('');

    await chooseLanguage(page, 'zh-TW');
    await page.reload();
    await page.locator('#send').waitFor();
    expect(await heading(page)).toBe('投訴、遺失物與行李索賠');
    expect(errors).toEqual([]);
  });

  it('asks each type its own questions: a lost item’s kind and description, a luggage claim’s tag and amount', async () => {
    const { page, errors } = await complaintsPage();
    await chooseLanguage(page, 'en-US');
    await page.check('input[name="type"][value="lost-item"]');
    expect(await page.locator('#category').isHidden()).toBe(true);
    await page.selectOption('#item-kind', 'electronics');
    await page.fill('#item-description', 'A silver laptop in a grey sleeve');
    await aboutMe(page, { name: 'Li Wei', phone: '13800138000', description: 'On the rack above my seat.' });
    await page.click('#send');
    const lost = (await page.getByTestId('case-reference').textContent())!;
    expect(lost).toMatch(/^L/);

    await page.click('#file-another');
    await page.check('input[name="type"][value="luggage-claim"]');
    expect(await page.locator('#item-kind').isHidden()).toBe(true);
    await page.selectOption('#luggage-category', 'delayed');
    await page.fill('#tag-number', 'BJ-2026-88812');
    await page.fill('#claimed-amount', '350.50');
    await aboutMe(page, { name: 'Li Wei', phone: '13800138000', description: 'My suitcase came a day late.' });
    await page.click('#send');
    const claim = (await page.getByTestId('case-reference').textContent())!;
    expect(claim).toMatch(/^B/);

    const rows = await running().database.db.select().from(cases);
    expect(rows.find((r) => r.reference === lost)).toMatchObject({ type: 'lost-item', category: 'electronics', details: { itemKind: 'electronics', itemDescription: 'A silver laptop in a grey sleeve' } });
    expect(rows.find((r) => r.reference === claim)).toMatchObject({ type: 'luggage-claim', category: 'delayed', details: { tagNumber: 'BJ-2026-88812', claimedAmount: 350.5 } });
    expect(errors).toEqual([]);
  });

  it('says which field the hotline refused, in the passenger’s words', async () => {
    const { page, errors } = await complaintsPage();
    await chooseLanguage(page, 'en-US');
    await page.selectOption('#category', 'delay');
    // Seven characters the browser lets through; the hotline wants seven digits.
    await aboutMe(page, { name: 'Li Wei', phone: '1-2-3-4', description: 'Two hours late.' });
    await page.click('#send');
    await expect.poll(() => page.getByTestId('file-error').textContent()).toBe('Please check “Your phone number” (must have at least 7 digits).');
    expect(await page.locator('#contact-number').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('case-reference').count()).toBe(0);
    expect(unexpected(errors).filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  it('shows text typed as script or markup as the text it is, in the receipt and in the answer looked up', async () => {
    const { page, errors } = await complaintsPage();
    await chooseLanguage(page, 'en-US');
    const script = '<script>window.pwned = 1</script><img src="/x" onerror="window.pwned = 2">';
    await page.selectOption('#category', 'other');
    await aboutMe(page, { name: '<b>Li</b>', phone: '13800138000', description: script });
    await page.click('#send');
    const reference = (await page.getByTestId('case-reference').textContent())!;
    expect(await page.getByTestId('sent-description').textContent()).toBe(script);
    expect(await page.locator('.receipt img, .receipt script, .receipt b').count()).toBe(0);

    const people = await deskStaff(running().hotline, running().url);
    const answer = 'Sorry. <img src="/y" onerror="window.pwned = 3"> We have spoken to the crew.';
    expect((await call(running().url, people.supervisor.token, 'POST', `/api/cases/${reference}/resolve`, { reason: 'answered', answer })).status).toBe(200);
    await page.click('#check-filed');
    await expect.poll(() => page.getByTestId('case-answer').textContent()).toBe(answer);
    expect(await page.getByTestId('case-status').textContent()).toBe('Answered');
    expect(await page.locator('[data-testid="case-found"] img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await screenshot(page, 'complaints-script-as-text');
    expect(errors).toEqual([]);
  });

  it('is sent with the staff pages’ content security policy', async () => {
    const res = await fetch(`${running().url}/complaints`);
    expect(res.status).toBe(200);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("style-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});
