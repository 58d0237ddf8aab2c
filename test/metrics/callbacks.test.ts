import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackAttempts, caseClocks, cases, type AttemptOutcome } from '../../db/schema.ts';
import { loadQueues } from '../../src/acd/queues.ts';
import type { CaseStatus, CaseType } from '../../src/cases/choices.ts';
import type { Database } from '../../src/database.ts';
import { callbackFigures } from '../../src/metrics/callbacks.ts';
import { liveMetrics, startOfLocalDay } from '../../src/metrics/live.ts';
import { testDatabase } from '../support/database.ts';

/** Hotline wall-clock time in Shanghai (UTC+8, no daylight saving). */
const sh = (date: string, time: string) => new Date(`${date}T${time}+08:00`);
const today = (time: string) => sh('2026-11-25', time);
const yesterday = (time: string) => sh('2026-11-24', time);
const NOW = today('10:00:00');
const TOMORROW = sh('2026-11-26', '00:00:10');

const queues = loadQueues('ivr-flows');
const figures = (now = NOW) => callbackFigures(database.db, startOfLocalDay(now, 'Asia/Shanghai'), now);

let database: Database;

/**
 * The callbacks at 10:00 in Shanghai (resolve clock: due → met; attempts: outcome, counted or not).
 *
 *   R1  asked today 08:00, resolved 08:30 answered        due 08:15 → met 08:30 (late)
 *       no-answer 08:05, failed 08:10 (not counted: the carrier refused), answered 08:25
 *   R2  asked yesterday 17:00, resolved today 09:00 answered, closed 09:05   due 09:00 → met 09:00 (on time)
 *       busy yesterday 17:10, answered today 08:55
 *   R3  asked today 09:00, resolved 09:20 unreachable      three no-answers (not completed)
 *   R4  asked today 09:30, new, due 09:45 (overdue)        one dialling now
 *   R5  asked yesterday 20:00, waiting on the passenger, due yesterday 20:15
 *   R6  asked the day before yesterday, resolved yesterday 18:00 answered, closed
 *   R7  asked today 09:40, closed 09:50 withdrawn (the agent took the promise back)
 *   C1  a complaint asked today 08:00, open, due yesterday 08:00        (not a callback)
 *   C2  a complaint asked yesterday, resolved today 09:00 answered      (not a callback)
 *
 * Figures:
 *   requested 4 (R1 R3 R4 R7; not R2 nor R5, asked yesterday)
 *   completed 2 (R1 R2: not R3 unreachable, R6 resolved yesterday, R7 withdrawn)
 *   within promise 1 / 2 = 0.5 (R2 met at its due time exactly; R1 late)
 *   attempts per completed (2 + 2) / 2 = 2 (R1's failed attempt not counted; R2's of yesterday counted)
 *   waiting 2 (R4, R5), the oldest due yesterday 20:15 (R5's)
 */
beforeAll(async () => {
  database = await testDatabase();
  const db = database.db;

  type Case = { type?: CaseType; status: CaseStatus; createdAt: Date; resolvedAt?: Date; reason?: string; closedAt?: Date; dueAt?: Date };
  const ids = new Map<string, number>();
  const add = async (name: string, c: Case) => {
    const [row] = await db
      .insert(cases)
      .values({
        reference: `${name}XXXXX`,
        type: c.type ?? 'callback',
        status: c.status,
        channel: 'phone',
        contactNumber: '+8613800138000',
        contactKey: '00138000',
        language: 'zh-CN',
        queue: 'general',
        createdAt: c.createdAt,
        updatedAt: c.closedAt ?? c.resolvedAt ?? c.createdAt,
        resolvedAt: c.resolvedAt ?? null,
        closedAt: c.closedAt ?? null,
        resolution: c.reason ? { reason: c.reason, answer: 'Told the passenger.' } : null,
        // The case row keeps the soonest due time of its clocks not yet met.
        dueAt: c.resolvedAt ? null : (c.dueAt ?? null),
      })
      .returning({ id: cases.id });
    ids.set(name, row!.id);
    return row!.id;
  };
  const clock = (caseId: number, startedAt: Date, dueAt: Date, metAt: Date | null) => ({
    caseId,
    kind: 'resolve' as const,
    span: 'promised',
    working: false,
    calendar: 'hotline',
    startedAt,
    dueAt,
    remindAt: dueAt,
    managerAt: dueAt,
    metAt,
  });
  let offerId = 0;
  const attempt = (caseId: number, outcome: AttemptOutcome, startedAt: Date, counted = true) => ({
    caseId,
    offerId: ++offerId,
    staffId: 1,
    number: '+8613800138000',
    outcome,
    counted,
    startedAt,
  });

  const r1 = await add('R1', { status: 'resolved', createdAt: today('08:00:00'), resolvedAt: today('08:30:00'), reason: 'answered' });
  const r2 = await add('R2', { status: 'closed', createdAt: yesterday('17:00:00'), resolvedAt: today('09:00:00'), reason: 'answered', closedAt: today('09:05:00') });
  const r3 = await add('R3', { status: 'resolved', createdAt: today('09:00:00'), resolvedAt: today('09:20:00'), reason: 'unreachable' });
  const r4 = await add('R4', { status: 'new', createdAt: today('09:30:00'), dueAt: today('09:45:00') });
  const r5 = await add('R5', { status: 'waiting', createdAt: yesterday('20:00:00'), dueAt: yesterday('20:15:00') });
  const r6 = await add('R6', { status: 'closed', createdAt: sh('2026-11-23', '12:00:00'), resolvedAt: yesterday('18:00:00'), reason: 'answered', closedAt: yesterday('18:00:00') });
  const r7 = await add('R7', { status: 'closed', createdAt: today('09:40:00'), resolvedAt: today('09:50:00'), reason: 'withdrawn', closedAt: today('09:50:00') });
  const c1 = await add('C1', { type: 'complaint', status: 'new', createdAt: today('08:00:00'), dueAt: yesterday('08:00:00') });
  const c2 = await add('C2', { type: 'complaint', status: 'resolved', createdAt: yesterday('08:00:00'), resolvedAt: today('09:00:00'), reason: 'answered' });

  await db.insert(caseClocks).values([
    clock(r1, today('08:00:00'), today('08:15:00'), today('08:30:00')),
    clock(r2, yesterday('17:00:00'), today('09:00:00'), today('09:00:00')),
    clock(r3, today('09:00:00'), today('09:15:00'), today('09:20:00')),
    clock(r4, today('09:30:00'), today('09:45:00'), null),
    clock(r5, yesterday('20:00:00'), yesterday('20:15:00'), null),
    clock(r6, sh('2026-11-23', '12:00:00'), sh('2026-11-23', '12:15:00'), yesterday('18:00:00')),
    clock(r7, today('09:40:00'), today('09:55:00'), today('09:50:00')),
    clock(c1, today('08:00:00'), sh('2026-12-25', '08:00:00'), null),
    clock(c2, yesterday('08:00:00'), sh('2026-12-24', '08:00:00'), today('09:00:00')),
  ]);
  await db.insert(callbackAttempts).values([
    attempt(r1, 'no-answer', today('08:05:00')),
    attempt(r1, 'failed', today('08:10:00'), false),
    attempt(r1, 'answered', today('08:25:00')),
    attempt(r2, 'busy', yesterday('17:10:00')),
    attempt(r2, 'answered', today('08:55:00')),
    attempt(r3, 'no-answer', today('09:02:00')),
    attempt(r3, 'no-answer', today('09:10:00')),
    attempt(r3, 'no-answer', today('09:18:00')),
    attempt(r4, 'dialling', today('09:59:50')),
    attempt(r6, 'answered', yesterday('17:55:00')),
  ]);
});

