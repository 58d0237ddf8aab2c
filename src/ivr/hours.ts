import type { NodeOf } from './flow.ts';

const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Whether `now`, read on the hotline's wall clock in `timeZone`, falls in one of the opening periods. */
export function isOpen(node: Pick<NodeOf<'hours'>, 'open' | 'closedDates'>, now: Date, timeZone: string): boolean {
  const local = wallClock(now, timeZone);
  if (node.closedDates.includes(local.date)) return false;
  return node.open.some((p) => p.days.includes(local.weekday) && p.from <= local.time && local.time < p.to);
}

/** Building a formatter costs far more than using one, and every call's IVR reads the clock. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    const options = { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
    formatters.set(timeZone, (f = new Intl.DateTimeFormat('en-US', options)));
  }
  return f;
}

export function wallClock(now: Date, timeZone: string) {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(now).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    weekday: weekdays[new Date(`${parts.year}-${parts.month}-${parts.day}T12:00:00Z`).getUTCDay()]!,
  };
}
