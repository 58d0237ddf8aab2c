import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Hotline } from '../hotline.ts';

/**
 * Whether the hotline takes a new caller in now. An overloaded hotline that takes everyone in answers
 * everyone late, until the carrier gives up on its webhooks (15 s) and callers already in the menus or the
 * queues hear an application error. So while it is strained, a new caller is held at the door instead: told
 * once that the lines are busy, given hold music, and sent back to try again (src/telephony/webhooks.ts);
 * callers already inside go on being served.
 *
 * Strained means, for two windows in a row: the event loop ran late by more than `lagMs` (this process is
 * short of CPU), or more than `inFlight` webhooks were being answered at once (they wait on a database that
 * is slow or hangs). The door opens again after a window with half of each.
 */
export type DoorLimits = {
  /** Event-loop lag (ms) that counts as strain; 0: never. */
  lagMs: number;
  /** Webhooks answered at once that count as strain; 0: never. */
  inFlight: number;
};

export type Door = {
  /** Whether a new caller is taken in now (false: hold them at the door). */
  admits(): boolean;
  /** A webhook began; call the returned function when it is answered. */
  answering(): () => void;
  /** The caller `sid` is held at this door, since they first rang. */
  hold(sid: string, since: Date): void;
  /** When the caller `sid` first rang, if they are held at this door; they are no longer, after this. */
  letGo(sid: string): Date | undefined;
  /** For /metrics: whether it is shut now, and how many new-call webhooks it has held since it opened. */
  state(): { shut: boolean; holds: number };
};

const doors = new WeakMap<Hotline, Door>();

/** The hotline's door in this process (its webhooks hold callers at it; /metrics reads it). */
export function doorOf(h: Hotline): Door {
  let door = doors.get(h);
  if (!door) doors.set(h, (door = openDoor(h.config.door, h.log)));
  return door;
}

/** Callers held at once that one process remembers (to count those who hang up there); the oldest go first. */
const MOST_HELD = 20_000;

/** One window of the measures; strain must last two. */
const WINDOW_MS = 500;

export function openDoor(limits: DoorLimits, log: Logger, clock: () => number = performance.now.bind(performance)): Door {
  let inFlight = 0;
  /** The most webhooks in flight in the current window, and in the one before. */
  let peak = 0;
  let peakBefore = 0;
  let window = Math.floor(clock() / WINDOW_MS);
  let shut = false;
  /** When the door last shut (clock ms). */
  let shutAt = 0;
  /** New-call webhooks held in this shut spell, and since the door was made. */
  let holds = 0;
  let allHolds = 0;
  const waiting = new Map<string, Date>();
  const lagged = limits.lagMs > 0 ? loopLag() : undefined;

  const roll = () => {
    const now = Math.floor(clock() / WINDOW_MS);
    if (now === window) return;
    peakBefore = now === window + 1 ? peak : inFlight;
    peak = inFlight;
    window = now;
  };

  return {
    admits() {
      roll();
      const over = (lagMs: number, calls: number) =>
        (lagged !== undefined && lagged.last > lagMs && lagged.before > lagMs) || (limits.inFlight > 0 && Math.min(peak, peakBefore) > calls);
      if (!shut && over(limits.lagMs, limits.inFlight)) {
        shut = true;
        shutAt = clock();
        holds = 0;
        log.warn({ loopLagMs: lagged?.last, webhooksInFlight: peak }, 'the hotline is overloaded: new callers are held at the door');
      } else if (shut && !over(limits.lagMs / 2, limits.inFlight / 2)) {
        shut = false;
        log.info({ loopLagMs: lagged?.last, webhooksInFlight: peak, holds, seconds: Math.round((clock() - shutAt) / 1000) }, 'the hotline takes new callers in again');
      }
      if (shut) {
        holds++;
        allHolds++;
      }
      return !shut;
    },
    answering() {
      roll();
      peak = Math.max(peak, ++inFlight);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        inFlight--;
      };
    },
    hold(sid, since) {
      waiting.delete(sid);
      waiting.set(sid, since);
      if (waiting.size > MOST_HELD) waiting.delete(waiting.keys().next().value!);
    },
    letGo(sid) {
      const since = waiting.get(sid);
      waiting.delete(sid);
      return since;
    },
    state: () => ({ shut, holds: allHolds }),
  };
}

/**
 * The event loop's lag, measured once for the whole process (every hotline in it shares the loop): the
 * longest delay in the last complete window and in the one before it, in ms.
 */
let monitor: { histogram: IntervalHistogram; last: number; before: number } | undefined;

function loopLag(): { last: number; before: number } {
  if (!monitor) {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const m = { histogram, last: 0, before: 0 };
    setInterval(() => {
      m.before = m.last;
      m.last = histogram.max / 1e6;
      histogram.reset();
    }, WINDOW_MS).unref();
    monitor = m;
  }
  return monitor;
}
