import { absolute, ApplicationError, numberAttr, type Verb } from './twiml.ts';
import { Interrupted, newSid, type SimulatedCall } from './call.ts';
import { conference } from './conference.ts';
import type { Next } from './run.ts';
import type { Simulator } from './simulator.ts';

/**
 * An agent leg: what `<Dial><Client>` rings, or `addParticipant` dials into a conference. The softphone (or
 * a test) answers, rejects or hangs it up.
 */
export type Leg = {
  sid: string;
  /**
   * The caller's call: the Dial's, or for a conference leg the first caller in the room when it was dialled
   * (the leg's own sid when nobody was).
   */
  parentSid: string;
  client: string;
  state: 'ringing' | 'answered' | 'rejected' | 'hung-up';
  answeredAt?: number;
  /** Where the leg's progress is reported, and which of `initiated ringing answered completed`. */
  statusCallback: string | undefined;
  callbackEvents: Set<string>;
  sequence: number;
  /** A leg `addParticipant` dials: the room it joins once answered. */
  conference?: string;
  /** What followed `?` in `client:agent_1001?offerId=42`: the custom parameters the softphone reads. */
  parameters?: Record<string, string>;
  /** Who the softphone shows is calling, for a conference leg: the request's `from`, as Twilio shows it. */
  from?: string;
};

/**
 * `<Dial><Client>`: ring one softphone and report the leg's progress as Twilio does. Rings until the
 * `timeout` (never at time scale 0: the hotline's own offer deadline decides), then tells the `action`.
 */
export async function dial(sim: Simulator, call: SimulatedCall, verb: Verb, docUrl: string): Promise<Next | 'continue'> {
  const room = verb.children.find((child) => child.name === 'Conference');
  if (room) return conference(sim, call, verb, room, docUrl);
  const client = verb.children.find((child) => child.name === 'Client');
  if (!client) throw new ApplicationError('the simulator dials only <Client> (an agent softphone) and <Conference>');
  const identity = (client.children.find((child) => child.name === 'Identity')?.text ?? client.text).trim();
  const callback = client.attrs['statusCallback'];
  const leg: Leg = {
    sid: newSid('CA'),
    parentSid: call.sid,
    client: identity,
    state: 'ringing',
    statusCallback: callback ? absolute(callback, docUrl) : undefined,
    callbackEvents: new Set((client.attrs['statusCallbackEvent'] ?? 'completed').split(/[\s,]+/)),
    sequence: 0,
  };
  const timeoutSeconds = numberAttr(verb.attrs['timeout'], 30);
  sim.openLeg(leg);
  await report(sim, call, leg, 'initiated');
  await report(sim, call, leg, 'ringing');
  call.record({ type: 'ringing', client: identity, legSid: leg.sid });
  sim.ring(leg);

  let status: string;
  let duration = 0;
  try {
    const picked = () => (leg.state === 'ringing' ? undefined : leg.state !== 'rejected');
    // Ringing out is a wait on the simulated clock, counted in the caller's CallDuration like a Gather's timeout.
    const answered = sim.timeScale === 0 ? await call.until(picked, Infinity) : await call.wait(picked, timeoutSeconds, sim.timeScale);
    if (answered) {
      await report(sim, call, leg, 'in-progress');
      call.record({ type: 'connected', client: identity, legSid: leg.sid });
      await call.until(() => (leg.state === 'hung-up' ? true : undefined), Infinity);
      duration = secondsSince(leg.answeredAt!);
      status = 'completed';
    } else {
      status = answered === undefined ? 'no-answer' : 'busy';
    }
  } catch (err) {
    if (err instanceof Interrupted) {
      // The caller hung up or was redirected: an answered leg completes, a ringing one is cancelled.
      const ended = leg.answeredAt ? 'completed' : 'canceled';
      await finish(sim, call, leg, ended, leg.answeredAt ? secondsSince(leg.answeredAt) : 0);
    }
    throw err;
  }
  await finish(sim, call, leg, status, duration);
  const action = verb.attrs['action'];
  if (!action) return 'continue';
  return {
    url: absolute(action, docUrl),
    params: { DialCallStatus: status, DialCallSid: leg.sid, DialCallDuration: String(duration) },
  };
}

async function finish(sim: Simulator, call: SimulatedCall, leg: Leg, status: string, duration: number): Promise<void> {
  leg.state = 'hung-up';
  sim.closeLeg(leg);
  call.record({ type: 'disconnected', client: leg.client, legSid: leg.sid, status });
  await report(sim, call, leg, status, { CallDuration: String(duration) });
}

const EVENT_OF: Record<string, string> = { initiated: 'initiated', ringing: 'ringing', 'in-progress': 'answered' };

async function report(sim: Simulator, call: SimulatedCall, leg: Leg, status: string, extra: Record<string, string> = {}): Promise<void> {
  const event = EVENT_OF[status] ?? 'completed';
  if (!leg.statusCallback || !leg.callbackEvents.has(event)) return;
  await sim.notify(leg.statusCallback, {
    ...sim.callParams(call),
    CallSid: leg.sid,
    ParentCallSid: call.sid,
    To: `client:${leg.client}`,
    Called: `client:${leg.client}`,
    Direction: 'outbound-dial',
    CallStatus: status,
    Timestamp: sim.now().toUTCString(),
    SequenceNumber: String(leg.sequence++),
    CallbackSource: 'call-progress-events',
    ...extra,
  });
}

function secondsSince(ms: number): number {
  return Math.round((Date.now() - ms) / 1000);
}
