import type { NewParticipant } from '../carrier.ts';
import { Interrupted, type EndedBy, type SimulatedCall, type Unanswered } from './call.ts';
import type { Leg } from './dial.ts';
import { progress, ring, type PassengerScript } from './outbound.ts';
import { join, leave, type Participant, type Room } from './room.ts';
import { play } from './run.ts';
import type { Simulator } from './simulator.ts';

/**
 * A leg the REST API dials into a room (Twilio's `participants.create`, direction `outbound-api`): an agent's
 * softphone, rung as `<Dial><Client>` rings it, or a phone number, which takes the next `expectCall` script.
 * Its progress goes to the request's statusCallback as a placed call's does; once answered it joins the room
 * and stays until it hangs up, is hung up, or the room ends. A REST redirect takes it out of the room to
 * follow TwiML, as on Twilio.
 */

/** Whom a participant request dials: `client:<identity>[?name=value&…]` or a phone number. */
export type Target = { client: string; parameters: Record<string, string> } | { number: string };

/** The target of `to`, or undefined when it is neither a client nor a phone number (Twilio answers 400). */
export function targetOf(to: string): Target | undefined {
  if (to.startsWith('client:')) {
    const [identity = '', query] = to.slice('client:'.length).split(/\?(.*)/s);
    if (!/^[A-Za-z0-9_.-]+$/.test(identity)) return undefined;
    return { client: identity, parameters: Object.fromEntries(new URLSearchParams(query ?? '')) };
  }
  return /^\+?[0-9]{3,15}$/.test(to) ? { number: to } : undefined;
}

/**
 * Ring the participant, then keep it in the room until it is over, and report its end. `leg` is the agent
 * leg (already open, so the softphones can see it) for a client; `script` how a number answers.
 */
export async function runParticipant(
  sim: Simulator,
  room: Room,
  p: Participant,
  request: NewParticipant,
  how: { leg: Leg; script?: undefined } | { leg?: undefined; script: PassengerScript },
): Promise<void> {
  const call = p.call;
  const report = progress(sim, call, request.statusCallback);
  call.ringing = true;
  // Twilio answers the REST request before any callback: let the hotline take the sid first.
  await new Promise((resolve) => setImmediate(resolve));
  call.record({ type: 'dialled', from: call.from, to: call.to });
  await report('initiated');
  await report('ringing');

  const { leg } = how;
  // The caller's transcript tells of the agent's phone as a <Dial><Client>'s does: ringing, connected, gone.
  const caller = leg && leg.parentSid !== leg.sid ? sim.get(leg.parentSid) : undefined;
  let outcome: 'answered' | Unanswered;
  if (leg) {
    caller?.record({ type: 'ringing', client: leg.client, legSid: leg.sid });
    sim.ring(leg);
    outcome = await ringClient(sim, call, leg, request.timeoutSeconds);
  } else {
    outcome = await ring(sim, call, request, how.script);
  }
  if (outcome !== 'answered') {
    if (leg) closeLeg(sim, leg, outcome === 'canceled' ? (p.dismissed ? (p.callerHungUp ? 'caller-hung-up' : 'withdrawn') : 'hung-up') : outcome);
    if (leg) caller?.record({ type: 'disconnected', client: leg.client, legSid: leg.sid, status: outcome });
    call.ended = true;
    call.record({ type: 'unanswered', status: outcome });
    leave(sim, room, p, 'participant_add_failed', outcome);
    await room.delivered;
    await report(outcome, { CallDuration: '0' });
    return;
  }

  call.startBilling();
  call.record({ type: 'answered', by: how.script?.answer === 'machine' ? 'machine' : 'human' });
  let by: EndedBy = 'caller';
  let redirect: string | undefined;
  try {
    call.checkInterrupted();
    // Bridged on answer (so `hears` knows at once), but the room tells of the join only after the leg has
    // reported its answer, as the order Twilio's callbacks usually arrive in.
    const answered = report('in-progress');
    room.delivered = room.delivered.then(() => answered);
    join(sim, room, p);
    call.record({ type: 'conference-joined', conference: room.name, ...(p.label ? { label: p.label } : {}) });
    await answered;
    // As <Dial><Client> does: the caller's transcript says connected once the hotline has heard the answer.
    if (leg) caller?.record({ type: 'connected', client: leg.client, legSid: leg.sid });
    await onTheLine(sim, call, leg, how.script);
    leave(sim, room, p, 'participant_hung_up', 'completed');
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    const i = err.interruption;
    if (i.kind === 'redirect') {
      redirect = call.takeRedirect();
      leave(sim, room, p, 'participant_updated_via_api', 'in-progress');
    } else {
      by = p.dismissed ? 'twiml' : i.by;
      leave(sim, room, p, 'participant_hung_up', 'completed');
    }
  }
  if (leg) closeLeg(sim, leg, redirect !== undefined || (p.dismissed && !leg.answeredAt) ? 'withdrawn' : 'completed');
  if (leg) caller?.record({ type: 'disconnected', client: leg.client, legSid: leg.sid, status: 'completed' });
  if (p.state === 'joined') call.record({ type: 'conference-left', conference: room.name, reason: p.dismissed ?? (redirect ? 'participant_updated_via_api' : 'participant_hung_up') });
  await room.delivered;
  if (redirect !== undefined) {
    await play(sim, call, { url: redirect, params: {} });
  } else {
    call.ended = true;
    call.record({ type: 'ended', by });
  }
  await report('completed', { CallDuration: String(call.durationSeconds()) });
}

/**
 * Ring an agent's softphone until it answers or rejects, as `<Dial><Client>` does (no timeout at time scale 0:
 * the hotline's own offer deadline decides). A hangup of the leg's call while it rings cancels it.
 */
async function ringClient(sim: Simulator, call: SimulatedCall, leg: Leg, timeoutSeconds: number): Promise<'answered' | Unanswered> {
  const picked = () => (leg.state === 'ringing' ? undefined : leg.state !== 'rejected');
  try {
    const answered = sim.timeScale === 0 ? await call.until(picked, Infinity) : await call.wait(picked, timeoutSeconds, sim.timeScale);
    return answered ? 'answered' : answered === undefined ? 'no-answer' : 'busy';
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    return 'canceled';
  } finally {
    call.ringing = false;
  }
}

/**
 * On the line until the agent hangs up (their leg) or the number's passenger does (`hangUpAfterSeconds`, on
 * the simulated clock: at time scale 0 at once); a hangup of the call, or the room's end, interrupts.
 */
async function onTheLine(sim: Simulator, call: SimulatedCall, leg: Leg | undefined, script: PassengerScript | undefined): Promise<void> {
  if (leg) {
    await call.until(() => (leg.state === 'hung-up' ? true : undefined), Infinity);
  } else if (script?.hangUpAfterSeconds !== undefined) {
    await call.wait(() => undefined, script.hangUpAfterSeconds, sim.timeScale);
  } else {
    await call.until(() => undefined, Infinity);
  }
}

function closeLeg(sim: Simulator, leg: Leg, reason: string): void {
  leg.state = 'hung-up';
  sim.closeLeg(leg, reason);
}
