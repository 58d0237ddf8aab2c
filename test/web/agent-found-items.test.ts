import { asc, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { caseEvents, cases, foundItems } from '../../db/schema.ts';
import { createCase } from '../../src/cases/cases.ts';
import { matchFoundItem, recordFoundItem } from '../../src/cases/found-items.ts';
import { agentOnFloor } from '../support/agents.ts';
import { browserPerFile, logInOnPage, screenshot } from '../support/browser.ts';
import { hotlinePerFile } from '../support/running.ts';

/**
 * Lost and found on the softphone, in real Chromium against the whole hotline: a passenger at the station
 * reports a lost backpack, and the agent enters it from "My cases" (channel on-site, no call) and gives the
 * reference; station staff record what was found on the train the next day in the "Found items" tab; the case
 * shows the one find on its train as a candidate, the agent matches it, and the case's timeline and the
 * register both say so. The clock starts on Wednesday 2026-11-25 at 12:00 in Shanghai.
 */

const running = hotlinePerFile({ env: { SESSION_HOURS: '2000' } });
const h = () => running().hotline;
const open = browserPerFile();

const TRAVELLED = '2026-11-24';
const TODAY = '2026-11-25';

/** Agent 1001 logged in on the page (its clock set to the hotline's), in English. */
async function agentPage(language: 'en' | 'zh-TW' = 'en') {
  const member = await agentOnFloor(h(), '1001', { 'lost-and-found': 2, general: 1 }, { available: false });
  const { page, errors } = await open(`${running().url}/agent`, { clock: running().clock.now });
  await logInOnPage(page, '1001', { language });
  await page.locator('[data-testid="tab-found"]').waitFor();
  return { member, page, errors };
}

const shownTimeline = (page: Page) => page.locator('[data-testid="case-view"] [data-testid="timeline-event"]').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset['type']));

async function recordFind(page: Page, find: { trainNumber: string; car?: string; seat?: string; kind: string; description: string; keptAt: string }) {
  const form = page.locator('[data-testid="found-item-form"]');
  for (const [name, value] of Object.entries(find)) await form.locator(`[name="${name}"]`).fill(value);
  await form.locator('[data-testid="record-found-item"]').click();
  // The page says what it recorded, with the register's number for it.
  const recorded = form.locator('[data-testid="found-item-recorded"][data-id]');
  await recorded.waitFor();
  expect(await recorded.textContent()).toBe(`Recorded as found item #${await recorded.getAttribute('data-id')}: ${find.kind} on ${find.trainNumber}.`);
  return Number(await recorded.getAttribute('data-id'));
}

