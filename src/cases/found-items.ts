import { and, desc, eq, gte, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { cases, foundItems } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { refusing, unstorable } from '../input.ts';
import { announce, CaseError, lockCase, type Case } from './cases.ts';
import { appendCaseEvents, type Actor } from './timeline.ts';

/**
 * The found-items register: what station and train staff found, and where it is kept. A lost-item case is
 * shown the unmatched items found on its train within a day of its travel date, most alike first (pg_trgm's
 * trigram similarity, which reads Chinese as well as English); a match is written on both sides, the item
 * naming the case and the case's timeline the item.
 */

export type FoundItem = typeof foundItems.$inferSelect;

// The patterns of src/cases/input.ts: each message completes the sentence that starts with the field's name.
const string = () => z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be text') });
const text = (max: number) => string().trim().max(max, `must be at most ${max} characters`).check(refusing(unstorable));
const train = string().trim().toUpperCase().regex(/^[A-Z]{0,2}\d{1,5}$/, 'must be a train number such as G1234 or 1234');
const day = z.iso.date({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a date such as 2026-03-12') });

export const foundItemInput = z.strictObject(
  {
    trainNumber: train,
    foundOn: day,
    car: text(4).optional(),
    seat: text(6).optional(),
    kind: text(60).min(1, 'must say what the item is (bag, phone, 背包 …)'),
    description: text(1000).min(1, 'must describe the item'),
    keptAt: text(200).min(1, 'must say where the item is kept'),
  },
  'must be a JSON object',
);
export type FoundItemInput = z.output<typeof foundItemInput>;

export const foundItemQuery = z
  .strictObject({ train: train.optional(), from: day.optional(), to: day.optional() })
  .refine((q) => !(q.from && q.to && q.to < q.from), { message: 'must not be before from', path: ['to'] });
export type FoundItemQuery = z.output<typeof foundItemQuery>;

export const matchInput = z.strictObject(
  {
    foundItemId: z.number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be the id of a found item') }).int('must be the id of a found item').positive('must be the id of a found item'),
    version: z.number('must be the version you read').int().min(0).optional(),
  },
  'must be a JSON object',
);
export type MatchInput = z.output<typeof matchInput>;

/** An item as the pages show it: with the reference of the case it was matched to, if any. */
export type FoundItemView = Omit<FoundItem, 'recordedAt'> & { recordedAt: string; caseReference: string | null };

const view = (item: FoundItem, caseReference: string | null): FoundItemView => ({ ...item, recordedAt: item.recordedAt.toISOString(), caseReference });

/** Record what was found. A date after today (in the hotline's time zone) is a slip of the keyboard. */
export async function recordFoundItem(h: Hotline, input: FoundItemInput, actor: Actor & { staffId: number }): Promise<FoundItemView> {
  const now = h.now();
  const today = DateTime.fromJSDate(now, { zone: h.config.timeZone }).toISODate()!;
  if (input.foundOn > today) throw new CaseError(`foundOn must not be after today (${today})`, 400, 'foundOn');
  const [item] = await h.database.db
    .insert(foundItems)
    .values({ ...input, car: input.car ?? '', seat: input.seat ?? '', recordedBy: actor.staffId, recordedAt: now })
    .returning();
  h.bus.emit('changed');
  return view(item!, null);
}

export const RECENT_ITEMS = 100;

/** The register, newest find first: of one train, between two dates, or simply the most recent. */
export async function listFoundItems(db: Db, q: FoundItemQuery): Promise<FoundItemView[]> {
  const where: SQL[] = [];
  if (q.train) where.push(sameTrain(q.train));
  if (q.from) where.push(gte(foundItems.foundOn, q.from));
  if (q.to) where.push(lte(foundItems.foundOn, q.to));
  const rows = await db
    .select({ item: foundItems, caseReference: cases.reference })
    .from(foundItems)
    .leftJoin(cases, eq(cases.id, foundItems.caseId))
    .where(and(...where))
    .orderBy(desc(foundItems.foundOn), desc(foundItems.id))
    .limit(RECENT_ITEMS);
  return rows.map((r) => view(r.item, r.caseReference));
}

export type Candidate = FoundItemView & {
  /** How alike, 0 … 1: the descriptions weigh three quarters, the kinds one. */
  score: number;
  descriptionScore: number;
  kindScore: number;
};
export type Candidates = {
  reference: string;
  trainNumber: string;
  travelDate: string | null;
  candidates: Candidate[];
  /** Why nothing could be looked for (the case lacks its train or date). */
  unsearchable?: string;
};

const CANDIDATES = 20;

/**
 * The unmatched found items that may be this lost-item case's: found on its train (see sameTrain) from the day
 * before its travel date to the day after (an item is often logged the next morning, and a night train crosses
 * midnight), most alike first, then nearest in date. The trigram functions live in `public` (see
 * src/database.ts), whatever schema the tables are in.
 */
export async function candidatesFor(db: Db, reference: string): Promise<Candidates> {
  const [c] = await db.select().from(cases).where(eq(cases.reference, reference));
  if (!c) throw new CaseError(`no case ${reference}`, 404, 'reference');
  if (c.type !== 'lost-item') throw new CaseError(`only a lost-item case has found items to match, and ${reference} is a ${c.type}`, 409, 'type');
  const base = { reference, trainNumber: c.trainNumber, travelDate: c.travelDate };
  if (!c.trainNumber || !c.travelDate) {
    return { ...base, candidates: [], unsearchable: 'the case needs its train number and travel date before the register can be searched' };
  }
  const { kind, description } = lost(c);
  const descriptionScore = sql<number>`public.similarity(${foundItems.description}, ${description})`;
  const kindScore = sql<number>`public.similarity(${foundItems.kind}, ${kind})`;
  const rows = await db
    .select({ item: foundItems, descriptionScore, kindScore })
    .from(foundItems)
    .where(
      and(
        isNull(foundItems.caseId),
        sameTrain(c.trainNumber),
        sql`${foundItems.foundOn} between ${c.travelDate}::date - 1 and ${c.travelDate}::date + 1`,
      ),
    )
    .orderBy(sql`3 * ${descriptionScore} + ${kindScore} desc`, sql`abs(${foundItems.foundOn} - ${c.travelDate}::date)`, foundItems.id)
    .limit(CANDIDATES);
  const candidates = rows.map(({ item, descriptionScore: d, kindScore: k }) => ({
    ...view(item, null),
    score: round((3 * d + k) / 4),
    descriptionScore: round(d),
    kindScore: round(k),
  }));
  return { ...base, candidates };
}

/**
 * Found on this train: the same number, or the same digits when either side has only the digits (the IVR
 * gathers a train number on the keypad, so a case made from a call may say 1234 for G1234).
 */
function sameTrain(train: string): SQL {
  const digits = train.replace(/^[A-Z]+/, '');
  if (digits === train) return sql`regexp_replace(${foundItems.trainNumber}, '^[A-Z]+', '') = ${digits}`;
  return inArray(foundItems.trainNumber, [train, digits]);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** What the passenger lost, in words to compare: the kind they named (else its category) and its description. */
function lost(c: Case): { kind: string; description: string } {
  return { kind: c.details.itemKind || c.category, description: c.details.itemDescription || c.description };
}

/**
 * The item is the case's: the item names the case, the case's timeline gets a `matched` event with what was
 * found and where it is kept, and the case's version moves on, in one transaction. 409 when the case is not a
 * lost-item case or is closed, or the item is matched already (to this case or another).
 */
export async function matchFoundItem(h: Hotline, reference: string, input: MatchInput, actor: Actor): Promise<{ case: Case; foundItem: FoundItemView }> {
  const now = h.now();
  const done = await h.database.db.transaction(async (tx) => {
    // The case first, then the item: two matches of one item (to two cases) queue on the item's lock, and
    // the second then finds it taken.
    const row = await lockCase(tx, reference, input.version);
    if (row.type !== 'lost-item') throw new CaseError(`only a lost-item case is matched to a found item, and ${reference} is a ${row.type}`, 409, 'type');
    if (row.status === 'closed') throw new CaseError('a closed case cannot be matched: reopen it first', 409, 'status');
    const [item] = await tx.select().from(foundItems).where(eq(foundItems.id, input.foundItemId)).for('update');
    if (!item) throw new CaseError(`foundItemId names no found item (${input.foundItemId})`, 404, 'foundItemId');
    if (item.caseId !== null) {
      const [other] = await tx.select({ reference: cases.reference }).from(cases).where(eq(cases.id, item.caseId));
      throw new CaseError(`found item ${item.id} is matched already, to case ${other?.reference ?? item.caseId}`, 409, 'foundItemId');
    }
    const [matched] = await tx.update(foundItems).set({ caseId: row.id }).where(eq(foundItems.id, item.id)).returning();
    const [updated] = await tx.update(cases).set({ updatedAt: now, version: row.version + 1 }).where(eq(cases.id, row.id)).returning();
    const { caseId: _c, recordedBy: _b, recordedAt: _a, id, ...found } = item;
    await appendCaseEvents(tx, row.id, actor, [{ type: 'matched', data: { foundItemId: id, ...found } }], now);
    return { case: updated!, foundItem: view(matched!, row.reference) };
  });
  announce(h, done.case);
  return done;
}
