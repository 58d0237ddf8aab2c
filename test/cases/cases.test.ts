import { beforeEach, describe, expect, it } from 'vitest';
import { calls } from '../../db/schema.ts';
import { call, deskStaff } from '../support/cases.ts';
import { hotlinePerFile } from '../support/running.ts';

/**
 * The case desk over its API, as the softphone and the board use it: a case made from a call, its fields
 * changed with the old and new value in the timeline, moved through its statuses, its clocks met, paused and
 * resumed, a luggage claim approved, a complaint's reply date extended once, a resolved case reopened.
 * The hotline's clock starts on Wednesday 2026-11-25 at 12:00 in Shanghai (the office's lunch break).
 */

// Sessions outlast the weeks the clock is moved on by.
const running = hotlinePerFile({ env: { SESSION_HOURS: '2000' } });
let people: Awaited<ReturnType<typeof deskStaff>>;
beforeEach(async () => {
  people = await deskStaff(running().hotline, running().url);
});

const as = (who: keyof typeof people) => (method: string, path: string, body?: unknown) => call(running().url, people[who].token, method, path, body);
const complaint = { type: 'complaint', category: 'staff-attitude', passengerName: '王小明', contactNumber: '+86 138 0013 8000', trainNumber: 'g1234', travelDate: '2026-11-24', car: '5', seat: '12F', language: 'zh-CN', description: 'The conductor was rude.' };
const clock = (record: { clocks: Array<{ kind: string }> }, kind: string) => record.clocks.find((c) => c.kind === kind) as { dueAt: string; paused: boolean; metAt: string | null; stage: number } | undefined;
const types = (record: { timeline: Array<{ type: string }> }) => record.timeline.map((e) => e.type);

describe('a case is opened', () => {
  it('with a reference the passenger can be read, owned by the agent, a supervisor answering for it, and its reply commitment counted in office hours', async () => {
    const made = await as('agent')('POST', '/api/cases', complaint);
    expect(made.status).toBe(201);
    const c = made.body.case;
    expect(c.reference).toMatch(/^C[2-9A-HJKMNP-TW-Z]{6}$/);
    expect(c).toMatchObject({ type: 'complaint', status: 'new', channel: 'phone', trainNumber: 'G1234', ownerStaffId: people.agent.id, ownerDepartment: null, supervisorId: people.supervisor.id });
    // Filed in the lunch break: the office's day starts again at 13:00, and one working day later is Thursday 13:00.
    expect(clock(made.body, 'acknowledge')!.dueAt).toBe('2026-11-26T05:00:00.000Z');
    // Five working days from Wednesday 13:00: Thursday, Friday, Monday, Tuesday, Wednesday.
    expect(clock(made.body, 'first-reply')!.dueAt).toBe('2026-12-02T05:00:00.000Z');
    // A month in calendar time.
    expect(clock(made.body, 'resolve')!.dueAt).toBe('2026-12-25T04:00:00.000Z');
    expect(made.body.timeline).toEqual([expect.objectContaining({ type: 'created', actorId: people.agent.id, source: 'api', data: expect.objectContaining({ reference: c.reference, category: 'staff-attitude' }) })]);

    const read = await as('trainer')('GET', `/api/cases/${c.reference.toLowerCase().replace(/(...)/, '$1-')}`);
    expect(read.status).toBe(200);
    expect(read.body.case.reference).toBe(c.reference);
  });

  it('refuses bad input naming the field, and a category that is not the type’s', async () => {
    const cases: Array<[object, string]> = [
      [{ ...complaint, type: 'praise' }, 'type'],
      [{ ...complaint, contactNumber: 'call me' }, 'contactNumber'],
      [{ ...complaint, trainNumber: 'the fast one' }, 'trainNumber'],
      [{ ...complaint, travelDate: '24/11/2026' }, 'travelDate'],
      [{ ...complaint, description: 'x'.repeat(4001) }, 'description'],
      [{ ...complaint, category: 'lost-property' }, 'category'],
      [{ ...complaint, ownerDepartment: 'canteen' }, 'ownerDepartment'],
      [{ ...complaint, colour: 'red' }, 'colour'],
      [{ ...complaint, details: { claimedAmount: -5 } }, 'details.claimedAmount'],
    ];
    for (const [body, field] of cases) {
      const refused = await as('agent')('POST', '/api/cases', body);
      expect({ field, status: refused.status, answer: refused.body.field }).toEqual({ field, status: 400, answer: field });
      expect(refused.body.error).toContain(field);
    }
    expect((await as('supervisor')('GET', '/api/cases')).body.total).toBe(0);
  });

  it('by a trainer is refused: trainers read and change nothing', async () => {
    expect((await as('trainer')('POST', '/api/cases', complaint)).status).toBe(403);
  });
});

