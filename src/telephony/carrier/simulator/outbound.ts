import type { PlaceCall } from '../carrier.ts';
import { Interrupted, type Answer, type SimulatedCall, type Unanswered } from './call.ts';
import { play } from './run.ts';
import type { Simulator } from './simulator.ts';

/**
 * Calls the hotline places (Twilio's `calls.create`, direction `outbound-api`): the passenger's phone rings,
 * is answered by a person or a machine (or is busy, not answered, unreachable), and once answered the call
 * follows the TwiML at the placement's `url` exactly as a caller's call does. Every step is reported to the
 * placement's own `statusCallback`, never to the number's /twilio/status: Twilio's number-level callback is
 * for calls to the number.
 */

/** How a passenger's phone takes the next call the hotline places to it (`Simulator.expectCall`). */
export type PassengerScript = {
  answer: 'human' | 'machine' | 'busy' | 'no-answer' | 'failed';
  /**
   * Seconds of ringing before the phone is answered (default 1) or reports busy / failed (default 0). An
   * answer due at or after the placement's `timeoutSeconds` comes too late: the call ends `no-answer`.
   */
  afterSeconds?: number;
  /**
   * Seconds on the line after answering, then the passenger (or the machine, after its greeting and the
   * message) hangs up; unset: stays until the hotline hangs up. Counted on the simulated clock, so it holds
   * at time scale 0 too (there only timed waits, a Pause or a Gather's timeout, move that clock).
   */
  hangUpAfterSeconds?: number;
  /** Answers to the call's first menus in turn, as a caller's `presses` (a machine presses nothing). */
  presses?: Answer[];
};

/** Who answers when nobody scripted the number: a person, after one second, who stays on the line. */
export const DEFAULT_PASSENGER: PassengerScript = { answer: 'human', afterSeconds: 1 };

/** One placement as the carrier took it: the request, the sid it gave, and when (the carrier's clock, ms). */
export type PlacedCall = PlaceCall & { sid: string; at: number };

/** Play a placed call from the first ring to its final status callback. */
export async function runOutbound(sim: Simulator, call: SimulatedCall, placed: PlacedCall, script: PassengerScript): Promise<void> {
  const report = progress(sim, call, placed.statusCallback);
  // Not in progress from the moment it is placed (queued, then ringing) until answered.
  call.ringing = true;
  // Twilio answers the REST request (status queued) before any callback: let the caller take the sid first.
  await new Promise((resolve) => setImmediate(resolve));
  call.record({ type: 'dialled', from: call.from, to: call.to });
  await report('initiated');
  await report('ringing');

  const outcome = await ring(sim, call, placed, script);
  if (outcome !== 'answered') {
    call.ended = true;
    call.record({ type: 'unanswered', status: outcome });
    await report(outcome, { CallDuration: '0' });
    return;
  }

  const machine = script.answer === 'machine';
  const answeredBy = machine ? (placed.machineDetection === 'DetectMessageEnd' ? 'machine_end_beep' : 'machine_start') : 'human';
  call.machine = machine;
  call.startBilling();
  call.record({ type: 'answered', by: machine ? 'machine' : 'human' });
  const leaving = passengerLeaves(sim, call, script.hangUpAfterSeconds);
  try {
    await report('in-progress', { AnsweredBy: answeredBy });
    // Without asyncAmd, Twilio tells the answer in the first TwiML request.
    await play(sim, call, { url: placed.url, params: { AnsweredBy: answeredBy } });
  } finally {
    clearTimeout(leaving);
  }
  await report('completed', { CallDuration: String(call.durationSeconds()), AnsweredBy: answeredBy });
}

/**
 * Let the phone ring as the script says, at most the placement's timeout. The ringing can be cut short: the
 * hotline cancels the call (REST hangup: `canceled`) or the passenger declines it (`busy`, as Twilio reports
 * a rejected call).
 */
export async function ring(sim: Simulator, call: SimulatedCall, placed: Pick<PlaceCall, 'timeoutSeconds'>, script: PassengerScript): Promise<'answered' | Unanswered> {
  const answers = script.answer === 'human' || script.answer === 'machine';
  const after = script.answer === 'no-answer' ? Infinity : (script.afterSeconds ?? (answers ? 1 : 0));
  const rings = Math.min(after, placed.timeoutSeconds);
  try {
    await call.wait(() => undefined, rings, sim.timeScale);
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    return err.interruption.kind === 'hangup' && err.interruption.by === 'caller' ? 'busy' : 'canceled';
  } finally {
    call.ringing = false;
  }
  if (!(after < placed.timeoutSeconds)) return 'no-answer';
  return answers ? 'answered' : (script.answer as 'busy' | 'failed');
}

/**
 * The passenger's own hangup. On the simulated clock (`hangUpAfter`), so timed waits end there even at time
 * scale 0; and, when time runs, on the wall clock too, for the waits nothing times (talking to an agent).
 */
function passengerLeaves(sim: Simulator, call: SimulatedCall, seconds: number | undefined): NodeJS.Timeout | undefined {
  if (seconds === undefined) return undefined;
  call.hangUpAfter(seconds);
  if (sim.timeScale === 0 || seconds <= 0) return undefined;
  return setTimeout(() => {
    if (!call.ended) call.interrupt({ kind: 'hangup', by: 'caller' });
  }, seconds * 1000 * sim.timeScale);
}

/** The placement's status callback, with Twilio's progress parameters and a sequence of its own. */
export function progress(sim: Simulator, call: SimulatedCall, url: string) {
  let sequence = 0;
  return (status: string, extra: Record<string, string> = {}) =>
    sim.notify(url, {
      ...sim.callParams(call),
      CallStatus: status,
      Timestamp: sim.now().toUTCString(),
      SequenceNumber: String(sequence++),
      CallbackSource: 'call-progress-events',
      ...extra,
    });
}
