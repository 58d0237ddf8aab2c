import { describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff.ts';
import { agentOnFloor, eventually, offersFor, presence } from '../support/agents.ts';
import { browserPerFile, logInOnPage, screenshot } from '../support/browser.ts';
import { hotlinePerFile, nextEvent, nextRingFor } from '../support/running.ts';

/**
 * Call control in real Chromium against the running hotline and its carrier simulator: an agent holds the
 * caller and passes them to another queue from the softphone page; a supervisor whispers to an agent from
 * the dashboard's agent board, their own phone taking the leg by itself.
 */

const running = hotlinePerFile({ env: { RING_CYCLE_SECONDS: '1' } });
const h = () => running().hotline;
const sim = () => running().sim;
const open = browserPerFile();
const GENERAL = ['1', '0']; // Mandarin, an agent

describe('the agent on a call', () => {
  it('holds the caller, takes them back, and passes them to the luggage queue', async () => {
    const member = await agentOnFloor(h(), '1001', { general: 2 }, { available: false });
    const { page, errors } = await open(`${running().url}/agent`, { clock: running().clock.now });
    await logInOnPage(page, '1001');
    await page.click('[data-testid="go-available"]');
    await eventually(() => presence(h(), member.id), (p) => p.presence === 'available', 'agent available');
    const call = sim().call({ presses: GENERAL });
    await page.locator('[data-testid="answer"]:enabled').click();
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'answered');
    const room = `call-${call.sid}`;

    await page.click('[data-testid="hold"]');
    await page.locator('[data-testid="hold"][aria-pressed="true"]').waitFor();
    expect(sim().conference(room)!.participants.find((p) => p.callSid === call.sid)).toMatchObject({ hold: true });
    await page.click('[data-testid="hold"]');
    await page.locator('[data-testid="hold"][aria-pressed="false"]').waitFor();
    expect(sim().conference(room)!.participants.find((p) => p.callSid === call.sid)).toMatchObject({ hold: false });

    await page.selectOption('[data-testid="transfer-queue"]', 'queue:luggage');
    await screenshot(page, 'agent-transfer');
    await page.click('[data-testid="transfer"]');
    const notice = await nextEvent(call, 'say', (await nextEvent(call, 'conference-left')).n);
    expect(notice.text).toBe('正在为您转接相关部门，请稍候。');
    await expect.poll(async () => (await presence(h(), member.id)).presence).toBe('wrap-up');
    expect((await offersFor(h(), call.sid))[0]).toMatchObject({ endReason: 'transferred', holdSeconds: expect.any(Number) });
    await page.locator('.call-ended:visible').waitFor();
    expect(errors).toEqual([]);
  });
});

describe('consulting a colleague', () => {
  it('the colleague answers on their page, talks with the agent, and is handed the caller, who then shows as their call', async () => {
    const first = await agentOnFloor(h(), '1001', { general: 2 }, { available: false });
    const second = await agentOnFloor(h(), '1002', { luggage: 2 }, { available: false });
    const agent = await open(`${running().url}/agent`, { clock: running().clock.now });
    await logInOnPage(agent.page, '1001');
    const colleague = await open(`${running().url}/agent`, { clock: running().clock.now });
    await logInOnPage(colleague.page, '1002');
    await colleague.page.click('[data-testid="go-available"]');
    await agent.page.click('[data-testid="go-available"]');
    await eventually(() => presence(h(), first.id), (p) => p.presence === 'available', 'agent available');
    await eventually(() => presence(h(), second.id), (p) => p.presence === 'available', 'colleague available');
    const call = sim().call({ presses: GENERAL });
    await agent.page.locator('[data-testid="answer"]:enabled').click();
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'answered');

    await agent.page.fill('[data-testid="consult-agent"]', '1002');
    await agent.page.click('[data-testid="consult"]');
    await colleague.page.locator('[data-testid="answer-consult"]').click();
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.consultStatus === 'talking', 'colleague on the line');
    const room = `call-${call.sid}`;
    expect(sim().hears(room, call.sid)).toEqual([]);

    await agent.page.click('[data-testid="consult-complete"]');
    await colleague.page.locator(`[data-testid="screen-pop"][data-call-sid="${call.sid}"]`).waitFor();
    await colleague.page.locator('[data-testid="hangup"]:enabled').waitFor();
    const theirs = sim().conference(room)!.participants.find((p) => p.label === 'consult')!;
    expect(sim().hears(room, call.sid)).toEqual([theirs.callSid]);
    await expect.poll(async () => (await presence(h(), first.id)).presence).toBe('wrap-up');
    await screenshot(colleague.page, 'agent-handed-over');

    // The colleague hangs up from their page: the caller goes on to the survey.
    await colleague.page.click('[data-testid="hangup"]');
    await nextEvent(call, 'listening', (await nextEvent(call, 'conference-left')).n);
    await expect.poll(async () => (await presence(h(), second.id)).presence).toBe('wrap-up');
    expect(agent.errors).toEqual([]);
    expect(colleague.errors).toEqual([]);
  });
});

describe('a supervisor on the dashboard', () => {
  it('whispers to an agent on a call: the agent hears them, the caller does not, and the board says so', async () => {
    await agentOnFloor(h(), '1001', { general: 2 });
    await addStaff(h().database.db, { employeeNo: '5001', name: 'Supervisor 5001', role: 'supervisor', skills: {}, password: 'sanling-test' });
    const rung = nextRingFor(sim(), 'agent_1001');
    const call = sim().call({ presses: GENERAL });
    const leg = await rung;
    sim().answer(leg.sid);
    await eventually(() => offersFor(h(), call.sid), ([o]) => o?.status === 'connected', 'answered');

    const { page, errors } = await open(`${running().url}/dashboard`, { clock: running().clock.now });
    await logInOnPage(page, '5001');
    const whisper = page.locator('[data-agent="1001"] [data-monitor-mode="whisper"]');
    await whisper.click();
    // The dashboard's own phone answers the supervisor's leg; once in, they coach the agent.
    await page.locator('[data-agent="1001"] [data-monitored="whisper"]').waitFor();
    const room = `call-${call.sid}`;
    const supervisor = sim().conference(room)!.participants.find((p) => p.label === 'supervisor')!;
    expect(supervisor).toMatchObject({ state: 'joined', coaching: true, callSidToCoach: leg.sid });
    expect(sim().hears(room, leg.sid).sort()).toEqual([call.sid, supervisor.callSid].sort());
    expect(sim().hears(room, call.sid)).toEqual([leg.sid]);
    await screenshot(page, 'dashboard-whisper');

    await page.click('[data-agent="1001"] [data-monitor-stop]');
    await expect.poll(() => sim().conference(room)?.participants.some((p) => p.label === 'supervisor')).toBe(false);
    expect(errors).toEqual([]);
  });
});