describe('a case is worked', () => {
  it('every change is in the timeline with who, when, from where, and old → new', async () => {
    const { reference } = (await as('agent')('POST', '/api/cases', complaint)).body.case;
    const changed = await call(running().url, people.agent.token, 'PATCH', `/api/cases/${reference}`, { version: 0, seat: '12A', description: 'The conductor shouted at me.' });
    expect(changed.status).toBe(200);
    expect(changed.body.timeline.filter((e: { type: string }) => e.type === 'changed').map((e: { data: object }) => e.data)).toEqual([
      { field: 'seat', from: '12F', to: '12A' },
      { field: 'description', from: 'The conductor was rude.', to: 'The conductor shouted at me.' },
    ]);
    // A page that read the case before this change is told to reload rather than overwrite it.
    const stale = await as('other')('PATCH', `/api/cases/${reference}`, { version: 0, seat: '1A' });
    expect(stale).toMatchObject({ status: 409, body: { field: 'version' } });
  });

  it('moves new → acknowledged → in progress ⇄ waiting → resolved → closed, meeting its clocks on the way', async () => {
    const { reference } = (await as('agent')('POST', '/api/cases', complaint)).body.case;
    const step = async (action: string, body: object = {}) => {
      const answer = await as('agent')('POST', `/api/cases/${reference}/${action}`, body);
      expect(answer.status, `${action}: ${JSON.stringify(answer.body)}`).toBe(200);
      return answer.body;
    };
    running().clock.advance(3600); // 13:00
    expect(clock(await step('acknowledge'), 'acknowledge')!.metAt).toBe('2026-11-25T05:00:00.000Z');
    await step('start');
    const waiting = await step('wait', { on: 'department', note: 'asked the train crew' });
    expect(waiting.case).toMatchObject({ status: 'waiting', waitingOn: 'department' });
    expect(clock(waiting, 'first-reply')!.paused).toBe(true);
    // Two working hours pass while the train crew look into it: the passenger's clocks do not run.
    running().clock.advance(2 * 3600);
    const resumed = await step('resume');
    expect(clock(resumed, 'first-reply')).toMatchObject({ paused: false, dueAt: '2026-12-02T07:00:00.000Z' });
    const contacted = await step('contacted', { note: 'told the passenger we are looking into it' });
    expect(clock(contacted, 'first-reply')!.metAt).not.toBeNull();
    const resolved = await step('resolve', { reason: 'answered', answer: 'The conductor has apologised; we are sorry.' });
    expect(resolved.case).toMatchObject({ status: 'resolved', resolution: { reason: 'answered', answer: 'The conductor has apologised; we are sorry.' } });
    expect(resolved.clocks.every((c: { metAt: string | null }) => c.metAt !== null)).toBe(true);
    const closed = await step('close');
    expect(closed.case.status).toBe('closed');
    expect(types(closed)).toEqual(['created', 'status', 'clock-met', 'status', 'status', 'paused', 'status', 'resumed', 'contacted', 'clock-met', 'status', 'resolved', 'clock-met', 'status']);
    // Nothing more can be done to a closed case but a note or reopening it.
    expect(await as('agent')('POST', `/api/cases/${reference}/wait`, { on: 'passenger' })).toMatchObject({ status: 409, body: { field: 'status' } });
  });

  it('may be reopened within 30 days of its resolution, and the resolve clock starts again', async () => {
    const { reference } = (await as('agent')('POST', '/api/cases', complaint)).body.case;
    await as('agent')('POST', `/api/cases/${reference}/resolve`, { reason: 'answered', answer: 'Sorry.' });
    running().clock.advance(10 * 86_400);
    const reopened = await as('agent')('POST', `/api/cases/${reference}/reopen`, { reason: 'the passenger is not satisfied' });
    expect(reopened.status).toBe(200);
    expect(reopened.body.case).toMatchObject({ status: 'in-progress', resolution: null });
    expect(clock(reopened.body, 'resolve')).toMatchObject({ metAt: null, dueAt: '2027-01-05T04:00:00.000Z' }); // 5 December + a month

    await as('agent')('POST', `/api/cases/${reference}/resolve`, { reason: 'answered', answer: 'Sorry again.' });
    running().clock.advance(31 * 86_400);
    expect(await as('agent')('POST', `/api/cases/${reference}/reopen`, { reason: 'again' })).toMatchObject({ status: 409 });
  });

  it('an agent may forward a case to a department; giving it to another person is a supervisor’s', async () => {
    const { reference } = (await as('agent')('POST', '/api/cases', complaint)).body.case;
    expect(await as('agent')('POST', `/api/cases/${reference}/assign`, { ownerStaffId: people.other.id })).toMatchObject({ status: 403 });
    const forwarded = await as('agent')('POST', `/api/cases/${reference}/assign`, { ownerDepartment: 'train-crew', note: 'for the crew of G1234' });
    expect(forwarded.body.case).toMatchObject({ ownerStaffId: null, ownerDepartment: 'train-crew' });
    const given = await as('supervisor')('POST', `/api/cases/${reference}/assign`, { ownerStaffId: people.other.id });
    expect(given.body.case).toMatchObject({ ownerStaffId: people.other.id, ownerDepartment: null });
    expect(given.body.timeline.filter((e: { type: string }) => e.type === 'assigned').map((e: { data: { to: object } }) => e.data.to)).toEqual([
      expect.objectContaining({ ownerStaffId: null, ownerDepartment: 'train-crew' }),
      expect.objectContaining({ ownerStaffId: people.other.id, ownerDepartment: null }),
    ]);
    expect((await as('other')('GET', '/api/cases/mine')).body.cases.map((c: { reference: string }) => c.reference)).toEqual([reference]);
    // The case names everyone in its story: an owner it was taken from, who never acted on it, too.
    const again = await as('supervisor')('POST', `/api/cases/${reference}/assign`, { ownerStaffId: people.manager.id });
    expect(again.body.people[people.other.id]).toMatchObject({ employeeNo: '1002' });
  });
});

