import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { callNotes } from '../../db/schema.ts';
import { callbacksOf as callbackCases } from '../support/cases.ts';
import { sweep } from '../../src/acd/deadlines.ts';
import { presence } from '../support/agents.ts';
import { hotlinePerFile } from '../support/running.ts';
import { inMinutes, onTheFloor } from './on-a-call.ts';

/** Call notes ("listen and record"): saved while the agent types, kept with the call and the agent. */

const running = hotlinePerFile();
const floor = onTheFloor(running);
const { h, ask, api } = floor;

type Ack = { ok: true; version: number; savedAt: string } | { ok: false; error: string; field?: string };

const storedNotes = () => h().database.db.select().from(callNotes);
const callbacksOf = (callSid: string) => callbackCases(h().database.db, callSid);

describe('saving notes over the socket', () => {
  it('acknowledges each save and keeps the notes with the call and the agent', async () => {
    const { socket, call, id } = await floor.onCall('1001');
    const ack = await ask<Ack>(socket, 'notes', { callSid: call.sid, version: 1, passengerName: '王芳', trainNumber: 'G1234', topic: 'refund', text: 'wants a refund' });
    expect(ack).toMatchObject({ ok: true, version: 1 });
    expect(await storedNotes()).toEqual([
      expect.objectContaining({ callSid: call.sid, staffId: id, passengerName: '王芳', trainNumber: 'G1234', topic: 'refund', text: 'wants a refund', version: 1 }),
    ]);
  });

  it('keeps the newest save when an older one arrives after it', async () => {
    const { socket, call } = await floor.onCall('1001');
    expect(await ask<Ack>(socket, 'notes', { callSid: call.sid, version: 3, text: 'refund for G1234, seat 05A' })).toMatchObject({ ok: true, version: 3 });
    // Version 2 was sent before 3 but arrives late (the socket dropped): it changes nothing.
    expect(await ask<Ack>(socket, 'notes', { callSid: call.sid, version: 2, text: 'refund for G12' })).toMatchObject({ ok: true, version: 3 });
    const [notes] = await storedNotes();
    expect(notes).toMatchObject({ version: 3, text: 'refund for G1234, seat 05A' });
  });

  it('keeps the newest of saves sent all at once', async () => {
    const { socket, call } = await floor.onCall('1001');
    const saves = [5, 2, 4, 1, 3].map((version) => ask<Ack>(socket, 'notes', { callSid: call.sid, version, text: `draft ${version}` }));
    await Promise.all(saves);
    expect(await storedNotes()).toEqual([expect.objectContaining({ version: 5, text: 'draft 5' })]);
  });

  it('refuses notes on a call the agent did not answer', async () => {
    const { call } = await floor.onCall('1001');
    const other = await floor.loggedInAgent('1002');
    expect(await ask<Ack>(other.socket, 'notes', { callSid: call.sid, version: 1, text: 'not mine' })).toEqual({ ok: false, error: 'not your call' });
    expect(await ask<Ack>(other.socket, 'notes', { callSid: 'CA00000000000000000000000000000000', version: 1 })).toEqual({ ok: false, error: 'not your call' });
    expect(await storedNotes()).toEqual([]);
  });

  it('names the field of a bad save', async () => {
    const { socket, call } = await floor.onCall('1001');
    const save = (fields: object) => ask<Ack>(socket, 'notes', { callSid: call.sid, version: 1, ...fields });
    expect(await save({ topic: 'weather' })).toMatchObject({ ok: false, field: 'topic', error: expect.stringMatching(/^topic must be one of tickets, refund/) });
    expect(await save({ disposition: 'maybe' })).toMatchObject({ ok: false, field: 'disposition' });
    expect(await save({ disposition: 'callback-promised' })).toMatchObject({ ok: false, field: 'callbackDueAt', error: expect.stringMatching(/required/) });
    expect(await save({ disposition: 'callback-promised', callbackDueAt: inMinutes(running, -5) })).toMatchObject({ ok: false, field: 'callbackDueAt', error: 'callbackDueAt must be in the future' });
    expect(await save({ seatNumber: '12345678901' })).toMatchObject({ ok: false, field: 'seatNumber' });
    expect(await ask<Ack>(socket, 'notes', { callSid: call.sid, text: 'no version' })).toMatchObject({ ok: false, field: 'version' });
    expect(await ask<Ack>(socket, 'notes', { version: 1 })).toMatchObject({ ok: false, field: 'callSid' });
    expect(await storedNotes()).toEqual([]);
  });
});

describe('PUT /api/calls/:sid/notes', () => {
  it('saves like the socket does, and refuses bad input with 400 naming the field', async () => {
    const { token, call } = await floor.onCall('1001');
    const put = await api('PUT', `/calls/${call.sid}/notes`, token, { version: 1, topic: 'luggage', disposition: 'resolved', text: 'bag limits explained' });
    expect(put).toMatchObject({ status: 200, body: { ok: true, version: 1 } });
    expect(Date.parse(put.body.savedAt)).not.toBeNaN();
    expect(await api('PUT', `/calls/${call.sid}/notes`, token, { version: 2, topic: 'weather' })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^topic /) } });
    expect(await api('PUT', `/calls/${call.sid}/notes`, token, { version: 1, text: 'older' })).toMatchObject({ status: 200, body: { version: 1 } });
    const got = await api('GET', `/calls/${call.sid}/notes`, token);
    expect(got).toMatchObject({ status: 200, body: { notes: [{ callSid: call.sid, employeeNo: '1001', topic: 'luggage', disposition: 'resolved', text: 'bag limits explained', callbackCaseId: null }] } });
  });

  it('wants a login, and refuses a call that is not the agent\'s', async () => {
    const { call } = await floor.onCall('1001');
    expect((await api('PUT', `/calls/${call.sid}/notes`, undefined, { version: 1 })).status).toBe(401);
    const other = await floor.loggedInAgent('1002');
    expect(await api('PUT', `/calls/${call.sid}/notes`, other.token, { version: 1 })).toMatchObject({ status: 404, body: { error: 'not your call' } });
  });
});

