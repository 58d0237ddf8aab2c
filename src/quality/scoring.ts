import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { coachingNotes, qualityScores, staff } from '../../db/schema.ts';
import type { Hotline } from '../hotline.ts';
import { fieldIssue, refusing, unstorable } from '../input.ts';
import type { StaffMember } from '../staff/staff.ts';
import { automaticItems, weightedScore } from './automatic.ts';
import { callFacts, type CallFacts } from './facts.ts';
import type { Scorecard } from './scorecard.ts';

/**
 * Scoring one answered call: the trainer's points for the judged items (every one, each 0 … its max), the
 * automatic items read from the call as it stands now, the weighted score, and an optional coaching note for
 * the agent. Scoring again replaces the points and reads the automatic items afresh (a callback still within
 * its promise when first scored is left out until then); a coaching note whose text changes must be
 * acknowledged again.
 */

export class QualityError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const COACHING_MAX = 2000;

/** The body of PUT /api/quality/calls/:offerId/score, for this scorecard's judged items. */
export function scoreInput(card: Scorecard) {
  const judged = Object.fromEntries(
    card.items.flatMap((i) =>
      i.kind === 'judged'
        ? [[i.name, z.number({ error: (x) => (x.input === undefined ? 'is required' : `must be a whole number from 0 to ${i.max}`) }).int(`must be a whole number from 0 to ${i.max}`).min(0, `must be from 0 to ${i.max}`).max(i.max, `must be from 0 to ${i.max}`)]]
        : [],
    ),
  );
  return z.strictObject({
    judged: z.strictObject(judged, { error: (x) => (x.input === undefined ? 'is required' : 'must give points for each judged item') }),
    coaching: z.string('must be text').max(COACHING_MAX, `must be at most ${COACHING_MAX} characters`).check(refusing(unstorable)).optional(),
  });
}
export type ScoreInput = z.output<ReturnType<typeof scoreInput>>;

/** Parse a score or name the field at fault: "judged.accuracy must be from 0 to 5". */
export function parseScore(card: Scorecard, body: unknown): ScoreInput {
  const parsed = scoreInput(card).safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const judged = parsed.error.issues[0]!.path[0] === 'judged';
  const { field, message } = fieldIssue(parsed.error, { whole: 'body', ...(judged ? { notAField: 'is not a judged item of the scorecard' } : {}) });
  throw new QualityError(message, 400, field);
}

export type ScorecardView = {
  call: Omit<CallFacts, 'answeredAt' | 'endedAt' | 'callback' | 'notes' | 'recording'> & {
    answeredAt: string;
    endedAt: string | null;
    talkSeconds: number | null;
  };
  notes: CallFacts['notes'];
  callback: (Omit<NonNullable<CallFacts['callback']>, 'dueAt' | 'metAt'> & { dueAt: string; metAt: string | null }) | null;
  recording: (NonNullable<CallFacts['recording']> & { audio: string }) | null;
  items: Array<{ name: string; kind: 'automatic' | 'judged'; label: Record<string, string>; weight: number; max: number; value: number | null; points: number | null }>;
  /** The saved score (null until scored); `provisional` is what the automatic items alone give now. */
  score: number | null;
  provisional: number | null;
  scoredAt: string | null;
  scoredBy: string | null;
  coaching: { id: number; text: string; acknowledgedAt: string | null } | null;
};

async function factsOf(h: Hotline, offerId: number, viewer: StaffMember): Promise<CallFacts> {
  const facts = (await callFacts(h.database.db, [offerId], h.scorecard.sample.complaintQueues)).get(offerId);
  // An agent learns nothing of colleagues' calls: someone else's is as unknown as one that does not exist.
  if (!facts || (viewer.role === 'agent' && facts.staffId !== viewer.id)) throw new QualityError(`no answered call ${offerId} to score`, 404);
  return facts;
}

/** The scorecard of one call as the trainer's page (or the agent, their own) reads it. */
export async function scorecardOf(h: Hotline, offerId: number, viewer: StaffMember): Promise<ScorecardView> {
  const facts = await factsOf(h, offerId, viewer);
  const db = h.database.db;
  const [saved] = await db
    .select({ id: qualityScores.id, judged: qualityScores.judged, automatic: qualityScores.automatic, score: qualityScores.score, scoredAt: qualityScores.scoredAt, scoredBy: staff.name })
    .from(qualityScores)
    .innerJoin(staff, eq(staff.id, qualityScores.scoredBy))
    .where(eq(qualityScores.offerId, offerId));
  const [coaching] = saved ? await db.select().from(coachingNotes).where(eq(coachingNotes.scoreId, saved.id)) : [];
  // Once scored, the items as they were scored; before, as they stand now.
  const automatic = saved?.automatic ?? automaticItems(h.scorecard, facts, h.now());
  const judged = saved?.judged ?? {};
  const { answeredAt, endedAt, callback, notes, recording, ...call } = facts;
  return {
    call: { ...call, answeredAt: answeredAt.toISOString(), endedAt: endedAt?.toISOString() ?? null, talkSeconds: endedAt ? Math.round((endedAt.getTime() - answeredAt.getTime()) / 1000) : null },
    notes,
    callback: callback ? { ...callback, dueAt: callback.dueAt.toISOString(), metAt: callback.metAt?.toISOString() ?? null } : null,
    recording: recording ? { ...recording, audio: `/api/recordings/${recording.id}/audio` } : null,
    items: h.scorecard.items.map((i) => ({
      name: i.name,
      kind: i.kind,
      label: i.label,
      weight: i.weight,
      max: i.kind === 'judged' ? i.max : 1,
      value: i.kind === 'automatic' ? (automatic[i.name] ?? null) : null,
      points: i.kind === 'judged' ? (judged[i.name] ?? null) : null,
    })),
    score: saved?.score ?? null,
    provisional: weightedScore(h.scorecard, automatic, {}),
    scoredAt: saved?.scoredAt.toISOString() ?? null,
    scoredBy: saved?.scoredBy ?? null,
    coaching: coaching ? { id: coaching.id, text: coaching.text, acknowledgedAt: coaching.acknowledgedAt?.toISOString() ?? null } : null,
  };
}

