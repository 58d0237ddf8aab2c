import { and, asc, desc, eq, gte, sql } from 'drizzle-orm';
import { caseCalls, caseClocks, caseEvents, cases, calls, staff } from '../../db/schema.ts';
import type { Tx } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { findByEmployeeNo } from '../staff/staff.ts';
import { startClocks, type Clock } from './clocks.ts';
import type { CaseChanges, NewCaseInput } from './input.ts';
import { contactKey, newReference } from './reference.ts';
import { peopleOf } from './lists.ts';
import { appendCaseEvents, type Actor } from './timeline.ts';
import { joinLine } from '../callbacks/line.ts';
import { fallbackQueue, mainFlow } from '../telephony/answering.ts';

export type Case = typeof cases.$inferSelect;

/** A request about a case the hotline refuses: `status` is the HTTP answer, `field` the input at fault. */
export class CaseError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Every change to a case, once committed, is announced (the pages refresh; src/realtime forwards it). */
export function announce(h: Hotline, c: Pick<Case, 'id' | 'reference' | 'type' | 'callSid' | 'ownerStaffId' | 'supervisorId' | 'status'>): void {
  h.bus.emit('case-changed', { caseId: c.id, reference: c.reference, type: c.type, callSid: c.callSid, ownerStaffId: c.ownerStaffId, supervisorId: c.supervisorId, status: c.status });
  h.bus.emit('changed');
}

/** Open a case and start its clocks, in one transaction; the reference is what the passenger is read. */
export async function createCase(h: Hotline, input: NewCaseInput, actor: Actor): Promise<Case> {
  const made = await h.database.db.transaction((tx) => openCase(tx, h, input, actor, h.now()));
  announce(h, made);
  return made;
}

/** createCase inside a transaction of the caller's (the IVR's callback request, the agent's notes). */
export async function openCase(
  tx: Tx,
  h: Hotline,
  input: NewCaseInput,
  actor: Actor,
  now: Date,
  extra: { queue?: string; waiting?: { since: Date; priority: number | null } } = {},
): Promise<Case> {
  const policy = h.cases;
  const type = policy.types[input.type];
  if (input.category && !type.categories.includes(input.category)) {
    throw new CaseError(`category must be one of ${type.categories.join(', ')} for a ${input.type}`, 400, 'category');
  }
  if (input.type === 'callback' && !contactKey(input.contactNumber ?? '')) throw new CaseError('contactNumber is required to call the passenger back', 400, 'contactNumber');
  const dueAt = input.dueAt === undefined ? undefined : new Date(input.dueAt);
  if (dueAt && dueAt <= now) throw new CaseError('dueAt must be in the future', 400, 'dueAt');
  const owner = await ownerOf(tx, h, input, actor);
  const supervisorId = await supervisorFor(tx, h, input.supervisorId, owner.ownerDepartment, actor.staffId);
  const values = {
    type: input.type,
    priority: input.priority ?? 'normal',
    channel: input.channel ?? (actor.source === 'online' ? 'online' : 'phone'),
    passengerName: input.passengerName ?? '',
    contactNumber: input.contactNumber ?? '',
    contactKey: contactKey(input.contactNumber ?? ''),
    language: input.language ?? 'zh-CN',
    trainNumber: input.trainNumber ?? '',
    travelDate: input.travelDate ?? null,
    car: input.car ?? '',
    seat: input.seat ?? '',
    category: input.category ?? '',
    details: input.details ?? {},
    description: input.description ?? '',
    ...owner,
    supervisorId,
    callSid: input.callSid ?? null,
    // A callback waits in a queue to be dialled: the one the caller was in, else the flow's fallback queue.
    queue: extra.queue || (input.type === 'callback' ? fallbackQueue(mainFlow(h)) : null),
    createdBy: actor.staffId,
    createdAt: now,
    updatedAt: now,
  } as const;
  const row = await insertWithReference(tx, values);
  if (row.callSid) await tx.insert(caseCalls).values({ caseId: row.id, callSid: row.callSid, link: 'origin', at: now }).onConflictDoNothing();
  const promised = dueAt ?? (input.type === 'callback' ? new Date(now.getTime() + h.config.callbackDelayMinutes * 60_000) : undefined);
  await startClocks(tx, policy, row, now, promised);
  const { createdAt: _c, updatedAt: _u, createdBy: _b, contactKey: _k, ...fields } = values;
  await appendCaseEvents(tx, row.id, actor, [{ type: 'created', data: { reference: row.reference, ...fields, ...(dueAt ? { dueAt: dueAt.toISOString() } : {}) } }], now);
  // A callback takes its place in line to be dialled (src/callbacks/line.ts).
  if (row.type === 'callback') {
    const place = extra.waiting ? { waitingSince: extra.waiting.since, priority: extra.waiting.priority } : { promisedFor: promised! };
    await joinLine(tx, h, row.id, { queue: row.queue, requestedAt: now, ...place });
  }
  return row;
}

