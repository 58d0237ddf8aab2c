import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Database } from '../../src/database.ts';
import { startHotline } from '../../src/start.ts';
import type { CallEvent, SimulatedCall } from '../../src/telephony/carrier/simulator/call.ts';
import type { Leg } from '../../src/telephony/carrier/simulator/dial.ts';
import type { Simulator } from '../../src/telephony/carrier/simulator/simulator.ts';
import { testDatabase } from './database.ts';
import { OPEN } from './flows.ts';
import { testConfig } from './hotline.ts';

/**
 * The whole hotline as `npm start` runs it (real flows from ./ivr-flows, the carrier simulator, a listening
 * server) over a fresh test database. The clock is the test's: `clock.now` starts inside opening hours.
 */
export async function runningHotline(
  options: {
    timeScale?: number;
    env?: Record<string, string>;
    sweepEveryMs?: number;
    database?: Database;
    /** The clock moves on in real time from OPEN (browser specs, where a person's pace sets the times). */
    clockRuns?: boolean;
  } = {},
) {
  const database = options.database ?? (await testDatabase());
  const clock = options.clockRuns ? runningClock(OPEN) : stoppedClock(OPEN);
  const running = await startHotline(testConfig(options.env), {
    log: pino({ level: 'silent' }),
    database,
    simulatorTimeScale: options.timeScale ?? 0,
    now: () => clock.now,
    // Deadlines are swept by the test (after moving the clock), unless it asks for the sweeper.
    sweepEveryMs: options.sweepEveryMs ?? 0,
  });
  return {
    ...running,
    sim: running.simulator!,
    database,
    clock,
    async close() {
      await running.close();
      if (!options.database) await database.close();
    },
  };
}

type Clock = { now: Date; advance(seconds: number): void };

/** Stands still unless the test moves it. */
function stoppedClock(start: Date): Clock {
  return {
    now: start,
    advance(seconds) {
      this.now = new Date(this.now.getTime() + seconds * 1000);
    },
  };
}

/** Real time, shifted to begin at `start`; the test may still jump it forward. */
function runningClock(start: Date): Clock {
  let shift = start.getTime() - Date.now();
  return {
    get now() {
      return new Date(Date.now() + shift);
    },
    set now(at: Date) {
      shift = at.getTime() - Date.now();
    },
    advance(seconds) {
      shift += seconds * 1000;
    },
  };
}

/**
 * The first event of `type` after the `after`-th (events are numbered from 1), waiting for it as long as the
 * test allows. It searches the whole transcript each time, so an event recorded while it was looking at an
 * earlier batch is never missed when the call ends.
 */
export async function nextEvent<T extends CallEvent['type']>(call: SimulatedCall, type: T, after = 0): Promise<Extract<CallEvent, { type: T }>> {
  for (;;) {
    const found = call.events.find((event) => event.n > after && event.type === type);
    if (found) return found as Extract<CallEvent, { type: T }>;
    if (call.ended) throw new Error(`the call ended without a '${type}' event: ${call.events.map((event) => event.type).join(', ')}`);
    await call.eventsAfter(call.events.length, 5_000);
  }
}

/** The next leg the simulator rings for the softphone `client` (`agent_<employee no>`). */
export function nextRingFor(sim: Simulator, client: string): Promise<Leg> {
  return new Promise((resolve) => {
    const listener = (leg: Leg) => {
      if (leg.client !== client) return;
      sim.rings.off('ring', listener);
      resolve(leg);
    };
    sim.rings.on('ring', listener);
  });
}

/** Wait until the call has listened for input `count` times (it is then waiting at that menu). */
export async function listenedTimes(call: SimulatedCall, count: number): Promise<void> {
  let seen = 0;
  for (let times = 0; times < count; ) {
    const events = await call.eventsAfter(seen, 5_000);
    if (call.ended && events.length === 0) throw new Error(`call ended after listening ${times} times`);
    seen += events.length;
    times += events.filter((e) => e.type === 'listening').length;
  }
}

/** What an English-speaking caller hears from pressing 2 at the welcome to the main menu, then hanging up. */
export async function englishCallerHears(sim: Simulator): Promise<string[]> {
  const call = sim.call({ presses: ['2'] });
  await listenedTimes(call, 2); // the welcome, then the main menu
  sim.callerHangup(call.sid);
  await sim.ended(call.sid);
  return heard(call.events);
}

/** What the caller heard, one line per <Say>, as `[language] text`. */
export function heard(events: CallEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'say' ? [`[${e.language}] ${e.text}`] : []));
}

/**
 * One running hotline for a spec file, with an empty floor before each spec: no callers, no staff, the
 * clock back inside opening hours. Returns a getter (the hotline exists once `beforeAll` has run).
 */
export function hotlinePerFile(options: Parameters<typeof runningHotline>[0] = {}): () => Awaited<ReturnType<typeof runningHotline>> {
  let hotline: Awaited<ReturnType<typeof runningHotline>>;
  beforeAll(async () => {
    hotline = await runningHotline(options);
  });
  afterAll(async () => {
    await hotline.close();
  });
  beforeEach(async () => {
    await hotline.sim.close();
    await emptied(hotline.database);
    hotline.clock.now = OPEN;
  });
  return () => hotline;
}

/**
 * Every table of the floor emptied. The hotline goes on working in the background meanwhile (a socket closed
 * by the last spec, the socket check), and on PostgreSQL its row locks and the truncation's table locks can
 * deadlock: the database then cancels one side, and the truncation is simply tried again.
 */
export async function emptied(database: Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await database.db.execute(sql`truncate staff, agents, agent_sockets, offers, sessions, calls, call_events, call_replies, call_notes, surveys, cases, case_events, case_clocks, case_calls, found_items, callback_attempts, outbound_pacing, monitors, recordings restart identity`);
      return;
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
      if (code !== '40P01' || attempt === 5) throw err;
    }
  }
}
