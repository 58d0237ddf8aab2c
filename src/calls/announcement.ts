import { eq } from 'drizzle-orm';
import { settings } from '../../db/schema.ts';
import type { Db } from '../database.ts';
import { prompt, type Prompt } from '../ivr/flow.ts';

const KEY = 'announcement';

/** The message a manager set for callers (e.g. a suspension notice), per language; null when none. */
export async function getAnnouncement(db: Db): Promise<Prompt | null> {
  const [row] = await db.select().from(settings).where(eq(settings.key, KEY));
  const parsed = prompt.safeParse(row?.value);
  return parsed.success && Object.keys(parsed.data).length > 0 ? parsed.data : null;
}

/** Set (or with null, clear) the announcement; the next caller hears it. */
export async function setAnnouncement(db: Db, value: Prompt | null): Promise<void> {
  if (value === null) {
    await db.delete(settings).where(eq(settings.key, KEY));
    return;
  }
  await db
    .insert(settings)
    .values({ key: KEY, value })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } });
}
