import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { sessions, staff } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import { hashPassword } from './password.ts';

/** The hotline's people: 客服員 agents, 客服主管 supervisors, 客服經理 managers, 培訓主管 trainers. */
export const ROLES = ['agent', 'supervisor', 'manager', 'trainer'] as const;
export type Role = (typeof ROLES)[number];

/** Queue skill → level, 1 (basic) … 5 (expert), e.g. `{ tickets: 3, general: 2 }`. */
export type Skills = Record<string, number>;

/** A person as the rest of the hotline sees them: never the password hash. */
export type StaffMember = { id: number; employeeNo: string; name: string; role: Role; skills: Skills };
/** The whole row, as logging in needs it. */
export type StaffRow = typeof staff.$inferSelect;

/** Select or return exactly a StaffMember. */
export const memberColumns = { id: staff.id, employeeNo: staff.employeeNo, name: staff.name, role: staff.role, skills: staff.skills };

/** A mistake about the roster that the person at the keyboard can fix: a taken or unknown employee number. */
export class StaffError extends Error {}

// What may come in from the CLI or HTTP. Each message completes the sentence that starts with the field's name.
/** A field's error: "is required" when it is missing, else `message`. */
export const orRequired = (message: string) => ({ error: (i: { input: unknown }) => (i.input === undefined ? 'is required' : message) });
const LEVEL = 'must be a whole number from 1 to 5';

export const employeeNoSchema = z.string(orRequired('must be 3 to 10 digits')).regex(/^\d{3,10}$/, 'must be 3 to 10 digits');
export const roleSchema = z.enum(ROLES, orRequired(`must be one of ${ROLES.join(', ')}`));
export const skillsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/),
  z.number(orRequired(LEVEL)).int(LEVEL).min(1, LEVEL).max(5, LEVEL),
  { error: (i) => (i.code === 'invalid_key' ? 'is not a skill name: use lower-case letters, digits and -' : 'must map skills to levels') },
);
export const newPasswordSchema = z
  .string(orRequired('must be text'))
  .min(8, 'must be at least 8 characters')
  .max(200, 'must be at most 200 characters');
export const newStaffSchema = z.object({
  employeeNo: employeeNoSchema,
  name: z.string(orRequired('must be text')).trim().min(1, 'is required').max(50, 'must be at most 50 characters'),
  role: roleSchema,
  skills: skillsSchema.default({}),
  password: newPasswordSchema,
});
export type NewStaff = z.output<typeof newStaffSchema>;

export async function addStaff(db: Db, person: NewStaff): Promise<StaffMember> {
  const { password, ...fields } = person;
  const [added] = await db
    .insert(staff)
    .values({ ...fields, passwordHash: await hashPassword(password) })
    .onConflictDoNothing({ target: staff.employeeNo })
    .returning(memberColumns);
  if (!added) throw new StaffError(`employee number ${person.employeeNo} is already taken`);
  return added;
}

/** Everyone, disabled or not, in employee-number order (999 before 1001). */
export function listStaff(db: Db): Promise<Array<StaffMember & { disabled: boolean }>> {
  return db
    .select({ ...memberColumns, disabled: staff.disabled })
    .from(staff)
    .orderBy(sql`length(${staff.employeeNo})`, staff.employeeNo);
}

export async function findByEmployeeNo(db: Db, employeeNo: string): Promise<StaffRow | undefined> {
  const [row] = await db.select().from(staff).where(eq(staff.employeeNo, employeeNo));
  return row;
}

/**
 * A new password ends the person's sessions (whoever knew the old one is logged out). Failed logins stay
 * counted (src/staff/throttle.ts): a guesser's count is not wiped by the agent's new password.
 */
export async function setPassword(db: Db, employeeNo: string, password: string): Promise<StaffMember> {
  const passwordHash = await hashPassword(password);
  return changeAndLogOut(db, employeeNo, { passwordHash });
}

/** A disabled person cannot log in, and their open sessions end now. */
export function disableStaff(db: Db, employeeNo: string): Promise<StaffMember> {
  return changeAndLogOut(db, employeeNo, { disabled: true });
}

function changeAndLogOut(db: Db, employeeNo: string, change: Partial<StaffRow>): Promise<StaffMember> {
  return db.transaction(async (tx) => {
    const [changed] = await tx.update(staff).set(change).where(eq(staff.employeeNo, employeeNo)).returning(memberColumns);
    if (!changed) throw new StaffError(`no staff member has employee number ${employeeNo}`);
    await tx.delete(sessions).where(eq(sessions.staffId, changed.id));
    return changed;
  });
}
