import { caseEvents } from '../../db/schema.ts';
import type { Tx } from '../database.ts';

/** Where an action on a case came from: the staff's pages, the API, the public form, the IVR, or a clock. */
export type Source = 'softphone' | 'board' | 'api' | 'online' | 'ivr' | 'clock';
export const STAFF_SOURCES = ['softphone', 'board', 'api'] as const;

/** Who acts: a staff member's id, or null for the passenger (online) and the hotline itself. */
export type Actor = { staffId: number | null; source: Source };

export type CaseEvent = { type: string; data?: Record<string, unknown> };

/** Append to a case's timeline; always inside the transaction that changes the case. */
export async function appendCaseEvents(tx: Tx, caseId: number, actor: Actor, events: CaseEvent[], at: Date): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(caseEvents).values(events.map((e) => ({ caseId, at, type: e.type, actorId: actor.staffId, source: actor.source, data: e.data ?? {} })));
}
