import { randomBytes } from 'node:crypto';

/** What the caller hears and what happens to the call, in order; the transcript a test or the CLI reads. */
export type CallEvent = { n: number; atMs: number } & (
  | { type: 'say'; language: string; voice?: string; text: string }
  | { type: 'play'; url: string }
  | { type: 'listening'; input: string[] }
  | { type: 'pressed'; digits: string }
  | { type: 'spoke'; text: string }
  | { type: 'enqueued'; queue: string }
  | { type: 'left-queue'; queue: string; result: string }
  | { type: 'ringing'; client: string; legSid: string }
  | { type: 'connected'; client: string; legSid: string }
  | { type: 'disconnected'; client: string; legSid: string; status: string }
  | { type: 'application-error'; message: string }
  | { type: 'ended'; by: EndedBy }
  // A call the hotline placed (outbound-api): the passenger's phone rings, then is answered or not.
  | { type: 'dialled'; from: string; to: string }
  | { type: 'answered'; by: 'human' | 'machine' }
  | { type: 'unanswered'; status: Unanswered }
  // In a conference room (`<Dial><Conference>`, or a leg the hotline dialled in with addParticipant).
  | { type: 'conference-joined'; conference: string; label?: string }
  | { type: 'conference-left'; conference: string; reason: string }
  | { type: 'hold'; on: boolean }
  | { type: 'muted'; on: boolean }
  // The call's recording (REST: calls(CA).recordings), as the carrier keeps it.
  | { type: 'recording'; state: 'started' | 'paused' | 'resumed' | 'stopped'; sid: string }
);
type Distribute<T> = T extends unknown ? Omit<T, 'n' | 'atMs'> : never;
export type NewEvent = Distribute<CallEvent>;

/** Who ended the call: the caller hung up, the TwiML said so (or ran out), the REST API, or an error. */
export type EndedBy = 'caller' | 'twiml' | 'api' | 'application-error';

/** How a placed call ends without being answered (its final status callback's CallStatus). */
export type Unanswered = 'busy' | 'no-answer' | 'failed' | 'canceled';

/** Who phoned whom: a caller the hotline (`inbound`) or the hotline a passenger (`outbound-api`, Twilio's name). */
export type Direction = 'inbound' | 'outbound-api';

/** A scripted answer to one `<Gather>`: keys (`''` = silence) or words. */
export type Answer = string | { speech: string };

/** Something from outside that stops what the call is doing. */
export type Interruption = { kind: 'redirect'; url: string } | { kind: 'hangup'; by: 'caller' | 'api' };

export class Interrupted extends Error {
  constructor(readonly interruption: Interruption) {
    super(interruption.kind);
  }
}

export function newSid(prefix: 'CA' | 'QU' | 'CF' | 'RE'): string {
  return prefix + randomBytes(16).toString('hex');
}

/**
 * One simulated call's state. Everything that waits (a Gather, a Pause, a queue, a ringing agent) waits
 * through `until`, which wakes on every change and gives way at once to a hangup or a redirect.
 */
export class SimulatedCall {
  readonly startedAt = Date.now();
  readonly events: CallEvent[] = [];
  /** Keys pressed and not yet taken by a Gather (callers type ahead). */
  keys = '';
  /** The caller pressed nothing on purpose: the next Gather times out now. */
  silence = false;
  speech: string | undefined;
  /** Seconds on the simulated clock spent in scaled waits (Pause, music, timeouts), as far as each ran. */
  simulatedSeconds = 0;
  /** What the time scale cut from those waits: simulated seconds the call lasted beyond the wall clock. */
  private skippedSeconds = 0;
  interruption: Interruption | undefined;
  ended = false;
  /** A placed call not answered yet (queued or ringing): not in progress, so it cannot be redirected. */
  ringing = false;
  /**
   * An answering machine: it hears everything and never presses a key, so a Gather gets silence at once
   * (where a person, unscripted, is waited for).
   */
  machine = false;
  /** Where the paid call starts (Twilio bills, and CallDuration counts, from the answer, not the ringing). */
  private billedFrom = this.startedAt;
  private skippedBeforeBill = 0;
  /** On the simulated clock (`simulatedSeconds`), when the passenger puts the phone down by themselves. */
  private hangUpAt = Infinity;
  private wakers = new Set<() => void>();

  constructor(
    readonly sid: string,
    readonly from: string,
    readonly to: string,
    readonly script: Answer[],
    readonly direction: Direction = 'inbound',
  ) {}

