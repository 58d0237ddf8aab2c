import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { calls, caseCalls, cases, offers, qualitySamples, surveys } from '../../db/schema.ts';
import type { Database } from '../../src/database.ts';
import type { Hotline } from '../../src/hotline.ts';
import type { IvrState } from '../../src/ivr/types.ts';
import { drawSample, pickSample, workList, type Candidate } from '../../src/quality/sample.ts';
import { addStaff } from '../../src/staff/staff.ts';
import { testDatabase } from '../support/database.ts';
import { hotlineWithoutCarrier, newCallSid, testConfig } from '../support/hotline.ts';

/**
 * The trainer's daily sample (scorecard.yaml `sample`: 3 calls per agent and day, ratings of 2 or less and
 * complaints always in). The day's answered calls are written as the ACD leaves them: a call, its answered
 * offer, a survey, a complaint case linked to the call.
 */

let database: Database;
let h: Hotline;
beforeAll(async () => {
  database = await testDatabase();
  h = hotlineWithoutCarrier(testConfig(), database, () => new Date('2026-11-26T02:00:00Z'));
});
afterAll(() => database.close());
beforeEach(async () => {
  await database.db.execute(sql`truncate staff, calls, offers, surveys, cases, case_calls, quality_samples restart identity`);
});

/** Shanghai's 25 November runs from 24 Nov 16:00 UTC to 25 Nov 16:00 UTC. */
const DAY = '2026-11-25';
let minute = 0;

/** A call `staffId` answered on DAY (in `queue`), rated `rating` if given, linked to a complaint if asked. */
async function answered(staffId: number, o: { queue?: string; rating?: number; complaint?: boolean; at?: Date } = {}) {
  const sid = newCallSid();
  const at = o.at ?? new Date(Date.parse('2026-11-25T01:00:00Z') + ++minute * 60_000);
  const queue = o.queue ?? 'general';
  await database.db.insert(calls).values({ sid, from: '+8613912345678', to: '+8612306', status: 'ended', ivr: {} as IvrState, queue, queuedAt: at, agentId: staffId, answeredAt: at, startedAt: at });
  const [offer] = await database.db
    .insert(offers)
    .values({ callSid: sid, staffId, queue, status: 'completed', offeredAt: at, ringStartedAt: at, answeredAt: at, endedAt: new Date(at.getTime() + 120_000), rings: 1, withinStandard: true })
    .returning();
  if (o.rating !== undefined) await database.db.insert(surveys).values({ callSid: sid, staffId, queue, language: 'zh-CN', state: {} as IvrState, rating: o.rating, status: 'complete', startedAt: at });
  if (o.complaint) {
    const [c] = await database.db
      .insert(cases)
      .values({ reference: `C${sid.slice(-8)}`, type: 'complaint', channel: 'phone', language: 'zh-CN', callSid: sid, createdAt: at, updatedAt: at })
      .returning();
    await database.db.insert(caseCalls).values({ caseId: c!.id, callSid: sid, link: 'origin', at });
  }
  return offer!.id;
}

const agent = (employeeNo: string) => addStaff(database.db, { employeeNo, name: `Agent ${employeeNo}`, role: 'agent', skills: { general: 1 }, password: 'sanling-test' });
const sampled = () => database.db.select().from(qualitySamples).orderBy(qualitySamples.offerId);

