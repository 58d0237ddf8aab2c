import { eq, sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { coachingNotes, recordings } from '../../db/schema.ts';
import { eventually, offersFor } from '../support/agents.ts';
import { browserPerFile, logInOnPage, screenshot } from '../support/browser.ts';
import { hotlinePerFile } from '../support/running.ts';
import { onTheFloor } from '../notes/on-a-call.ts';
import { flowsRecording } from '../recordings/flows.ts';

/**
 * The trainer's page at /quality and the agent's softphone in real Chromium: a trainer opens the day's
 * sample, listens to a recorded call, scores it and writes a coaching note; the agent finds the note on the
 * softphone and acknowledges it. The general queue records; the clock runs as a person's would.
 */

const running = hotlinePerFile({ env: { RING_CYCLE_SECONDS: '1', IVR_FLOWS_DIR: flowsRecording('general') }, clockRuns: true });
const floor = onTheFloor(running);
const h = () => running().hotline;
const open = browserPerFile();

beforeEach(async () => {
  await h().database.db.execute(sql`truncate quality_samples, quality_scores, coaching_notes restart identity`);
});

describe('scoring a call and coaching the agent', () => {
  it('lets a trainer score a sampled call on /quality, and the agent read the coaching on the softphone at once and acknowledge it', async () => {
    await floor.colleague('9001', 'trainer');
    const agent = await floor.onCall('1001');
    await floor.api('PUT', `/calls/${agent.call.sid}/notes`, agent.token, { version: 1, passengerName: '王芳', contactNumber: '13912345678', trainNumber: 'G1234', seatNumber: '05A', disposition: 'resolved' });
    // The conversation goes on for half a minute (on the hotline's clock) once the carrier records it.
    await eventually(() => h().database.db.select().from(recordings), ([r]) => !!r?.carrierSid, 'recording started');
    running().clock.advance(30);
    await running().sim.hangup(agent.leg.sid);
    const [offer] = await eventually(() => offersFor(h(), agent.call.sid), ([o]) => o?.status === 'completed', 'conversation over');
    await eventually(() => h().database.db.select().from(recordings), ([r]) => r?.status === 'completed', 'recording completed');

    // The agent is back at the softphone: nothing to read yet.
    const softphone = await open(`${running().url}/agent`, { clock: running().clock.now });
    await logInOnPage(softphone.page, '1001', { language: 'en' });
    await softphone.page.locator('[data-testid="presence"]').waitFor();
    expect(await softphone.page.locator('[data-testid="coaching"]').isHidden()).toBe(true);

    // The trainer: the day's sample holds the call, not yet scored.
    const trainer = await open(`${running().url}/quality`, { clock: running().clock.now });
    await logInOnPage(trainer.page, '9001', { language: 'en' });
    const item = trainer.page.locator(`[data-testid="work-item"][data-offer="${offer!.id}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-scored')).toBe('false');
    await item.locator('[data-testid="open-call"]').click();

    // The call's facts, notes and automatic items; the recording plays from the hotline.
    const card = trainer.page.locator('[data-testid="scorecard"]');
    await card.locator('[data-testid="call-facts"]').waitFor();
    expect(await card.locator('[data-testid="call-notes"]').textContent()).toContain('G1234');
    expect(await card.locator('[data-item="rings"]').getAttribute('data-value')).toBe('1');
    expect(await card.locator('[data-item="notes"]').getAttribute('data-value')).toBe('1');
    expect(await card.locator('[data-item="survey"]').getAttribute('data-value')).toBe('n/a');
    await card.locator('[data-testid="load-recording"]').click();
    await card.locator('[data-testid="recording"]:visible').waitFor();
    expect(await card.locator('[data-testid="recording"]').getAttribute('src')).toMatch(/^blob:/);

    // A point out of range is refused, naming the item; then the call is scored with a coaching note.
    for (const [name, points] of Object.entries({ greeting: 3, accuracy: 5, courtesy: 5, closing: 4 })) await card.locator(`[data-testid="judged-${name}"]`).fill(String(points));
    await card.locator('[data-testid="judged-closing"]').fill('9');
    await card.locator('[data-testid="judged-closing"]').evaluate((input: HTMLInputElement) => input.removeAttribute('max'));
    await card.locator('[data-testid="save-score"]').click();
    await expect.poll(() => card.locator('[data-testid="score-error"]').textContent()).toBe('judged.closing must be from 0 to 5');
    await card.locator('[data-testid="judged-closing"]').fill('4');
    await card.locator('[data-testid="coaching"]').fill('請在問候時說出工號。Say your employee number in the greeting.');
    await card.locator('[data-testid="save-score"]').click();
    // rings 15 + notes 10 + greeting 15 × 3/5 + accuracy 20 + courtesy 10 + closing 10 × 4/5, of 80 (no callback, no survey).
    const score = Math.round(((15 + 10 + 9 + 20 + 10 + 8) / 80) * 1000) / 10;
    await expect.poll(() => card.locator('[data-testid="score"]').textContent()).toBe(`Saved: ${score} / 100`);
    expect(await card.locator('[data-testid="coaching-state"]').textContent()).toBe('not yet acknowledged');
    await expect.poll(() => item.getAttribute('data-scored')).toBe('true');
    // Quality over time has the agent's day scored.
    const agentsDay = trainer.page.locator(`[data-testid="trend-agents"] tr[data-row="1001"] td[data-start="2026-11-25"]`);
    await expect.poll(() => agentsDay.getAttribute('data-quality')).toBe(String(score));
    await screenshot(trainer.page, 'quality-scored');

    // The agent's softphone, open all along, shows the note at once (pushed, not reloaded), with the score,
    // until it is acknowledged.
    const note = softphone.page.locator('[data-testid="coaching-note"]');
    await note.waitFor();
    expect(await note.locator('[data-testid="coaching-text"]').textContent()).toBe('請在問候時說出工號。Say your employee number in the greeting.');
    expect(await note.locator('[data-testid="coaching-score"]').textContent()).toContain(`${score} / 100`);
    await screenshot(softphone.page, 'agent-coaching');
    await note.locator('[data-testid="acknowledge-coaching"]').click();
    await softphone.page.locator('[data-testid="coaching"]').waitFor({ state: 'hidden' });
    const [stored] = await h().database.db.select().from(coachingNotes).where(eq(coachingNotes.staffId, agent.id));
    expect(stored!.acknowledgedAt).toBeInstanceOf(Date);

    // The trainer sees it acknowledged when opening the call again.
    await item.locator('[data-testid="open-call"]').click();
    await expect.poll(() => card.locator('[data-testid="coaching-state"]').textContent()).toMatch(/^acknowledged /);
    // The refused save is the one error the browser logs (its 400 response).
    expect(trainer.errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    expect(softphone.errors).toEqual([]);
  });
});