describe('the calls of a case', () => {
  it('are the one it came from, the passenger contacted, and later calls from the same number however it was written', async () => {
    const db = running().hotline.database.db;
    const ivr = { flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] };
    const callAt = (sid: string, from: string, startedAt: Date) => db.insert(calls).values({ sid, from, to: '+864008000123', status: 'ended', ivr, startedAt });
    await callAt('CA-origin', '+8613800138000', running().clock.now);
    await callAt('CA-before', '+8613800138000', new Date(running().clock.now.getTime() - 86_400_000));
    const { reference } = (await as('agent')('POST', '/api/cases', { ...complaint, callSid: 'CA-origin' })).body.case;
    running().clock.advance(3600);
    await callAt('CA-again', '+8613800138000', running().clock.now);
    await callAt('CA-stranger', '+8613900000000', running().clock.now);
    await callAt('CA-callback', '+8613700000000', running().clock.now);
    const contacted = await call(running().url, people.agent.token, 'POST', `/api/cases/${reference}/contacted`, { callSid: 'CA-callback' });
    expect(contacted.status).toBe(200);
    expect(contacted.body.calls.map((c: { callSid: string; link: string }) => [c.callSid, c.link]).sort()).toEqual([
      ['CA-again', 'same-number'],
      ['CA-callback', 'contacted'],
      ['CA-origin', 'origin'],
    ]);
    expect(await as('agent')('POST', `/api/cases/${reference}/contacted`, { callSid: 'CA-nowhere' })).toMatchObject({ status: 400, body: { field: 'callSid' } });
  });

  it('the timeline says where an action came from', async () => {
    const res = await fetch(`${running().url}/api/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${people.agent.token}`, 'x-sanling-source': 'softphone' },
      body: JSON.stringify(complaint),
    });
    const made = (await res.json()) as { timeline: Array<{ source: string }> };
    expect(made.timeline[0]!.source).toBe('softphone');
  });
});

