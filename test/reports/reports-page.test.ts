import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { reportAgentDays, reportAgentSlots, reportMarks, reportQueueDays, reportQueueSlots } from '../../db/schema.ts';
import { addStaff } from '../../src/staff/staff.ts';
import { browserPerFile, logInOnPage, screenshot } from '../support/browser.ts';
import { hotlinePerFile } from '../support/running.ts';
import { CHINESE_QUEUE, halloween } from './fixtures.ts';

/**
 * The reports page in real Chromium: a manager picks a range, reads the table (the Chinese queue name and the
 * day's total among its rows) and downloads it as CSV; an agent is turned away. And on the live dashboard,
 * the goals and the staffing advice panels show.
 */

const running = hotlinePerFile({ clockRuns: true });
const open = browserPerFile();

beforeEach(async () => {
  const db = running().hotline.database.db;
  await db.delete(reportQueueSlots);
  await db.delete(reportAgentSlots);
  await db.delete(reportMarks);
  await db.delete(reportQueueDays);
  await db.delete(reportAgentDays);
  await halloween(db);
  await addStaff(db, { employeeNo: '9003', name: 'Manager Chen', role: 'manager', skills: {}, password: 'sanling-test' });
  await addStaff(db, { employeeNo: '9001', name: 'Agent Wu', role: 'agent', skills: {}, password: 'sanling-test' });
});

describe('the reports page', () => {
  it('shows a range’s table per queue and downloads the same rows as CSV', async () => {
    const { page, errors } = await open(`${running().url}/reports`);
    await logInOnPage(page, '9003', { language: 'en' });
    await page.fill('input[name="from"]', '2026-10-31');
    await page.fill('input[name="to"]', '2026-11-01');
    await page.click('[data-testid="show"]');
    const chinese = page.locator(`[data-testid="report-table"] tr[data-period="2026-10-31"][data-row="${CHINESE_QUEUE}"]`);
    await chinese.waitFor();
    expect(await chinese.locator('[data-cell="offered"]').textContent()).toBe('1');
    expect(await chinese.locator('[data-cell="abandoned"]').textContent()).toBe('1');
    const total = page.locator('[data-testid="report-table"] tr[data-period="2026-10-31"][data-row="total"]');
    expect(await total.locator('[data-cell="offered"]').textContent()).toBe('4');
    // ASA of 26 s on the tickets queue meets the 30 s goal, and is coloured so.
    expect(await page.locator('tr[data-period="2026-10-31"][data-row="tickets"] [data-cell="asa"]').getAttribute('class')).toBe('goal-met');
    await screenshot(page, 'reports-per-queue');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="download-csv"]')]);
    expect(download.suggestedFilename()).toBe('sanling-queue-day-2026-10-31-2026-11-01.csv');
    const bytes = await readFile((await download.path())!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines[0]).toMatch(/^Period from,Queue,Offered,Answered,Abandoned,/);
    expect(lines).toContain(lines.find((l) => l.startsWith(`2026-10-31,${CHINESE_QUEUE},1,0,1,`)));
    expect(lines.filter((l) => l.includes(',Total,')).length).toBe(2);
    expect(errors).toEqual([]);
  });

  it('per agent, by employee number and name', async () => {
    const { page, errors } = await open(`${running().url}/reports`);
    await logInOnPage(page, '9003', { language: 'zh-TW' });
    await page.fill('input[name="from"]', '2026-10-31');
    await page.fill('input[name="to"]', '2026-10-31');
    await page.selectOption('select[name="by"]', 'agent');
    const a = page.locator('[data-testid="report-table"] tr[data-row="1001"]');
    await a.waitFor();
    expect(await a.locator('td').nth(1).textContent()).toBe('1001 王小明');
    expect(await page.locator('[data-testid="report-table"] tr[data-row="total"] td').nth(1).textContent()).toBe('合計');
    expect(errors).toEqual([]);
  });

  it('turns an agent away', async () => {
    const { page } = await open(`${running().url}/reports`);
    await logInOnPage(page, '9001', { language: 'en' });
    await page.locator('[data-refused]').waitFor();
    expect(await page.locator('[data-refused]').textContent()).toMatch(/supervisors and managers only/);
  });
});

describe('the live dashboard', () => {
  it('shows the goals against the figures and the staffing advice', async () => {
    const { page, errors } = await open(`${running().url}/dashboard`);
    await logInOnPage(page, '9003', { language: 'en' });
    await page.locator('[data-testid="goals"] [data-figure="goal-csat-day"]').waitFor();
    await page.locator('[data-testid="staffing"] tr[data-queue="tickets"]').waitFor();
    expect(await page.locator('[data-testid="staffing"] h2').textContent()).toMatch(/80 %|80%/);
    expect(await page.locator('[data-testid="staffing"] tr[data-queue="tickets"] [data-needed]').textContent()).toBe('0 · 0 · 0');
    expect(await page.locator('[data-testid="goals"] [data-tile="goal-asa-month"] h3').textContent()).toBe('Average answer this month');
    await screenshot(page, 'dashboard-goals-staffing');
    expect(errors).toEqual([]);
  });
});
