import { eq } from 'drizzle-orm';
import { agents, calls, offers } from '../../db/schema.ts';
import { choosePresence } from '../../src/acd/presence.ts';
import type { Hotline } from '../../src/hotline.ts';
import { addStaff, type Role, type Skills } from '../../src/staff/staff.ts';

/** An agent on the floor: in the staff table, with skills, and (unless told otherwise) available. */
export async function agentOnFloor(h: Hotline, employeeNo: string, skills: Skills, options: { available?: boolean } = {}) {
  const member = await addStaff(h.database.db, { employeeNo, name: `Agent ${employeeNo}`, role: 'agent', skills, password: 'sanling-test' });
  if (options.available ?? true) await choosePresence(h, member.id, 'available');
  return member;
}

/** An agent's presence row; one who never connected has none yet, and is offline. */
export async function presence(h: Hotline, staffId: number): Promise<typeof agents.$inferSelect> {
  const [row] = await h.database.db.select().from(agents).where(eq(agents.staffId, staffId));
  return row ?? { staffId, presence: 'offline', breakReason: null, since: new Date(0), idleSince: null, wrapUpUntil: null, goneAt: null };
}

export async function offersFor(h: Hotline, callSid: string) {
  return h.database.db.select().from(offers).where(eq(offers.callSid, callSid)).orderBy(offers.id);
}

export async function callRow(h: Hotline, callSid: string) {
  const [row] = await h.database.db.select().from(calls).where(eq(calls.sid, callSid));
  return row!;
}

/** Poll until `check` holds (the ACD acts after webhooks answer, so tests wait for the state they expect). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Log a staff member in over the API of the hotline at `url`; the session's bearer token. */
export async function staffToken(url: string, employeeNo: string, password = 'sanling-test'): Promise<string> {
  const res = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ employeeNo, password }) });
  if (res.status !== 200) throw new Error(`login of ${employeeNo} refused: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** A row of a role table (test/staff/roles.test.ts, test/quality/roles.test.ts): a request and who may send it. */
export type RoleRoute = { method: string; path: string; body?: unknown; allowed: readonly Role[] };

/** Send `route` to the hotline at `url` as the holder of `token` (or nobody): its status and the start of its answer. */
export async function sendAs(url: string, route: RoleRoute, token: string | undefined): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}${route.path}`, {
    method: route.method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(route.body ? { 'content-type': 'application/json' } : {}) },
    ...(route.body ? { body: JSON.stringify(route.body) } : {}),
  });
  return { status: res.status, body: (await res.text()).slice(0, 200) };
}
