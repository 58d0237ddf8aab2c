import { describe, expect, it } from 'vitest';
import { agentOnFloor, eventually, presence } from '../support/agents.ts';
import { browserPerFile, logInOnPage } from '../support/browser.ts';
import { hotlinePerFile } from '../support/running.ts';

/** The softphone page in Chromium shows the caller's way through the IVR as words in its language. */

const running = hotlinePerFile();
const open = browserPerFile();

/** Mandarin, tickets, 0 for an agent, train 1234. */
const TICKETS_WITH_TRAIN = ['1', '1', '0', '1234#'];

describe("the screen-pop's IVR path on the page", () => {
  it('reads "Tickets › Agent › Train number" in English, and in Chinese once the agent switches', async () => {
    const member = await agentOnFloor(running().hotline, '1001', { tickets: 3, general: 1 }, { available: false });
    const { page, errors } = await open(`${running().url}/agent`, { clock: running().clock.now });
    await logInOnPage(page, '1001', { language: 'en' });
    await page.click('[data-testid="go-available"]');
    await eventually(() => presence(running().hotline, member.id), (p) => p.presence === 'available', 'agent available');
    running().sim.call({ presses: TICKETS_WITH_TRAIN });

    const steps = page.locator('[data-testid="ivr-path"] li');
    await steps.first().waitFor();
    expect(await steps.allTextContents()).toEqual(['Tickets', 'Agent', 'Train number']);
    // The ids stay on the steps, for whoever needs them.
    expect(await steps.evaluateAll((items) => items.map((li) => li.getAttribute('data-node')))).toEqual(['hotline:tickets', 'hotline:tickets-hours', 'hotline:tickets-train']);

    await page.selectOption('select[name="ui-language"]', 'zh-CN');
    await expect.poll(() => steps.allTextContents()).toEqual(['票务', '人工服务', '车次']);
    expect(errors).toEqual([]);
  });
});
