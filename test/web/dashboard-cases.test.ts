import type { Page } from 'playwright-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { sweep } from '../../src/acd/deadlines.ts';
import { addStaff, disableStaff, type Role } from '../../src/staff/staff.ts';
import { staffToken } from '../support/agents.ts';
import { browserPerFile, logInOnPage, screenshot } from '../support/browser.ts';
import { hotlinePerFile } from '../support/running.ts';

/**
 * The case desk on the dashboard in real Chromium, against the whole hotline: a supervisor sees the cases the
 * agents open, sees one escalate live when its deadline passes, reassigns it and works cases to the end from
 * their page; a trainer reads the board and changes nothing.
 */

const running = hotlinePerFile();
const open = browserPerFile();
const h = () => running().hotline;

const STAFF: Array<[string, Role]> = [
  ['1001', 'agent'],
  ['1002', 'agent'],
  ['2001', 'supervisor'],
  ['4001', 'trainer'],
];
/** Each spec's API sessions, by employee number (the floor is emptied before each spec, sessions with it). */
const tokens = new Map<string, Promise<string>>();

beforeEach(async () => {
  tokens.clear();
  await Promise.all(STAFF.map(([employeeNo, role]) => addStaff(h().database.db, { employeeNo, name: `${role} ${employeeNo}`, role, skills: { general: 1 }, password: 'sanling-test' })));
});

type Made = { case: { reference: string; version: number; ownerStaffId: number | null; ownerDepartment: string | null }; clocks: Array<{ kind: string; dueAt: string }>; timeline: Array<{ type: string; source: string; data: Record<string, unknown> }> };

