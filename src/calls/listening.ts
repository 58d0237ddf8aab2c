import type { IvrState } from '../ivr/types.ts';

/**
 * The IVR state of calls this process last moved, so that a key press is one statement (the step, written
 * only if the call is still where it was) instead of a read and then that statement. What is kept is only a
 * guess: every write of a call's IVR state moves its `seq` on, so the state kept for a `seq` is the one the
 * database holds for that `seq`, and the step's statement checks the `seq` (and that the call is still in the
 * IVR). A miss, or a guess another process made stale, is read from the database as before.
 */

/**
 * Enough for every caller in the IVR of a large hotline at once (200 new calls a second, 30 s each in the
 * menus: 6,000), at about a kilobyte each; the oldest are dropped beyond it.
 */
const MOST = 10_000;

type Kept = Map<string, { seq: number; state: IvrState }>;
/** Per hotline: tests run several in one process, some of them on one database as two processes would. */
const kept = new WeakMap<object, Kept>();

function keptFor(hotline: object): Kept {
  let calls = kept.get(hotline);
  if (!calls) kept.set(hotline, (calls = new Map()));
  return calls;
}

/** The call `sid` now waits for input at step `seq` in `state`. */
export function rememberListening(hotline: object, sid: string, seq: number, state: IvrState): void {
  const calls = keptFor(hotline);
  calls.delete(sid);
  calls.set(sid, { seq, state });
  if (calls.size > MOST) calls.delete(calls.keys().next().value!);
}

/** The state the call `sid` was left in at step `seq`, if this process left it there. */
export function recallListening(hotline: object, sid: string, seq: number): IvrState | undefined {
  const call = kept.get(hotline)?.get(sid);
  return call?.seq === seq ? call.state : undefined;
}

/** The call left the IVR, or this process no longer knows where it is. */
export function forgetListening(hotline: object, sid: string): void {
  kept.get(hotline)?.delete(sid);
}
