import { sql } from 'drizzle-orm';
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

/**
 * The same append as part of one statement: the insert of the events, in order, for the call a CTE named
 * `from` returned (in its column `sid`); none when that CTE returned nothing.
 */
export function logEvents(events: IvrEvent[], at: Date, from = 'fresh') {
  return sql`insert into call_events (call_sid, at, type, data)
    select ${sql.identifier(from)}.sid, ${at.toISOString()}::timestamptz, e.value ->> 'type', coalesce(e.value -> 'data', '{}'::jsonb)
    from ${sql.identifier(from)}, jsonb_array_elements(${JSON.stringify(events)}::jsonb) with ordinality as e(value, n)
    order by e.n`;
}
