import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { agents, calls, offers } from '../../db/schema.ts';
import { choosePresence } from '../../src/acd/presence.ts';
import { agentOnFloor } from '../support/agents.ts';
import type { SimulatedCall } from '../../src/telephony/carrier/simulator/call.ts';
import { runningHotline } from '../support/running.ts';

/**
 * A busy spell through the simulator: 50 callers through the real IVR, 8 agents who mostly answer and
 * sometimes reject, and some callers who give up while waiting. Every caller ends answered or abandoned,
 * none is offered twice at once, no agent ever holds two callers.
 */

let hotline: Awaited<ReturnType<typeof runningHotline>>;
beforeAll(async () => {
  hotline = await runningHotline();
});
afterAll(async () => {
  await hotline.close();
});

async function waitingOrRinging(call: SimulatedCall): Promise<void> {
  for (let seen = 0; ; ) {
    const events = await call.eventsAfter(seen, 5_000);
    if (call.ended || events.some((e) => e.type === 'enqueued' || e.type === 'ringing')) return;
    seen += events.length;
  }
}

const PATHS = [['1', '0'], ['2', '0'], ['2', '2', '0'], ['1', '1', '0', '1234#'], ['2', '3', '1234#', '0312'], ['1', '4', '']];
const CALLERS = 50;
const GIVE_UP_EVERY = 7; // every 7th caller hangs up while waiting

describe('50 callers and 8 agents', () => {
  it('answers or records as abandoned every caller, with one agent per caller and one caller per agent', async () => {
    const h = hotline.hotline;
    const skills = ['tickets', 'luggage', 'lost-and-found', 'complaints'];
    const floor = await Promise.all(
      Array.from({ length: 8 }, (_, i) => agentOnFloor(h, String(1001 + i), { general: 1, [skills[i % 4]!]: 3, [skills[(i + 1) % 4]!]: 2 })),
    );
    const byClient = new Map(floor.map((m) => [`agent_${m.employeeNo}`, m]));
    let rings = 0;
    let rejected = 0;
    /** The agent comes back to work as soon as the ACD has put them on a break or into wrap-up. */
    const backToWork = async (staffId: number) => {
      for (let i = 0; i < 1_000; i++) {
        const [row] = await h.database.db.select().from(agents).where(eq(agents.staffId, staffId));
        if (row!.presence === 'available') return; // freed by a caller who gave up
        if (row!.presence === 'break' || row!.presence === 'wrap-up') {
          await choosePresence(h, staffId, 'available');
          return;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`agent ${staffId} never came off ringing or on-call`);
    };
    hotline.sim.rings.on('ring', (leg) => {
      const n = ++rings;
      const agent = byClient.get(leg.client)!;
      setTimeout(async () => {
        try {
          if (n % 9 === 0) {
            hotline.sim.reject(leg.sid);
            rejected++;
          } else {
            hotline.sim.answer(leg.sid);
            await new Promise((r) => setTimeout(r, 5 + (n % 4) * 5));
            await hotline.sim.hangup(leg.sid);
            // The caller then rates the call and says it was solved (typed ahead of the survey's questions). The
            // caller is the offer's: the agent may have answered before the caller was back in the room.
            const [offer] = await h.database.db.select({ callSid: offers.callSid }).from(offers).where(eq(offers.legSid, leg.sid));
            hotline.sim.press(offer!.callSid!, `${1 + (n % 5)}1`);
          }
        } catch {
          // The caller hung up first: the leg is gone, and the ACD frees the agent.
        }
        await backToWork(agent.id);
      }, 5 + (n % 5) * 3);
    });

    const callers = Array.from({ length: CALLERS }, (_, i) => hotline.sim.call({ from: `+86139${String(i).padStart(8, '0')}`, presses: PATHS[i % PATHS.length]! }));
    await Promise.all(
      callers.map(async (call, i) => {
        if ((i + 1) % GIVE_UP_EVERY !== 0) return;
        // Gives up once waiting: in the queue, or while an agent's phone rings.
        await waitingOrRinging(call);
        hotline.sim.callerHangup(call.sid);
      }),
    );
    const transcripts = await Promise.all(callers.map((call) => hotline.sim.ended(call.sid)));
    hotline.sim.rings.removeAllListeners('ring');

    expect(transcripts.flat().filter((e) => e.type === 'application-error')).toEqual([]);
    let rows = await h.database.db.select().from(calls);
    for (let i = 0; i < 100 && rows.some((r) => r.status !== 'ended'); i++) {
      await new Promise((r) => setTimeout(r, 20));
      rows = await h.database.db.select().from(calls);
    }
    expect(rows).toHaveLength(CALLERS);
    const reasons = new Map(rows.map((r) => [r.sid, r.endReason]));
    callers.forEach((call, i) => {
      expect(reasons.get(call.sid)).toBe((i + 1) % GIVE_UP_EVERY === 0 ? 'abandoned-in-queue' : 'completed');
    });

    const all = await h.database.db.select().from(offers);
    const talked = all.filter((o) => o.status === 'completed');
    expect(talked).toHaveLength(CALLERS - Math.floor(CALLERS / GIVE_UP_EVERY));
    expect(new Set(talked.map((o) => o.callSid)).size).toBe(talked.length);
    expect(all.filter((o) => o.status === 'ringing' || o.status === 'connected')).toEqual([]);
    // A reject can cross a caller giving up at that moment, which then counts as their abandon.
    const rejections = all.filter((o) => o.status === 'rejected').length;
    expect(rejections).toBeGreaterThan(0);
    expect(rejections).toBeLessThanOrEqual(rejected);
    // Each agent took calls one after another: their offers never interleave.
    for (const agent of floor) {
      const theirs = all.filter((o) => o.staffId === agent.id).sort((a, b) => a.id - b.id);
      const events = theirs.flatMap((o) => [o.offeredAt.getTime(), (o.endedAt ?? o.offeredAt).getTime()]);
      expect(events).toEqual([...events].sort((a, b) => a - b));
    }
  }, 120_000);
});
