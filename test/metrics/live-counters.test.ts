import fc from 'fast-check';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agents, calls, offers, staff, surveys } from '../../db/schema.ts';
import { loadQueues } from '../../src/acd/queues.ts';
import type { Database, Db } from '../../src/database.ts';
import { freshLiveMetrics, liveMetrics } from '../../src/metrics/live.ts';
import { ringsFor, withinStandard } from '../../src/metrics/rings.ts';
import { testDatabase } from '../support/database.ts';

/**
 * The live board reads counters the database keeps in the transactions that change calls, offers and surveys
 * (db/migrations/0006_live_counters.sql). Whatever happens to the rows, the board from the counters is the
 * board aggregated afresh from the rows (freshLiveMetrics, the definitions), and every counter row is what a
 * rebuild from all rows gives.
 *
 * The workload: random arrivals, offers, answers, misses, hang-ups, surveys, queue changes, IVR steps and
 * deletions, in transactions of one or several changes as the hotline makes them, stamped across slot
 * boundaries and local midnight in Shanghai (the hour from 23:30 to 00:30). The seed is fixed, so a failure is
 * the same on every machine (fast-check prints the smallest workload that fails).
 */

const sh = (date: string, time: string) => new Date(`${date}T${time}+08:00`);
const START = sh('2026-11-24', '23:30:00');
const at = (ms: number) => new Date(START.getTime() + ms);
/** Read the board at the end of the hour, and at the last instant of the day before. */
const READ_AT = [at(3_600_000), sh('2026-11-24', '23:59:59.999')];
const QUEUES = ['tickets', 'general', 'complaints'] as const;
const queues = loadQueues('ivr-flows');

let database: Database;
let agentIds: number[] = [];

beforeAll(async () => {
  database = await testDatabase();
  for (const no of ['1001', '1002', '1003']) {
    const [row] = await database.db
      .insert(staff)
      .values({ employeeNo: no, name: `Agent ${no}`, role: 'agent', skills: { tickets: 1, general: 1 }, passwordHash: 'not-a-real-hash' })
      .returning({ id: staff.id });
    agentIds.push(row!.id);
  }
  await database.db.insert(agents).values({ staffId: agentIds[0]!, presence: 'available', since: START });
});

afterAll(async () => {
  await database?.close();
});

/** A moment in the hour, often exactly on a slot boundary or midnight (at 30 minutes). */
const moment = fc.oneof(fc.integer({ min: 0, max: 3_600_000 }), fc.constantFrom(0, 899_999, 900_000, 1_799_999, 1_800_000, 2_700_000, 3_600_000));
/** A span after a moment, often at the 5 s short abandon and the 20 s service level. */
const span = fc.oneof(fc.integer({ min: 0, max: 60_000 }), fc.constantFrom(0, 5_000, 5_001, 20_000, 20_001, 14_999, 15_000));

