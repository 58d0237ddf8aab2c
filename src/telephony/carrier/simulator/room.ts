import type { ParticipantChange } from '../carrier.ts';
import { newSid, type SimulatedCall } from './call.ts';
import { SimulatorError, type Simulator } from './simulator.ts';

/**
 * A conference room as Twilio keeps one: who is in it (joined, or still being rung by the REST API), what
 * each can hear, and the room's status callback, told every change in order. Rooms are plain data; the
 * simulator keeps the live ones by name (./simulator.ts), `<Dial><Conference>` puts callers in (./conference.ts)
 * and `addParticipant` dials legs in (./participant.ts).
 */

export type Participant = {
  callSid: string;
  /** `twiml`: a call in `<Dial><Conference>`; `client` / `number`: a leg the REST API dialled in. */
  kind: 'twiml' | 'client' | 'number';
  call: SimulatedCall;
  label: string | undefined;
  /** A REST leg is a participant from the request on, `ringing` until it is answered. */
  state: 'ringing' | 'joined';
  muted: boolean;
  hold: boolean;
  /** What a held participant hears (recorded, not fetched). */
  holdUrl: string | undefined;
  coaching: boolean;
  callSidToCoach: string | undefined;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  /** What a `<Conference>` caller hears until the room starts (recorded, not fetched). */
  waitUrl: string | undefined;
  beep: string | undefined;
  /** Set when the room let them go (it ended under them): their ReasonParticipantLeft. */
  dismissed: string | undefined;
  /** Then: whether the room ended because a `<Conference>` caller hung up (a softphone still ringing says so). */
  callerHungUp?: boolean;
};

export type Room = {
  sid: string;
  name: string;
  started: boolean;
  ended: boolean;
  /** In the order they came in. */
  participants: Map<string, Participant>;
  /** Taken from the first participant that brings one, as on Twilio; later ones are ignored. */
  statusCallback: string | undefined;
  callbackEvents: Set<string>;
  sequence: number;
  /** The callbacks told so far: each waits for the one before, so the hotline hears them in order. */
  delivered: Promise<void>;
};

/** What a test (or GET /simulator/conferences/:name) sees of a live room. */
export type ConferenceSnapshot = {
  sid: string;
  name: string;
  started: boolean;
  participants: Array<Omit<Participant, 'call' | 'dismissed'>>;
};

/** The room's events for `conferenceStatusCallback` on a REST participant: all the hotline can follow. */
export const ALL_ROOM_EVENTS = 'start end join leave mute hold modify';

export function newRoom(name: string): Room {
  return {
    sid: newSid('CF'),
    name,
    started: false,
    ended: false,
    participants: new Map(),
    statusCallback: undefined,
    callbackEvents: new Set(),
    sequence: 0,
    delivered: Promise.resolve(),
  };
}

/** A participant with Twilio's defaults, for `admit`. */
export function participant(call: SimulatedCall, kind: Participant['kind'], fields: Partial<Participant>): Participant {
  return {
    callSid: call.sid,
    kind,
    call,
    label: undefined,
    state: 'ringing',
    muted: false,
    hold: false,
    holdUrl: undefined,
    coaching: false,
    callSidToCoach: undefined,
    startConferenceOnEnter: true,
    endConferenceOnExit: false,
    waitUrl: undefined,
    beep: undefined,
    dismissed: undefined,
    ...fields,
  };
}

/** Let a participant in (still ringing, for a REST leg); the first to bring a status callback sets the room's. */
export function admit(room: Room, p: Participant, callback?: { url: string; events: string }): void {
  room.participants.set(p.callSid, p);
  if (callback && !room.statusCallback) {
    room.statusCallback = callback.url;
    room.callbackEvents = new Set(callback.events.split(/[\s,]+/).filter(Boolean));
  }
}

/** The participant is on the line in the room; the first one who may start it starts it. */
export function join(sim: Simulator, room: Room, p: Participant): void {
  p.state = 'joined';
  announce(sim, room, 'participant-join', p);
  if (!room.started && p.startConferenceOnEnter) {
    room.started = true;
    announce(sim, room, 'conference-start');
  }
}

/**
 * The participant is out of the room (`reason`: Twilio's ReasonParticipantLeft; `callStatus`: their call's
 * status now). A joined participant with endConferenceOnExit ends the room; so does the last one out.
 * Nothing happens for one the room has already let go.
 */
export function leave(sim: Simulator, room: Room, p: Participant, reason: string, callStatus: string): void {
  if (room.participants.get(p.callSid) !== p) return;
  room.participants.delete(p.callSid);
  announce(sim, room, 'participant-leave', p, { ReasonParticipantLeft: reason, ParticipantCallStatus: callStatus });
  const hungUp = p.kind === 'twiml' && reason === 'participant_hung_up';
  if (p.state === 'joined' && p.endConferenceOnExit) end(sim, room, 'participant-with-end-conference-on-exit-left', p, hungUp);
  else if (room.participants.size === 0) end(sim, room, 'last-participant-left', p, hungUp);
}

/**
 * The room is over: everyone still in it is let go (a `<Conference>` caller goes on to the Dial's action, a
 * REST leg is hung up, or cancelled if it still rings), and the name is free for a new room.
 */
