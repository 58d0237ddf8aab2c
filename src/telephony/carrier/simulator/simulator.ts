import { EventEmitter } from 'node:events';
import twilio from 'twilio';
import type { Logger } from 'pino';
import {
  CallGone,
  type CallState,
  type Carrier,
  type NewParticipant,
  type ParticipantChange,
  type PlaceCall,
  type RecordingAudio,
  type RecordingChannels,
} from '../carrier.ts';
import { newSid, SimulatedCall, type Answer, type CallEvent } from './call.ts';
import type { Leg } from './dial.ts';
import { DEFAULT_PASSENGER, runOutbound, type PassengerScript, type PlacedCall } from './outbound.ts';
import { runParticipant, targetOf } from './participant.ts';
import { admit, ALL_ROOM_EVENTS, hears, newRoom, participant, snapshot, update, type ConferenceSnapshot, type Room } from './room.ts';
import { Recordings, type SimulatedRecording } from './recording.ts';
import { runCall } from './run.ts';
import { ApplicationError, readTwiml, type Verb } from './twiml.ts';

export type SimulatorOptions = {
  /** The URL the hotline tells Twilio about; requests are signed for it. */
  publicUrl: string;
  accountSid: string;
  authToken: string;
  /** Multiplies every simulated wait (Pause, Gather and Dial timeouts): 1 is real time, 0 skips them. */
  timeScale: number;
  logger: Logger;
  /** The carrier's clock, for the `Timestamp` of status callbacks (tests share the hotline's clock). */
  now?: () => Date;
};

/** A leg the REST API dialled into a room, as the carrier took the request (`conferenceLegs`). */
export type ConferenceLeg = NewParticipant & { sid: string; conference: string; at: number };

/** Twilio's per-request limit: after this the caller hears an application error. */
const WEBHOOK_TIMEOUT_MS = 15_000;

/**
 * Twilio's part, played inside the hotline's process: places calls to our own webhooks with signed
 * requests, follows the TwiML, keeps a transcript of each call, rings agent legs, keeps conference rooms
 * (./room.ts), and takes the same REST actions (redirect, hang up, place a call to a passenger:
 * ./outbound.ts; dial a participant into a room and hold, mute or coach one: ./participant.ts) as the real
 * carrier.
 */
export class Simulator implements Carrier {
  readonly kind = 'simulator';
  readonly publicUrl: string;
  readonly timeScale: number;
  readonly log: Logger;
  readonly now: () => Date;
  /**
   * 'ring' (Leg): an agent softphone is being rung. 'ended' (Leg, reason): an agent leg is over, ringing
   * or answered: rejected, agent-hung-up, caller-hung-up, withdrawn (the caller was taken elsewhere),
   * hung-up (by the REST API), no-answer, completed.
   */
  readonly rings = new EventEmitter<{ ring: [Leg]; ended: [Leg, string] }>();
  /** 'placed' (placement, call): the hotline placed a call (`placeCall`); its webhooks follow. */
  readonly outbound = new EventEmitter<{ placed: [PlacedCall, SimulatedCall] }>();
  /** Every call the hotline placed, in order, with the carrier's time of each (`at`, ms): pacing shows here. */
  readonly placed: PlacedCall[] = [];
  /** Every leg the hotline dialled into a conference (`addParticipant`), in order: agents and numbers. */
  readonly conferenceLegs: ConferenceLeg[] = [];
  /** How the next calls placed to each number are taken (see expectCall). */
  private readonly passengers = new Map<string, PassengerScript[]>();
  /** Told whenever a call is added, for long-polls on the list of calls. */
  private readonly added = new EventEmitter<{ call: [SimulatedCall] }>();
  /** What the agent's side did to a leg, for the reason its end is reported with. */
  private readonly legEndings = new Map<string, string>();
  private targetUrl: string;
  private readonly calls = new Map<string, { call: SimulatedCall; done: Promise<void> }>();
  private readonly legs = new Map<string, { leg: Leg; call: SimulatedCall }>();
  private readonly queues = new Map<string, { sid: string; members: string[] }>();
  /** The live conference rooms by name; an ended room leaves, and its name may start a new one. */
  private readonly rooms = new Map<string, Room>();
  /** Calls' recordings, live and finished, until deleted (./recording.ts). */
  private readonly recordings = new Recordings(this);

  constructor(private readonly options: SimulatorOptions) {
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.targetUrl = this.publicUrl;
    this.timeScale = options.timeScale;
    this.log = options.logger;
    this.now = options.now ?? (() => new Date());
    this.outbound.setMaxListeners(0);
    this.added.setMaxListeners(0);
  }

