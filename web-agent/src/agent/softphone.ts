/**
 * What the server tells the page (GET /api/softphone, the `/agents` events): the server's own types, imported
 * for the type-checker only (esbuild drops them), so the page and the server cannot drift apart.
 */
import type { NotesInput as ServerNotesInput } from '../../../src/notes/notes.ts';
import type { SoftphoneSettings } from '../../../src/softphone/routes.ts';

/** The screen-pop as the `offer` event and GET /api/softphone bring it: the IVR path also in words. */
export type { WordedScreenPop as ScreenPop, PathStep } from '../../../src/acd/screen-pop.ts';
export type { Notes, SaveAck } from '../../../src/notes/notes.ts';
export { DISPOSITIONS, TOPICS } from '../../../src/notes/choices.ts';

/** One save as the page sends it: every field, the whole form each time (the newest version wins). */
export type NotesInput = { [K in keyof ServerNotesInput]-?: Exclude<ServerNotesInput[K], undefined> };

export type Softphone = SoftphoneSettings;


/**
 * A moment the server named, on this computer's clock. The server's clock may disagree with the browser's
 * (or be a test's clock); a moment that is in the future or older than `plausibleMs` is not trusted.
 */
export function localMoment(iso: string | null | undefined, plausibleMs: number): number | undefined {
  const at = iso ? Date.parse(iso) : NaN;
  const now = Date.now();
  if (!Number.isFinite(at) || at > now + 2_000 || now - at > plausibleMs) return undefined;
  return at;
}
