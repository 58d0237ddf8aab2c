import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, real, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { IvrState } from '../src/ivr/types.ts';
import type { Disposition, Topic } from '../src/notes/choices.ts';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A call's current state; its story is in call_events. */
export const calls = pgTable(
  'calls',
  {
    sid: text('sid').primaryKey(),
    from: text('from_number').notNull(),
    to: text('to_number').notNull(),
    /** ivr → queued ⇄ offered → connected → closing → ended */
    status: text('status').notNull(),
    ivr: jsonb('ivr').$type<IvrState>().notNull(),
    /** Counts the IVR's steps; action URLs carry it so a retried webhook is recognised and answered again. */
    seq: integer('seq').notNull().default(0),
    queue: text('queue'),
    priority: integer('priority'),
    /** When the caller first joined the queue; kept when an unanswered offer puts them back at the head. */
    queuedAt: at('queued_at'),
    /** The agent who answered, and when. */
    agentId: integer('agent_id'),
    answeredAt: at('answered_at'),
    startedAt: at('started_at').notNull().defaultNow(),
    endedAt: at('ended_at'),
    /** Why the call ended: abandoned-in-ivr, abandoned-in-queue, hung-up-by-ivr, completed … */
    endReason: text('end_reason'),
    durationSeconds: integer('duration_seconds'),
    /** Not offered before this: the carrier failed to move the caller and may be briefly unreachable. */
    routeAfter: at('route_after'),
  },
  (t) => [
    index('calls_status_idx').on(t.status),
    index('calls_waiting_idx').on(t.priority, t.queuedAt).where(sql`status = 'queued'`),
    index('calls_from_idx').on(t.from, t.startedAt),
    index('calls_queued_at_idx').on(t.queuedAt),
    // The expected wait reads the queue's recently answered callers.
    index('calls_queue_answered_idx').on(t.queue, t.answeredAt),
  ],
);

/** The append-only log of what happened to each call, like a PBX queue log. */
export const callEvents = pgTable(
  'call_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    callSid: text('call_sid').notNull(),
    at: at('at').notNull().defaultNow(),
    type: text('type').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('call_events_call_idx').on(t.callSid, t.id), index('call_events_at_idx').on(t.at)],
);

/** The TwiML answered for each IVR step, so a webhook Twilio retries gets the same answer and changes nothing. */
export const callReplies = pgTable(
  'call_replies',
  {
    callSid: text('call_sid').notNull(),
    seq: integer('seq').notNull(),
    twiml: text('twiml').notNull(),
  },
  (t) => [primaryKey({ columns: [t.callSid, t.seq] })],
);

/** Settings a manager changes at run time (the IVR announcement, …). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/** Agents, supervisors, managers and trainers. `skills` maps a queue skill to a level (1 = basic … 5 = expert). */
export const staff = pgTable('staff', {
  id: serial('id').primaryKey(),
  employeeNo: text('employee_no').notNull().unique(),
  name: text('name').notNull(),
  role: text('role').$type<'agent' | 'supervisor' | 'manager' | 'trainer'>().notNull(),
  skills: jsonb('skills').$type<Record<string, number>>().notNull().default({}),
  passwordHash: text('password_hash').notNull(),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: at('created_at').notNull().defaultNow(),
});

/** Login sessions: the bearer token's SHA-256, never the token itself. */
export const sessions = pgTable('sessions', {
  tokenHash: text('token_hash').primaryKey(),
  staffId: integer('staff_id').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
  expiresAt: at('expires_at').notNull(),
});

/**
 * An agent's presence: offline, available, ringing, on-call, wrap-up, break. Only the ACD sets ringing,
 * on-call and wrap-up. The deadlines (wrap-up end, the grace after the last socket closed) are columns here.
 */
export const agents = pgTable(
  'agents',
  {
    staffId: integer('staff_id').primaryKey(),
    presence: text('presence').$type<Presence>().notNull().default('offline'),
    breakReason: text('break_reason'),
    since: at('since').notNull().defaultNow(),
    /** When the agent last became free for a call: longest idle is offered first. */
    idleSince: at('idle_since'),
    wrapUpUntil: at('wrap_up_until'),
    /** Set when the agent's last socket closed; offline when it passes without a reconnect. */
    goneAt: at('gone_at'),
  },
  (t) => [index('agents_available_idx').on(t.idleSince).where(sql`presence = 'available'`)],
);
/**
 * Each running server process holds a lease it renews every few seconds (on the database's clock). What hangs
 * on a process whose lease lapsed (its agents' sockets) is taken over by the others.
 */
export const processes = pgTable('processes', {
  id: text('id').primaryKey(),
  startedAt: at('started_at').notNull().defaultNow(),
  leaseUntil: at('lease_until').notNull(),
});

/** Agents' open Socket.IO connections, each on one process: an agent with none left is gone (after the grace). */
export const agentSockets = pgTable(
  'agent_sockets',
  {
    socketId: text('socket_id').primaryKey(),
    staffId: integer('staff_id').notNull(),
    processId: text('process_id').notNull(),
    connectedAt: at('connected_at').notNull().defaultNow(),
  },
  (t) => [index('agent_sockets_staff_idx').on(t.staffId), index('agent_sockets_process_idx').on(t.processId)],
);

