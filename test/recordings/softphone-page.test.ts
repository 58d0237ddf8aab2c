import { describe, expect, it } from 'vitest';
import { agentOnFloor, eventually, offersFor, presence } from '../support/agents.ts';
import { browserPerFile, logInOnPage, screenshot } from '../support/browser.ts';
import { hotlinePerFile } from '../support/running.ts';
import { flowsRecording } from './flows.ts';

/**
 * The softphone page in real Chromium: a recorded conversation says so, and the agent pauses the recording
 * while the caller reads out a card or ID number, then resumes it. The general queue records here.
 */

const running = hotlinePerFile({ env: { RING_CYCLE_SECONDS: '1', IVR_FLOWS_DIR: flowsRecording('general') } });
const h = () => running().hotline;
const sim = () => running().sim;
const open = browserPerFile();

describe('the agent on a recorded call', () => {
  it('is told the call is recorded, and pauses and resumes the recording from the page', async () => {
    const member = await agentOnFloor(h(), '1001', { general: 2 }, { available: false });
    const { page, errors } = await open(`${running().url}/agent`, { clock: running().clock.now });
    await logInOnPage(page, '1001');
    await page.click('[data-testid="go-available"]');
    await eventually(() => presence(h(), member.id), (p) => p.presence === 'available', 'agent available');
    const call = sim().call({ presses: ['1', '0'] });
    await page.locator('[data-testid="answer"]:enabled').click();
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'answered');

    await page.locator('[data-testid="recording-state"]:visible').waitFor();
    await eventually(async () => sim().recordingsOf(call.sid), ([r]) => r?.state === 'in-progress', 'recording');
    await page.click('[data-testid="pause-recording"]');
    await page.locator('[data-testid="pause-recording"][aria-pressed="true"]').waitFor();
    expect(sim().recordingsOf(call.sid)[0]).toMatchObject({ state: 'paused' });
    expect(await page.locator('[data-testid="recording-state"]').textContent()).toMatch(/paused/i);
    await screenshot(page, 'agent-recording-paused');
    await page.click('[data-testid="pause-recording"]');
    await page.locator('[data-testid="pause-recording"][aria-pressed="false"]').waitFor();
    expect(sim().recordingsOf(call.sid)[0]).toMatchObject({ state: 'in-progress' });
    expect(errors).toEqual([]);
  });
});
