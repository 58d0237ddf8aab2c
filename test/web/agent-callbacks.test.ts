import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { callNotes, cases } from '../../db/schema.ts';
import { createCase } from '../../src/cases/cases.ts';
import type { SimulatedCall } from '../../src/telephony/carrier/simulator/call.ts';
import { eventually } from '../support/agents.ts';
import { availableAgentPage, browserPerFile, screenshot } from '../support/browser.ts';
import { callbacksOf } from '../support/cases.ts';
import { hotlinePerFile, nextEvent } from '../support/running.ts';

/**
 * Calling passengers back, on the softphone in real Chromium against the whole hotline: a passenger who asked
 * for a callback while waiting is offered to the agent like a call (the page rings and previews whom to call,
 * about which case, which attempt, by when); the agent presses Call back, the hotline dials the passenger,
 * and once they answer the page takes the leg the hotline rings it with by itself: an ordinary call from there
 * (notes, hang up, wrap-up). "Call back" on a case does the same at once.
 *
 * The simulator runs at a twentieth of real time: a caller's wait goes round in seconds (the callback is
 * asked for with the key, as a passenger does), and a passenger's phone rings long enough to be seen ringing.
 * The hotline's clock stands still unless a spec moves it (nothing is swept: no offer rings out).
 */

const running = hotlinePerFile({ timeScale: 0.05, env: { SESSION_HOURS: '2000', OUTBOUND_CALLS_PER_SECOND: '50' } });
const h = () => running().hotline;
const open = browserPerFile();

const PASSENGER = '+8613912345678';
/** English (2), complaints (4), the digits of train G1234. */
const COMPLAINT_ABOUT_1234 = ['2', '4', '1234#'];

const agentPage = () => availableAgentPage(running, open);

/** A caller waits in the complaints queue (no agent free), is offered a callback after 90 s, and presses 1. */
async function callbackAskedFor(): Promise<{ caller: SimulatedCall; reference: string; dueAt: Date }> {
  const caller = running().sim.call({ from: PASSENGER, presses: COMPLAINT_ABOUT_1234 });
  const enqueued = await nextEvent(caller, 'enqueued');
  running().clock.advance(90);
  // The next turn of the wait offers the callback and listens for the key.
  const offer = await nextEvent(caller, 'say', enqueued.n);
  let at = offer.n;
  for (;;) {
    const said = await nextEvent(caller, 'say', at);
    if (/press 1/i.test(said.text)) break;
    at = said.n;
  }
  await nextEvent(caller, 'listening', at);
  running().sim.press(caller.sid, '1');
  await running().sim.ended(caller.sid);
  const [made] = await callbacksOf(h().database.db, caller.sid);
  if (!made) throw new Error('no callback case was made');
  return { caller, reference: made.reference, dueAt: made.dueAt };
}

/** The time as the hotline's clock shows it, "12:16". */
const clockAt = (at: Date) => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: h().config.timeZone }).format(at);

/** The call the hotline placed to `number` (the simulator's outbound call). */
const placedTo = (number: string) => eventually(async () => running().sim.list().find((c) => c.to === number && c.direction === 'outbound-api'), (c) => c !== undefined, `a call placed to ${number}`).then((c) => c!);

const text = (page: Page, testid: string) => page.locator(`[data-testid="${testid}"]`).first().textContent();

describe('a callback offered to the agent', () => {
  it('the agent sees a callback offer with the case and calls the passenger back', async () => {
    const { reference, dueAt } = await callbackAskedFor();
    const { page, errors } = await agentPage();

    // The page rings with the preview: whom to call, about which case, which attempt, by when, and why.
    const card = page.locator(`[data-testid="callback"][data-reference="${reference}"]`);
    await card.locator('[data-testid="callback-accept"]').waitFor();
    expect(await card.getAttribute('data-stage')).toBe('offered');
    expect(await text(page, 'callback-offer')).toBe(`Call back ${PASSENGER} — case ${reference}, attempt 1 of 3, due ${clockAt(dueAt)}`);
    expect(await card.locator('[data-field="category"]').textContent()).toBe('Asked for while waiting');
    expect(await card.locator('[data-testid="ring-count"]').isVisible()).toBe(true);
    expect(await card.locator('[data-testid="callback-reject"]').textContent()).toBe('Not now');
    await page.locator('[data-testid="presence"][data-presence="ringing"]').waitFor();
    // The earlier call's screen-pop: the number, and what the passenger told the IVR then.
    expect(await text(page, 'caller')).toBe(PASSENGER);
    expect(await page.locator('[data-testid="ivr-answers"] [data-answer="trainNumber"]').textContent()).toBe('1234');
    // No call is ringing on the phone yet: nothing to answer but the callback.
    expect(await page.locator('[data-testid="answer"]').count()).toBe(0);
    await screenshot(page, 'agent-callback-offer');

    await card.locator('[data-testid="callback-accept"]').click();
    // The passenger answers; the hotline rings the agent and the page answers by itself.
    const passenger = await placedTo(PASSENGER);
    await page.locator('[data-testid="callback"][data-stage="connected"]').waitFor();
    expect(await text(page, 'callback-status')).toBe('Connected to the passenger.');
    await page.locator('[data-testid="presence"][data-presence="on-call"]').waitFor();
    expect(await text(page, 'presence')).toBe('On a call');
    expect(await page.locator('[data-testid="call-timer"]').isVisible()).toBe(true);
    expect(await text(page, 'greeting')).toContain(`calling you back about case ${reference}`);
    await eventually(async () => passenger.events.some((e) => e.type === 'connected'), Boolean, 'the passenger put through to the agent');
    expect(passenger.events.find((e) => e.type === 'connected')).toMatchObject({ client: 'agent_1001' });

    // Notes are the call's (the one placed to the passenger), as on any call.
    await page.locator('[data-testid="notes"] [name="passengerName"]').fill('Wang Xiaoming');
    await page.locator('[data-testid="notes-state"][data-state="saved"]').waitFor();
    await eventually(
      () => h().database.db.select().from(callNotes).where(eq(callNotes.callSid, passenger.sid)),
      (rows) => rows[0]?.passengerName === 'Wang Xiaoming',
      'the notes saved with the call placed',
    );
    await screenshot(page, 'agent-callback-connected');

    // Reloaded mid-call, the page shows the callback connected again, with its notes, and can still hang up.
    await page.reload();
    await page.locator('[data-testid="callback"][data-stage="connected"]').waitFor();
    expect(await page.locator('[data-testid="notes"] [name="passengerName"]').inputValue()).toBe('Wang Xiaoming');
    expect(await page.locator('[data-testid="call-timer"]').isVisible()).toBe(true);

    // The agent hangs up: wrap-up, as after any call.
    await page.locator('[data-testid="hangup"]:enabled').click();
    await page.locator('[data-testid="presence"][data-presence="wrap-up"]').waitFor();
    expect(await text(page, 'presence')).toBe('Wrap-up');
    await page.locator('.call-ended').waitFor();
    expect(await page.locator('[data-testid="wrap-up-done"]').isVisible()).toBe(true);
    expect(errors).toEqual([]);
    // The caller's wait, the call placed and a reload: longer than one call.
  }, 40_000);
});

