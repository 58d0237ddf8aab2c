import { sql } from 'drizzle-orm';
import { outboundPacing } from '../../db/schema.ts';
import type { Db } from '../database.ts';

/**
 * The pace of outbound calls, shared by every process through one row: each placement takes the next free
 * slot (`1 / perSecond` seconds after the last) on the database's clock and waits for it. The carrier would
 * hold calls placed faster anyway (Twilio: 1 a second for a new account); holding them here keeps the
 * accepted callbacks in order and tells the agent why the passenger is not ringing yet.
 */
export async function takeSlot(db: Db, perSecond: number): Promise<number> {
  const gapMs = 1000 / perSecond;
  const gap = sql`make_interval(secs => ${gapMs / 1000})`;
  // One statement: the first placement ever makes the row; later ones move it on under its row lock.
  const [row] = await db
    .insert(outboundPacing)
    .values({ id: 1, nextSlotAt: sql`clock_timestamp() + ${gap}` })
    .onConflictDoUpdate({ target: outboundPacing.id, set: { nextSlotAt: sql`greatest(${outboundPacing.nextSlotAt}, clock_timestamp()) + ${gap}` } })
    .returning({ waitMs: sql<string>`extract(epoch from (${outboundPacing.nextSlotAt} - clock_timestamp())) * 1000` });
  // The slot is the start of the interval just taken: wait until then.
  return Math.max(0, Number(row!.waitMs) - gapMs);
}

export async function waitForSlot(db: Db, perSecond: number): Promise<void> {
  const ms = await takeSlot(db, perSecond);
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}