/** Save the trainer's (or supervisor's) scoring of a call; returns the scorecard as it now reads. */
export async function scoreCall(h: Hotline, offerId: number, input: ScoreInput, scorer: StaffMember): Promise<ScorecardView> {
  const facts = await factsOf(h, offerId, scorer);
  // Supervisors take calls too: nobody marks their own.
  if (facts.staffId === scorer.id) throw new QualityError('you may not score your own call', 403);
  const now = h.now();
  const automatic = automaticItems(h.scorecard, facts, now);
  const score = weightedScore(h.scorecard, automatic, input.judged)!;
  const text = input.coaching?.trim() ?? '';
  const noted = await h.database.db.transaction(async (tx) => {
    const values = { callSid: facts.callSid, staffId: facts.staffId, queue: facts.queue, answeredAt: facts.answeredAt, judged: input.judged, automatic, score, scoredBy: scorer.id, scoredAt: now };
    const [row] = await tx
      .insert(qualityScores)
      .values({ offerId, ...values })
      .onConflictDoUpdate({ target: qualityScores.offerId, set: values })
      .returning({ id: qualityScores.id });
    if (!text) return false;
    const [note] = await tx.select().from(coachingNotes).where(eq(coachingNotes.scoreId, row!.id)).for('update');
    if (!note) await tx.insert(coachingNotes).values({ scoreId: row!.id, staffId: facts.staffId, authorId: scorer.id, text, createdAt: now, updatedAt: now });
    // Changed words are news to the agent: they acknowledge them again.
    else if (note.text !== text) await tx.update(coachingNotes).set({ text, authorId: scorer.id, updatedAt: now, acknowledgedAt: null }).where(eq(coachingNotes.id, note.id));
    else return false;
    return true;
  });
  if (noted) h.bus.emit('coaching', { staffId: facts.staffId });
  return scorecardOf(h, offerId, scorer);
}

export type CoachingNote = {
  id: number;
  text: string;
  author: string;
  createdAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  offerId: number;
  callSid: string;
  queue: string;
  answeredAt: string;
  score: number;
};

/** An agent's coaching notes: those not yet acknowledged (or, with `all`, the latest 50 of every kind), newest first. */
export async function coachingFor(h: Hotline, staffId: number, all = false): Promise<CoachingNote[]> {
  const rows = await h.database.db
    .select({
      id: coachingNotes.id,
      text: coachingNotes.text,
      author: staff.name,
      createdAt: coachingNotes.createdAt,
      updatedAt: coachingNotes.updatedAt,
      acknowledgedAt: coachingNotes.acknowledgedAt,
      offerId: qualityScores.offerId,
      callSid: qualityScores.callSid,
      queue: qualityScores.queue,
      answeredAt: qualityScores.answeredAt,
      score: qualityScores.score,
    })
    .from(coachingNotes)
    .innerJoin(qualityScores, eq(qualityScores.id, coachingNotes.scoreId))
    .innerJoin(staff, eq(staff.id, coachingNotes.authorId))
    .where(and(eq(coachingNotes.staffId, staffId), all ? undefined : isNull(coachingNotes.acknowledgedAt)))
    .orderBy(desc(coachingNotes.updatedAt), desc(coachingNotes.id))
    .limit(50);
  return rows.map((r) => ({
    ...r,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    acknowledgedAt: r.acknowledgedAt?.toISOString() ?? null,
    answeredAt: r.answeredAt.toISOString(),
  }));
}

/** The agent has read the note: once (acknowledging again keeps the first time). Someone else's note: 404. */
export async function acknowledge(h: Hotline, noteId: number, staffId: number): Promise<{ id: number; acknowledgedAt: string }> {
  const db = h.database.db;
  await db
    .update(coachingNotes)
    .set({ acknowledgedAt: h.now() })
    .where(and(eq(coachingNotes.id, noteId), eq(coachingNotes.staffId, staffId), isNull(coachingNotes.acknowledgedAt)));
  const [note] = await db.select({ acknowledgedAt: coachingNotes.acknowledgedAt }).from(coachingNotes).where(and(eq(coachingNotes.id, noteId), eq(coachingNotes.staffId, staffId)));
  if (!note) throw new QualityError(`no coaching note ${noteId} of yours`, 404);
  return { id: noteId, acknowledgedAt: note.acknowledgedAt!.toISOString() };
}
