import type { Tx } from '../database.ts';
import { callEvents } from '../../db/schema.ts';
import type { IvrEvent } from '../ivr/types.ts';

/** Append to a call's event log; always inside the transaction that changes the call. */
export async function appendEvents(tx: Tx, callSid: string, events: IvrEvent[], at: Date): Promise<void> {
  await eventsAppended(tx, callSid, events, at);
}

/** The same append as a statement not yet sent (for `together`), or undefined when there is nothing to append. */
export function eventsAppended(tx: Tx, callSid: string, events: IvrEvent[], at: Date) {
  return events.length === 0 ? undefined : tx.insert(callEvents).values(events.map((e) => ({ callSid, at, type: e.type, data: e.data })));
}
