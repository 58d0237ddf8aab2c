import { and, asc, count, eq, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { caseClocks, cases, staff } from '../../db/schema.ts';
import type { Db, Tx } from '../database.ts';
import { startOfLocalDay } from '../metrics/live.ts';
import { CASE_TYPES, OPEN_STATUSES, type CasePriority, type CaseStatus, type CaseType, type WaitingOn } from './choices.ts';

/**
 * The lists the pages show: a caller's open cases (screen-pop), an agent's "my cases", the supervisors'
 * board and the dashboard's counts. Each reads open cases only (partial indexes), so history does not slow
 * them down.
 */

/** A case in a list: enough to pick it out and see how urgent it is. */
export type OpenCase = {
  reference: string;
  type: CaseType;
  status: CaseStatus;
  priority: CasePriority;
  waitingOn: WaitingOn | null;
  category: string;
  passengerName: string;
  ownerStaffId: number | null;
  ownerDepartment: string | null;
  supervisorId: number | null;
  /** The soonest due time of a clock still running (or paused), null when none is. */
  dueAt: string | null;
  /** How far its most advanced clock has gone: 1 reminded, 2 escalated to the supervisor, 3 to the managers. */
  stage: number;
  paused: boolean;
  overdue: boolean;
  createdAt: string;
};

const isOpen = inArray(cases.status, [...OPEN_STATUSES]);
/** As the partial indexes are ordered: furthest stage first, then soonest due. */
const byUrgency = [sql`${cases.stage} desc nulls last`, sql`${cases.dueAt} asc nulls last`, asc(cases.id)];

const columns = {
  reference: cases.reference,
  type: cases.type,
  status: cases.status,
  priority: cases.priority,
  waitingOn: cases.waitingOn,
  category: cases.category,
  passengerName: cases.passengerName,
  ownerStaffId: cases.ownerStaffId,
  ownerDepartment: cases.ownerDepartment,
  supervisorId: cases.supervisorId,
  createdAt: cases.createdAt,
  dueAt: cases.dueAt,
  stage: cases.stage,
  paused: cases.paused,
};

type Row = Omit<OpenCase, 'dueAt' | 'createdAt' | 'overdue'> & { dueAt: Date | null; createdAt: Date };

function view(row: Row, now: Date): OpenCase {
  const open = (OPEN_STATUSES as readonly string[]).includes(row.status);
  return { ...row, dueAt: row.dueAt?.toISOString() ?? null, overdue: open && !row.paused && row.dueAt !== null && row.dueAt < now, createdAt: row.createdAt.toISOString() };
}

/** A caller's open cases: by their number's key, or made on one of their earlier calls; soonest due first. */
export async function casesOfCaller(db: Db | Tx, key: string, callSids: string[], now: Date): Promise<OpenCase[]> {
  const mine = [...(key ? [eq(cases.contactKey, key)] : []), ...(callSids.length ? [inArray(cases.callSid, callSids)] : [])];
  if (mine.length === 0) return [];
  const rows = await db.select(columns).from(cases).where(and(isOpen, or(...mine))).orderBy(sql`${cases.dueAt} asc nulls last`).limit(20);
  return rows.map((r) => view(r, now));
}

/** An agent's open cases, soonest due first (overdue ones are the soonest). */
export async function myCases(db: Db, staffId: number, now: Date): Promise<OpenCase[]> {
  const rows = await db.select(columns).from(cases).where(and(isOpen, eq(cases.ownerStaffId, staffId))).orderBy(sql`${cases.dueAt} asc nulls last`, asc(cases.id)).limit(200);
  return rows.map((r) => view(r, now));
}

export type BoardFilter = { type?: CaseType; status?: CaseStatus; department?: string; ownerStaffId?: number; supervisorId?: number; page: number };
export const BOARD_PAGE = 50;

/**
 * The supervisors' board: open cases (or those of one status), filtered by type, department, owner or
 * supervisor; escalated first (to the managers, then to the supervisor: those are overdue), then reminded
 * (near breach), then soonest due (where an overdue case whose escalation waits for working hours comes first).
 */
export async function board(db: Db, f: BoardFilter, now: Date): Promise<{ cases: OpenCase[]; total: number; page: number; pageSize: number; people: People }> {
  const where: SQL[] = [f.status ? eq(cases.status, f.status) : isOpen];
  if (f.type) where.push(eq(cases.type, f.type));
  if (f.department) where.push(eq(cases.ownerDepartment, f.department));
  if (f.ownerStaffId) where.push(eq(cases.ownerStaffId, f.ownerStaffId));
  if (f.supervisorId) where.push(eq(cases.supervisorId, f.supervisorId));
  const rows = await db
    .select(columns)
    .from(cases)
    .where(and(...where))
    .orderBy(...byUrgency)
    .limit(BOARD_PAGE)
    .offset(f.page * BOARD_PAGE);
  const [total] = await db.select({ n: count() }).from(cases).where(and(...where));
  const listed = rows.map((r) => view(r, now));
  return { cases: listed, total: total?.n ?? 0, page: f.page, pageSize: BOARD_PAGE, people: await peopleOf(db, listed.flatMap((c) => [c.ownerStaffId, c.supervisorId])) };
}

/** Names for the staff ids a page shows. */
export type People = Record<number, { id: number; employeeNo: string; name: string; role: string }>;

export async function peopleOf(db: Db, ids: Array<number | null>): Promise<People> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  const rows = wanted.length ? await db.select({ id: staff.id, employeeNo: staff.employeeNo, name: staff.name, role: staff.role }).from(staff).where(inArray(staff.id, wanted)) : [];
  return Object.fromEntries(rows.map((p) => [p.id, p]));
}