/** A fresh reference; on the rare clash with an existing one, another (a savepoint keeps the transaction). */
async function insertWithReference(tx: Tx, values: Omit<typeof cases.$inferInsert, 'reference'> & { type: Case['type'] }): Promise<Case> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await tx.transaction(async (sp) => (await sp.insert(cases).values({ ...values, reference: newReference(values.type) }).returning())[0]!);
    } catch (err) {
      if (attempt >= 5 || (err as { cause?: { code?: string } }).cause?.code !== '23505') throw err;
    }
  }
}

async function ownerOf(tx: Tx, h: Hotline, input: Pick<NewCaseInput, 'ownerStaffId' | 'ownerDepartment' | 'type'>, actor: Actor) {
  if (input.ownerStaffId && input.ownerDepartment) throw new CaseError('give ownerStaffId or ownerDepartment, not both', 400, 'ownerDepartment');
  if (input.ownerDepartment) return { ownerStaffId: null, ownerDepartment: department(h, input.ownerDepartment) };
  if (input.ownerStaffId) return { ownerStaffId: await staffWithRole(tx, input.ownerStaffId, ['agent', 'supervisor', 'manager'], 'ownerStaffId'), ownerDepartment: null };
  // A case opened from a call is the agent's to follow; one made online or by the IVR, its department's.
  if (actor.staffId && input.type !== 'callback') return { ownerStaffId: actor.staffId, ownerDepartment: null };
  return { ownerStaffId: null, ownerDepartment: h.cases.types[input.type].owner };
}

export function department(h: Hotline, name: string): string {
  if (!h.cases.departments.has(name)) throw new CaseError(`ownerDepartment must be one of ${[...h.cases.departments.keys()].join(', ')}`, 400, 'ownerDepartment');
  return name;
}

export async function staffWithRole(tx: Tx, id: number, roles: string[], field: string): Promise<number> {
  const [person] = await tx.select({ role: staff.role, disabled: staff.disabled }).from(staff).where(eq(staff.id, id));
  if (!person || person.disabled || !roles.includes(person.role)) throw new CaseError(`${field} must be an active ${roles.join(' or ')}`, 400, field);
  return id;
}

/**
 * The supervisor answering for a case: the one named, else the department's (cases.yaml), else the person
 * opening it if they are a supervisor, else the supervisor with the fewest open cases. Null only when the
 * hotline has no supervisor at all (the managers then hear of every escalation).
 */
export async function supervisorFor(tx: Tx, h: Hotline, named: number | undefined, ownerDepartment: string | null, actorId: number | null): Promise<number | null> {
  if (named) return staffWithRole(tx, named, ['supervisor'], 'supervisorId');
  const employeeNo = ownerDepartment ? h.cases.departments.get(ownerDepartment)?.supervisor : undefined;
  const configured = employeeNo ? await findByEmployeeNo(tx, employeeNo) : undefined;
  if (configured && !configured.disabled && configured.role === 'supervisor') return configured.id;
  if (actorId) {
    const [me] = await tx.select({ role: staff.role }).from(staff).where(eq(staff.id, actorId));
    if (me?.role === 'supervisor') return actorId;
  }
  const [least] = await tx
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.role, 'supervisor'), eq(staff.disabled, false)))
    .orderBy(
      sql`(select count(*) from ${cases} where ${cases.supervisorId} = ${staff.id} and ${cases.status} not in ('resolved', 'closed'))`,
      asc(staff.id),
    )
    .limit(1);
  return least?.id ?? null;
}

/** A case by its reference, locked for a change within `tx`; 404 when there is none, 409 for a stale version. */
export async function lockCase(tx: Tx, reference: string, version?: number): Promise<Case> {
  const [row] = await tx.select().from(cases).where(eq(cases.reference, reference)).for('update');
  if (!row) throw new CaseError(`no case ${reference}`, 404, 'reference');
  if (version !== undefined && version !== row.version) {
    throw new CaseError(`the case has changed since you read it (version ${version}, now ${row.version}): reload it`, 409, 'version');
  }
  return row;
}

const CHANGEABLE = ['priority', 'passengerName', 'contactNumber', 'language', 'trainNumber', 'travelDate', 'car', 'seat', 'category', 'details', 'description'] as const;

