import { and, eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agents, callEvents, calls, offers, staff } from '../../db/schema.ts';
import { rows } from '../../src/database.ts';
import { createApp } from '../../src/server.ts';
import { eventually } from '../support/agents.ts';
import { OPEN } from '../support/flows.ts';
import { callParams, newCallSid, signedPost, webhookApp } from '../support/hotline.ts';

/**
 * An agent's answer is written in one statement guarded on the offer as it was read. An offer that changes
 * between that read and the write (withdrawn as the agent picks up) is decided again, holding its row: the
 * answer is then late, and the agent's leg is hung up. PostgreSQL only: the race needs a second connection
 * holding the offer's row while the answer waits for it.
 */

const onServer = !!process.env['DATABASE_URL'];
let ctx: Awaited<ReturnType<typeof webhookApp>>;
const hungUp: string[] = [];
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  if (!onServer) return;
  ctx = await webhookApp();
  app = createApp({ ...ctx.hotline, carrier: { ...ctx.hotline.carrier, hangup: async (sid: string) => void hungUp.push(sid) } });
});
afterAll(async () => {
  await ctx?.database.close();
});

describe.runIf(onServer)('an answer racing a withdrawal', () => {
  it('finds the offer withdrawn under it: the call is not connected, the agent not on a call, and the leg is hung up', async () => {
    const { db } = ctx.database;
    const sid = newCallSid();
    expect((await signedPost(app, '/twilio/voice', callParams(sid))).status).toBe(200);
    const [member] = await db.insert(staff).values({ employeeNo: '1001', name: 'Agent', role: 'agent', passwordHash: 'x' }).returning();
    await db.insert(agents).values({ staffId: member!.id, presence: 'ringing', since: OPEN });
    const [offer] = await db.insert(offers).values({ callSid: sid, staffId: member!.id, queue: 'general', status: 'ringing', offeredAt: OPEN }).returning();

    const { url, schema } = ctx.database.server!;
    const other = postgres(url, { max: 1, onnotice: () => {}, connection: { search_path: schema! } });
    const legSid = newCallSid();
    try {
      let answer: Promise<{ status: number }> | undefined;
      await other.begin(async (tx) => {
        // A withdrawal in progress holds the offer's row.
        await tx`select id from offers where id = ${offer!.id} for update`;
        answer = signedPost(app, `/twilio/agent-leg?offer=${offer!.id}`, callParams(legSid, { CallStatus: 'in-progress', ParentCallSid: sid })).then((res) => res);
        // The answer has read the offer ringing and its write waits for the row.
        await eventually(
          () => rows<{ n: number }>(db, sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%with answered as%'`),
          ([r]) => r!.n === 1,
          "the answer's write waiting for the offer",
        );
        await tx`update offers set status = 'withdrawn', ended_at = ${OPEN}, end_reason = 'caller-hung-up' where id = ${offer!.id}`;
      });
      expect((await answer!).status).toBe(204);
    } finally {
      await other.end();
    }

    const [after] = await db.select().from(offers).where(eq(offers.id, offer!.id));
    expect(after).toMatchObject({ status: 'withdrawn', answeredAt: null, rings: null });
    expect((await db.select().from(agents).where(eq(agents.staffId, member!.id)))[0]!.presence).toBe('ringing');
    expect((await db.select().from(calls).where(eq(calls.sid, sid)))[0]).toMatchObject({ agentId: null, answeredAt: null });
    expect(await db.select().from(callEvents).where(and(eq(callEvents.callSid, sid), eq(callEvents.type, 'offer.answered')))).toEqual([]);
    expect(hungUp).toEqual([legSid]);
  });
});