export type Presence = 'offline' | 'available' | 'ringing' | 'on-call' | 'wrap-up' | 'break';

/**
 * An offer: one agent's phone ringing for one call. At most one live offer per call and per agent, enforced
 * by the database so that two server processes can never double-offer.
 */
export const offers = pgTable(
  'offers',
  {
    id: serial('id').primaryKey(),
    callSid: text('call_sid').notNull(),
    staffId: integer('staff_id').notNull(),
    queue: text('queue').notNull(),
    /** ringing → connected → completed; or missed, rejected, abandoned, withdrawn */
    status: text('status').$type<OfferStatus>().notNull(),
    offeredAt: at('offered_at').notNull(),
    /** The ring limit, or the time allowed for the agent's leg to start ringing. */
    deadlineAt: at('deadline_at'),
    legSid: text('leg_sid'),
    ringStartedAt: at('ring_started_at'),
    answeredAt: at('answered_at'),
    endedAt: at('ended_at'),
    ringSeconds: real('ring_seconds'),
    rings: integer('rings'),
    withinStandard: boolean('within_standard'),
    endReason: text('end_reason'),
  },
  (t) => [
    uniqueIndex('offers_live_call_idx').on(t.callSid).where(sql`status in ('ringing', 'connected')`),
    uniqueIndex('offers_live_agent_idx').on(t.staffId).where(sql`status in ('ringing', 'connected')`),
    index('offers_due_idx').on(t.deadlineAt).where(sql`status = 'ringing'`),
    index('offers_offered_idx').on(t.offeredAt),
    // The expected wait reads the queue's recently completed conversations.
    index('offers_queue_ended_idx').on(t.queue, t.endedAt).where(sql`status = 'completed'`),
  ],
);
export type OfferStatus = 'ringing' | 'connected' | 'completed' | 'missed' | 'rejected' | 'abandoned' | 'withdrawn';

/** A caller who asked to be called back (or was promised a call back): a row with a due time. */
export const callbacks = pgTable(
  'callbacks',
  {
    id: serial('id').primaryKey(),
    callSid: text('call_sid'),
    number: text('number').notNull(),
    queue: text('queue').notNull(),
    language: text('language').notNull(),
    requestedAt: at('requested_at').notNull(),
    dueAt: at('due_at').notNull(),
    status: text('status').$type<'open' | 'done' | 'cancelled'>().notNull().default('open'),
  },
  (t) => [index('callbacks_due_idx').on(t.dueAt).where(sql`status = 'open'`)],
);

/**
 * An agent's notes on one call ("listen and record"): saved while the agent types, so each save carries the
 * page's version and an older save arriving late never overwrites a newer one. One row per call and agent.
 */
export const callNotes = pgTable(
  'call_notes',
  {
    id: serial('id').primaryKey(),
    callSid: text('call_sid').notNull(),
    staffId: integer('staff_id').notNull(),
    passengerName: text('passenger_name').notNull().default(''),
    contactNumber: text('contact_number').notNull().default(''),
    trainNumber: text('train_number').notNull().default(''),
    seatNumber: text('seat_number').notNull().default(''),
    /** tickets, refund, change, luggage, lost-item, complaint, station-services, other */
    topic: text('topic').$type<Topic>(),
    text: text('text').notNull().default(''),
    /** resolved, callback-promised, forwarded, complaint-filed; required before wrap-up ends. */
    disposition: text('disposition').$type<Disposition>(),
    /** For callback-promised: when the passenger was promised the call, and the callbacks row it made. */
    callbackDueAt: at('callback_due_at'),
    callbackId: integer('callback_id'),
    version: integer('version').notNull().default(0),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('call_notes_call_staff_idx').on(t.callSid, t.staffId), index('call_notes_staff_idx').on(t.staffId, t.updatedAt)],
);

/**
 * The post-call survey of one call, with the agent and queue it rates. `state` is where the caller is in
 * ivr-flows/survey.yaml; a caller who hangs up part-way leaves the answers given so far.
 */
export const surveys = pgTable(
  'surveys',
  {
    callSid: text('call_sid').primaryKey(),
    staffId: integer('staff_id'),
    queue: text('queue'),
    language: text('language').notNull(),
    state: jsonb('state').$type<IvrState>().notNull(),
    /** Counts the survey's steps, as calls.seq does for the IVR: a retried webhook is answered again. */
    seq: integer('seq').notNull().default(0),
    /** 1–5 */
    rating: integer('rating'),
    /** "Was your problem solved?" */
    solved: boolean('solved'),
    /** asking → complete | partial (hung up or gave up part-way) */
    status: text('status').$type<'asking' | 'complete' | 'partial'>().notNull().default('asking'),
    startedAt: at('started_at').notNull().defaultNow(),
    endedAt: at('ended_at'),
  },
  (t) => [index('surveys_started_idx').on(t.startedAt), index('surveys_staff_idx').on(t.staffId, t.startedAt)],
);
