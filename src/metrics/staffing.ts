import { sql } from 'drizzle-orm';
import type { Queue } from '../acd/queues.ts';
import { rows } from '../database.ts';
import type { Hotline } from '../hotline.ts';
import { wallClock } from '../ivr/hours.ts';
import { agentsNeeded, serviceLevel, trafficOf } from './erlang.ts';
import { startOfLocalDay } from './live.ts';

/**
 * Staffing advice (Erlang C, erlang.ts) for the live dashboard:
 * - now: per queue, from the last 15, 30 and 60 minutes, the arrival rate (calls that entered the queue, per
 *   hour) and the handle time (AHT = talk + hold + the queue's wrap-up, of the conversations that ended in the
 *   window), the agents needed for the service-level goal, against the agents logged in with the queue's skill
 *   (and the service level those agents would give, by the same model);
 * - tomorrow: per queue and 30-minute slot of the next local day, the same advice from the same weekday of
 *   the last four weeks (the reports' slot rows: mean calls offered in that slot, and its handle time).
 * The goal is the common "80/20": 80 % answered within the queue's T (its serviceLevelSeconds).
 */

export const SERVICE_LEVEL_GOAL = 0.8;
export const WINDOWS_MINUTES = [15, 30, 60] as const;
const HISTORY_WEEKS = 4;

export type Advice = {
  /** Calls per hour. */
  arrivalsPerHour: number;
  ahtSeconds: number | null;
  /** Offered traffic A (Erlangs). */
  traffic: number | null;
  /** The smallest N reaching the goal; 0 when no call comes; null without a handle time to go by. */
  needed: number | null;
};

/** The advice for `arrivals` calls in `minutes`, at `ahtSeconds`, for `targetSeconds` and the goal. */
export function advise(arrivals: number, minutes: number, ahtSeconds: number | null, targetSeconds: number, goal = SERVICE_LEVEL_GOAL): Advice {
  const arrivalsPerHour = (arrivals * 60) / minutes;
  if (arrivals === 0) return { arrivalsPerHour: 0, ahtSeconds, traffic: 0, needed: 0 };
  if (ahtSeconds === null || ahtSeconds <= 0) return { arrivalsPerHour, ahtSeconds, traffic: null, needed: null };
  return { arrivalsPerHour, ahtSeconds, traffic: trafficOf(arrivalsPerHour, ahtSeconds), needed: agentsNeeded({ arrivalsPerHour, ahtSeconds, targetSeconds, goal }) };
}

export type QueueNow = Advice & {
  queue: string;
  offered: number;
  /** Agents logged in (any presence but offline) with the queue's skill; on break among them. */
  loggedIn: number;
  onBreak: number;
  /** The service level (0–1) the agents logged in and not on break would give, by the model; null without advice. */
  serviceLevelWithLoggedIn: number | null;
  targetSeconds: number;
};
export type SlotAdvice = Advice & { queue: string; offered: number };
export type StaffingAdvice = {
  at: string;
  timeZone: string;
  goal: number;
  now: Array<{ minutes: number; queues: QueueNow[] }>;
  tomorrow: {
    date: string;
    /** Days of the same weekday found in the history (up to four). */
    weeks: number;
    slots: Array<{ start: string; queues: SlotAdvice[]; needed: number | null }>;
  };
};

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

export async function staffingAdvice(h: Hotline): Promise<StaffingAdvice> {
  const now = h.now();
  const tz = h.config.timeZone;
  const queues = [...h.queues.values()];
  const [windows, staffed, tomorrow] = await Promise.all([Promise.all(WINDOWS_MINUTES.map((m) => windowFacts(h, now, m))), loggedIn(h), nextDay(h, now)]);
  return {
    at: now.toISOString(),
    timeZone: tz,
    goal: SERVICE_LEVEL_GOAL,
    now: WINDOWS_MINUTES.map((minutes, i) => ({
      minutes,
      queues: queues.map((q) => {
        const f = windows[i]!.get(q.name) ?? { offered: 0, handled: 0, handleSeconds: 0 };
        const advice = advise(f.offered, minutes, f.handled ? f.handleSeconds / f.handled : null, q.serviceLevelSeconds);
        const people = staffed.filter((s) => Object.hasOwn(s.skills, q.skill));
        const on = people.reduce((n, s) => n + s.count, 0);
        const onBreak = people.filter((s) => s.presence === 'break').reduce((n, s) => n + s.count, 0);
        const working = on - onBreak;
        return {
          queue: q.name,
          offered: f.offered,
          ...advice,
          loggedIn: on,
          onBreak,
          serviceLevelWithLoggedIn: advice.traffic === null || advice.ahtSeconds === null ? null : advice.traffic === 0 ? 1 : serviceLevel({ traffic: advice.traffic, agents: working, ahtSeconds: advice.ahtSeconds, targetSeconds: q.serviceLevelSeconds }),
          targetSeconds: q.serviceLevelSeconds,
        };
      }),
    })),
    tomorrow: tomorrowAdvice(tomorrow, queues),
  };
}

