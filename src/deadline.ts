/** Work that did not settle in the time it had; the work itself goes on and lands or fails on its own. */
export class TooLate extends Error {}

/**
 * `work`, or `TooLate` after `ms`. A database that hangs (rather than refuses) can hold a statement for as
 * long as the network takes to give up, and a client may even lose a statement for good; what must keep
 * moving (a caller's webhook, a routing pass, the deadline sweep) waits no longer than this.
 */
export function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TooLate(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
