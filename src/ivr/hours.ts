import type { NodeOf } from './flow.ts';

const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Whether `now`, read on the hotline's wall clock in `timeZone`, falls in one of the opening periods. */
export function isOpen(node: Pick<NodeOf<'hours'>, 'open' | 'closedDates'>, now: Date, timeZone: string): boolean {
  const local = wallClock(now, timeZone);
  if (node.closedDates.includes(local.date)) return false;
  return node.open.some((p) => p.days.includes(local.weekday) && p.from <= local.time && local.time < p.to);
}

export function wallClock(now: Date, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
    weekday: weekdays[new Date(`${parts.year}-${parts.month}-${parts.day}T12:00:00Z`).getUTCDay()]!,
  };
}
