import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { cases } from '../../db/schema.ts';
import { eventually } from '../support/agents.ts';
import { call } from '../support/cases.ts';
import { hotlinePerFile } from '../support/running.ts';
import { OPEN } from '../support/flows.ts';
import { onTheLine } from './on-the-line.ts';

/**
 * One passenger's requests make one callback, dialled once; and an agent may call back the passenger of any
 * open case, through the same path as a callback (its place in line: ./place.test.ts).
 */

// Calls are placed 50 a second here, so that no placement of one spec still waits for its slot in the next.
const running = hotlinePerFile({ env: { OUTBOUND_CALLS_PER_SECOND: '50' } });
const line = onTheLine(running);
const { h } = line;
const at = (seconds: number) => new Date(OPEN.getTime() + seconds * 1000);

describe('one request, one callback', () => {
  it('a second request from the same number for the same queue joins the open one, which is dialled once', async () => {
    const first = await line.askedForCallback({ from: '+8613700000001' });
    running().clock.now = at(300);
    const second = await line.askedForCallback({ from: '+8613700000001' });
    expect(second.id).toBe(first.id);
    expect(await line.timeline(first.id)).toEqual(['created', 'joined']);

    const agent = await line.agent('1001');
    const offer = line.offered(agent.socket);
    await line.available(agent.socket);
    await line.ask(agent.socket, 'callback-accept', { offerId: (await offer).offerId });
    await eventually(async () => running().sim.placed.length, (n) => n === 1, 'one call placed');
    expect(running().sim.placed.map((p) => p.to)).toEqual(['+8613700000001']);
    expect(await line.offersOf(first.id)).toHaveLength(1);
  });
});

describe('calling back from a case', () => {
  it('an agent calls the passenger of any open case, through the same path; a second press while it rings is refused', async () => {
    const agent = await line.agent('1001');
    const complaint = await call(running().url, agent.token, 'POST', '/api/cases', { type: 'complaint', category: 'staff-attitude', contactNumber: '+8613700000009', description: 'rude conductor' });
    expect(complaint.status).toBe(201);
    const reference = complaint.body.case.reference as string;
    await line.available(agent.socket);
    running().sim.expectCall('+8613700000009', { answer: 'human', afterSeconds: 3600 });
    const placed = line.placedTo(running().sim, '+8613700000009');
    const pressed = await call(running().url, agent.token, 'POST', `/api/cases/${reference.toLowerCase()}/call-back`);
    expect(pressed).toMatchObject({ status: 202, body: { offerId: expect.any(Number), screenPop: { callSid: '', from: '+8613700000009', callback: { reference, number: '+8613700000009' } } } });
    expect((await placed).placed.url).toContain('/twilio/callback/answer?attempt=');
    expect(await call(running().url, agent.token, 'POST', `/api/cases/${reference}/call-back`)).toMatchObject({ status: 409, body: { error: expect.stringContaining('cannot call out now (on-call)') } });
    expect(await call(running().url, agent.token, 'POST', '/api/cases/CZZZZZZ/call-back')).toMatchObject({ status: 404 });
    const [row] = await h().database.db.select().from(cases).where(and(eq(cases.reference, reference)));
    expect(await line.timeline(row!.id)).toContain('callback.dialling');
  });

  it('is refused for a case without a number, and to a trainer', async () => {
    const agent = await line.agent('1001');
    const made = await call(running().url, agent.token, 'POST', '/api/cases', { type: 'enquiry', category: 'refund', description: 'refund rules' });
    await line.available(agent.socket);
    const reference = made.body.case.reference as string;
    expect(await call(running().url, agent.token, 'POST', `/api/cases/${reference}/call-back`)).toMatchObject({ status: 400, body: { error: 'the case has no contact number to call' } });
    const trainer = await line.colleague('4001', 'trainer');
    expect((await call(running().url, trainer, 'POST', `/api/cases/${reference}/call-back`)).status).toBe(403);
  });
});