  /** A placed call is answered: its CallDuration counts from now. */
  startBilling(): void {
    this.billedFrom = Date.now();
    this.skippedBeforeBill = this.skippedSeconds;
  }

  /**
   * The passenger hangs up after `seconds` more on the simulated clock: any wait that would run past that
   * point ends there with the passenger's hangup, so this holds at time scale 0 too.
   */
  hangUpAfter(seconds: number): void {
    this.hangUpAt = this.simulatedSeconds + seconds;
    if (seconds <= 0) this.interrupt({ kind: 'hangup', by: 'caller' });
  }

  record(event: NewEvent): void {
    this.events.push({ ...event, n: this.events.length + 1, atMs: Date.now() - this.startedAt } as CallEvent);
    this.wake();
  }

  interrupt(interruption: Interruption): void {
    // A hangup outranks a redirect that has not been followed yet.
    if (this.interruption?.kind === 'hangup') return;
    this.interruption = interruption;
    this.wake();
  }

  /** Throw if something from outside has stopped the current activity. */
  checkInterrupted(): void {
    if (this.interruption) throw new Interrupted(this.interruption);
  }

  /** Take the pending redirect, if that is what interrupted us: the call goes on at its URL. */
  takeRedirect(): string | undefined {
    const i = this.interruption;
    if (i?.kind !== 'redirect') return undefined;
    this.interruption = undefined;
    return i.url;
  }

  wake(): void {
    for (const waker of this.wakers) waker();
  }

  /**
   * Wait until `ready()` gives a value, `ms` pass (then undefined; Infinity waits for ever) or the call is
   * interrupted (throws). The check runs at once and after every change to the call.
   */
  async until<T>(ready: () => T | undefined, ms: number, interruptible = true): Promise<T | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (interruptible) this.checkInterrupted();
      const value = ready();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(left) ? setTimeout(done, left) : undefined;
        const self = this;
        function done() {
          clearTimeout(timer);
          self.wakers.delete(done);
          resolve();
        }
        this.wakers.add(done);
      });
    }
  }

  /** Events after the n-th, waiting up to `ms` for the first of them (long-poll). */
  async eventsAfter(n: number, ms: number): Promise<CallEvent[]> {
    // Not interruptible: a pending hangup is exactly what a watcher is waiting to see.
    await this.until(() => (this.events.length > n || this.ended ? true : undefined), ms, false);
    const fresh = this.events.slice(n);
    // Nothing new (the call has ended): yield to the event loop, so a caller polling in a loop cannot
    // starve timers and sockets with promises that resolve at once.
    if (fresh.length === 0) await new Promise((resolve) => setImmediate(resolve));
    return fresh;
  }

  /**
   * `until`, for a wait that lasts `seconds` on the simulated clock and `seconds × timeScale` on the wall
   * clock (0 skips it). Only the part that ran counts: a hangup 2 s into a 10 s tune counts 2 s.
   */
  async wait<T>(ready: () => T | undefined, seconds: number, timeScale: number): Promise<T | undefined> {
    // A passenger who hangs up before this wait would end is waited for only until then.
    const cut = seconds > this.hangUpAt - this.simulatedSeconds;
    const span = cut ? Math.max(0, this.hangUpAt - this.simulatedSeconds) : seconds;
    const started = Date.now();
    let ranOut = false;
    try {
      const value = await this.until(ready, span * 1000 * timeScale);
      ranOut = value === undefined;
      if (ranOut && cut) {
        this.interrupt({ kind: 'hangup', by: 'caller' });
        this.checkInterrupted();
      }
      return value;
    } finally {
      const wall = (Date.now() - started) / 1000;
      const simulated = ranOut ? span : timeScale > 0 ? Math.min(span, wall / timeScale) : 0;
      this.simulatedSeconds += simulated;
      // A scale above 1 slows the call down: it really lasts longer, and nothing is skipped.
      this.skippedSeconds += Math.max(0, simulated - wall);
    }
  }

  /**
   * The call's length in whole seconds, as Twilio's CallDuration: the wall clock, plus what the time scale
   * skipped (so at time scale 1 it is exactly the wall clock); for a placed call, from its answer.
   */
  durationSeconds(): number {
    return Math.round((Date.now() - this.billedFrom) / 1000 + this.skippedSeconds - this.skippedBeforeBill);
  }
}