describe('a passenger not reached', () => {
  it('says how the call went and when the hotline tries again, and the agent is free', async () => {
    const { reference } = await callbackAskedFor();
    running().sim.expectCall(PASSENGER, { answer: 'busy', afterSeconds: 2 });
    const { page, errors } = await agentPage();
    const card = page.locator(`[data-testid="callback"][data-reference="${reference}"]`);
    await card.locator('[data-testid="callback-accept"]').click();

    await page.locator('[data-testid="callback"][data-stage="unreached"]').waitFor();
    const [again] = await h().database.db.select({ dialAfter: cases.dialAfter }).from(cases).where(eq(cases.reference, reference));
    expect(await text(page, 'callback-status')).toBe(`Busy: will try again at ${clockAt(again!.dialAfter!)}`);
    await page.locator('[data-testid="presence"][data-presence="available"]').waitFor();
    // Nothing to hang up or wrap up: no conversation took place.
    expect(await page.locator('[data-testid="call-timer"]').isVisible()).toBe(false);
    await screenshot(page, 'agent-callback-unreached');
    expect(errors).toEqual([]);
  });
});

describe('"Call back" on a case', () => {
  it('calls back from a case', async () => {
    const { member, page, errors } = await agentPage();
    await page.locator('[data-testid="presence"][data-presence="available"]').waitFor();
    const actor = { staffId: member.id, source: 'api' } as const;
    const made = await createCase(h(), { type: 'complaint', category: 'delay', passengerName: 'Li Hua', contactNumber: '+8613700001111', language: 'en-US' }, actor);
    const unnumbered = await createCase(h(), { type: 'complaint', category: 'delay', passengerName: 'Zhao Lei' }, actor);
    // The passenger's phone rings for a while (20 s on the simulated clock) before they answer.
    running().sim.expectCall('+8613700001111', { answer: 'human', afterSeconds: 20 });

    // A case without a number has no one to call.
    await page.click('[data-testid="tab-cases"]');
    await page.locator(`[data-testid="case-row"][data-reference="${unnumbered.reference}"] button`).click();
    await page.locator(`[data-testid="case-view"][data-reference="${unnumbered.reference}"] [data-testid="case-status"]`).waitFor();
    expect(await page.locator('[data-testid="case-call-back"]').isVisible()).toBe(false);

    await page.locator(`[data-testid="case-row"][data-reference="${made.reference}"] button`).click();
    const view = page.locator(`[data-testid="case-view"][data-reference="${made.reference}"]`);
    await view.locator('[data-testid="case-call-back"]').click();

    // The phone tab shows the call being made, then the passenger on the line.
    const card = page.locator(`[data-testid="callback"][data-reference="${made.reference}"]`);
    await card.waitFor();
    expect(await page.locator('[data-testid="tab-phone"]').getAttribute('aria-selected')).toBe('true');
    expect(await text(page, 'callback-offer')).toContain(`Call back +8613700001111 — case ${made.reference}`);
    await card.locator('[data-testid="callback-status"]', { hasText: 'Calling the passenger…' }).waitFor();
    expect(await card.locator('[data-testid="callback-accept"]').isVisible()).toBe(false);
    await screenshot(page, 'agent-callback-dialling');
    await page.locator('[data-testid="callback"][data-stage="connected"]').waitFor({ timeout: 10_000 });
    expect(await text(page, 'callback-status')).toBe('Connected to the passenger.');
    await page.locator('[data-testid="presence"][data-presence="on-call"]').waitFor();
    expect(await page.locator('[data-testid="call-timer"]').isVisible()).toBe(true);
    expect(await text(page, 'greeting')).toContain(`calling you back about case ${made.reference}`);

    // Pressed again meanwhile, the hotline refuses, and the case says why.
    await page.click('[data-testid="tab-cases"]');
    await view.locator('[data-testid="case-call-back"]').click();
    await view.locator('[data-testid="case-error"]').filter({ hasText: /./ }).waitFor();
    expect(await view.locator('[data-testid="case-error"]').textContent()).toMatch(/on-call|already being called/);
    expect(await page.locator('[data-testid="tab-cases"]').getAttribute('aria-selected')).toBe('true');
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)']);
  });
});
