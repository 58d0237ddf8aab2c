import { eq } from 'drizzle-orm';
import { settings } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import { prompt, type Prompt } from '../ivr/flow.ts';

const KEY = 'announcement';

/**
 * Every new call hears the announcement, so it is read once and kept: a change made through this process is
 * heard by the next caller at once; one made through another process sharing the database, within this long.
 */
export const ANNOUNCEMENT_FRESH_MS = 2_000;
const kept = new WeakMap<Db, { value: Promise<Prompt | null>; until: number }>();

/** The message a manager set for callers (e.g. a suspension notice), per language; null when none. */
export function getAnnouncement(db: Db): Promise<Prompt | null> {
  const now = Date.now();
  const known = kept.get(db);
  if (known && known.until > now) return known.value;
  const value = readAnnouncement(db);
  kept.set(db, { value, until: now + ANNOUNCEMENT_FRESH_MS });
  // A failed read is not kept: the next caller asks the database again.
  value.catch(() => kept.delete(db));
  return value;
}

async function readAnnouncement(db: Db): Promise<Prompt | null> {
  const [row] = await db.select().from(settings).where(eq(settings.key, KEY));
  const parsed = prompt.safeParse(row?.value);
  return parsed.success && Object.keys(parsed.data).length > 0 ? parsed.data : null;
}

/** Forget what was read: the next caller's is read afresh (for a change made behind the hotline's back). */
export function forgetAnnouncement(db: Db): void {
  kept.delete(db);
}

/** Set (or with null, clear) the announcement; the next caller hears it. */
export async function setAnnouncement(db: Db, value: Prompt | null): Promise<void> {
  forgetAnnouncement(db);
  if (value === null) await db.delete(settings).where(eq(settings.key, KEY));
  else {
    await db
      .insert(settings)
      .values({ key: KEY, value })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
  }
  forgetAnnouncement(db);
}
