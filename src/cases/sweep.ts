import type { Hotline } from '../hotline.ts';
import { announce } from './cases.ts';
import type { CaseType, ClockKind } from './choices.ts';
import { advance, anythingDue, dueClocks, nextAt, postpone, sendableAt, stageAt, type Stage } from './clocks.ts';
import { appendCaseEvents } from './timeline.ts';

/** Who hears of a reminder or escalation, live: staff by id (owner, supervisor), and everyone of a role. */
export type CaseAlert = {
  caseId: number;
  reference: string;
  type: CaseType;
  clock: ClockKind;
  /** reminder: the owner, before the breach; supervisor: at the breach; manager: at the second threshold. */
  level: 'reminder' | 'supervisor' | 'manager';
  /** Escalated for another reason than the clock: `could-not-reach` (a callback's attempts are used up). */
  why?: string;
  dueAt: string;
  staffIds: number[];
  roles: Array<'manager'>;
};

const LEVEL: Record<Exclude<Stage, 0>, CaseAlert['level']> = { 1: 'reminder', 2: 'supervisor', 3: 'manager' };
const BATCH = 100;

/**
 * Reminders and escalations whose time has come, each sent once: the clocks due are locked (another process
 * sweeping skips them), moved on only from the stage they were read at, and the timeline written in the same
 * transaction; the alerts go out after commit. A clock that passed several thresholds while nobody swept (a
 * restart) goes straight to the last one. Outside working hours an alert waits for the next working hour
 * unless its type says otherwise.
 */
export async function sweepCases(h: Hotline): Promise<number> {
  const now = h.now();
  // Most passes find nothing due: one indexed read, not a transaction, for those.
  if (!(await anythingDue(h.database.db, now))) return 0;
  const alerts = await h.database.db.transaction(async (tx) => {
    const out: Array<{ alert: CaseAlert; changed: Parameters<typeof announce>[1] }> = [];
    for (const { clock, ...c } of await dueClocks(tx, now, BATCH)) {
      const { type, reference, ownerStaffId, supervisorId } = c;
      const stage = stageAt(clock, now);
      if (stage <= clock.stage) {
        await postpone(tx, clock, nextAt(clock, clock.stage));
        continue;
      }
      const sendAt = sendableAt(h.cases, type, clock.calendar, now);
      if (sendAt > now) {
        await postpone(tx, clock, sendAt);
        continue;
      }
      if (!(await advance(tx, clock, stage))) continue;
      const level = LEVEL[stage as Exclude<Stage, 0>];
      const staffIds = level === 'reminder' ? [ownerStaffId ?? supervisorId] : [supervisorId, ...(level === 'manager' ? [] : [ownerStaffId])];
      const alert: CaseAlert = {
        caseId: clock.caseId,
        reference,
        type,
        clock: clock.kind,
        level,
        dueAt: clock.dueAt.toISOString(),
        staffIds: [...new Set(staffIds.filter((id): id is number => id !== null))],
        roles: level === 'manager' || supervisorId === null ? ['manager'] : [],
      };
      await appendCaseEvents(tx, clock.caseId, { staffId: null, source: 'clock' }, [
        { type: level === 'reminder' ? 'reminded' : 'escalated', data: { clock: clock.kind, level, dueAt: alert.dueAt, to: { staffIds: alert.staffIds, roles: alert.roles } } },
      ], now);
      out.push({ alert, changed: { id: clock.caseId, ...c } });
    }
    return out;
  });
  for (const { alert, changed } of alerts) {
    h.bus.emit('case-alert', alert);
    // Every board re-sorts: the case is nearer the top now.
    announce(h, changed);
  }
  return alerts.length;
}