/** Which call a step is about: mostly the latest few, so most steps find a call they can move on. */
const call = fc.nat(3);
const often = <T>(arbitrary: fc.Arbitrary<T>) => ({ arbitrary, weight: 4 });
const step = fc.oneof(
  often(fc.record({ kind: fc.constant('arrive' as const), queue: fc.constantFrom(...QUEUES), at: moment, fromIvr: fc.boolean() })),
  often(fc.record({ kind: fc.constant('offer' as const), call, agent: fc.nat(2), after: span })),
  often(fc.record({ kind: fc.constant('answer' as const), call, wait: span, measured: fc.boolean() })),
  fc.record({ kind: fc.constant('miss' as const), call }),
  often(fc.record({ kind: fc.constant('hang-up' as const), call, after: span, ended: fc.boolean() })),
  fc.record({
    kind: fc.constant('survey' as const),
    call,
    rating: fc.option(fc.integer({ min: 1, max: 5 })),
    solved: fc.option(fc.boolean()),
    inOne: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('requeue' as const), call, queue: fc.constantFrom(...QUEUES) }),
  fc.record({ kind: fc.constant('ivr-step' as const), call }),
  fc.record({ kind: fc.constant('delete' as const), call }),
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** What the workload knows of each call, to make only moves the hotline could make. */
type Call = { sid: string; status: 'queued' | 'offered' | 'connected' | 'ended'; queuedAt: Date; offer?: { id: number; staffId: number; at: Date }; answeredBy?: number };

const ivr = { flow: 'hotline', node: 'agent', language: 'zh-CN', attempt: 0, answers: {}, path: [] };

async function apply(db: Db, live: Call[], s: Step, n: number): Promise<void> {
  if (s.kind === 'arrive') {
    const sid = `CA${n}`;
    const queued = { status: 'queued', queue: s.queue, priority: 0, queuedAt: at(s.at) };
    if (s.fromIvr) {
      // Inserted in the IVR, then queued: in one transaction, so the deferred trigger sees both changes.
      await db.transaction(async (tx) => {
        await tx.insert(calls).values({ sid, from: '+8613800138000', to: '+864001234567', status: 'ivr', ivr, startedAt: at(s.at) });
        await tx.update(calls).set(queued).where(eq(calls.sid, sid));
      });
    } else {
      await db.insert(calls).values({ sid, from: '+8613800138000', to: '+864001234567', ivr, startedAt: at(s.at), ...queued });
    }
    live.push({ sid, status: 'queued', queuedAt: at(s.at) });
    return;
  }
  const c = live[live.length - 1 - s.call];
  if (!c) return;
  const later = (ms: number) => new Date(c.queuedAt.getTime() + ms);
  switch (s.kind) {
    case 'offer': {
      if (c.status !== 'queued') return;
      const staffId = agentIds[s.agent]!;
      await db.transaction(async (tx) => {
        const [offer] = await tx
          .insert(offers)
          .values({ callSid: c.sid, staffId, queue: 'tickets', status: 'ringing', offeredAt: later(s.after) })
          .returning({ id: offers.id });
        await tx.update(calls).set({ status: 'offered' }).where(eq(calls.sid, c.sid));
        c.offer = { id: offer!.id, staffId, at: later(s.after) };
      });
      c.status = 'offered';
      return;
    }
    case 'answer': {
      if (c.status !== 'offered' || !c.offer) return;
      // Answered `wait` after the caller queued (so often at 20 s exactly), or at once if the offer came later.
      const answeredAt = new Date(Math.max(c.offer.at.getTime(), later(s.wait).getTime()));
      const rings = s.measured ? ringsFor((answeredAt.getTime() - c.offer.at.getTime()) / 1000, 5) : null;
      await db.transaction(async (tx) => {
        await tx
          .update(offers)
          .set({ status: 'connected', answeredAt, rings, withinStandard: rings === null ? null : withinStandard(rings) })
          .where(eq(offers.id, c.offer!.id));
        await tx.update(calls).set({ status: 'connected', agentId: c.offer!.staffId, answeredAt }).where(eq(calls.sid, c.sid));
      });
      c.status = 'connected';
      c.answeredBy = c.offer.staffId;
      return;
    }
    case 'miss': {
      if (c.status !== 'offered' || !c.offer) return;
      await db.transaction(async (tx) => {
        await tx.update(offers).set({ status: 'missed' }).where(eq(offers.id, c.offer!.id));
        await tx.update(calls).set({ status: 'queued' }).where(eq(calls.sid, c.sid));
      });
      c.status = 'queued';
      c.offer = undefined;
      return;
    }
    case 'hang-up': {
      if (c.status === 'ended') return;
      const talking = c.status === 'connected';
      await db.transaction(async (tx) => {
        if (c.offer) await tx.update(offers).set({ status: talking ? 'completed' : 'abandoned' }).where(eq(offers.id, c.offer.id));
        await tx
          .update(calls)
          // An abandon without an end time, now and then: counted as a long abandon, as the aggregate does once 5 s passed.
          .set({ status: 'ended', endedAt: s.ended || talking ? later(s.after) : null, endReason: talking ? 'completed' : 'abandoned-in-queue' })
          .where(eq(calls.sid, c.sid));
      });
      c.status = 'ended';
      return;
    }
    case 'survey': {
      if (c.status !== 'ended' || c.answeredBy === undefined) return;
      const exists = await db.select({ sid: surveys.callSid }).from(surveys).where(eq(surveys.callSid, c.sid));
      if (exists.length) return;
      const begin = { callSid: c.sid, staffId: c.answeredBy, queue: 'tickets', language: 'zh-CN', state: ivr, startedAt: later(90_000) };
      const answers = { rating: s.rating, solved: s.solved, status: 'partial' as const };
      if (s.inOne) {
        await db.insert(surveys).values({ ...begin, ...answers });
      } else {
        await db.insert(surveys).values(begin);
        await db.update(surveys).set({ rating: s.rating, seq: 1 }).where(eq(surveys.callSid, c.sid));
        await db.update(surveys).set(answers).where(eq(surveys.callSid, c.sid));
      }
      return;
    }
    case 'requeue': {
      if (c.status === 'ended') return;
      await db.update(calls).set({ queue: s.queue }).where(eq(calls.sid, c.sid));
      return;
    }
    case 'ivr-step': {
      await db.update(calls).set({ seq: sql`${calls.seq} + 1` }).where(eq(calls.sid, c.sid));
      return;
    }
    case 'delete': {
      await db.transaction(async (tx) => {
        await tx.delete(surveys).where(eq(surveys.callSid, c.sid));
        await tx.delete(offers).where(eq(offers.callSid, c.sid));
        await tx.delete(calls).where(eq(calls.sid, c.sid));
      });
      live.splice(live.indexOf(c), 1);
      return;
    }
  }
}

const COUNTERS = ['live_call_counts', 'live_offer_counts', 'live_survey_counts'];

/** Every counter row that counts something, in key order. */
async function counterRows(db: Db): Promise<unknown[]> {
  const rows: unknown[] = [];
  for (const table of COUNTERS) {
    const result = await db.execute(sql.raw(`select * from ${table} order by 1, 2`));
    const list = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<Record<string, unknown>>;
    for (const row of list) {
      const counts = Object.entries(row).filter(([key]) => !['slot_start', 'queue', 'staff_id'].includes(key));
      if (counts.some(([, value]) => Number(value) !== 0)) rows.push({ table, ...row, slot_start: String(row.slot_start) });
    }
  }
  return rows;
}

describe('the counters behind the live board', () => {
  it('give the board the rows aggregate to, whatever calls, offers and surveys do', async () => {
    const db = database.db;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
        // Emptying the tables empties their counters too (a statement trigger), as specs do between tests.
        await db.execute(sql`truncate calls, offers, surveys`);
        const live: Call[] = [];
        for (const [n, s] of steps.entries()) await apply(db, live, s, n);
        for (const now of READ_AT) {
          for (const timeZone of ['Asia/Shanghai', 'UTC', 'Asia/Kathmandu']) {
            const options = { now, timeZone, queues, ringCycleSeconds: 5 };
            expect(await liveMetrics(db, options)).toEqual(await freshLiveMetrics(db, options));
          }
        }
        // Every counter row (any day's), not only those the board read, is what counting all rows again gives.
        const kept = await counterRows(db);
        await db.execute(sql`select live_counts_rebuild()`);
        expect(kept).toEqual(await counterRows(db));
      }),
      { seed: 20_261_125, numRuns: 25 },
    );
    // 25 workloads of up to 60 steps: seconds on PostgreSQL, longer on PGlite on a busy machine.
  }, 180_000);

  it('are empty when the tables they count are emptied', async () => {
    const db = database.db;
    await db.execute(sql`truncate calls, offers, surveys`);
    await db.insert(calls).values({ sid: 'T1', from: '+8613800138000', to: '+864001234567', status: 'queued', ivr, queue: 'tickets', queuedAt: START, startedAt: START });
    expect(await counterRows(db)).toHaveLength(1);
    await db.execute(sql`truncate calls, offers, surveys`);
    expect(await counterRows(db)).toEqual([]);
  });
});