function end(sim: Simulator, room: Room, reason: string, by: Participant, callerHungUp: boolean): void {
  room.ended = true;
  sim.closeRoom(room);
  for (const other of [...room.participants.values()]) {
    room.participants.delete(other.callSid);
    other.dismissed = 'moderator_ended_conference';
    other.callerHungUp = callerHungUp;
    const status = other.kind === 'twiml' ? 'in-progress' : other.state === 'joined' ? 'completed' : 'canceled';
    announce(sim, room, 'participant-leave', other, { ReasonParticipantLeft: other.dismissed, ParticipantCallStatus: status });
    // A REST leg's call is Twilio's to end; a caller's call only leaves the Dial.
    if (other.kind === 'twiml') other.call.wake();
    else other.call.interrupt({ kind: 'hangup', by: 'api' });
  }
  announce(sim, room, 'conference-end', undefined, {
    ReasonConferenceEnded: reason,
    CallSidEndingConference: by.callSid,
    ...(by.label ? { ParticipantLabelEndingConference: by.label } : {}),
  });
}

/**
 * Hold, mute, coach, or change endConferenceOnExit, telling the room's callback as Twilio does. One update
 * is one change: every event it causes shows the participant as the whole update left them. Coaching needs
 * someone to coach: throws otherwise (Twilio answers 400), having changed nothing.
 */
export function update(sim: Simulator, room: Room, p: Participant, change: ParticipantChange): void {
  const coaching = change.coaching ?? p.coaching;
  const coached = coaching ? (change.callSidToCoach ?? p.callSidToCoach) : undefined;
  if (coaching && !coached) throw new SimulatorError(`participant ${p.callSid} cannot coach without callSidToCoach`, 400);
  const hold = change.hold ?? p.hold;
  const muted = change.muted ?? p.muted;
  const ends = change.endConferenceOnExit ?? p.endConferenceOnExit;
  const events: string[] = [];
  if (hold !== p.hold) events.push(hold ? 'participant-hold' : 'participant-unhold');
  if (muted !== p.muted) events.push(muted ? 'participant-mute' : 'participant-unmute');
  if (coaching !== p.coaching || coached !== p.callSidToCoach || ends !== p.endConferenceOnExit) events.push('participant-modify');

  if (hold !== p.hold) p.call.record({ type: 'hold', on: hold });
  if (muted !== p.muted) p.call.record({ type: 'muted', on: muted });
  p.holdUrl = hold ? (change.holdUrl ?? (p.hold ? p.holdUrl : undefined)) : undefined;
  Object.assign(p, { hold, muted, coaching, callSidToCoach: coached, endConferenceOnExit: ends });
  for (const event of events) announce(sim, room, event, p);
}

/**
 * The calls `listener` hears now: every other joined participant not muted and not held, except a coach,
 * whom only the coached one hears. Nobody hears anyone before the room starts (they hear its wait music),
 * and a held participant hears only the hold music.
 */
export function hears(room: Room | undefined, listener: string): string[] {
  const me = room?.participants.get(listener);
  if (!room || !room.started || !me || me.state !== 'joined' || me.hold) return [];
  return [...room.participants.values()]
    .filter((p) => p !== me && p.state === 'joined' && !p.muted && !p.hold && (!p.coaching || p.callSidToCoach === listener))
    .map((p) => p.callSid);
}

export function snapshot(room: Room): ConferenceSnapshot {
  return {
    sid: room.sid,
    name: room.name,
    started: room.started,
    participants: [...room.participants.values()].map(({ call: _call, dismissed: _dismissed, ...p }) => p),
  };
}

/** Which `statusCallbackEvent` word subscribes to each event. */
const FAMILY: Record<string, string> = {
  'conference-start': 'start',
  'conference-end': 'end',
  'participant-join': 'join',
  'participant-leave': 'leave',
  'participant-mute': 'mute',
  'participant-unmute': 'mute',
  'participant-hold': 'hold',
  'participant-unhold': 'hold',
  'participant-modify': 'modify',
};

/** Tell the room's callback, if it asked for this event, after everything told before. */
function announce(sim: Simulator, room: Room, event: string, p?: Participant, extra: Record<string, string> = {}): void {
  const url = room.statusCallback;
  if (!url || !room.callbackEvents.has(FAMILY[event]!)) return;
  const params: Record<string, string> = {
    AccountSid: sim.accountSid,
    ConferenceSid: room.sid,
    FriendlyName: room.name,
    StatusCallbackEvent: event,
    SequenceNumber: String(++room.sequence),
    Timestamp: sim.now().toUTCString(),
    ...(p ? participantParams(p) : {}),
    ...extra,
  };
  room.delivered = room.delivered.then(() => sim.notify(url, params));
}

function participantParams(p: Participant): Record<string, string> {
  return {
    CallSid: p.callSid,
    ...(p.label ? { ParticipantLabel: p.label } : {}),
    Muted: String(p.muted),
    Hold: String(p.hold),
    Coaching: String(p.coaching),
    ...(p.coaching && p.callSidToCoach ? { CallSidToCoach: p.callSidToCoach } : {}),
    EndConferenceOnExit: String(p.endConferenceOnExit),
    StartConferenceOnEnter: String(p.startConferenceOnEnter),
  };
}