  /** Where requests really go (this process), whatever PUBLIC_URL says. */
  setTargetUrl(url: string): void {
    this.targetUrl = url.replace(/\/+$/, '');
  }

  /** A caller dials the hotline. `presses` answers the first Gathers in turn (`''` = stays silent). */
  call(options: { from?: string; to?: string; presses?: Answer[] } = {}): SimulatedCall {
    const call = new SimulatedCall(newSid('CA'), options.from ?? '+8613800138000', options.to ?? '+864008000123', [...(options.presses ?? [])]);
    const done = runCall(this, call).catch((err: unknown) => {
      this.log.error({ err, callSid: call.sid }, 'simulated call failed');
    });
    this.keep(call, done);
    return call;
  }

  /**
   * Script the passenger at `number`: each call placed to it takes the next script, in turn; with none left,
   * DEFAULT_PASSENGER answers. Returns how many scripts now wait for that number.
   */
  expectCall(number: string, ...scripts: PassengerScript[]): number {
    const queue = this.passengers.get(number) ?? [];
    queue.push(...scripts.map((script) => ({ ...script, presses: [...(script.presses ?? [])] })));
    if (queue.length > 0) this.passengers.set(number, queue);
    return queue.length;
  }

  get(sid: string): SimulatedCall | undefined {
    return this.calls.get(sid)?.call;
  }

  list(): SimulatedCall[] {
    return [...this.calls.values()].map((entry) => entry.call);
  }

