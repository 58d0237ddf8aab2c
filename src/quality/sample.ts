import { createHash } from 'node:crypto';
import { and, asc, eq, gte, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { caseCalls, cases, offers, qualitySamples, qualityScores, staff, surveys } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { dayBounds } from './days.ts';

/**
 * The trainer's daily sample: per agent and hotline day, `perAgentPerDay` answered calls at random, plus every
 * call rated at or below `lowSurveyRating` and every call about a complaint (answered in a complaints queue,
 * or linked to a complaint case), which are always reviewed whatever the random draw.
 *
 * Deterministic given the day: the random calls are the agent's answered calls in the order of a hash of the
 * day and the offer, so drawing again picks the same calls. Idempotent: one row per offer, and the random part
 * is topped up to `perAgentPerDay` only (drawing a day again adds nothing; drawing today again later adds the
 * calls that were not there yet, and those rated badly or complained about since).
 */

export type SampleReason = 'random' | 'low-survey' | 'complaint';

export type Candidate = { offerId: number; callSid: string; staffId: number; queue: string; rating: number | null; complaint: boolean };

/** The hash order of the random draw: the same day gives the same order, another day another one. */
export const drawOrder = (day: string, offerId: number): string => createHash('sha256').update(`${day}:${offerId}`).digest('hex');

/** Which candidates to add, given those already sampled: plain data in, rows out (the rules, testable alone). */
export function pickSample(
  day: string,
  candidates: Candidate[],
  already: { offerId: number; staffId: number; reason: SampleReason }[],
  rules: { perAgentPerDay: number; lowSurveyRating: number },
): { offerId: number; callSid: string; staffId: number; reason: SampleReason }[] {
  const taken = new Set(already.map((s) => s.offerId));
  const randomSoFar = new Map<number, number>();
  for (const s of already) if (s.reason === 'random') randomSoFar.set(s.staffId, (randomSoFar.get(s.staffId) ?? 0) + 1);
  const picked: { offerId: number; callSid: string; staffId: number; reason: SampleReason }[] = [];
  const always = (c: Candidate): SampleReason | undefined => (c.complaint ? 'complaint' : c.rating !== null && c.rating <= rules.lowSurveyRating ? 'low-survey' : undefined);
  for (const c of candidates) {
    const reason = always(c);
    if (reason && !taken.has(c.offerId)) picked.push({ offerId: c.offerId, callSid: c.callSid, staffId: c.staffId, reason });
  }
  const byAgent = new Map<number, Candidate[]>();
  for (const c of candidates) {
    if (always(c)) continue;
    const own = byAgent.get(c.staffId);
    if (own) own.push(c);
    else byAgent.set(c.staffId, [c]);
  }
  for (const [staffId, own] of byAgent) {
    let need = rules.perAgentPerDay - (randomSoFar.get(staffId) ?? 0);
    const order = new Map(own.map((c) => [c.offerId, drawOrder(day, c.offerId)]));
    for (const c of own.sort((a, b) => (order.get(a.offerId)! < order.get(b.offerId)! ? -1 : 1))) {
      if (need <= 0) break;
      if (taken.has(c.offerId)) continue;
      picked.push({ offerId: c.offerId, callSid: c.callSid, staffId, reason: 'random' });
      need--;
    }
  }
  return picked;
}

/** Draw `day`'s sample (YYYY-MM-DD, the hotline's day); returns how many calls were added. */
export async function drawSample(h: Hotline, day: string): Promise<{ added: number }> {
  const db = h.database.db;
  const { start, end } = dayBounds(day, h.config.timeZone);
  const rules = h.scorecard.sample;
  // One statement, joined in the database: a busy day has tens of thousands of calls, too many to pass as parameters.
  const complained = sql<boolean>`exists (select 1 from ${caseCalls} join ${cases} on ${cases.id} = ${caseCalls.caseId} where ${caseCalls.callSid} = ${offers.callSid} and ${cases.type} = 'complaint')`;
  const [found, already] = await Promise.all([
    db
      .select({ offerId: offers.id, callSid: offers.callSid, staffId: offers.staffId, queue: offers.queue, rating: surveys.rating, complained })
      .from(offers)
      // The survey rates the agent who was on the line last.
      .leftJoin(surveys, and(eq(surveys.callSid, offers.callSid), eq(surveys.staffId, offers.staffId)))
      // offered_at (indexed) bounds the scan; a call rings for seconds before it is answered.
      .where(and(gte(offers.offeredAt, new Date(start.getTime() - 3600_000)), lt(offers.offeredAt, end), gte(offers.answeredAt, start), lt(offers.answeredAt, end), isNotNull(offers.callSid), isNull(offers.caseId)))
      .orderBy(asc(offers.id)),
    db.select({ offerId: qualitySamples.offerId, staffId: qualitySamples.staffId, reason: qualitySamples.reason }).from(qualitySamples).where(eq(qualitySamples.day, day)),
  ]);
  const candidates: Candidate[] = found.map((f) => ({
    offerId: f.offerId,
    callSid: f.callSid!,
    staffId: f.staffId,
    queue: f.queue,
    rating: f.rating,
    complaint: rules.complaintQueues.includes(f.queue) || f.complained,
  }));
  const rows = pickSample(day, candidates, already, rules);
  if (rows.length === 0) return { added: 0 };
  // In chunks: a bad day's always-in calls may number thousands, more than one statement's parameters.
  let added = 0;
  for (let i = 0; i < rows.length; i += 1000) {
    const inserted = await db
      .insert(qualitySamples)
      .values(rows.slice(i, i + 1000).map((r) => ({ ...r, day, drawnAt: h.now() })))
      .onConflictDoNothing()
      .returning({ id: qualitySamples.id });
    added += inserted.length;
  }
  return { added };
}

export type WorkItem = {
  offerId: number;
  callSid: string;
  staffId: number;
  employeeNo: string;
  agentName: string;
  queue: string;
  answeredAt: string;
  reason: SampleReason;
  score: number | null;
  scoredAt: string | null;
};

/** The trainer's work list of `day`: the sampled calls not yet scored first, then the scored ones. */
export async function workList(h: Hotline, day: string): Promise<WorkItem[]> {
  const rows = await h.database.db
    .select({
      offerId: qualitySamples.offerId,
      callSid: qualitySamples.callSid,
      staffId: qualitySamples.staffId,
      employeeNo: staff.employeeNo,
      agentName: staff.name,
      queue: offers.queue,
      answeredAt: offers.answeredAt,
      reason: qualitySamples.reason,
      score: qualityScores.score,
      scoredAt: qualityScores.scoredAt,
    })
    .from(qualitySamples)
    .innerJoin(offers, eq(offers.id, qualitySamples.offerId))
    .innerJoin(staff, eq(staff.id, qualitySamples.staffId))
    .leftJoin(qualityScores, eq(qualityScores.offerId, qualitySamples.offerId))
    .where(eq(qualitySamples.day, day))
    .orderBy(sql`${qualityScores.id} is not null`, asc(staff.employeeNo), asc(offers.answeredAt));
  return rows.map((r) => ({ ...r, answeredAt: r.answeredAt!.toISOString(), scoredAt: r.scoredAt?.toISOString() ?? null }));
}
