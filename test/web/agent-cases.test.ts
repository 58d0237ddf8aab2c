import { asc, eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { caseEvents, cases } from '../../db/schema.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import { act } from '../../src/cases/actions.ts';
import { createCase } from '../../src/cases/cases.ts';
import { eventually, offersFor } from '../support/agents.ts';
import { availableAgentPage, browserPerFile, screenshot } from '../support/browser.ts';
import { hotlinePerFile } from '../support/running.ts';

/**
 * The case desk on the softphone, in real Chromium against the whole hotline: the agent files a complaint from
 * the call ("complaint filed" in the notes), reads its reference to the passenger, finds it in "My cases" with
 * its timeline and works it; and hears, live, when one of their cases is about to breach its commitment and
 * when it escalates. The clock starts on Wednesday 2026-11-25 at 12:00 in Shanghai: a complaint filed then is
 * to be acknowledged within one working day, by Thursday 13:00, with the reminder at 10:00.
 */

// The business clock moves a day on: sessions must outlive it.
const running = hotlinePerFile({ env: { RING_CYCLE_SECONDS: '1', SESSION_HOURS: '2000' } });
const h = () => running().hotline;
const open = browserPerFile();

const CALLER = '+8613912345678';
/** English (2), complaints (4), the digits of train G1234. */
const COMPLAINT_ABOUT_1234 = ['2', '4', '1234#'];

const agentPage = () => availableAgentPage(running, open);

const timelineOf = async (reference: string) =>
  h().database.db.select({ type: caseEvents.type, source: caseEvents.source, data: caseEvents.data }).from(caseEvents).innerJoin(cases, eq(cases.id, caseEvents.caseId)).where(eq(cases.reference, reference)).orderBy(asc(caseEvents.id));
const shownTimeline = (page: Page) => page.locator('[data-testid="case-view"] [data-testid="timeline-event"]').evaluateAll((items) => items.map((i) => (i as HTMLElement).dataset['type']));

describe('a complaint filed from a call', () => {
  it('opens the case form from "complaint filed", files it, and the agent reads the reference, finds it in My cases and works it', async () => {
    const { member, page, errors } = await agentPage();
    const call = running().sim.call({ from: CALLER, presses: COMPLAINT_ABOUT_1234 });
    await page.click('[data-testid="answer"]');
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'offer connected');

    const notes = page.locator('[data-testid="notes"]');
    await notes.locator('[name="passengerName"]').fill('王小明');
    await notes.locator('[name="seatNumber"]').fill('05A');
    await notes.locator('select[name="topic"]').selectOption('complaint');
    await notes.locator('textarea[name="text"]').fill('The conductor shouted at me in car 5. <b>twice</b>');
    expect(await page.locator('[data-testid="case-form"]').count()).toBe(0);
    await notes.locator('select[name="disposition"]').selectOption('complaint-filed');

    // The form starts from the notes and the screen-pop.
    const form = page.locator('[data-testid="case-form"]');
    await form.waitFor();
    expect(await form.getAttribute('data-type')).toBe('complaint');
    expect(await form.locator('[name="passengerName"]').inputValue()).toBe('王小明');
    expect(await form.locator('[name="contactNumber"]').inputValue()).toBe(CALLER);
    expect(await form.locator('[name="seat"]').inputValue()).toBe('05A');
    expect(await form.locator('[name="trainNumber"]').inputValue()).toBe('1234');
    expect(await form.locator('[name="language"]').inputValue()).toBe('en-US');
    expect(await form.locator('[name="description"]').inputValue()).toBe('The conductor shouted at me in car 5. <b>twice</b>');
    await form.locator('select[name="category"] option[value="staff-attitude"]').waitFor({ state: 'attached' });
    await form.locator('select[name="category"]').selectOption('staff-attitude');

    // The IVR took only the train's digits: the page asks the agent for the letter, which the passenger knows.
    expect(await form.locator('[data-testid="train-letter-hint"]').isVisible()).toBe(true);
    await form.locator('[name="trainNumber"]').fill('G1234');
    await form.locator('[data-testid="file-case"]').click();
    const shown = page.locator('[data-testid="case-reference"]');
    await shown.waitFor();
    const reference = (await shown.textContent())!;
    expect(reference).toMatch(/^C[23456789ABCDEFGHJKMNPQRSTWXYZ]{6}$/);
    // The socket may tell of the new case a moment before the hotline's answer closes the form.
    await form.waitFor({ state: 'detached' });
    await screenshot(page, 'agent-case-filed');

    const [made] = await h().database.db.select().from(cases).where(eq(cases.reference, reference));
    expect(made).toMatchObject({
      type: 'complaint',
      status: 'new',
      channel: 'phone',
      callSid: call.sid,
      ownerStaffId: member.id,
      passengerName: '王小明',
      contactNumber: CALLER,
      trainNumber: 'G1234',
      seat: '05A',
      category: 'staff-attitude',
      language: 'en-US',
      description: 'The conductor shouted at me in car 5. <b>twice</b>',
    });
    expect(await timelineOf(reference)).toMatchObject([{ type: 'created', source: 'softphone' }]);

    // My cases has it; opened, it shows its fields, its clocks, the call it came from and its timeline.
    await page.click('[data-testid="tab-cases"]');
    const row = page.locator(`[data-testid="case-row"][data-reference="${reference}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-overdue')).toBe('false');
    expect(await page.locator('[data-testid="cases-count"]').textContent()).toBe('1 open, 0 overdue');
    await row.locator('button').click();
    const view = page.locator(`[data-testid="case-view"][data-reference="${reference}"]`);
    await view.waitFor();
    expect(await view.locator('[data-testid="case-status"]').textContent()).toBe('New');
    expect(await view.locator('[data-field="trainNumber"]').textContent()).toBe('G1234');
    // What the passenger said is shown as they said it, never as markup.
    expect(await view.locator('[data-field="description"]').textContent()).toBe('The conductor shouted at me in car 5. <b>twice</b>');
    expect(await view.locator('[data-field="description"] b').count()).toBe(0);
    expect(await view.locator('[data-clock="acknowledge"]').getAttribute('data-state')).toBe('running');
    await view.locator(`[data-testid="case-calls"] li[data-call-sid="${call.sid}"][data-link="origin"]`).waitFor();
    expect(await shownTimeline(page)).toEqual(['created']);

    // Acknowledged: the status moves, the acknowledgement clock is met, and the timeline says both.
    await view.locator('[data-testid="action-acknowledge"]').click();
    await page.locator(`[data-testid="case-view"][data-status="acknowledged"]`).waitFor();
    expect(await shownTimeline(page)).toEqual(['created', 'status', 'clock-met']);
    expect(await view.locator('[data-clock="acknowledge"]').getAttribute('data-state')).toBe('met');

    // A note, on the timeline with who wrote it.
    await view.locator('[data-testid="action-note"]').click();
    await view.locator('[data-testid="action-form"] textarea[name="text"]').fill('Asked the station master to speak to the conductor.');
    await view.locator('[data-testid="action-submit"]').click();
    const note = view.locator('[data-testid="timeline-event"][data-type="note"]');
    await note.waitFor();
    expect(await note.textContent()).toContain('Asked the station master to speak to the conductor.');
    expect(await note.textContent()).toContain('Agent 1001 #1001');
    expect(await shownTimeline(page)).toEqual(['created', 'status', 'clock-met', 'note']);
    expect((await timelineOf(reference)).map((e) => [e.type, e.source])).toEqual([
      ['created', 'softphone'],
      ['status', 'softphone'],
      ['clock-met', 'softphone'],
      ['note', 'softphone'],
    ]);
    await screenshot(page, 'agent-case-view');

    // Changed elsewhere (the board, the API): the page shows it without being asked.
    await act(h(), reference, 'start', {}, { staff: null, source: 'api' });
    await page.locator('[data-testid="case-view"][data-status="in-progress"]').waitFor();
    expect(await shownTimeline(page)).toEqual(['created', 'status', 'clock-met', 'note', 'status']);

    // A refusal is shown as the hotline words it, with the field marked; nothing changes.
    await view.locator('[data-testid="action-resolve"]').click();
    await view.locator('[data-testid="action-submit"]').click();
    await view.locator('[data-testid="case-error"]').filter({ hasText: 'answer must say what the passenger was told' }).waitFor();
    expect(await view.locator('[data-testid="action-form"] [name="answer"]').getAttribute('aria-invalid')).toBe('true');
    expect(await view.getAttribute('data-status')).toBe('in-progress');
    // Chromium logs each refused request itself; the refusal above is all there is.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });
});

describe('reminders and escalations', () => {
  it('shows a notice when a case of the agent is about to breach, and again when it escalates, marking it overdue', async () => {
    const { member, page, errors } = await agentPage();
    const made = await createCase(h(), { type: 'complaint', category: 'delay', passengerName: 'Li Hua', contactNumber: '13700001111' }, { staffId: member.id, source: 'api' });
    await page.click('[data-testid="tab-cases"]');
    const row = page.locator(`[data-testid="case-row"][data-reference="${made.reference}"]`);
    await row.waitFor();

    running().clock.now = new Date('2026-11-26T10:30:00+08:00'); // past the reminder, before the breach
    await sweep(h());
    const reminder = page.locator(`[data-testid="case-alert"][data-level="reminder"][data-reference="${made.reference}"]`);
    await reminder.waitFor();
    expect(await reminder.textContent()).toContain(`Reminder: case ${made.reference}`);
    await page.locator(`[data-testid="case-row"][data-reference="${made.reference}"][data-stage="1"]`).waitFor();
    expect(await row.getAttribute('data-overdue')).toBe('false');

    // Past the breach, before the sweep: the case says it is overdue by the hotline's clock (the browser's is still
    // on Wednesday, and nothing has escalated yet).
    running().clock.now = new Date('2026-11-26T13:30:00+08:00');
    await row.locator('button').click();
    const clock = page.locator(`[data-testid="case-view"][data-reference="${made.reference}"] [data-clock="acknowledge"]`);
    await clock.waitFor();
    expect(await clock.getAttribute('data-stage')).toBe('1');
    expect(await clock.getAttribute('data-state')).toBe('overdue');
    await sweep(h());
    const escalated = page.locator(`[data-testid="case-alert"][data-level="supervisor"][data-reference="${made.reference}"]`);
    await escalated.waitFor();
    expect(await escalated.textContent()).toContain(`Escalated to the supervisor: case ${made.reference}`);
    expect(await reminder.count()).toBe(0); // the escalation says more than the reminder did
    await page.locator(`[data-testid="case-row"][data-reference="${made.reference}"][data-overdue="true"]`).waitFor();
    expect(await page.locator('[data-testid="cases-count"]').textContent()).toBe('1 open, 1 overdue');
    await screenshot(page, 'agent-case-escalated');

    // The notice opens the case, whose timeline shows both steps.
    await escalated.locator('[data-testid="case-alert-open"]').click();
    await page.locator(`[data-testid="case-view"][data-reference="${made.reference}"]`).waitFor();
    expect(await shownTimeline(page)).toEqual(['created', 'reminded', 'escalated']);
    expect(await page.locator('[data-testid="case-view"] [data-clock="acknowledge"]').getAttribute('data-state')).toBe('overdue');
    expect(await page.locator('[data-testid="case-alert"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe('my cases', () => {
  it('marks an urgent case, shows its due time on the hotline\'s clock and says on whom a waiting one waits', async () => {
    const { member, page, errors } = await agentPage();
    const actor = { staffId: member.id, source: 'api' } as const;
    const urgent = await createCase(h(), { type: 'complaint', priority: 'urgent', category: 'delay', contactNumber: '13700001111' }, actor);
    const waiting = await createCase(h(), { type: 'lost-item', category: 'bag', contactNumber: '13700002222' }, actor);
    await act(h(), waiting.reference, 'wait', { on: 'department' }, { staff: null, source: 'api' });
    await page.click('[data-testid="tab-cases"]');
    const row = (reference: string) => page.locator(`[data-testid="case-row"][data-reference="${reference}"]`);
    await row(waiting.reference).locator('[data-testid="case-waiting-on"]').waitFor();

    expect(await row(urgent.reference).getAttribute('data-priority')).toBe('urgent');
    expect(await row(urgent.reference).locator('[data-testid="case-urgent"]').textContent()).toBe('Urgent');
    expect(await row(urgent.reference).locator('[data-testid="case-waiting-on"]').count()).toBe(0);
    expect(await row(waiting.reference).getAttribute('data-priority')).toBe('normal');
    expect(await row(waiting.reference).locator('[data-testid="case-urgent"]').count()).toBe(0);
    expect(await row(waiting.reference).locator('[data-testid="case-waiting-on"]').textContent()).toBe('Waiting on a department');

    // Filed at noon on Wednesday in Shanghai, an urgent complaint is to be acknowledged within two working
    // hours, 13:00 to 15:00 after lunch: due at 15:00 on the hotline's clock, which is 07:00 on this browser's.
    expect(await page.evaluate(() => new Date('2026-11-25T07:00:00Z').getHours())).toBe(7);
    const due = row(urgent.reference).locator('[data-testid="case-due"]');
    expect(await due.getAttribute('data-due')).toBe('2026-11-25T07:00:00.000Z');
    expect(await due.textContent()).toBe('due 25/11/2026, 15:00');
    // Opened, the case says the same: its clock, when it was opened, and its timeline.
    await row(urgent.reference).locator('button').click();
    const view = page.locator(`[data-testid="case-view"][data-reference="${urgent.reference}"]`);
    await view.waitFor();
    expect(await view.locator('[data-clock="acknowledge"]').textContent()).toContain('due 25/11/2026, 15:00');
    expect(await view.locator('[data-field="createdAt"]').textContent()).toBe('25/11/2026, 12:00');
    expect(await view.locator('[data-testid="timeline-event"][data-type="created"] time').textContent()).toBe('25/11/2026, 12:00');
    await screenshot(page, 'agent-my-cases');
    expect(errors).toEqual([]);
  });
});