  /**
   * The calls `match` picks, in the order they began, once there are more than `known` of them or `ms` have
   * passed (a long-poll: how `npm run call -- --await-callback` waits for the hotline to call back).
   */
  async callsWhere(match: (call: SimulatedCall) => boolean, known = 0, ms = 0): Promise<SimulatedCall[]> {
    const found = () => this.list().filter(match);
    if (found().length > known || ms <= 0) return found();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const added = (call: SimulatedCall) => {
        if (match(call) && found().length > known) done();
      };
      const self = this;
      function done() {
        clearTimeout(timer);
        self.added.off('call', added);
        resolve();
      }
      this.added.on('call', added);
    });
    return found();
  }

  /** Resolves once the call has ended and its final status has been reported. */
  async ended(sid: string): Promise<CallEvent[]> {
    const entry = this.calls.get(sid);
    if (!entry) throw new Error(`no simulated call ${sid}`);
    await entry.done;
    return entry.call.events;
  }

  press(sid: string, digits: string): void {
    const call = this.live(sid);
    call.record({ type: 'pressed', digits });
    call.keys += digits;
    if (digits === '') call.silence = true;
    call.wake();
  }

  speak(sid: string, text: string): void {
    const call = this.live(sid);
    call.record({ type: 'spoke', text });
    call.speech = text;
    call.wake();
  }

  callerHangup(sid: string): void {
    this.live(sid).interrupt({ kind: 'hangup', by: 'caller' });
  }

  // The agent's side of a rung leg.
  answer(legSid: string): void {
    this.setLeg(legSid, 'ringing', 'answered');
  }

  reject(legSid: string): void {
    this.setLeg(legSid, 'ringing', 'rejected');
  }

  // Carrier: what the hotline's REST calls do.
  async redirect(callSid: string, url: string): Promise<void> {
    const call = this.liveForCarrier(callSid);
    // As on Twilio (21220), a call that is hanging up, or still ringing, can not be moved.
    if (call.interruption?.kind === 'hangup' || call.ringing) throw new CallGone(callSid, 'not in progress', false);
    call.interrupt({ kind: 'redirect', url });
  }

  async hangup(callSid: string): Promise<void> {
    const leg = this.legs.get(callSid);
    // A conference leg still ringing is cancelled, as Twilio cancels a call it has not connected.
    if (leg?.leg.conference && leg.leg.state === 'ringing') {
      leg.call.interrupt({ kind: 'hangup', by: 'api' });
      return;
    }
    if (leg) {
      this.setLeg(callSid, leg.leg.state, leg.leg.state === 'ringing' ? 'rejected' : 'hung-up');
      return;
    }
    this.liveForCarrier(callSid).interrupt({ kind: 'hangup', by: 'api' });
  }

  /**
   * Place a call to a passenger, as Twilio's `calls.create`: answered at once with the new sid (queued), the
   * rest arrives as webhooks (see ./outbound.ts). The passenger does what `expectCall` scripted for the number.
   */
  async placeCall(request: PlaceCall): Promise<{ sid: string }> {
    const script = this.nextScript(request.to);
    const call = new SimulatedCall(newSid('CA'), request.from, request.to, [...(script.presses ?? [])], 'outbound-api');
    const placed: PlacedCall = { ...request, sid: call.sid, at: this.now().getTime() };
    this.placed.push(placed);
    const done = runOutbound(this, call, placed, script).catch((err: unknown) => {
      this.log.error({ err, callSid: call.sid }, 'simulated outbound call failed');
    });
    this.keep(call, done);
    this.outbound.emit('placed', placed, call);
    return { sid: call.sid };
  }

  /**
   * A call this simulator placed and still holds. The simulator lives in its process: after a restart (or in
   * another process) it knows none of the calls placed before, and those callers are gone.
   */
  async callState(callSid: string): Promise<CallState> {
    const call = this.get(callSid);
    if (!call) return 'unknown';
    return call.ended || call.interruption?.kind === 'hangup' ? 'over' : 'live';
  }

  /**
   * Dial a participant into a room, as Twilio's `participants.create`: answered at once with the new leg's
   * sid, the rest arrives as webhooks (see ./participant.ts). `conference` is the room's name (the room is
   * made if there is none) or the sid of a live room.
   */
  async addParticipant(conference: string, request: NewParticipant): Promise<{ callSid: string }> {
    const target = targetOf(request.to);
    if (!target) throw new SimulatorError(`cannot dial ${request.to}: neither client:<identity> nor a phone number`, 400);
    const room = this.findRoom(conference) ?? (isRoomSid(conference) ? undefined : this.openRoom(conference));
    if (!room) throw new SimulatorError(`no live conference ${conference}`, 404);
    const to = 'client' in target ? `client:${target.client}` : target.number;
    const call = new SimulatedCall(newSid('CA'), request.from, to, [], 'outbound-api');
    const p = participant(call, 'client' in target ? 'client' : 'number', {
      label: request.label || undefined,
      muted: request.muted ?? false,
      coaching: request.callSidToCoach !== undefined,
      callSidToCoach: request.callSidToCoach,
      startConferenceOnEnter: request.startConferenceOnEnter,
      endConferenceOnExit: request.endConferenceOnExit,
    });
    admit(room, p, request.conferenceStatusCallback ? { url: request.conferenceStatusCallback, events: ALL_ROOM_EVENTS } : undefined);
    this.conferenceLegs.push({ ...request, sid: call.sid, conference: room.name, at: this.now().getTime() });

    let how: Parameters<typeof runParticipant>[4];
    if ('client' in target) {
      const caller = [...room.participants.values()].find((other) => other.kind === 'twiml');
      const leg: Leg = {
        sid: call.sid,
        parentSid: caller?.callSid ?? call.sid,
        client: target.client,
        state: 'ringing',
        statusCallback: request.statusCallback,
        callbackEvents: new Set(['initiated', 'ringing', 'answered', 'completed']),
        sequence: 0,
        conference: room.name,
        parameters: target.parameters,
        from: request.from,
      };
      // Open now, so a softphone that looks (or a hangup) finds it before it is rung.
      this.openLeg(leg, call);
      how = { leg };
    } else {
      how = { script: this.nextScript(target.number) };
    }
    const done = runParticipant(this, room, p, request, how).catch((err: unknown) => {
      this.log.error({ err, callSid: call.sid }, 'simulated conference participant failed');
    });
    this.keep(call, done);
    return { callSid: call.sid };
  }

  /**
   * Hold, mute or coach a participant of a live room (by name or sid), as Twilio's participant update; the
   * room's callback hears of it. Throws CallGone when the call is not in that room (or the room is over).
   */
  async updateParticipant(conference: string, callSid: string, change: ParticipantChange): Promise<void> {
    const room = this.findRoom(conference);
    const p = room?.participants.get(callSid);
    if (!room || !p) throw new CallGone(callSid, 'not in conference', true);
    update(this, room, p, change);
  }

  /**
   * Record a live call, as Twilio's `calls(CA).recordings.create` (see ./recording.ts). The call is not
   * done (for `ended` and `close`) until its recording's last callback has been told.
   */
  async startRecording(callSid: string, options: { statusCallback: string; channels: RecordingChannels }): Promise<{ sid: string }> {
    const call = this.liveForCarrier(callSid);
    const { recording, finished } = this.recordings.start(call, options);
    const entry = this.calls.get(callSid)!;
    entry.done = Promise.all([entry.done, finished]).then(() => undefined);
    return { sid: recording.sid };
  }

  async updateRecording(callSid: string, recordingSid: string, status: 'paused' | 'in-progress' | 'stopped'): Promise<void> {
    this.recordings.update(this.get(callSid), recordingSid, status);
  }

  async deleteRecording(recordingSid: string): Promise<void> {
    this.recordings.delete(recordingSid);
  }

  async fetchRecording(recordingSid: string): Promise<RecordingAudio> {
    return this.recordings.audio(recordingSid);
  }

  /** A recording the carrier still has (live or finished, not deleted). */
  recording(recordingSid: string): SimulatedRecording | undefined {
    return this.recordings.get(recordingSid);
  }

  /** A call's recordings (the carrier's side: state, pauses, duration), in the order they started. */
  recordingsOf(callSid: string): SimulatedRecording[] {
    return this.recordings.ofCall(callSid);
  }

  /** The live room of that name (or sid): who is in it, and how; undefined once it has ended. */
  conference(nameOrSid: string): ConferenceSnapshot | undefined {
    const room = this.findRoom(nameOrSid);
    return room && snapshot(room);
  }

  /** The participants `listenerCallSid` hears now in that room (see ./room.ts `hears`). */
  hears(nameOrSid: string, listenerCallSid: string): string[] {
    return hears(this.findRoom(nameOrSid), listenerCallSid);
  }

  /** Hang up every call and wait for their final status reports. */
  async close(): Promise<void> {
    for (const { call } of this.calls.values()) if (!call.ended) call.interrupt({ kind: 'hangup', by: 'api' });
    await Promise.all([...this.calls.values()].map((entry) => entry.done));
  }

  // What the call runner uses.

  /** A signed webhook that must answer TwiML; anything else is an application error. */
  async fetchTwiml(call: SimulatedCall, url: string, params: Record<string, string>): Promise<Verb[]> {
    const response = await this.send(url, { ...this.callParams(call), ...params });
    const body = await response.text();
    const path = new URL(url).pathname;
    if (!response.ok) throw new ApplicationError(`${path} answered HTTP ${response.status}: ${body.slice(0, 200)}`);
    if (!/xml/.test(response.headers.get('content-type') ?? '')) throw new ApplicationError(`${path} did not answer XML`);
    return readTwiml(body);
  }

  /** A signed callback whose answer nobody follows (status callbacks, a queue's action after a redirect). */
  async notify(url: string, params: Record<string, string>): Promise<void> {
    try {
      const response = await this.send(url, params);
      await response.arrayBuffer();
      if (!response.ok) this.log.warn({ url, status: response.status }, 'callback refused');
    } catch (err) {
      this.log.warn({ url, err: (err as Error).message }, 'callback failed');
    }
  }

  /** The parameters Twilio puts on every request about a call. */
  callParams(call: SimulatedCall): Record<string, string> {
    return {
      CallSid: call.sid,
      AccountSid: this.options.accountSid,
      From: call.from,
      To: call.to,
      Caller: call.from,
      Called: call.to,
      FromCountry: 'CN',
      ToCountry: 'CN',
      CallStatus: 'in-progress',
      // A placed call is from the hotline's number to the passenger's, as on Twilio.
      Direction: call.direction,
      ApiVersion: '2010-04-01',
    };
  }

  async pause(call: SimulatedCall, seconds: number): Promise<void> {
    await call.wait(() => undefined, seconds, this.timeScale);
  }

  queueMembers(queue: string): string[] {
    return this.queue(queue).members;
  }

  queueSid(queue: string): string {
    return this.queue(queue).sid;
  }

  /** `call` is the one the leg's changes wake: the Dial's caller, or a conference leg's own call. */
  /**
   * A caller joined the room `conference`: softphone legs dialled into it while it had no caller (they rang
   * into an empty room) belong to that caller, as the leg's parent the softphone shows and tests press on.
   */
  adoptLegs(conference: string, callerSid: string): void {
    for (const { leg } of this.legs.values()) if (leg.conference === conference && leg.parentSid === leg.sid) leg.parentSid = callerSid;
  }

  openLeg(leg: Leg, call = this.live(leg.parentSid)): void {
    this.legs.set(leg.sid, { leg, call });
  }

  /** `reason`: why the leg ended, when what the agent did does not say (a conference leg's runner knows). */
  closeLeg(leg: Leg, reason?: string): void {
    const entry = this.legs.get(leg.sid);
    this.legs.delete(leg.sid);
    const ending = this.legEndings.get(leg.sid);
    this.legEndings.delete(leg.sid);
    const interruption = entry?.call.interruption;
    const why =
      ending ??
      reason ??
      (interruption?.kind === 'redirect'
        ? 'withdrawn'
        : interruption?.kind === 'hangup'
          ? interruption.by === 'caller' ? 'caller-hung-up' : 'hung-up'
          : leg.answeredAt ? 'completed' : 'no-answer');
    this.rings.emit('ended', leg, why);
  }

  /** The agent legs ringing or connected now. */
  openLegs(): Leg[] {
    return [...this.legs.values()].map((entry) => entry.leg);
  }

  /** The caller's call an open agent leg belongs to (a conference leg dialled into an empty room: its own). */
  callOfLeg(legSid: string): SimulatedCall | undefined {
    const entry = this.legs.get(legSid);
    return entry && (this.get(entry.leg.parentSid) ?? entry.call);
  }

  ring(leg: Leg): void {
    this.rings.emit('ring', leg);
  }

  private keep(call: SimulatedCall, done: Promise<void>): void {
    this.calls.set(call.sid, { call, done });
    this.added.emit('call', call);
  }

  /** The live room of that name, or a new one (`<Dial><Conference>` makes the room on first join). */
  openRoom(name: string): Room {
    let room = this.rooms.get(name);
    if (!room) this.rooms.set(name, (room = newRoom(name)));
    return room;
  }

  closeRoom(room: Room): void {
    if (this.rooms.get(room.name) === room) this.rooms.delete(room.name);
  }

  get accountSid(): string {
    return this.options.accountSid;
  }

  /** Twilio's REST API names a room by its friendly name or its sid. */
  private findRoom(nameOrSid: string): Room | undefined {
    return this.rooms.get(nameOrSid) ?? [...this.rooms.values()].find((room) => room.sid === nameOrSid);
  }

  /** How the passenger at `number` takes the next call to it (see expectCall). */
  private nextScript(number: string): PassengerScript {
    const queue = this.passengers.get(number);
    const script = queue?.shift() ?? DEFAULT_PASSENGER;
    if (queue?.length === 0) this.passengers.delete(number);
    return script;
  }

  private queue(name: string) {
    let queue = this.queues.get(name);
    if (!queue) this.queues.set(name, (queue = { sid: newSid('QU'), members: [] }));
    return queue;
  }

  private setLeg(legSid: string, from: Leg['state'], to: Leg['state']): void {
    const entry = this.legs.get(legSid);
    if (!entry) throw new SimulatorError(`no ringing or connected agent leg ${legSid}`, 404);
    if (entry.leg.state !== from) throw new SimulatorError(`agent leg ${legSid} is ${entry.leg.state}, not ${from}`, 409);
    entry.leg.state = to;
    if (to === 'answered') entry.leg.answeredAt = Date.now();
    if (to === 'rejected') this.legEndings.set(legSid, 'rejected');
    if (to === 'hung-up') this.legEndings.set(legSid, 'agent-hung-up');
    entry.call.wake();
  }

  /** As `live`, failing as the carrier's REST API does: the hotline hears that the caller is gone. */
  private liveForCarrier(sid: string): SimulatedCall {
    const call = this.get(sid);
    if (!call || call.ended) throw new CallGone(sid, call ? 'completed' : `no simulated call ${sid}`, !call);
    return call;
  }

  private live(sid: string): SimulatedCall {
    const call = this.get(sid);
    if (!call) throw new SimulatorError(`no simulated call ${sid}`, 404);
    if (call.ended) throw new SimulatorError(`call ${sid} has ended`, 409);
    return call;
  }

  private async send(url: string, params: Record<string, string>): Promise<Response> {
    const signature = twilio.getExpectedTwilioSignature(this.options.authToken, url, params);
    const target = url.startsWith(this.publicUrl) ? this.targetUrl + url.slice(this.publicUrl.length) : url;
    try {
      return await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
    } catch (err) {
      // fetch's own message ("fetch failed") hides why: the connection refused, reset, timed out …
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
      const why = cause ? ` (${[cause.code, cause.message].filter(Boolean).join(': ')})` : '';
      throw new ApplicationError(`${url} could not be reached: ${(err as Error).message}${why}`);
    }
  }
}

function isRoomSid(name: string): boolean {
  return /^CF[0-9a-f]{32}$/.test(name);
}

/** A control request the simulator cannot carry out; `status` is the HTTP status to answer with. */
export class SimulatorError extends Error {
  constructor(message: string, readonly status: 400 | 404 | 409) {
    super(message);
  }
}