describe('a promised callback', () => {
  it('makes one callback case with the due time, owned by the agent, moves it with the due time, and withdraws it with the disposition', async () => {
    const { socket, call } = await floor.onCall('1001', { from: '+8613700000001' });
    const due = inMinutes(running, 60);
    expect(await ask<Ack>(socket, 'notes', { callSid: call.sid, version: 1, disposition: 'callback-promised', callbackDueAt: due })).toMatchObject({ ok: true });
    const [made] = await callbacksOf(call.sid);
    expect(made).toMatchObject({ number: '+8613700000001', queue: 'general', language: 'zh-CN', status: 'new', category: 'promised-by-agent', ownerStaffId: expect.any(Number) });
    expect(made!.dueAt.toISOString()).toBe(due);
    expect((await storedNotes())[0]).toMatchObject({ callbackCaseId: made!.id });

    // The passenger gives another number and the agent promises a later time: the same request moves.
    const later = inMinutes(running, 120);
    await ask(socket, 'notes', { callSid: call.sid, version: 2, contactNumber: '+8613600000002', callbackDueAt: later });
    expect(await callbacksOf(call.sid)).toEqual([expect.objectContaining({ id: made!.id, number: '+8613600000002', status: 'new' })]);
    expect((await callbacksOf(call.sid))[0]!.dueAt.toISOString()).toBe(later);

    await ask(socket, 'notes', { callSid: call.sid, version: 3, disposition: 'resolved' });
    expect(await callbacksOf(call.sid)).toEqual([expect.objectContaining({ id: made!.id, status: 'closed' })]);
    expect((await storedNotes())[0]).toMatchObject({ disposition: 'resolved', callbackCaseId: null, callbackDueAt: null });
  });
});

describe('the disposition before wrap-up ends', () => {
  it('refuses wrap-up-done without a disposition and accepts it after one is saved', async () => {
    const { socket, call } = await floor.wrappingUp('1001');
    expect(await ask(socket, 'wrap-up-done')).toEqual({ ok: false, error: 'choose a disposition before ending wrap-up', field: 'disposition' });
    // Notes without a disposition are not enough, and neither is choosing another presence.
    await ask(socket, 'notes', { callSid: call.sid, version: 1, text: 'asked about seats' });
    expect(await ask(socket, 'wrap-up-done')).toMatchObject({ ok: false, field: 'disposition' });
    expect(await ask(socket, 'presence', { state: 'available' })).toMatchObject({ ok: false, field: 'disposition' });

    await ask(socket, 'notes', { callSid: call.sid, version: 2, disposition: 'resolved' });
    expect(await ask(socket, 'wrap-up-done')).toEqual({ ok: true, presence: 'available' });
  });

  it('holds an agent in wrap-up past its time until the disposition is saved, then frees them', async () => {
    const { socket, call, id } = await floor.wrappingUp('1001');
    const held = floor.next<{ presence: string; reason: string }>(socket, 'presence');
    running().clock.advance(h().queues.get('general')!.wrapUpSeconds);
    await sweep(h());
    expect(await held).toMatchObject({ presence: 'wrap-up', reason: 'disposition-required' });
    expect(await presence(h(), id)).toMatchObject({ presence: 'wrap-up', breakReason: 'disposition-required' });

    const over = floor.next(socket, 'wrap-up-ended');
    await ask(socket, 'notes', { callSid: call.sid, version: 1, disposition: 'forwarded' });
    await over;
    expect(await presence(h(), id)).toMatchObject({ presence: 'available', breakReason: null });
  });

  it('ends wrap-up on time when the disposition is already there', async () => {
    const { socket, call, id } = await floor.wrappingUp('1001');
    await ask(socket, 'notes', { callSid: call.sid, version: 1, disposition: 'resolved' });
    running().clock.advance(h().queues.get('general')!.wrapUpSeconds);
    await sweep(h());
    expect(await presence(h(), id)).toMatchObject({ presence: 'available', wrapUpUntil: null });
  });
});

describe('GET /api/calls/:sid/notes', () => {
  it('shows an agent their own notes, not another agent\'s; supervisors see everyone\'s', async () => {
    const { socket, call } = await floor.onCall('1001');
    await ask(socket, 'notes', { callSid: call.sid, version: 1, topic: 'complaint', text: 'train late' });
    const other = await floor.loggedInAgent('1002');
    expect(await api('GET', `/calls/${call.sid}/notes`, other.token)).toEqual({ status: 404, body: { error: `no notes of yours for call ${call.sid}` } });
    expect((await api('GET', `/calls/${call.sid}/notes`)).status).toBe(401);

    const supervisor = await floor.colleague('2001', 'supervisor');
    expect(await api('GET', `/calls/${call.sid}/notes`, supervisor)).toMatchObject({ status: 200, body: { notes: [{ employeeNo: '1001', topic: 'complaint', text: 'train late' }] } });
    const trainer = await floor.colleague('4001', 'trainer');
    expect((await api('GET', `/calls/${call.sid}/notes`, trainer)).body.notes).toHaveLength(1);
  });
});