/** Change a case's fields; the timeline gets one event per field with its old and new value. */
export async function changeCase(h: Hotline, reference: string, changes: CaseChanges, actor: Actor): Promise<Case> {
  const now = h.now();
  const changed = await h.database.db.transaction(async (tx) => {
    const row = await lockCase(tx, reference, changes.version);
    if (row.status === 'closed') throw new CaseError('a closed case cannot be changed: reopen it first', 409, 'status');
    const next = Object.fromEntries(CHANGEABLE.filter((k) => changes[k] !== undefined).map((k) => [k, k === 'details' ? { ...row.details, ...changes.details } : changes[k]])) as Partial<Case>;
    if (next.category && !h.cases.types[row.type].categories.includes(next.category)) {
      throw new CaseError(`category must be one of ${h.cases.types[row.type].categories.join(', ')} for a ${row.type}`, 400, 'category');
    }
    const events = CHANGEABLE.filter((k) => k in next && JSON.stringify(next[k]) !== JSON.stringify(row[k])).map((field) => ({
      type: 'changed',
      data: { field, from: row[field], to: next[field] },
    }));
    if (events.length === 0) return row;
    if (next.contactNumber !== undefined) next.contactKey = contactKey(next.contactNumber);
    const [updated] = await tx.update(cases).set({ ...next, updatedAt: now, version: row.version + 1 }).where(eq(cases.id, row.id)).returning();
    await appendCaseEvents(tx, row.id, actor, events, now);
    return updated!;
  });
  announce(h, changed);
  return changed;
}

/** A case with everything the case page shows: its timeline, clocks and calls, and names for the ids. */
export async function caseRecord(h: Hotline, reference: string) {
  const db = h.database.db;
  const [row] = await db.select().from(cases).where(eq(cases.reference, reference));
  if (!row) return undefined;
  const timeline = await db.select().from(caseEvents).where(eq(caseEvents.caseId, row.id)).orderBy(asc(caseEvents.id));
  const clocks = await db.select().from(caseClocks).where(eq(caseClocks.caseId, row.id));
  const linked = await db.select().from(caseCalls).where(eq(caseCalls.caseId, row.id));
  // Later calls from the passenger's number belong to the story too.
  const fromNumber = row.contactKey
    ? await db
        .select({ callSid: calls.sid, at: calls.startedAt })
        .from(calls)
        .where(and(gte(calls.startedAt, row.createdAt), sql`right(regexp_replace(${calls.from}, '\\D', '', 'g'), 8) = ${row.contactKey}`))
        .orderBy(desc(calls.startedAt))
        .limit(20)
    : [];
  // Everyone the page names: the case's people, whoever acted, and the earlier owners and supervisors of reassignments.
  const named = timeline.flatMap((e) => [e.actorId, ...(e.type === 'assigned' ? staffIdsIn(e.data) : [])]);
  const people = await peopleOf(db, [row.ownerStaffId, row.supervisorId, row.createdBy, row.approvedBy, ...named]);
  const callsById = new Map(linked.map((l) => [l.callSid, { callSid: l.callSid, link: l.link, at: l.at.toISOString() }]));
  for (const c of fromNumber) if (!callsById.has(c.callSid)) callsById.set(c.callSid, { callSid: c.callSid, link: 'same-number', at: c.at.toISOString() });
  return {
    case: row,
    clocks: clocks.map((c) => clockView(c, h.now())),
    timeline: timeline.map((e) => ({ id: e.id, at: e.at.toISOString(), type: e.type, actorId: e.actorId, source: e.source, data: e.data })),
    calls: [...callsById.values()].sort((a, b) => a.at.localeCompare(b.at)),
    people,
  };
}
function staffIdsIn(data: Record<string, unknown>): number[] {
  return (['from', 'to'] as const).flatMap((side) => {
    const who = data[side] as { ownerStaffId?: unknown; supervisorId?: unknown } | undefined;
    return [who?.ownerStaffId, who?.supervisorId].filter((id): id is number => typeof id === 'number');
  });
}

export type CaseRecord = NonNullable<Awaited<ReturnType<typeof caseRecord>>>;

/** A clock as the pages show it; overdue by the hotline's clock, not the browser's. */
export function clockView(c: Clock, now: Date) {
  const paused = c.pausedAt !== null;
  return { kind: c.kind, span: c.span, working: c.working, dueAt: c.dueAt.toISOString(), stage: c.stage, paused, metAt: c.metAt?.toISOString() ?? null, overdue: !paused && c.metAt === null && c.dueAt < now };
}
