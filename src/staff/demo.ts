import { sql } from 'drizzle-orm';
import { staff } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import { hashPassword } from './password.ts';
import type { Role, Skills } from './staff.ts';

/** Everyone in the demo roster logs in with this. */
export const DEMO_PASSWORD = 'sanling';

/**
 * A shift to try the hotline with (`npm start -- --demo`): eight agents whose skills cover every queue at
 * least twice, so a call still finds someone when one agent is busy, and one of each other role.
 */
export const DEMO_ROSTER: ReadonlyArray<{ employeeNo: string; name: string; role: Role; skills: Skills }> = [
  { employeeNo: '1001', name: '王芳', role: 'agent', skills: { tickets: 5, general: 3 } },
  { employeeNo: '1002', name: '李伟', role: 'agent', skills: { tickets: 3, luggage: 2, general: 2 } },
  { employeeNo: '1003', name: '张丽', role: 'agent', skills: { luggage: 4, 'lost-and-found': 2, general: 3 } },
  { employeeNo: '1004', name: '刘洋', role: 'agent', skills: { tickets: 2, complaints: 3, general: 4 } },
  { employeeNo: '1005', name: '陈静', role: 'agent', skills: { luggage: 3, 'lost-and-found': 3, general: 2 } },
  { employeeNo: '1006', name: '杨帆', role: 'agent', skills: { tickets: 4, general: 5 } },
  { employeeNo: '1007', name: '赵敏', role: 'agent', skills: { complaints: 5, general: 3 } },
  { employeeNo: '1008', name: '黄磊', role: 'agent', skills: { 'lost-and-found': 4, luggage: 2, general: 2 } },
  { employeeNo: '2001', name: '吴刚', role: 'supervisor', skills: { complaints: 5, general: 4 } },
  { employeeNo: '3001', name: '郑雪', role: 'manager', skills: {} },
  { employeeNo: '4001', name: '林晓', role: 'trainer', skills: { tickets: 4, general: 5 } },
];

/** Add the demo roster if nobody is on the staff yet; returns whether it did. Never touches real staff. */
export async function seedDemoStaff(db: Db): Promise<boolean> {
  const [{ count } = { count: 0 }] = await db.select({ count: sql<number>`count(*)::int` }).from(staff);
  if (count > 0) return false;
  // Each person gets a salt of their own, as anyone added later would.
  const rows = await Promise.all(DEMO_ROSTER.map(async (person) => ({ ...person, passwordHash: await hashPassword(DEMO_PASSWORD) })));
  // Two servers started with --demo at once: the second one's rows collide and are skipped.
  const added = await db.insert(staff).values(rows).onConflictDoNothing().returning({ id: staff.id });
  return added.length > 0;
}
