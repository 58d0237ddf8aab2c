/**
 * Every Socket.IO event of the hotline, per namespace and direction, with its payload: the server's
 * namespaces are typed with these (`Namespace<ClientToServer, ServerToClient>`, src/realtime/server.ts) and
 * so are the pages' sockets (`Socket<ServerToClient, ClientToServer>`, web-agent/src/shared/socket.ts), so
 * an event name or a payload that drifts on either side fails the type-check of both projects.
 *
 * Types only (the pages import this file; esbuild drops it): no runtime import here, and none of Socket.IO's.
 * Events the client sends are acknowledged: the last argument is the acknowledgement, answered `Failed`
 * when the hotline itself failed (src/realtime/handlers.ts). The server validates every payload with zod
 * whatever the types say: a page is not trusted.
 */
import type { AcdEvents, CallbackStage } from '../acd/bus.ts';
import type { WordedScreenPop } from '../acd/screen-pop.ts';
import type { LiveMetrics } from '../metrics/live.ts';
import type { NotesInput, SaveAck } from '../notes/notes.ts';
import type { IncomingLeg, PhoneAction } from '../telephony/carrier/simulator/phone.ts';

/** What an acknowledgement says when the hotline, not the request, failed (so no field is to blame). */
export type Failed = { ok: false; error: string; field?: undefined };

/** An acknowledged request: the page's payload and what it is answered. */
type Ask<P, A> = (payload: P, ack: (answer: A | Failed) => void) => void;

/** The payload of one of the ACD's events (src/acd/bus.ts), as it goes out. */
type Acd<E extends keyof AcdEvents> = AcdEvents[E][0];

// ---- /agents: the softphone ----------------------------------------------------------------------------

export type PresenceRequest = { state: 'available' | 'break' | 'offline'; reason?: string };
export type PresenceAnswer = { ok: true; presence: string } | { ok: false; error: string; field?: string };
export type CallbackAnswer = { ok: true } | { ok: false; error: string; field?: string };
/** One save of the call's notes: the call, and the notes' fields. */
export type NotesSave = { callSid: string } & { [K in keyof NotesInput]?: NotesInput[K] | null };

export type AgentsServerToClient = {
  /** The screen-pop: a call (or a callback) offered to this agent; the IVR path also in words. */
  offer: (pop: WordedScreenPop) => void;
  'offer-withdrawn': (e: Acd<'offer-withdrawn'>) => void;
  connected: (e: Acd<'connected'>) => void;
  ended: (e: Acd<'ended'>) => void;
  'wrap-up-ended': (e: Acd<'wrap-up-ended'>) => void;
  presence: (e: Acd<'presence'>) => void;
  /** An accepted callback's progress. */
  callback: (e: CallbackStage) => void;
  /** A supervisor listens in, whispers or barges (only where the site tells its agents: MONITORING_NOTICE). */
  monitor: (e: Acd<'monitor'>) => void;
  'case-alert': (e: Acd<'case-alert'>) => void;
  'case-changed': (e: Acd<'case-changed'>) => void;
  /** A coaching note to read (GET /api/quality/coaching has it). */
  coaching: (e: Acd<'coaching'>) => void;
};

export type AgentsClientToServer = {
  presence: Ask<PresenceRequest, PresenceAnswer>;
  /** Wrap-up over (the call's notes have their disposition); no payload. */
  'wrap-up-done': (ack: (answer: PresenceAnswer | Failed) => void) => void;
  notes: Ask<NotesSave, SaveAck>;
  'callback-accept': Ask<{ offerId: number }, CallbackAnswer>;
  'callback-reject': Ask<{ offerId: number }, CallbackAnswer>;
};

// ---- /managers: the dashboard -----------------------------------------------------------------------------

export type ManagersServerToClient = {
  /** The live board: on connecting, on every change (at most every 250 ms) and every 2 s. */
  metrics: (m: LiveMetrics) => void;
  'case-alert': (e: Acd<'case-alert'>) => void;
  'case-changed': (e: Acd<'case-changed'>) => void;
};

/** The dashboard only listens. */
export type ManagersClientToServer = Record<never, never>;

// ---- /phone: the agent page's phone in simulator mode -------------------------------------------------------

export type PhoneAnswer = { ok: true } | { ok: false; error: string };
export type PhoneRequest = { legSid: string; on?: boolean };

export type PhoneServerToClient = {
  /** A leg ringing for this agent (also on connecting, for one already ringing or connected). */
  incoming: (leg: IncomingLeg) => void;
  'leg-ended': (e: { legSid: string; reason: string }) => void;
};

export type PhoneClientToServer = { [A in PhoneAction]: Ask<PhoneRequest, PhoneAnswer> };

/** Each namespace's events, by its name: what the server's namespaces and the pages' sockets are typed with. */
export type Namespaces = {
  '/agents': { serverToClient: AgentsServerToClient; clientToServer: AgentsClientToServer };
  '/managers': { serverToClient: ManagersServerToClient; clientToServer: ManagersClientToServer };
  '/phone': { serverToClient: PhoneServerToClient; clientToServer: PhoneClientToServer };
};

/** What an acknowledged event's sender sends before the acknowledgement (none, or its payload). */
export type RequestOf<F> = F extends (...args: infer P) => void ? (P extends [...infer R, (answer: never) => void] ? R : never) : never;
/** What an acknowledged event's sender is answered with. */
export type AnswerOf<F> = F extends (...args: infer P) => void ? (P extends [...unknown[], (answer: infer A) => void] ? A : never) : never;