describe("a day's sample", () => {
  it('draws three of each agent’s answered calls, and every badly rated or complaint call besides', async () => {
    const [a, b] = [await agent('1001'), await agent('1002')];
    const ordinary = [];
    for (let i = 0; i < 6; i++) ordinary.push(await answered(a.id, { rating: 4 }));
    const rated1 = await answered(a.id, { rating: 1 });
    const rated2 = await answered(a.id, { rating: 2 });
    const complaintQueue = await answered(a.id, { queue: 'complaints' });
    const complaintCase = await answered(a.id, { complaint: true });
    const onlyTwo = [await answered(b.id), await answered(b.id)];

    expect(await drawSample(h, DAY)).toEqual({ added: 4 + 3 + 2 });
    const rows = await sampled();
    const reasons = Object.fromEntries(rows.map((r) => [r.offerId, r.reason]));
    expect(reasons).toMatchObject({ [rated1]: 'low-survey', [rated2]: 'low-survey', [complaintQueue]: 'complaint', [complaintCase]: 'complaint', [onlyTwo[0]!]: 'random', [onlyTwo[1]!]: 'random' });
    expect(rows.filter((r) => r.staffId === a.id && r.reason === 'random')).toHaveLength(3);
    expect(rows.every((r) => r.day === DAY)).toBe(true);
  });

  it('adds nothing when drawn again, and draws the same calls from the same day', async () => {
    const a = await agent('1001');
    for (let i = 0; i < 10; i++) await answered(a.id);
    await drawSample(h, DAY);
    const first = (await sampled()).map((r) => r.offerId);
    expect(await drawSample(h, DAY)).toEqual({ added: 0 });
    expect((await sampled()).map((r) => r.offerId)).toEqual(first);

    // Drawn afresh, the day gives the same three calls.
    await database.db.execute(sql`truncate quality_samples`);
    await drawSample(h, DAY);
    expect((await sampled()).map((r) => r.offerId)).toEqual(first);
  });

  it('tops up a day drawn early with the calls answered, rated badly or complained about since', async () => {
    const a = await agent('1001');
    const early = await answered(a.id);
    expect(await drawSample(h, DAY)).toEqual({ added: 1 });
    const later = [await answered(a.id), await answered(a.id), await answered(a.id)];
    const complained = await answered(a.id, { complaint: true });
    expect(await drawSample(h, DAY)).toEqual({ added: 3 });
    const ids = (await sampled()).map((r) => r.offerId);
    expect(ids).toContain(early);
    expect(ids).toContain(complained);
    expect(ids.filter((id) => later.includes(id))).toHaveLength(2);
  });

  it('takes the hotline’s day, not UTC’s', async () => {
    const a = await agent('1001');
    // 23:30 in Shanghai on the 25th is 15:30 UTC; 00:30 on the 26th is 16:30 UTC on the 25th.
    const late = await answered(a.id, { at: new Date('2026-11-25T15:30:00Z') });
    const nextDay = await answered(a.id, { at: new Date('2026-11-25T16:30:00Z') });
    await drawSample(h, DAY);
    expect((await sampled()).map((r) => r.offerId)).toEqual([late]);
    await drawSample(h, '2026-11-26');
    expect((await sampled()).map((r) => [r.offerId, r.day])).toEqual([
      [late, DAY],
      [nextDay, '2026-11-26'],
    ]);
  });

  it('lists the calls not yet scored first on the work list', async () => {
    const [a, b] = [await agent('1001'), await agent('1002')];
    const first = await answered(b.id);
    const second = await answered(a.id);
    await drawSample(h, DAY);
    await database.db.execute(sql`insert into quality_scores (offer_id, call_sid, staff_id, queue, answered_at, judged, automatic, score, scored_by, scored_at) select id, call_sid, staff_id, queue, answered_at, '{}', '{}', 80, 1, now() from offers where id = ${second}`);
    const list = await workList(h, DAY);
    expect(list.map((c) => [c.offerId, c.employeeNo, c.score])).toEqual([
      [first, '1002', null],
      [second, '1001', 80],
    ]);
  });
});

describe('the rules of the draw, on their own', () => {
  const rules = { perAgentPerDay: 2, lowSurveyRating: 2 };
  const call = (offerId: number, staffId: number, c: Partial<Candidate> = {}): Candidate => ({ offerId, callSid: `CA${offerId}`, staffId, queue: 'general', rating: null, complaint: false, ...c });

  it('keeps the random part per agent, whatever the always-in calls', () => {
    const candidates = [call(1, 1), call(2, 1), call(3, 1), call(4, 1, { rating: 1 }), call(5, 1, { complaint: true }), call(6, 2, { rating: 3 })];
    const picked = pickSample(DAY, candidates, [], rules);
    expect(picked.filter((p) => p.reason !== 'random').map((p) => [p.offerId, p.reason])).toEqual([
      [4, 'low-survey'],
      [5, 'complaint'],
    ]);
    expect(picked.filter((p) => p.reason === 'random' && p.staffId === 1)).toHaveLength(2);
    expect(picked.filter((p) => p.staffId === 2).map((p) => p.offerId)).toEqual([6]);
  });

  it('draws nothing at random with a sample size of 0, and differs from day to day', () => {
    const many = Array.from({ length: 40 }, (_, i) => call(i + 1, 1));
    expect(pickSample(DAY, many, [], { ...rules, perAgentPerDay: 0 })).toEqual([]);
    const on = (day: string) => pickSample(day, many, [], rules).map((p) => p.offerId);
    expect(on(DAY)).toEqual(on(DAY));
    expect(new Set([DAY, '2026-11-26', '2026-11-27'].map((d) => on(d).join()))).not.toHaveProperty('size', 1);
  });
});
