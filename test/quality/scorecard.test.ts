import { mkdtempSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { staff } from '../../db/schema.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadRules } from '../../src/rules.ts';
import { qualityScoreRows } from '../../src/quality/scores.ts';
import type { SimulatedCall } from '../../src/telephony/carrier/simulator/call.ts';
import type { Socket } from 'socket.io-client';
import { sweep } from '../../src/acd/deadlines.ts';
import { offersFor } from '../support/agents.ts';
import { hotlinePerFile, nextEvent } from '../support/running.ts';
import { inMinutes, onTheFloor } from '../notes/on-a-call.ts';

/**
 * A call's scorecard, from real calls placed through the carrier simulator: the automatic items read from what
 * the hotline recorded (rings, notes, a promised callback, the survey), the trainer's judged points, the
 * weighted score, and who may read and score what.
 */

const running = hotlinePerFile();
const floor = onTheFloor(running);
const { h, api } = floor;
const clock = () => running().clock;

beforeEach(async () => {
  // The shared floor-emptying knows nothing of the quality tables.
  await h().database.db.execute(sql`truncate quality_samples, quality_scores, coaching_notes restart identity`);
});

/** An answered call, the agent's notes saved as given, the agent hanging up; the caller rates it if `rating`. */
async function answeredCall(employeeNo: string, o: { notes?: object; rating?: number; ringSeconds?: number; agent?: { token: string; socket: Socket; id: number } } = {}) {
  const r = await floor.ringing(employeeNo, o.agent ? { agent: o.agent } : {});
  if (o.ringSeconds) clock().advance(o.ringSeconds);
  const connected = floor.next(r.socket, 'connected');
  running().sim.answer(r.leg.sid);
  await connected;
  if (o.notes) expect(await api('PUT', `/calls/${r.call.sid}/notes`, r.token, { version: 1, ...o.notes })).toMatchObject({ status: 200 });
  await running().sim.hangup(r.leg.sid);
  if (o.rating !== undefined) await rate(r.call, o.rating);
  const [offer] = await offersFor(h(), r.call.sid);
  return { ...r, offerId: offer!.id };
}

/** The caller, now in the post-call survey, gives `rating` and says the problem was solved. */
async function rate(call: SimulatedCall, rating: number) {
  const disconnected = await nextEvent(call, 'disconnected');
  const asked = await nextEvent(call, 'listening', disconnected.n);
  running().sim.press(call.sid, String(rating));
  await nextEvent(call, 'listening', asked.n);
  running().sim.press(call.sid, '1');
  await running().sim.ended(call.sid);
}

const ALL_FIVES = { greeting: 5, accuracy: 5, courtesy: 5, closing: 5 };
const value = (card: { items: { name: string; value: number | null; points: number | null }[] }, name: string) => card.items.find((i) => i.name === name)!;

describe('the automatic items of a real call', () => {
  it('reads the rings, the notes and the survey, and leaves out the callback nobody promised', async () => {
    const trainer = await floor.colleague('9001', 'trainer');
    const { offerId } = await answeredCall('1001', { notes: { passengerName: '王芳', trainNumber: 'G1234', disposition: 'resolved' }, rating: 4 });

    const card = await api('GET', `/quality/calls/${offerId}`, trainer);
    expect(card.status).toBe(200);
    expect(card.body.call).toMatchObject({ offerId, employeeNo: '1001', queue: 'general', rings: 1, withinStandard: true });
    expect(card.body.notes).toMatchObject({ passengerName: '王芳', trainNumber: 'G1234', contactNumber: '', seatNumber: '' });
    expect(value(card.body, 'rings').value).toBe(1);
    // Two of name, contact, train and seat.
    expect(value(card.body, 'notes').value).toBe(0.5);
    expect(value(card.body, 'callback').value).toBeNull();
    // Rated 4 of 5: (4 − 1) / 4.
    expect(value(card.body, 'survey').value).toBe(0.75);
    expect(card.body.score).toBeNull();
  });

  it('marks a call answered after the third ring as outside the standard', async () => {
    const trainer = await floor.colleague('9001', 'trainer');
    // The five-second ring cycle: 16 s is the fourth ring.
    const { offerId } = await answeredCall('1001', { ringSeconds: 16 });
    const card = await api('GET', `/quality/calls/${offerId}`, trainer);
    expect(card.body.call).toMatchObject({ rings: 4, withinStandard: false });
    expect(value(card.body, 'rings').value).toBe(0);
    // No notes at all: none of the four written down.
    expect(value(card.body, 'notes').value).toBe(0);
  });

  it('waits for a promised callback until it is due, then scores it kept or broken', async () => {
    const trainer = await floor.colleague('9001', 'trainer');
    const supervisor = await floor.colleague('8001', 'supervisor');
    const promise = { passengerName: '李雷', contactNumber: '13912345678', disposition: 'callback-promised', callbackDueAt: inMinutes(running, 30) };
    const broken = await answeredCall('1001', { notes: promise });
    const kept = await answeredCall('1002', { notes: promise });
    expect(value((await api('GET', `/quality/calls/${broken.offerId}`, trainer)).body, 'callback').value).toBeNull();

    // 1002's passenger is reached and the callback resolved 20 minutes on, within the promise.
    clock().advance(20 * 60);
    const { callback } = (await api('GET', `/quality/calls/${kept.offerId}`, trainer)).body;
    const record = await api('GET', `/cases/${callback.reference}`, supervisor);
    expect(await api('POST', `/cases/${callback.reference}/resolve`, supervisor, { version: record.body.version, reason: 'answered', answer: 'called back, refund explained' })).toMatchObject({ status: 200 });
    clock().advance(11 * 60);

    expect(value((await api('GET', `/quality/calls/${kept.offerId}`, trainer)).body, 'callback').value).toBe(1);
    expect(value((await api('GET', `/quality/calls/${broken.offerId}`, trainer)).body, 'callback').value).toBe(0);
  });
});

describe('scoring a call', () => {
  it('weighs the items that apply (no survey, no callback: left out) into a score of 0–100', async () => {
    const trainer = await floor.colleague('9001', 'trainer');
    const { offerId, id } = await answeredCall('1001', { notes: { passengerName: '王芳', trainNumber: 'G1234', disposition: 'resolved' } });
    const scored = await api('PUT', `/quality/calls/${offerId}/score`, trainer, { judged: { greeting: 5, accuracy: 4, courtesy: 5, closing: 3 }, coaching: 'Say your employee number.' });
    expect(scored.status).toBe(200);
    // rings 15 × 1 + notes 10 × 0.5 + greeting 15 × 5/5 + accuracy 20 × 4/5 + courtesy 10 × 5/5 + closing 10 × 3/5,
    // over the weights that apply: 15 + 10 + 15 + 20 + 10 + 10 = 80 (callback and survey left out).
    expect(scored.body.score).toBe(Math.round(((15 + 5 + 15 + 16 + 10 + 6) / 80) * 1000) / 10);
    expect(scored.body.coaching).toMatchObject({ text: 'Say your employee number.', acknowledgedAt: null });
    expect(value(scored.body, 'accuracy').points).toBe(4);

    // Scoring again replaces the points; the report rows follow.
    const again = await api('PUT', `/quality/calls/${offerId}/score`, trainer, { judged: ALL_FIVES });
    expect(again.body.score).toBe(Math.round(((15 + 5 + 55) / 80) * 1000) / 10);
    const rows = await qualityScoreRows(h(), { from: new Date(clock().now.getTime() - 3600_000), to: new Date(clock().now.getTime() + 3600_000) });
    expect(rows).toEqual([{ staffId: id, at: expect.any(Date), score: again.body.score }]);
    // The coaching note was kept (no new text given).
    expect(again.body.coaching).toMatchObject({ text: 'Say your employee number.' });
  });

  it('refuses judged points that are missing, out of range or not on the scorecard, naming the field', async () => {
    const trainer = await floor.colleague('9001', 'trainer');
    const { offerId } = await answeredCall('1001');
    const put = (body: unknown) => api('PUT', `/quality/calls/${offerId}/score`, trainer, body);
    expect(await put({ judged: { ...ALL_FIVES, accuracy: 6 } })).toMatchObject({ status: 400, body: { field: 'judged.accuracy', error: 'judged.accuracy must be from 0 to 5' } });
    expect(await put({ judged: { ...ALL_FIVES, courtesy: -1 } })).toMatchObject({ status: 400, body: { field: 'judged.courtesy' } });
    expect(await put({ judged: { ...ALL_FIVES, greeting: 2.5 } })).toMatchObject({ status: 400, body: { field: 'judged.greeting', error: expect.stringMatching(/whole number/) } });
    const { closing: _left, ...missing } = ALL_FIVES;
    expect(await put({ judged: missing })).toMatchObject({ status: 400, body: { field: 'judged.closing', error: 'judged.closing is required' } });
    expect(await put({ judged: { ...ALL_FIVES, rings: 1 } })).toMatchObject({ status: 400, body: { field: 'judged.rings', error: expect.stringMatching(/not a judged item/) } });
    expect(await put({})).toMatchObject({ status: 400, body: { field: 'judged' } });
    expect(await put({ judged: ALL_FIVES, coaching: 'x'.repeat(2001) })).toMatchObject({ status: 400, body: { field: 'coaching' } });
    expect(await api('PUT', '/quality/calls/999999/score', trainer, { judged: ALL_FIVES })).toMatchObject({ status: 404 });
    expect(await api('PUT', '/quality/calls/abc/score', trainer, { judged: ALL_FIVES })).toMatchObject({ status: 400, body: { field: 'offerId' } });
    expect((await api('GET', `/quality/calls/${offerId}`, trainer)).body.score).toBeNull();
  });
});

describe('who may do what', () => {
  it('lets trainers and supervisors score, managers read, and an agent only their own', async () => {
    const [trainer, supervisor, manager] = [await floor.colleague('9001', 'trainer'), await floor.colleague('8001', 'supervisor'), await floor.colleague('7001', 'manager')];
    const mine = await answeredCall('1001');
    const theirs = await answeredCall('1002');
    const score = (token: string | undefined) => api('PUT', `/quality/calls/${mine.offerId}/score`, token, { judged: ALL_FIVES, coaching: 'Well done.' });
    expect(await score(undefined)).toMatchObject({ status: 401 });
    expect(await score(mine.token)).toMatchObject({ status: 403 });
    expect(await score(manager)).toMatchObject({ status: 403 });
    expect(await score(supervisor)).toMatchObject({ status: 200 });
    expect(await score(trainer)).toMatchObject({ status: 200 });
    // A supervisor who took the call does not mark it.
    await h().database.db.update(staff).set({ role: 'supervisor' }).where(eq(staff.id, theirs.id));
    expect(await api('PUT', `/quality/calls/${theirs.offerId}/score`, theirs.token, { judged: ALL_FIVES })).toMatchObject({ status: 403, body: { error: 'you may not score your own call' } });
    await h().database.db.update(staff).set({ role: 'agent' }).where(eq(staff.id, theirs.id));

    const day = '2026-11-25';
    for (const [token, status] of [[trainer, 200], [supervisor, 200], [manager, 403], [mine.token, 403], [undefined, 401]] as const)
      expect(await api('POST', '/quality/samples', token, { day })).toMatchObject({ status });
    for (const [token, status] of [[trainer, 200], [supervisor, 200], [manager, 200], [mine.token, 403], [undefined, 401]] as const) {
      expect(await api('GET', `/quality/worklist?day=${day}`, token)).toMatchObject({ status });
      expect(await api('GET', `/quality/agents?from=${day}&to=${day}`, token)).toMatchObject({ status });
    }
    // An agent reads their own scorecard, and learns nothing of a colleague's.
    expect(await api('GET', `/quality/calls/${mine.offerId}`, mine.token)).toMatchObject({ status: 200, body: { score: 87.5 } });
    expect(await api('GET', `/quality/calls/${theirs.offerId}`, mine.token)).toMatchObject({ status: 404 });
    expect(await api('GET', `/quality/calls/${mine.offerId}`)).toMatchObject({ status: 401 });

    // The coaching note: only its agent sees and acknowledges it.
    const notes = await api('GET', '/quality/coaching', mine.token);
    expect(notes.body.notes).toEqual([expect.objectContaining({ text: 'Well done.', score: 87.5, offerId: mine.offerId, acknowledgedAt: null })]);
    expect((await api('GET', '/quality/coaching', theirs.token)).body.notes).toEqual([]);
    const noteId = notes.body.notes[0].id;
    expect(await api('POST', `/quality/coaching/${noteId}/acknowledge`, theirs.token)).toMatchObject({ status: 404 });
    expect(await api('POST', `/quality/coaching/${noteId}/acknowledge`)).toMatchObject({ status: 401 });
    const ack = await api('POST', `/quality/coaching/${noteId}/acknowledge`, mine.token);
    expect(ack).toMatchObject({ status: 200, body: { id: noteId, acknowledgedAt: clock().now.toISOString() } });
    expect((await api('GET', '/quality/coaching', mine.token)).body.notes).toEqual([]);
    expect((await api('GET', '/quality/coaching?all=true', mine.token)).body.notes).toEqual([expect.objectContaining({ id: noteId, acknowledgedAt: clock().now.toISOString() })]);
    // New words from the trainer are news again.
    await api('PUT', `/quality/calls/${mine.offerId}/score`, trainer, { judged: ALL_FIVES, coaching: 'Well done; keep the greeting.' });
    expect((await api('GET', '/quality/coaching', mine.token)).body.notes).toEqual([expect.objectContaining({ id: noteId, text: 'Well done; keep the greeting.', acknowledgedAt: null })]);
    expect((await api('GET', '/quality/scorecard', mine.token)).body.items.map((i: { name: string }) => i.name)).toEqual(['rings', 'notes', 'callback', 'survey', 'greeting', 'accuracy', 'courtesy', 'closing']);
  });
});

describe('quality over time', () => {
  it('gives each agent, team (queue) and the floor their score beside rings, handle time and CSAT', async () => {
    const trainer = await floor.colleague('9001', 'trainer');
    const first = await answeredCall('1001', { notes: { passengerName: '王芳', contactNumber: '139', trainNumber: 'G1', seatNumber: '5A', disposition: 'resolved' }, rating: 5 });
    // The same agent's next call, once wrap-up is over.
    clock().advance(60);
    await sweep(h());
    await answeredCall('1001', { ringSeconds: 16, rating: 1, agent: first });
    await api('PUT', `/quality/calls/${first.offerId}/score`, trainer, { judged: ALL_FIVES });
    const got = await api('GET', '/quality/agents?from=2026-11-24&to=2026-11-25&by=day', trainer);
    expect(got.status).toBe(200);
    const day = { start: '2026-11-25', answered: 2, quality: 100, scored: 1, withinStandard: 0.5, csat: 50, csatTopTwo: 50, ratings: 2 };
    expect(got.body.agents).toEqual([{ staffId: first.id, employeeNo: '1001', name: 'Agent 1001', periods: [expect.objectContaining({ start: '2026-11-24', answered: 0, quality: null }), expect.objectContaining(day)] }]);
    expect(got.body.teams).toEqual([{ queue: 'general', periods: [expect.anything(), expect.objectContaining(day)] }]);
    expect(got.body.floor[1]).toMatchObject(day);
    const week = await api('GET', '/quality/agents?from=2026-11-24&to=2026-11-25&by=week', trainer);
    expect(week.body.floor).toEqual([expect.objectContaining({ ...day, start: '2026-11-23' })]);
  });

  it('names the field of a bad range', async () => {
    const trainer = await floor.colleague('9001', 'trainer');
    expect(await api('GET', '/quality/agents?from=2026-11-25&to=2026-11-24', trainer)).toMatchObject({ status: 400, body: { field: 'from' } });
    expect(await api('GET', '/quality/agents?from=2026-11-25&to=2026-11-25&by=month', trainer)).toMatchObject({ status: 400, body: { field: 'by' } });
    expect(await api('GET', '/quality/agents?from=2026-02-30&to=2026-03-01', trainer)).toMatchObject({ status: 400, body: { field: 'from', error: 'from must be a date YYYY-MM-DD' } });
    expect(await api('GET', '/quality/agents?to=2026-03-01', trainer)).toMatchObject({ status: 400, body: { field: 'from' } });
  });
});

describe('the scorecard file', () => {
  const withScorecard = (edit: (text: string) => string) => {
    const dir = mkdtempSync(join(tmpdir(), 'sanling-scorecard-'));
    for (const file of readdirSync('ivr-flows')) copyFileSync(join('ivr-flows', file), join(dir, file));
    writeFileSync(join(dir, 'scorecard.yaml'), edit(readFileSync(join(dir, 'scorecard.yaml'), 'utf8')));
    return () => loadRules({ flowsDir: dir, timeZone: 'Asia/Shanghai' });
  };

  it('is loaded with the rules, items in the order written', () => {
    expect(withScorecard((t) => t)().scorecard).toMatchObject({ sample: { perAgentPerDay: 3, lowSurveyRating: 2, complaintQueues: ['complaints'] }, items: expect.arrayContaining([expect.objectContaining({ name: 'greeting', kind: 'judged', max: 5, weight: 15 })]) });
  });

  it('stops start-up naming the item and field of a mistake', () => {
    expect(withScorecard((t) => t.replace('measure: survey', 'measure: surveys'))).toThrow(/scorecard\.yaml: item survey, field measure: must be one of rings, notes-complete/);
    expect(withScorecard((t) => t.replace(/weight: 20/, 'weight: -20'))).toThrow(/scorecard\.yaml: item accuracy, field weight: must be more than 0/);
    expect(withScorecard((t) => t.replace(/max: 5\n    weight: 10\n    label: \{ zh-TW: 禮貌/, 'max: 5\n    weight: 10\n    maximum: 9\n    label: { zh-TW: 禮貌'))).toThrow(/item courtesy, field maximum: is not a known field/);
    expect(withScorecard((t) => t.replace('perAgentPerDay: 3', 'perAgentPerDay: many'))).toThrow(/scorecard\.yaml: field sample\.perAgentPerDay: must be a whole number/);
    expect(withScorecard((t) => t.replace(/^items:/m, 'items: [unclosed'))).toThrow(/scorecard\.yaml: not valid YAML/);
  });
});