/** Per queue: calls that entered it in the last `minutes`, and the conversations that ended then with their handle time. */
async function windowFacts(h: Hotline, now: Date, minutes: number) {
  const since = new Date(now.getTime() - minutes * 60_000);
  const wrap = [...h.queues.values()].map((q) => sql`when ${q.name} then ${sql.raw(String(q.wrapUpSeconds))}`);
  const wrapUp = wrap.length ? sql`(case o.queue ${sql.join(wrap, sql` `)} else 0 end)` : sql`0`;
  const [arrived, ended] = await Promise.all([
    rows<{ queue: string; n: number }>(h.database.db, sql`select queue, count(*)::int as n from calls where queued_at > ${ts(since)} and queued_at <= ${ts(now)} and queue is not null group by queue`),
    rows<{ queue: string; n: number; seconds: number }>(
      h.database.db,
      sql`select o.queue, count(*)::int as n, sum(extract(epoch from o.ended_at - o.answered_at) + ${wrapUp})::float8 as seconds
        from offers o where o.status = 'completed' and o.ended_at > ${ts(since)} and o.ended_at <= ${ts(now)} and o.answered_at is not null group by o.queue`,
    ),
  ]);
  const out = new Map<string, { offered: number; handled: number; handleSeconds: number }>();
  for (const r of arrived) out.set(r.queue, { offered: Number(r.n), handled: 0, handleSeconds: 0 });
  for (const r of ended) {
    const f = out.get(r.queue) ?? { offered: 0, handled: 0, handleSeconds: 0 };
    f.handled = Number(r.n);
    f.handleSeconds = Number(r.seconds);
    out.set(r.queue, f);
  }
  return out;
}

function loggedIn(h: Hotline) {
  return rows<{ skills: Record<string, number>; presence: string; count: number }>(
    h.database.db,
    sql`select s.skills, a.presence, count(*)::int as count from agents a join staff s on s.id = a.staff_id
      where a.presence <> 'offline' and not s.disabled group by s.skills, a.presence`,
  );
}

/** The same weekday's slot rows of the last four weeks, per queue and local time of day. */
async function nextDay(h: Hotline, now: Date) {
  const tz = h.config.timeZone;
  const today = startOfLocalDay(now, tz);
  const date = wallClock(new Date(today.getTime() + 36 * 3_600_000), tz).date;
  const weekday = sql`extract(isodow from slot_start at time zone ${tz}) = extract(isodow from ${date}::date)`;
  const since = new Date(today.getTime() - HISTORY_WEEKS * 7 * 86_400_000);
  const [slots, [weeks]] = await Promise.all([
    rows<{ queue: string; slot: string; offered: number; handled: number; seconds: number }>(
      h.database.db,
      sql`select queue, to_char(slot_start at time zone ${tz}, 'HH24:MI') as slot, sum(offered)::int as offered, sum(handled)::int as handled,
          sum(talk_seconds + hold_seconds + wrap_seconds)::float8 as seconds
        from report_queue_slots where slot_start >= ${ts(since)} and slot_start < ${ts(today)} and ${weekday} group by 1, 2`,
    ),
    rows<{ n: number }>(
      h.database.db,
      sql`select count(distinct (slot_start at time zone ${tz})::date)::int as n from report_queue_slots
        where slot_start >= ${ts(since)} and slot_start < ${ts(today)} and offered > 0 and ${weekday}`,
    ),
  ]);
  return { date, weeks: Number(weeks?.n ?? 0), slots };
}

function tomorrowAdvice(t: Awaited<ReturnType<typeof nextDay>>, queues: Queue[]): StaffingAdvice['tomorrow'] {
  // A queue's handle time over the whole history read, for a slot whose own conversations did not end in it.
  const queueAht = new Map<string, number>();
  for (const q of queues) {
    const mine = t.slots.filter((s) => s.queue === q.name);
    const handled = mine.reduce((n, s) => n + Number(s.handled), 0);
    if (handled) queueAht.set(q.name, mine.reduce((n, s) => n + Number(s.seconds), 0) / handled);
  }
  const bySlot = new Map(t.slots.map((s) => [`${s.slot}|${s.queue}`, s]));
  const slots: StaffingAdvice['tomorrow']['slots'] = [];
  for (let i = 0; i < 48; i++) {
    const start = `${String(Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}`;
    const advice = queues.map((q): SlotAdvice => {
      const s = bySlot.get(`${start}|${q.name}`);
      const offered = t.weeks && s ? Number(s.offered) / t.weeks : 0;
      const aht = s && Number(s.handled) ? Number(s.seconds) / Number(s.handled) : (queueAht.get(q.name) ?? null);
      return { queue: q.name, offered, ...advise(offered, 30, aht, q.serviceLevelSeconds) };
    });
    const unknown = advice.some((a) => a.needed === null);
    slots.push({ start, queues: advice, needed: unknown ? null : advice.reduce((n, a) => n + a.needed!, 0) });
  }
  return { date: t.date, weeks: t.weeks, slots };
}