/** Everyone a case may be given to (agents, supervisors, managers), not disabled, by employee number. */
export function assignable(db: Db) {
  return db
    .select({ id: staff.id, employeeNo: staff.employeeNo, name: staff.name, role: staff.role })
    .from(staff)
    .where(and(eq(staff.disabled, false), inArray(staff.role, ['agent', 'supervisor', 'manager'])))
    .orderBy(asc(staff.employeeNo));
}

export type CaseSummary = Record<CaseType, { open: number; overdue: number; repliedToday: number; withinToday: number; withinShare: number | null }>;

/**
 * The dashboard's case figures per type: open and overdue now, and today's replies within commitment (first
 * replies and resolutions met today in time, over those met today plus those that fell due today unmet).
 */
export async function caseSummary(db: Db, now: Date, timeZone: string): Promise<CaseSummary> {
  const day = startOfLocalDay(now, timeZone);
  const open = await db.select({ type: cases.type, n: count() }).from(cases).where(isOpen).groupBy(cases.type);
  const overdue = await db
    .select({ type: cases.type, n: count() })
    .from(cases)
    .where(and(isOpen, eq(cases.paused, false), lt(cases.dueAt, now)))
    .groupBy(cases.type);
  const replies = inArray(caseClocks.kind, ['first-reply', 'resolve']);
  const met = await db
    .select({ type: cases.type, n: count(), within: sql<number>`count(*) filter (where ${caseClocks.metAt} <= ${caseClocks.dueAt})` })
    .from(caseClocks)
    .innerJoin(cases, eq(cases.id, caseClocks.caseId))
    .where(and(replies, gte(caseClocks.metAt, day)))
    .groupBy(cases.type);
  const missed = await db
    .select({ type: cases.type, n: count() })
    .from(caseClocks)
    .innerJoin(cases, eq(cases.id, caseClocks.caseId))
    .where(and(replies, isNull(caseClocks.metAt), gte(caseClocks.dueAt, day), lt(caseClocks.dueAt, now)))
    .groupBy(cases.type);
  const n = (rows: Array<{ type: CaseType; n: number | string }>, type: CaseType) => Number(rows.find((r) => r.type === type)?.n ?? 0);
  return Object.fromEntries(
    CASE_TYPES.map((type) => {
      const within = Number(met.find((r) => r.type === type)?.within ?? 0);
      const replied = n(met, type);
      const due = replied + n(missed, type);
      return [type, { open: n(open, type), overdue: n(overdue, type), repliedToday: replied, withinToday: within, withinShare: due ? within / due : null }];
    }),
  ) as CaseSummary;
}