describe('lost and found at the softphone', () => {
  it('enters an on-site lost-item report, records finds, and matches the right one from the case', async () => {
    const { member, page, errors } = await agentPage();

    // --- a passenger at the station: a case not made on a call -------------------------------------------
    await page.click('[data-testid="tab-cases"]');
    await page.click('[data-testid="new-case-off-call"]');
    const form = page.locator('[data-testid="cases-panel"] [data-testid="case-form"]');
    await form.waitFor();
    // Every kind an agent opens by hand (callbacks are the IVR's and the notes'), on site unless told otherwise.
    expect(await form.locator('select[name="type"] option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['complaint', 'lost-item', 'luggage-claim', 'enquiry']);
    expect(await form.locator('select[name="channel"] option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['on-site', 'phone', 'online']);
    expect(await form.locator('select[name="channel"]').inputValue()).toBe('on-site');
    expect(await form.locator('[name="contactNumber"]').inputValue()).toBe('');
    expect(await form.locator('[name="travelDate"]').inputValue()).toBe('');
    await form.locator('select[name="type"]').selectOption('lost-item');
    await form.locator('select[name="category"] option[value="bag"]').waitFor({ state: 'attached' });
    await form.locator('select[name="category"]').selectOption('bag');
    await form.locator('[name="passengerName"]').fill('陳大文');
    await form.locator('[name="contactNumber"]').fill('13800138000');
    await form.locator('[name="trainNumber"]').fill('G1234');
    await form.locator('[name="travelDate"]').fill(TRAVELLED);
    await form.locator('[name="details.itemKind"]').fill('backpack');
    await form.locator('[name="details.itemDescription"]').fill('black backpack, a laptop inside');
    await form.locator('[data-testid="file-case"]').click();

    const shown = page.locator('[data-testid="cases-panel"] [data-testid="filed-case"] [data-testid="case-reference"]');
    await shown.waitFor();
    const reference = (await shown.textContent())!;
    expect(reference).toMatch(/^L[23456789ABCDEFGHJKMNPQRSTWXYZ]{6}$/);
    expect(await form.count()).toBe(0);
    const [made] = await h().database.db.select().from(cases).where(eq(cases.reference, reference));
    expect(made).toMatchObject({
      type: 'lost-item',
      channel: 'on-site',
      callSid: null,
      ownerStaffId: member.id,
      passengerName: '陳大文',
      trainNumber: 'G1234',
      travelDate: TRAVELLED,
      category: 'bag',
      details: { itemKind: 'backpack', itemDescription: 'black backpack, a laptop inside' },
    });
    // The case opens beside its reference, in My cases too; nothing is found yet.
    const view = page.locator(`[data-testid="case-view"][data-reference="${reference}"]`);
    await view.waitFor();
    expect(await view.locator('[data-field="channel"]').textContent()).toBe('On site');
    await page.locator(`[data-testid="case-row"][data-reference="${reference}"]`).waitFor();
    const candidates = view.locator('[data-testid="case-candidates"]');
    await candidates.locator('[data-testid="no-candidates"]:visible').waitFor();
    await screenshot(page, 'agent-case-on-site');

    // --- the finds, the next day: one on the passenger's train, one on another ----------------------------
    await page.click('[data-testid="tab-found"]');
    const found = page.locator('[data-testid="found-item-form"]');
    expect(await found.locator('[name="foundOn"]').inputValue()).toBe(TODAY); // the hotline's today
    const onG1234 = await recordFind(page, { trainNumber: 'G1234', car: '05', seat: '12A', kind: 'backpack', description: 'Black backpack with a laptop', keptAt: 'Shanghai Hongqiao lost property office' });
    const elsewhere = await recordFind(page, { trainNumber: 'G5678', kind: 'backpack', description: 'Black backpack', keptAt: 'Beijing South lost property office' });
    const register = page.locator('[data-testid="found-register"] [data-testid="found-item"]');
    await expect.poll(() => register.evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset['id'])))).toEqual([elsewhere, onG1234]);
    expect(await register.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['matched']))).toEqual(['false', 'false']);
    const row = page.locator(`[data-testid="found-item"][data-id="${onG1234}"]`);
    expect(await row.locator('[data-field="carSeat"]').textContent()).toBe('05 / 12A');
    expect(await row.locator('[data-field="foundOn"]').textContent()).toBe(TODAY);
    // The register of one train.
    await page.fill('[data-testid="found-filter"] [name="train"]', 'g5678');
    await page.click('[data-testid="found-filter-show"]');
    await expect.poll(() => register.count()).toBe(1);
    expect(await register.getAttribute('data-id')).toBe(String(elsewhere));
    await page.fill('[data-testid="found-filter"] [name="train"]', '');

    // --- the case: only the find on its train is a candidate; the agent matches it ------------------------
    await page.click('[data-testid="tab-cases"]');
    await candidates.locator('[data-testid="refresh-candidates"]').click();
    const candidate = candidates.locator('[data-testid="candidate"]');
    await candidate.first().waitFor();
    expect(await candidate.count()).toBe(1);
    expect(await candidate.getAttribute('data-found-item-id')).toBe(String(onG1234));
    expect(await candidate.getAttribute('data-train')).toBe('G1234');
    expect(Number(await candidate.getAttribute('data-score'))).toBeGreaterThan(0.3);
    expect(await candidate.locator('[data-field="description"]').textContent()).toBe('Black backpack with a laptop');
    expect(await candidate.locator('[data-field="keptAt"]').textContent()).toBe('Shanghai Hongqiao lost property office');
    expect(await candidate.textContent()).toContain('Seat: 12A');
    expect(await candidate.locator('[data-testid="candidate-score"]').textContent()).toMatch(/^\d+% alike$/);
    await screenshot(page, 'agent-case-candidates');
    await candidate.locator('[data-testid="match-item"]').click();

    const matched = view.locator('[data-testid="timeline-event"][data-type="matched"]');
    await matched.waitFor();
    expect(await shownTimeline(page)).toEqual(['created', 'matched']);
    expect(await matched.locator('.event-type').textContent()).toBe('Matched to a found item');
    expect(await matched.locator('[data-field="keptAt"]').textContent()).toBe('Shanghai Hongqiao lost property office');
    expect(await matched.textContent()).toContain(`Found item #${onG1234}: backpack — Black backpack with a laptop`);
    await candidates.locator('[data-testid="no-candidates"]:visible').waitFor();
    const events = await h().database.db.select({ type: caseEvents.type, source: caseEvents.source }).from(caseEvents).where(eq(caseEvents.caseId, made!.id)).orderBy(asc(caseEvents.id));
    expect(events).toEqual([
      { type: 'created', source: 'softphone' },
      { type: 'matched', source: 'softphone' },
    ]);
    const items = await h().database.db.select({ id: foundItems.id, caseId: foundItems.caseId }).from(foundItems).orderBy(asc(foundItems.id));
    expect(items).toEqual([
      { id: onG1234, caseId: made!.id },
      { id: elsewhere, caseId: null },
    ]);
    await screenshot(page, 'agent-case-matched');

    // --- the register says which case the find went to, and opens it --------------------------------------
    await page.click('[data-testid="tab-found"]');
    await page.locator(`[data-testid="found-item"][data-id="${onG1234}"][data-matched="true"]`).waitFor();
    expect(await row.getAttribute('data-case-reference')).toBe(reference);
    expect(await page.locator(`[data-testid="found-item"][data-id="${elsewhere}"]`).getAttribute('data-matched')).toBe('false');
    await screenshot(page, 'agent-found-register');
    await row.locator('[data-testid="found-item-case"]').click();
    await page.locator(`[data-testid="cases-panel"]:visible [data-testid="case-view"][data-reference="${reference}"]`).waitFor();
    expect(errors).toEqual([]);
  });

  it('shows a refused match in the hotline\'s words, and why a case without its train cannot be searched', async () => {
    const { member, page, errors } = await agentPage('zh-TW');
    const actor = { staffId: member.id, source: 'api' } as const;
    const lost = await createCase(h(), { type: 'lost-item', category: 'wallet', trainNumber: 'D310', travelDate: TRAVELLED, details: { itemKind: '錢包', itemDescription: '棕色皮錢包' } }, actor);
    const other = await createCase(h(), { type: 'lost-item', category: 'wallet', trainNumber: 'D310', travelDate: TRAVELLED, details: { itemKind: '錢包', itemDescription: '咖啡色錢包' } }, actor);
    const vague = await createCase(h(), { type: 'lost-item', category: 'bag', details: { itemDescription: '黑色背包' } }, actor);
    const item = await recordFoundItem(h(), { trainNumber: 'D310', foundOn: TRAVELLED, kind: '錢包', description: '棕色皮錢包，內有證件', keptAt: '南京南站失物招領處' }, { staffId: member.id, source: 'api' });

    expect(await page.locator('[data-testid="tab-found"]').textContent()).toBe('拾獲物品');
    await page.click('[data-testid="tab-cases"]');
    await page.locator(`[data-testid="case-row"][data-reference="${lost.reference}"] button`).click();
    const view = page.locator(`[data-testid="case-view"][data-reference="${lost.reference}"]`);
    const candidate = view.locator(`[data-testid="candidate"][data-found-item-id="${item.id}"]`);
    await candidate.waitFor();
    expect(await candidate.locator('[data-testid="match-item"]').textContent()).toBe('就是這件');

    // Another agent matched it to another case meanwhile: the refusal says so, and the list moves on.
    await matchFoundItem(h(), other.reference, { foundItemId: item.id }, { staffId: member.id, source: 'api' });
    await candidate.locator('[data-testid="match-item"]').click();
    const refused = view.locator('[data-testid="candidates-error"]');
    await expect.poll(() => refused.textContent()).toBe(`found item ${item.id} is matched already, to case ${other.reference}`);
    expect(await refused.getAttribute('data-field')).toBe('foundItemId');
    await view.locator('[data-testid="no-candidates"]:visible').waitFor();
    expect(await shownTimeline(page)).toEqual(['created']);

    // A case without its train and travel date: the register cannot be searched, and the page says why.
    await page.locator(`[data-testid="case-row"][data-reference="${vague.reference}"] button`).click();
    const unsearchable = page.locator(`[data-testid="case-view"][data-reference="${vague.reference}"] [data-testid="candidates-unsearchable"]`);
    await unsearchable.locator('span').waitFor();
    expect(await unsearchable.textContent()).toContain('案件須有車次及乘車日期');
    expect(await unsearchable.textContent()).toContain('the case needs its train number and travel date');
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
  });
});
