import { EventEmitter } from 'node:events';
import type { Leg } from './dial.ts';
import { SimulatorError, type Simulator } from './simulator.ts';

/**
 * An agent leg as the softphone page shows it ringing. `parameters`: a conference leg's custom parameters
 * (`offerId`), as Twilio's Voice SDK hands them to the page.
 */
export type IncomingLeg = { legSid: string; callSid: string; from: string; ringingSince: string; parameters?: Record<string, string> };

export type PhoneAction = 'answer' | 'reject' | 'hangup' | 'mute' | 'hold';

/**
 * The simulated softphones: what the agent page's phone does in simulator mode. Watches the legs the
 * simulator rings for each client identity (`agent_<employeeNo>`), remembers when each started ringing
 * (on the wall clock: the page counts rings with its own), and answers, rejects or hangs them up exactly
 * as a test does with sim.answer/reject/hangup. The simulator carries no audio, so mute and hold are only
 * noted on the leg.
 */
export class SimulatedPhones {
  /** 'incoming' (identity, leg) and 'ended' (identity, legSid, reason). */
  readonly events = new EventEmitter<{ incoming: [string, IncomingLeg]; ended: [string, string, string] }>();
  private readonly ringingSince = new Map<string, Date>();
  private readonly switches = new Map<string, { muted: boolean; held: boolean }>();
  private readonly onRing = (leg: Leg) => {
    this.ringingSince.set(leg.sid, new Date());
    const incoming = this.describe(leg);
    if (incoming) this.events.emit('incoming', leg.client, incoming);
  };
  private readonly onEnded = (leg: Leg, reason: string) => {
    this.ringingSince.delete(leg.sid);
    this.switches.delete(leg.sid);
    this.events.emit('ended', leg.client, leg.sid, reason);
  };

  constructor(private readonly sim: Simulator) {
    this.events.setMaxListeners(0);
    sim.rings.on('ring', this.onRing);
    sim.rings.on('ended', this.onEnded);
  }

  close(): void {
    this.sim.rings.off('ring', this.onRing);
    this.sim.rings.off('ended', this.onEnded);
  }

  /**
   * The legs ringing or connected for `identity` now: a page that connects while its phone rings, or that was
   * reloaded mid-call and must still be able to hang up.
   */
  live(identity: string): IncomingLeg[] {
    return this.sim
      .openLegs()
      .filter((leg) => leg.client === identity && (leg.state === 'ringing' || leg.state === 'answered'))
      .flatMap((leg) => this.describe(leg) ?? []);
  }

  /** Do what the agent asked on one of their own legs; throws SimulatorError otherwise. */
  async act(identity: string, legSid: string, action: PhoneAction, on = true): Promise<{ muted: boolean; held: boolean } | undefined> {
    const leg = this.sim.openLegs().find((l) => l.sid === legSid);
    if (!leg || leg.client !== identity) throw new SimulatorError(`no call of yours on leg ${legSid}`, 404);
    switch (action) {
      case 'answer':
        this.sim.answer(legSid);
        return undefined;
      case 'reject':
        this.sim.reject(legSid);
        return undefined;
      case 'hangup':
        await this.sim.hangup(legSid);
        return undefined;
      case 'mute':
      case 'hold': {
        if (leg.state !== 'answered') throw new SimulatorError(`leg ${legSid} is ${leg.state}: only a connected call can be put on ${action}`, 409);
        const state = this.switches.get(legSid) ?? { muted: false, held: false };
        if (action === 'mute') state.muted = on;
        else state.held = on;
        this.switches.set(legSid, state);
        return { ...state };
      }
    }
  }

  private describe(leg: Leg): IncomingLeg | undefined {
    const call = this.sim.callOfLeg(leg.sid);
    if (!call) return undefined;
    const since = this.ringingSince.get(leg.sid) ?? new Date();
    return {
      legSid: leg.sid,
      callSid: leg.parentSid,
      from: leg.from ?? call.from,
      ringingSince: since.toISOString(),
      ...(leg.parameters && Object.keys(leg.parameters).length > 0 ? { parameters: leg.parameters } : {}),
    };
  }
}