async function asStaff(employeeNo: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Made }> {
  if (!tokens.has(employeeNo)) tokens.set(employeeNo, staffToken(running().url, employeeNo));
  const token = await tokens.get(employeeNo)!;
  const res = await fetch(`${running().url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Made };
}

/** An agent files an urgent complaint over the API, as the softphone does: acknowledge within 2 working hours. */
async function complaintFiled(extra: Record<string, unknown> = {}): Promise<Made> {
  const made = await asStaff('1001', 'POST', '/api/cases', {
    type: 'complaint',
    priority: 'urgent',
    category: 'staff-attitude',
    passengerName: 'Li Na',
    contactNumber: '+86 139 1234 5678',
    trainNumber: 'G1234',
    description: 'The conductor shouted at me in car 5. <script>alert(1)</script>',
    ...extra,
  });
  expect(made.status).toBe(201);
  return made.body;
}

async function logIn(employeeNo: string) {
  const opened = await open(`${running().url}/dashboard`, { clock: running().clock.now });
  await logInOnPage(opened.page, employeeNo);
  return opened;
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent({ timeout: 5_000 })) ?? '').trim();
const row = (reference: string) => `[data-testid="case-row"][data-reference="${reference}"]`;
/** The browser reports a refused request on its console itself; nothing else may go wrong. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 4\d\d/.test(e));
/** The cases the page read one by one (GET /api/cases/:reference): the board names people without any. */
const casesRead = (page: Page) => page.evaluate(() => performance.getEntriesByType('resource').filter((r) => /\/api\/cases\/(?!summary)/.test(r.name)).length);

describe('the case board', () => {
  it('shows a supervisor the case an agent filed, its owner and supervisor, urgency and what it waits for, the figures, and filters by type', async () => {
    const { case: complaint } = await complaintFiled();
    const { case: lost } = (await asStaff('1001', 'POST', '/api/cases', { type: 'lost-item', category: 'bag', contactNumber: '13800138000', details: { itemKind: 'backpack' } })).body;
    expect((await asStaff('1001', 'POST', `/api/cases/${lost.reference}/wait`, { version: lost.version, on: 'passenger' })).status).toBe(200);
    const { page, errors } = await logIn('2001');

    await page.locator(row(complaint.reference)).waitFor();
    const line = page.locator(row(complaint.reference));
    expect(await line.getAttribute('data-stage')).toBe('0');
    expect(await line.getAttribute('data-overdue')).toBe('false');
    expect(await text(page, `${row(complaint.reference)} [data-type]`)).toBe('complaint');
    expect(await text(page, `${row(complaint.reference)} [data-case-status]`)).toBe('new');
    expect(await text(page, `${row(complaint.reference)} [data-stage-words]`)).toBe('on time');
    // Named by the board's answer itself, with no case read to learn who they are.
    expect(await text(page, `${row(complaint.reference)} [data-owner]`)).toBe('1001 agent 1001');
    expect(await text(page, `${row(complaint.reference)} [data-supervisor]`)).toBe('2001 supervisor 2001');
    expect(await casesRead(page)).toBe(0);
    expect(await page.locator('[data-testid="case-row"]').count()).toBe(2);
    // The urgent complaint is marked; the lost item, paused, says on whom it waits.
    expect(await line.getAttribute('data-priority')).toBe('urgent');
    expect(await text(page, `${row(complaint.reference)} [data-urgent]`)).toBe('urgent');
    expect(await page.locator(row(lost.reference)).getAttribute('data-priority')).toBe('normal');
    expect(await page.locator(`${row(lost.reference)} [data-urgent]`).count()).toBe(0);
    expect(await text(page, `${row(lost.reference)} [data-case-status] [data-waiting-on="passenger"]`)).toBe('on the passenger');
    expect(await page.locator(`${row(complaint.reference)} [data-waiting-on]`).count()).toBe(0);

    await expect.poll(() => text(page, '[data-case-type="complaint"] [data-case-figure="open"]')).toBe('1');
    expect(await text(page, '[data-case-type="lost-item"] [data-case-figure="open"]')).toBe('1');
    expect(await text(page, '[data-case-type="complaint"] [data-case-figure="overdue"]')).toBe('0');

    await page.selectOption('select[name="case-type"]', 'lost-item');
    await expect.poll(() => page.locator('[data-testid="case-row"]').count()).toBe(1);
    expect(await page.locator(row(lost.reference)).count()).toBe(1);
    expect(await text(page, '[data-page-position]')).toBe('1–1 of 1');
    expect(errors).toEqual([]);
  });

  it('shows the case escalated to its supervisor, live, once its deadline passes in working hours, with a notice naming it', async () => {
    // Filed at noon on a Wednesday, the office's lunch hour: the two working hours run from 13:00 to 15:00.
    const made = await complaintFiled();
    const { reference } = made.case;
    expect(made.clocks.find((c) => c.kind === 'acknowledge')!.dueAt).toBe('2026-11-25T07:00:00.000Z');
    const { page, errors } = await logIn('2001');
    await page.locator('[data-status="live"]').waitFor();
    await page.locator(row(reference)).waitFor();
    expect(await page.locator('[data-testid="case-alert"]').count()).toBe(0);
    // Marks this document: a reload would lose it.
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));

    // 15:30 in Shanghai: past the deadline, before the managers' threshold (16:00), the office at work.
    running().clock.now = new Date('2026-11-25T07:30:00Z');
    await sweep(h());

    await expect.poll(() => page.locator(row(reference)).getAttribute('data-stage')).toBe('2');
    expect(await page.locator(row(reference)).getAttribute('data-overdue')).toBe('true');
    expect(await text(page, `${row(reference)} [data-stage-words]`)).toBe('escalated to supervisor');
    const notice = page.locator(`[data-testid="case-alert"][data-reference="${reference}"]`);
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toContain(`Case ${reference}: escalated to supervisor (acknowledge, due`);
    await expect.poll(() => text(page, '[data-case-type="complaint"] [data-case-figure="overdue"]')).toBe('1');
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await screenshot(page, 'dashboard-case-escalated');
    expect(errors).toEqual([]);
  });

  it('lets the supervisor reassign a case to someone on the staff list or a department, showing the server’s refusal first and then the timeline', async () => {
    const { case: made } = await complaintFiled();
    const { page, errors } = await logIn('2001');
    await page.click(`[data-open-case="${made.reference}"]`);
    const detail = page.locator(`[data-testid="case-detail"]`);
    await expect.poll(() => text(page, '[data-testid="case-detail"] h2')).toBe(`Case ${made.reference}`);
    await page.locator('[data-testid="case-timeline"] [data-event="created"]').waitFor();
    // The passenger's words are shown as they wrote them, never as markup.
    expect(await text(page, '[data-field="field.description"]')).toBe('The conductor shouted at me in car 5. <script>alert(1)</script>');

    const assign = detail.locator('[data-action="assign"]');
    await assign.locator('summary').click();
    // Whom a case may go to, by employee number and name (no trainer), then the departments; supervisors apart.
    const options = (select: string, group?: string) => assign.locator(`[name="${select}"] ${group ? `optgroup[label="${group}"] ` : ''}option`).allTextContents();
    expect(await options('owner', 'Staff')).toEqual(['1001 agent 1001', '1002 agent 1002', '2001 supervisor 2001']);
    expect(await options('owner', 'Department')).toContain('車站 Station services');
    expect(await options('supervisorId')).toEqual(['unchanged', '2001 supervisor 2001']);

    // Agent 1002 leaves between the list being read and the case being given: the server refuses.
    await assign.locator('[name="owner"]').selectOption({ label: '1002 agent 1002' });
    await disableStaff(h().database.db, '1002');
    await assign.locator('button[type="submit"]').click();
    await expect.poll(() => text(page, '[data-testid="case-action-result"]')).toBe('ownerStaffId must be an active agent or supervisor or manager');
    expect(await page.locator('[data-testid="case-action-result"]').getAttribute('data-outcome')).toBe('error');
    expect(await assign.locator('[name="owner"]').getAttribute('aria-invalid')).toBe('true');

    await assign.locator('[name="owner"]').selectOption({ label: '車站 Station services' });
    await assign.locator('[name="note"]').fill('The station master follows staff conduct.');
    await assign.locator('button[type="submit"]').click();
    await expect.poll(() => text(page, '[data-testid="case-action-result"]')).toBe('Done: Reassign.');
    const assigned = page.locator('[data-testid="case-timeline"] [data-event="assigned"]');
    await assigned.waitFor();
    expect(await assigned.textContent()).toContain('owner 1001 agent 1001 → 車站 Station services');
    expect(await assigned.textContent()).toContain('The station master follows staff conduct.');
    expect(await assigned.getAttribute('data-source')).toBe('board');
    await expect.poll(() => text(page, `${row(made.reference)} [data-owner]`)).toBe('車站 Station services');

    const now = (await asStaff('2001', 'GET', `/api/cases/${made.reference}`)).body;
    expect(now.case.ownerDepartment).toBe('station');
    expect(now.timeline.find((e) => e.type === 'assigned')).toMatchObject({ source: 'board', data: { to: { ownerDepartment: 'station', ownerStaffId: null } } });
    await screenshot(page, 'dashboard-case-reassigned');
    expect(unexpected(errors)).toEqual([]);
  });
});

describe('working a case from its page', () => {
  it('extends a complaint’s reply date once, resolves, closes and reopens it, each in the timeline', async () => {
    const { case: made } = await complaintFiled({ priority: 'normal' });
    const { page, errors } = await logIn('2001');
    await page.click(`[data-open-case="${made.reference}"]`);
    await page.locator('[data-testid="case-timeline"] [data-event="created"]').waitFor();
    const action = (name: string) => page.locator(`[data-testid="case-actions"] [data-action="${name}"]`);
    const result = () => text(page, '[data-testid="case-action-result"]');
    const done = async (name: string, label: string) => {
      await action(name).locator('button[type="submit"]').click();
      await expect.poll(result).toBe(`Done: ${label}.`);
    };
    expect(await action('close').isVisible()).toBe(false);

    await action('extend').locator('summary').click();
    await action('extend').locator('button[type="submit"]').click();
    await expect.poll(result).toBe('note must say how the passenger was told of the new date');
    await action('extend').locator('[name="note"]').fill('Told by phone: the answer comes by 25 February.');
    await done('extend', 'Extend reply date');
    await page.locator('[data-event="extended"]').waitFor();
    expect(await text(page, '[data-clock="resolve"] td')).toBe('3 months');
    // Once only: the action is no longer offered.
    expect(await action('extend').isVisible()).toBe(false);

    await action('resolve').locator('summary').click();
    await action('resolve').locator('[name="reason"]').selectOption('answered');
    await action('resolve').locator('[name="answer"]').fill('The conductor apologised; retraining is booked.');
    await done('resolve', 'Resolve');
    await expect.poll(() => text(page, `[data-testid="case-detail"] [data-field="filterStatus"]`)).toBe('resolved');
    expect(await text(page, '[data-event="resolved"]')).toContain('answered: The conductor apologised; retraining is booked.');

    await action('close').locator('summary').click();
    await done('close', 'Close case');
    await expect.poll(() => text(page, `[data-testid="case-detail"] [data-field="filterStatus"]`)).toBe('closed');

    await action('reopen').locator('summary').click();
    await action('reopen').locator('[name="reason"]').fill('The passenger called again: not satisfied.');
    await done('reopen', 'Reopen');
    await expect.poll(() => text(page, `[data-testid="case-detail"] [data-field="filterStatus"]`)).toBe('in progress');
    const events = await page.locator('[data-testid="case-timeline"] li').evaluateAll((items) => items.map((li) => li.getAttribute('data-event')));
    expect(events.filter((e) => e !== 'clock-met')).toEqual(['created', 'extended', 'status', 'resolved', 'status', 'status', 'reopened']);
    expect(unexpected(errors)).toEqual([]);
  });

  it('approves a luggage claim above the threshold, then resolves it with the amount paid', async () => {
    const claim = { type: 'luggage-claim', category: 'damaged', contactNumber: '13800138000', details: { tagNumber: 'T0457', claimedAmount: 2500 } };
    const made = (await asStaff('1001', 'POST', '/api/cases', claim)).body.case;
    const { page, errors } = await logIn('2001');
    await page.click(`[data-open-case="${made.reference}"]`);
    const action = (name: string) => page.locator(`[data-testid="case-actions"] [data-action="${name}"]`);
    const result = () => text(page, '[data-testid="case-action-result"]');
    await expect.poll(() => text(page, '[data-action="approve"] .hint')).toBe('Claimed: 2500 yuan. Claims above 2000 yuan need a supervisor’s approval.');
    // A claim has no longer commitment to extend to (the desk says which types have).
    expect(await action('extend').isVisible()).toBe(false);

    await action('approve').locator('summary').click();
    await action('approve').locator('[name="amount"]').fill('2400');
    await action('approve').locator('button[type="submit"]').click();
    await expect.poll(result).toBe('Done: Approve amount.');
    await expect.poll(() => text(page, '[data-field="field.approvedAmount"]')).toBe('2400 yuan');

    await action('resolve').locator('summary').click();
    await action('resolve').locator('[name="reason"]').selectOption('compensated');
    await action('resolve').locator('[name="answer"]').fill('2400 yuan paid to the passenger’s card.');
    await action('resolve').locator('[name="decision"]').selectOption('approved');
    await action('resolve').locator('[name="decisionAmount"]').fill('2400');
    await action('resolve').locator('button[type="submit"]').click();
    await expect.poll(result).toBe('Done: Resolve.');
    expect(await text(page, '[data-event="approved"] .free-text')).toBe('2400 yuan');
    expect(await text(page, '[data-event="resolved"] .free-text')).toBe('compensated: 2400 yuan paid to the passenger’s card. · approved 2400 yuan');
    expect(errors).toEqual([]);
  });
});

describe('a lost-item case', () => {
  it('shows the found item matched to it: what it is, where and when it was found, where it is kept', async () => {
    const lost = await asStaff('1001', 'POST', '/api/cases', { type: 'lost-item', category: 'bag', trainNumber: 'G1234', travelDate: '2026-11-24', details: { itemKind: 'backpack', itemDescription: 'black backpack' } });
    const item = (await asStaff('1001', 'POST', '/api/found-items', { trainNumber: 'G1234', foundOn: '2026-11-24', kind: 'backpack', description: 'black backpack with a laptop', keptAt: 'Beijing South lost property' })).body as unknown as { id: number };
    expect((await asStaff('1001', 'POST', `/api/cases/${lost.body.case.reference}/match`, { foundItemId: item.id })).status).toBe(200);
    const { page, errors } = await logIn('2001');
    await page.locator(row(lost.body.case.reference)).waitFor();
    await page.click(`[data-open-case="${lost.body.case.reference}"]`);
    await page.locator('[data-testid="case-timeline"] [data-event="matched"]').waitFor();
    expect(await text(page, '[data-testid="case-timeline"] [data-event="matched"]')).toContain('found item matched');
    expect(await text(page, '[data-event="matched"] .free-text')).toBe('backpack: black backpack with a laptop · found on G1234, 2026-11-24; kept at Beijing South lost property');
    expect(unexpected(errors)).toEqual([]);
  });
});

describe('trainers', () => {
  it('see the case figures, the board and a case’s timeline, with no action and no live socket', async () => {
    const { case: made } = await complaintFiled();
    const { page, errors } = await logIn('4001');
    await page.locator(row(made.reference)).waitFor();
    expect(await page.locator('[data-refused]').count()).toBe(0);
    expect(await text(page, '[data-read-only]')).toBe('Read only: trainers see every case and change nothing.');
    // Due at 15:00 on the hotline's clock (07:00 UTC), whatever this browser's zone, though no live figures came.
    expect(await page.locator(`${row(made.reference)} [data-due]`).getAttribute('data-due')).toBe('2026-11-25T07:00:00.000Z');
    expect(await text(page, `${row(made.reference)} [data-due]`)).toBe('Wed 25/11, 15:00');
    await expect.poll(() => text(page, '[data-case-type="complaint"] [data-case-figure="open"]')).toBe('1');

    await page.click(`[data-open-case="${made.reference}"]`);
    await page.locator('[data-testid="case-timeline"] [data-event="created"]').waitFor();
    expect(await page.locator('[data-clock="acknowledge"]').count()).toBe(1);
    expect(await page.locator('[data-testid="case-actions"]').count()).toBe(0);
    expect(await page.locator('[data-testid="case-detail"] button').allTextContents()).toEqual(['Close']);
    // Neither the live figures nor their socket: those are the supervisors' and managers'.
    expect(await page.locator('.dashboard-header .status').count()).toBe(0);
    expect(await page.locator('[data-figure]').count()).toBe(0);
    expect(await page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/socket.io/')).length)).toBe(0);
    await screenshot(page, 'dashboard-cases-trainer');

    // In the language the trainer chooses, the board and the case say the same.
    await page.selectOption('select[name="ui-language"]', 'zh-TW');
    await expect.poll(() => text(page, `${row(made.reference)} [data-type]`)).toBe('投訴');
    expect(await text(page, `${row(made.reference)} [data-stage-words]`)).toBe('正常');
    expect(await text(page, '[data-case-type="complaint"] th')).toBe('投訴');
    expect(await text(page, '[data-testid="case-timeline"] [data-event="created"] strong')).toBe('建立');
    expect(await text(page, '[data-testid="case-detail"] h2')).toBe(`案件 ${made.reference}`);
    expect(errors).toEqual([]);
  });
});