describe('a luggage claim', () => {
  const claim = { type: 'luggage-claim', category: 'damaged', contactNumber: '13800138000', trainNumber: 'D301', details: { tagNumber: 'BJP-0042', claimedAmount: 3500 }, description: 'Suitcase wheel broken' };

  it('is decided with an amount or a refusal; above 2000 yuan only after a supervisor approves', async () => {
    const { reference } = (await as('agent')('POST', '/api/cases', claim)).body.case;
    expect(await as('agent')('POST', `/api/cases/${reference}/resolve`, { reason: 'compensated', answer: 'We will pay.' })).toMatchObject({ status: 400, body: { field: 'decision' } });
    const refused = await as('agent')('POST', `/api/cases/${reference}/resolve`, { reason: 'compensated', answer: 'We will pay 3000 yuan.', decision: { approved: true, amount: 3000 } });
    expect(refused).toMatchObject({ status: 409, body: { field: 'decision' } });
    expect(refused.body.error).toContain('2000');
    expect(await as('agent')('POST', `/api/cases/${reference}/approve`, { amount: 3000 })).toMatchObject({ status: 403 });

    const approved = await as('supervisor')('POST', `/api/cases/${reference}/approve`, { amount: 3000, note: 'receipt seen' });
    expect(approved.body.case).toMatchObject({ approvedBy: people.supervisor.id, details: expect.objectContaining({ approvedAmount: 3000 }) });
    const paid = await as('agent')('POST', `/api/cases/${reference}/resolve`, { reason: 'compensated', answer: 'We will pay 3000 yuan.', decision: { approved: true, amount: 3000 } });
    expect(paid.status).toBe(200);
    expect(paid.body.case.resolution.decision).toEqual({ approved: true, amount: 3000 });
  });

  it('below the threshold, or refused with a reason, needs no approval', async () => {
    const small = (await as('agent')('POST', '/api/cases', { ...claim, details: { claimedAmount: 300 } })).body.case.reference;
    expect((await as('agent')('POST', `/api/cases/${small}/resolve`, { reason: 'compensated', answer: '300 yuan', decision: { approved: true, amount: 300 } })).status).toBe(200);
    const big = (await as('agent')('POST', '/api/cases', claim)).body.case.reference;
    const refusal = await as('agent')('POST', `/api/cases/${big}/resolve`, { reason: 'refused', answer: 'Wear and tear is not covered.', decision: { approved: false, refusal: 'wear and tear' } });
    expect(refusal.status).toBe(200);
  });
});

describe('a complaint’s reply date', () => {
  it('is extended once, by a supervisor, to three months from the start, with how the passenger was told', async () => {
    const { reference } = (await as('agent')('POST', '/api/cases', complaint)).body.case;
    expect(await as('agent')('POST', `/api/cases/${reference}/extend`, { note: 'phoned' })).toMatchObject({ status: 403 });
    const extended = await as('supervisor')('POST', `/api/cases/${reference}/extend`, { note: 'phoned the passenger with the new date' });
    expect(extended.status).toBe(200);
    expect(clock(extended.body, 'resolve')!.dueAt).toBe('2027-02-25T04:00:00.000Z');
    expect(extended.body.timeline.at(-1)).toMatchObject({ type: 'extended', actorId: people.supervisor.id, data: { dueAt: '2027-02-25T04:00:00.000Z', span: '3 months' } });
    expect(await as('supervisor')('POST', `/api/cases/${reference}/extend`, { note: 'again' })).toMatchObject({ status: 409, body: { field: 'extended' } });
  });
});

describe('the lists', () => {
  it('my cases are the agent’s open ones, soonest due first; the board shows everyone’s, overdue first', async () => {
    const urgent = (await as('agent')('POST', '/api/cases', { ...complaint, priority: 'urgent' })).body.case.reference;
    const normal = (await as('agent')('POST', '/api/cases', complaint)).body.case.reference;
    const enquiry = (await as('other')('POST', '/api/cases', { type: 'enquiry', category: 'refund', contactNumber: '13900001111' })).body.case.reference;
    const mine = (await as('agent')('GET', '/api/cases/mine')).body.cases;
    expect(mine.map((c: { reference: string }) => c.reference)).toEqual([urgent, normal]);

    running().clock.advance(4 * 3600); // 16:00: the urgent complaint's two working hours (13:00–15:00) are over
    const board = (await as('supervisor')('GET', '/api/cases')).body;
    expect(board.total).toBe(3);
    expect(board.cases[0]).toMatchObject({ reference: urgent, overdue: true });
    expect(board.cases.map((c: { reference: string }) => c.reference)).toContain(enquiry);
    expect((await as('supervisor')('GET', '/api/cases?type=enquiry')).body.cases.map((c: { reference: string }) => c.reference)).toEqual([enquiry]);
    expect(await as('agent')('GET', '/api/cases')).toMatchObject({ status: 403 });
    expect(await as('supervisor')('GET', '/api/cases?type=praise')).toMatchObject({ status: 400, body: { field: 'type' } });

    const summary = (await as('manager')('GET', '/api/cases/summary')).body;
    expect(summary.complaint).toMatchObject({ open: 2, overdue: 1 });
    expect(summary.enquiry).toMatchObject({ open: 1, overdue: 0 });
  });
});
