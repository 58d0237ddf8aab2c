import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { callNotes } from '../../db/schema.ts';
import { callbacksOf } from '../support/cases.ts';
import { agentOnFloor, eventually, offersFor, presence } from '../support/agents.ts';
import { browserPerFile, logInOnPage, screenshot } from '../support/browser.ts';
import { hotlinePerFile } from '../support/running.ts';

/**
 * "Listen and record" on the softphone page: notes autosave while the agent types, survive the connection
 * dropping and coming back without losing a keystroke, and a promised callback becomes a callback request.
 */

const running = hotlinePerFile({ env: { RING_CYCLE_SECONDS: '1' } });
const h = () => running().hotline;
const open = browserPerFile();

const notesOf = async (callSid: string) => h().database.db.select().from(callNotes).where(eq(callNotes.callSid, callSid));
const noteState = (page: Page) => page.locator('[data-testid="notes-state"]').getAttribute('data-state');

/** Agent 1001 on the page (its clock set to the hotline's), answering a Mandarin caller about train 1234. */
async function connectedCall() {
  const member = await agentOnFloor(h(), '1001', { 'lost-and-found': 3, general: 1 }, { available: false });
  const { page, errors } = await open(`${running().url}/agent`, { clock: running().clock.now });
  await logInOnPage(page, '1001', { language: 'en' });
  await page.click('[data-testid="go-available"]');
  await eventually(() => presence(h(), member.id), (p) => p.presence === 'available', 'agent available');
  const call = running().sim.call({ from: '+8613912345678', presses: ['1', '3', '1234#', '0312'] });
  await page.click('[data-testid="answer"]');
  await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');
  await page.locator('textarea[name="text"]').waitFor();
  return { member, page, errors, call };
}

describe('call notes on the page', () => {
  it('keeps every keystroke typed while the connection is down and saves them when it is back', async () => {
    const { page, call } = await connectedCall();
    await page.fill('[name="passengerName"]', 'Li Hua');
    await page.locator('textarea[name="text"]').pressSequentially('Lost a blue suitcase. ');
    await eventually(() => notesOf(call.sid), ([n]) => n?.text === 'Lost a blue suitcase. ', 'first words saved');

    await page.context().setOffline(true);
    await page.locator('.connection').waitFor();
    await page.locator('textarea[name="text"]').pressSequentially('Car 7, seat 12F.');
    await page.fill('[name="seatNumber"]', '12F');
    await page.locator('[data-testid="notes-state"][data-state="offline"]').waitFor();
    await screenshot(page, 'agent-notes-offline');
    expect((await notesOf(call.sid))[0]!.text).toBe('Lost a blue suitcase. ');

    await page.context().setOffline(false);
    await page.locator('[data-testid="notes-state"][data-state="saved"]').waitFor({ timeout: 15_000 });
    const [notes] = await eventually(() => notesOf(call.sid), ([n]) => n?.seatNumber === '12F', 'notes saved after reconnecting');
    expect(notes).toMatchObject({ passengerName: 'Li Hua', text: 'Lost a blue suitcase. Car 7, seat 12F.', seatNumber: '12F', trainNumber: '1234' });
    expect(await noteState(page)).toBe('saved');
  });

  it('asks for a due time with "callback promised" and creates the callback request', async () => {
    const { member, page, call, errors } = await connectedCall();
    expect(await page.locator('input[name="callbackDueAt"]').isVisible()).toBe(false);
    await page.fill('[name="contactNumber"]', '13700001111');
    await page.selectOption('select[name="topic"]', 'lost-item');
    await page.selectOption('select[name="disposition"]', 'callback-promised');
    await page.locator('input[name="callbackDueAt"]').waitFor();
    await page.click('[data-testid="hangup"]');
    await eventually(() => presence(h(), member.id), (p) => p.presence === 'wrap-up', 'agent in wrap-up');

    // Without a due time the outcome is not stored, and wrap-up cannot end.
    await page.click('[data-testid="wrap-up-done"]');
    await page.locator('[data-testid="error"]').filter({ hasText: /./ }).waitFor();
    expect((await presence(h(), member.id)).presence).toBe('wrap-up');

    const due = new Date(running().clock.now.getTime() + 2 * 3600_000);
    const local = await page.evaluate((iso) => {
      const at = new Date(iso);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
    }, due.toISOString());
    await page.fill('input[name="callbackDueAt"]', local);
    await page.locator('[data-testid="notes-state"][data-state="saved"]').waitFor();
    const [notes] = await eventually(() => notesOf(call.sid), ([n]) => n?.disposition === 'callback-promised', 'callback promised saved');
    expect(notes!.callbackDueAt?.getTime()).toBe(Math.floor(due.getTime() / 60_000) * 60_000);
    const [callback] = await callbacksOf(h().database.db, call.sid);
    expect(callback).toMatchObject({ id: notes!.callbackCaseId, number: '13700001111', queue: 'lost-and-found', status: 'new', language: 'zh-CN' });
    expect(callback!.dueAt).toEqual(notes!.callbackDueAt);
    // Made on this call, the callback is listed with the call for its reference to be read out: the socket's
    // `case-changed` names the call and the type, so the page reads no case to find that out.
    await page.locator(`[data-testid="filed-case"][data-reference="${callback!.reference}"]`).waitFor();
    expect(await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => /\/api\/cases\/(?!mine)/.test(r.name)).length)).toBe(0);
    await screenshot(page, 'agent-callback-promised');

    await page.click('[data-testid="wrap-up-done"]');
    await eventually(() => presence(h(), member.id), (p) => p.presence === 'available', 'wrap-up over');

    // The passenger calls again: the screen-pop shows the last call's notes and the callback still owed.
    running().sim.callerHangup(call.sid); // in the post-call survey
    await running().sim.ended(call.sid);
    running().sim.call({ from: '+8613912345678', presses: ['1', '3', '1234#', '0312'] });
    const pop = page.locator('[data-testid="screen-pop"]');
    await pop.locator('.previous-notes').waitFor();
    expect(await pop.locator('.previous-notes').textContent()).toContain('Callback promised');
    // The last call's time on the hotline's clock (Shanghai), as the case times are, not this browser's (UTC).
    const previous = pop.locator('.previous time');
    const shanghai = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    expect(await previous.textContent()).toBe(shanghai.format(new Date((await previous.getAttribute('datetime'))!)));
    await pop.locator('.open-cases li').waitFor();
    // The next offer clears the notes of the call before.
    expect(await page.locator('[name="contactNumber"]').inputValue()).toBe('');
    await screenshot(page, 'agent-returning-caller');
    expect(errors).toEqual([]);
  });
});
