import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { callNotes } from '../../db/schema.ts';
import { agentOnFloor, callRow, eventually, offersFor, presence } from '../support/agents.ts';
import { browserPerFile, logInOnPage, screenshot } from '../support/browser.ts';
import { hotlinePerFile, nextEvent } from '../support/running.ts';

/**
 * The agent's softphone page in real Chromium against the running hotline (one ring a second): log in,
 * presence, the ring with its counter and screen-pop, answering with the standard greeting, notes, hanging
 * up, wrap-up and its disposition, rejecting.
 */

const running = hotlinePerFile({ env: { RING_CYCLE_SECONDS: '1' } });
const h = () => running().hotline;
const open = browserPerFile();

/** Mandarin (1), lost and found (3), train 1234, travel date 12 March: the lost-and-found queue with a train number. */
const LOST_ON_TRAIN_1234 = ['1', '3', '1234#', '0312'];
const SKILLS = { 'lost-and-found': 3, general: 1 };

/** The page, its browser's clock set to the hotline's test clock (rings and calls are timed by the server's), then moving on in real time. */
const agentPage = () => open(`${running().url}/agent`, { clock: running().clock.now });

async function logIn(employeeNo: string) {
  const opened = await agentPage();
  await logInOnPage(opened.page, employeeNo);
  await opened.page.locator('[data-testid="presence"]').waitFor();
  return opened;
}

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent())?.trim();
const attribute = (page: Page, selector: string, name: string) => page.locator(selector).getAttribute(name);
const presenceOf = (page: Page) => attribute(page, '[data-testid="presence"]', 'data-presence');
const notesOf = async (callSid: string) => (await h().database.db.select().from(callNotes)).filter((n) => n.callSid === callSid);

/** An agent logged in on the page and available, and a caller whose offer now rings that page. */
async function ringingPage(employeeNo = '1001', presses = LOST_ON_TRAIN_1234) {
  const member = await agentOnFloor(h(), employeeNo, SKILLS, { available: false });
  const { page, errors } = await logIn(employeeNo);
  await page.click('[data-testid="go-available"]');
  await eventually(() => presence(h(), member.id), (p) => p.presence === 'available', 'agent available');
  const call = running().sim.call({ presses });
  await page.locator('[data-testid="screen-pop"]').waitFor();
  return { member, page, errors, call };
}

describe('logging in and presence', () => {
  it('shows the agent and changes presence on the server from the buttons, with a break reason', async () => {
    const member = await agentOnFloor(h(), '1001', SKILLS, { available: false });
    const { page, errors } = await logIn('1001');
    expect(await text(page, '[data-testid="agent-name"]')).toBe('Agent 1001');
    expect(await text(page, '[data-testid="employee-no"]')).toContain('1001');

    await page.click('[data-testid="go-available"]');
    await page.locator('[data-testid="presence"][data-presence="available"]').waitFor();
    expect((await presence(h(), member.id)).presence).toBe('available');

    await page.selectOption('select[name="break-reason"]', 'training');
    await page.click('[data-testid="go-break"]');
    await page.locator('[data-testid="presence"][data-presence="break"]').waitFor();
    expect(await presence(h(), member.id)).toMatchObject({ presence: 'break', breakReason: 'training' });

    await page.click('[data-testid="go-offline"]');
    await page.locator('[data-testid="presence"][data-presence="offline"]').waitFor();
    expect((await presence(h(), member.id)).presence).toBe('offline');
    await screenshot(page, 'agent-presence');
    expect(errors).toEqual([]);
  });

  it('refuses a wrong password with a message and stays on the login form', async () => {
    await agentOnFloor(h(), '1001', SKILLS, { available: false });
    const opened = await agentPage();
    await opened.page.fill('#employee-no', '1001');
    await opened.page.fill('#password', 'not-the-password');
    await opened.page.click('#log-in');
    await opened.page.locator('[data-testid="error"]').filter({ hasText: /./ }).waitFor();
    expect(await opened.page.locator('#log-in').isVisible()).toBe(true);
  });

  it('speaks Traditional Chinese, Simplified Chinese or English as the agent picks, and remembers it', async () => {
    await agentOnFloor(h(), '1001', SKILLS, { available: false });
    const { page } = await logIn('1001');
    await page.selectOption('select[name="ui-language"]', 'en');
    expect(await text(page, '[data-testid="go-available"]')).toBe('Available');
    await page.selectOption('select[name="ui-language"]', 'zh-TW');
    expect(await text(page, '[data-testid="go-offline"]')).toBe('離線');
    await page.selectOption('select[name="ui-language"]', 'zh-CN');
    expect(await text(page, '[data-testid="go-offline"]')).toBe('离线');
    expect(await text(page, '[data-testid="presence"]')).toBe('离线');
    await screenshot(page, 'agent-zh-CN');

    await page.reload();
    await page.locator('[data-testid="go-offline"]').waitFor();
    expect(await text(page, '[data-testid="go-offline"]')).toBe('离线');
    expect(await page.locator('select[name="ui-language"]').inputValue()).toBe('zh-CN');
  });
});

