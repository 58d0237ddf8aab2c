import { absolute, ApplicationError, type Verb } from './twiml.ts';
import { Interrupted, type SimulatedCall } from './call.ts';
import { admit, join, leave, participant } from './room.ts';
import type { Next } from './run.ts';
import type { Simulator } from './simulator.ts';

/**
 * `<Dial><Conference>name</Conference></Dial>`: the call joins the named room (made on first join) and stays
 * there until the room ends, then goes on at the Dial's `action` (or the verb after the Dial). A hangup or a
 * REST redirect takes it out of the room first. The wait and hold music are recorded, never fetched: the
 * simulator carries no audio, and a caller's transcript should show what happened, not loop a tune.
 */
export async function conference(sim: Simulator, call: SimulatedCall, dialVerb: Verb, node: Verb, docUrl: string): Promise<Next | 'continue'> {
  const name = node.text.trim();
  if (!name) throw new ApplicationError('<Conference> needs a room name');
  const a = node.attrs;
  const label = a['participantLabel'] || undefined;
  const room = sim.openRoom(name);
  const p = participant(call, 'twiml', {
    label,
    muted: a['muted'] === 'true',
    startConferenceOnEnter: a['startConferenceOnEnter'] !== 'false',
    endConferenceOnExit: a['endConferenceOnExit'] === 'true',
    waitUrl: a['waitUrl'] ? absolute(a['waitUrl'], docUrl) : undefined,
    beep: a['beep'],
    coaching: !!a['coach'],
    callSidToCoach: a['coach'] || undefined,
  });
  // Without statusCallbackEvent, a room's callback hears only that it started and ended.
  const callback = a['statusCallback'] ? { url: absolute(a['statusCallback'], docUrl), events: a['statusCallbackEvent'] ?? 'start end' } : undefined;
  admit(room, p, callback);
  join(sim, room, p);
  sim.adoptLegs(name, call.sid);
  call.record({ type: 'conference-joined', conference: name, ...(label ? { label } : {}) });

  try {
    await call.until(() => p.dismissed, Infinity);
  } catch (err) {
    if (err instanceof Interrupted) {
      const [reason, status] = err.interruption.kind === 'hangup' ? ['participant_hung_up', 'completed'] : ['participant_updated_via_api', 'in-progress'];
      leave(sim, room, p, reason, status);
      call.record({ type: 'conference-left', conference: name, reason: p.dismissed ?? reason });
      // The room's news of this (and of its end) reaches the hotline before the call's own end or next document.
      await room.delivered;
    }
    throw err;
  }
  call.record({ type: 'conference-left', conference: name, reason: p.dismissed! });
  await room.delivered;
  const action = dialVerb.attrs['action'];
  return action ? { url: absolute(action, docUrl), params: { DialCallStatus: 'completed' } } : 'continue';
}
