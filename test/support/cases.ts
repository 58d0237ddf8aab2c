import { and, eq } from 'drizzle-orm';
import { caseClocks, cases } from '../../db/schema.ts';
import type { Db } from '../../src/database.ts';
import { addStaff, type Role } from '../../src/staff/staff.ts';
import type { Hotline } from '../../src/hotline.ts';
import { staffToken } from './agents.ts';

/** The callback cases made on a call, with the time promised (their resolve clock's due time). */
export async function callbacksOf(db: Db, callSid: string) {
  const rows = await db
    .select({ id: cases.id, reference: cases.reference, number: cases.contactNumber, queue: cases.queue, language: cases.language, status: cases.status, category: cases.category, ownerStaffId: cases.ownerStaffId, requestedAt: cases.createdAt, dueAt: caseClocks.dueAt })
    .from(cases)
    .innerJoin(caseClocks, and(eq(caseClocks.caseId, cases.id), eq(caseClocks.kind, 'resolve')))
    .where(and(eq(cases.callSid, callSid), eq(cases.type, 'callback')))
    .orderBy(cases.id);
  return rows;
}

/** The case desk's people for a spec: one of each role (and a second agent), logged in over HTTP. */
export async function deskStaff(h: Hotline, url: string) {
  const people = { agent: '1001', other: '1002', supervisor: '2001', manager: '3001', trainer: '4001' } as const;
  const roles: Record<keyof typeof people, Role> = { agent: 'agent', other: 'agent', supervisor: 'supervisor', manager: 'manager', trainer: 'trainer' };
  const out = {} as Record<keyof typeof people, { id: number; token: string }>;
  for (const [key, employeeNo] of Object.entries(people) as Array<[keyof typeof people, string]>) {
    const member = await addStaff(h.database.db, { employeeNo, name: `${key} ${employeeNo}`, role: roles[key], skills: { general: 1 }, password: 'sanling-test' });
    out[key] = { id: member.id, token: await staffToken(url, employeeNo) };
  }
  return out;
}

/** A JSON request as a staff page makes one; resolves with the status and the parsed body. */
export async function call(url: string, token: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (await res.json().catch(() => ({}))) as any };
}