describe('a call on the page', () => {
  it('rings with a counter and the screen-pop, answers with the greeting, records notes, hangs up and ends wrap-up with a disposition', async () => {
    const { member, page, errors, call } = await ringingPage();
    await page.selectOption('select[name="ui-language"]', 'en');
    expect(await text(page, '[data-testid="screen-pop"] [data-answer="trainNumber"]')).toBe('1234');
    expect(await text(page, '[data-testid="screen-pop"] [data-answer="travelDate"]')).toBe('0312');
    expect(await text(page, '[data-testid="caller"]')).toBe(call.from);
    expect(await text(page, '[data-testid="queue"]')).toBe('Lost and found');

    // The counter counts rings, one a second here; answer after two.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="ring-count"]')?.getAttribute('data-rings')) >= 2);
    expect(await attribute(page, '[data-testid="ring-count"]', 'data-warning')).toBe('false');
    expect(await text(page, '.ring-limit')).toContain('3');
    await page.locator('.ring[data-sounding="true"]').waitFor();
    await page.locator('[data-testid="presence"][data-presence="ringing"]').waitFor();
    expect((await presence(h(), member.id)).presence).toBe('ringing');
    await screenshot(page, 'agent-ringing');
    await page.click('[data-testid="answer"]');
    const [offer] = await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');
    expect(offer!.staffId).toBe(member.id);

    // The caller chose Mandarin: the greeting to read is in Mandarin, with the agent's number.
    expect(await text(page, '[data-testid="greeting"]')).toBe('您好，高铁客服，工号1001，很高兴为您服务。');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="call-timer"]')?.getAttribute('data-seconds')) >= 1);
    expect(await text(page, '[data-testid="call-timer"]')).toMatch(/^00:0[1-9]$/);
    await page.locator('[data-testid="presence"][data-presence="on-call"]').waitFor();
    expect(await page.locator('.ring').isVisible()).toBe(false);
    expect(await page.locator('[name="trainNumber"]').inputValue()).toBe('1234');

    await page.fill('[name="passengerName"]', '王小明');
    await page.fill('[name="contactNumber"]', '13800138000');
    await page.fill('[name="seatNumber"]', '05A');
    await page.selectOption('select[name="topic"]', 'lost-item');
    await page.fill('textarea[name="text"]', 'Black backpack left in car 5.');
    await page.locator('[data-testid="notes-state"][data-state="saved"]').waitFor();
    const [saved] = await eventually(() => notesOf(call.sid), ([n]) => n?.text === 'Black backpack left in car 5.', 'notes saved');
    expect(saved).toMatchObject({ staffId: member.id, passengerName: '王小明', contactNumber: '13800138000', trainNumber: '1234', seatNumber: '05A', topic: 'lost-item', disposition: null });
    await screenshot(page, 'agent-on-call');

    await page.click('[data-testid="mute"]');
    await page.locator('[data-testid="mute"][aria-pressed="true"]').waitFor();
    await page.click('[data-testid="hangup"]');
    await eventually(() => presence(h(), member.id), (p) => p.presence === 'wrap-up', 'agent in wrap-up');
    await page.locator('[data-testid="wrap-up-done"]').waitFor();

    // Wrap-up cannot end without a disposition: the page shows the refusal, the agent stays in wrap-up.
    await page.click('[data-testid="wrap-up-done"]');
    await page.locator('[data-testid="error"]').filter({ hasText: 'Choose an outcome' }).waitFor();
    expect((await presence(h(), member.id)).presence).toBe('wrap-up');
    expect(await page.locator('textarea[name="text"]').inputValue()).toBe('Black backpack left in car 5.');
    await screenshot(page, 'agent-wrap-up-refused');

    await page.selectOption('select[name="disposition"]', 'resolved');
    await page.click('[data-testid="wrap-up-done"]');
    await eventually(() => presence(h(), member.id), (p) => p.presence === 'available', 'agent available after wrap-up');
    await page.locator('[data-testid="presence"][data-presence="available"]').waitFor();
    expect((await notesOf(call.sid))[0]).toMatchObject({ disposition: 'resolved', text: 'Black backpack left in car 5.' });
    expect(await text(page, '[data-testid="error"]')).toBe('');
    expect(errors).toEqual([]);
  });

  it('greets an English caller in English and turns the counter to a warning past three rings', async () => {
    const { page, call } = await ringingPage('1002', ['2', '3', '4321#', '0312']);
    await page.waitForFunction(() => document.querySelector('[data-testid="ring-count"]')?.getAttribute('data-warning') === 'true');
    expect(Number(await attribute(page, '[data-testid="ring-count"]', 'data-rings'))).toBeGreaterThan(3);
    await screenshot(page, 'agent-ring-warning');
    await page.click('[data-testid="answer"]');
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');
    expect(await text(page, '[data-testid="greeting"]')).toBe('Hello, high-speed rail passenger hotline, agent number 1002. How may I help you?');
    // The page saved the IVR's train number with the call as soon as it connected.
    await eventually(() => notesOf(call.sid), ([n]) => n?.trainNumber === '4321', 'train number stored');
  });

  it('puts the caller back in the queue when the agent rejects', async () => {
    const { member, page, call } = await ringingPage();
    await page.click('[data-testid="reject"]');
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'rejected', 'offer rejected');
    await eventually(() => callRow(h(), call.sid), (c) => c.status === 'queued', 'caller queued again');
    await nextEvent(call, 'enqueued', (await nextEvent(call, 'disconnected')).n);
    await page.locator('[data-testid="screen-pop"]').waitFor({ state: 'detached' });
    expect((await presence(h(), member.id)).presence).toBe('break');
    await page.locator('[data-testid="presence"][data-presence="break"]').waitFor();
  });

  it('keeps the screen-pop, the timer, the notes and the hang-up button across a reload mid-call', async () => {
    const { page, call } = await ringingPage();
    await page.click('[data-testid="answer"]');
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');
    await page.fill('textarea[name="text"]', 'Asked about a lost umbrella.');
    await eventually(() => notesOf(call.sid), ([n]) => n?.text === 'Asked about a lost umbrella.', 'notes saved');

    await page.reload();
    await page.locator('[data-testid="screen-pop"]').waitFor();
    expect(await text(page, '[data-testid="screen-pop"] [data-answer="trainNumber"]')).toBe('1234');
    await page.locator('[data-testid="call-timer"]').waitFor();
    expect(await page.locator('textarea[name="text"]').inputValue()).toBe('Asked about a lost umbrella.');
    expect(await text(page, '[data-testid="greeting"]')).toContain('1001');

    // The phone takes the call back too: the agent can still end it.
    await page.locator('[data-testid="hangup"]:enabled').click();
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'completed', 'the conversation ended');
  });
});