afterAll(async () => {
  await database?.close();
});

describe('today’s callbacks', () => {
  it('counts as requested the callbacks asked for since midnight, not those asked for yesterday however they stand', async () => {
    // R1 R3 R4 R7; R2 (completed today) and R5 (waiting) were asked for yesterday; C1 is a complaint.
    expect((await figures()).requested).toBe(4);
  });

  it('counts as completed the callbacks resolved today as answered, whatever day they were asked for', async () => {
    // R1, and R2 (asked yesterday, since closed); not R3 (unreachable), R7 (withdrawn), R6 (yesterday) nor C2 (a complaint).
    expect((await figures()).completed).toBe(2);
  });

  it('shares within the promise the completed ones whose resolve clock was met by its due time: one met late lowers it', async () => {
    // R2 met at its due time exactly; R1 at 08:30, due 08:15.
    expect((await figures()).withinPromise).toBe(0.5);
  });

  it('counts the completed ones’ counted attempts of any day, not one that did not count (the carrier refused it)', async () => {
    // R1: no-answer and answered (its failed attempt uncounted); R2: busy yesterday and answered today.
    expect((await figures()).attemptsPerCompleted).toBe(2);
  });

  it('counts as waiting the callbacks open now whatever day they were asked for, with the earliest due time among them', async () => {
    // R4 (new today) and R5 (waiting on the passenger since yesterday); not the open complaint C1, due earlier.
    const { waiting, oldestDueAt } = await figures();
    expect(waiting).toBe(2);
    expect(oldestDueAt).toBe(yesterday('20:15:00').toISOString());
  });

  it('are the live metrics’ callbacks', async () => {
    expect((await liveMetrics(database.db, { now: NOW, timeZone: 'Asia/Shanghai', queues, ringCycleSeconds: 5 })).callbacks).toEqual({
      requested: 4,
      completed: 2,
      withinPromise: 0.5,
      attemptsPerCompleted: 2,
      waiting: 2,
      oldestDueAt: '2026-11-24T12:15:00.000Z',
    });
  });

  it('leave out what happened after now: at 08:45, one callback asked for and completed, late', async () => {
    // R1 only: R3, R4 and R7 not asked for yet, R2 not completed yet. None within the promise is 0, not "none".
    const { requested, completed, withinPromise, attemptsPerCompleted } = await figures(today('08:45:00'));
    expect({ requested, completed, withinPromise, attemptsPerCompleted }).toEqual({ requested: 1, completed: 1, withinPromise: 0, attemptsPerCompleted: 2 });
  });
});

describe('a new day', () => {
  it('starts from nothing at midnight, with no share nor attempts per callback while none is completed, and the waiting callbacks stay', async () => {
    expect(await figures(TOMORROW)).toEqual({
      requested: 0,
      completed: 0,
      withinPromise: null,
      attemptsPerCompleted: null,
      waiting: 2,
      oldestDueAt: '2026-11-24T12:15:00.000Z',
    });
  });
});
