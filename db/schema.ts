import { sql } from 'drizzle-orm';
import { bigint, boolean, date, doublePrecision, index, integer, jsonb, pgTable, primaryKey, real, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { IvrState } from '../src/ivr/types.ts';
import type { CaseChannel, CaseDetails, CasePriority, CaseStatus, CaseType, ClockKind, Resolution, WaitingOn } from '../src/cases/choices.ts';
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
    // A case finds the later calls of its passenger by the last eight digits, however the number was written.
    index('calls_from_key_idx').on(sql`right(regexp_replace(${t.from}, '\\D', '', 'g'), 8)`, t.startedAt),
    index('calls_queued_at_idx').on(t.queuedAt),
    // The expected wait reads the queue's recently answered callers.
    index('calls_queue_answered_idx').on(t.queue, t.answeredAt),
    // The live board's callers waiting now, per queue, whatever the history (src/metrics/live-now.ts).
    index('calls_waiting_now_idx').on(t.queue, t.queuedAt).where(sql`status in ('queued', 'offered')`),
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
    /** The caller's call; for a callback, the call placed to the passenger (null until it is placed). */
    callSid: text('call_sid'),
    /** For a callback (src/callbacks): the case whose passenger is called back. */
    caseId: integer('case_id'),
    staffId: integer('staff_id').notNull(),
    queue: text('queue').notNull(),
    /**
     * ringing → connected → completed; or missed, rejected, abandoned, withdrawn. A callback is accepted
     * (dialling: the passenger's phone rings) between ringing and connected, or ends unreached.
     */
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
    /**
     * The conference the conversation is held in (src/telephony/conference.ts); null for a passenger called
     * back, who is still put through with a Dial.
     */
    conference: text('conference'),
    /** The room's sid once the carrier told it: Twilio changes participants only by the room's sid. */
    conferenceSid: text('conference_sid'),
    /** When the agent was dialled into the conference: once per offer, however often the caller's join is told. */
    agentDialledAt: at('agent_dialled_at'),
    /** While the caller is on hold: since when. */
    holdStartedAt: at('hold_started_at'),
    /** Seconds the caller spent on hold in holds that have ended. */
    holdSeconds: real('hold_seconds').notNull().default(0),
    /**
     * A colleague the agent is consulting (src/acd/consult.ts), while the caller is held: who, their leg into
     * the room, and dialling → talking. Cleared when the consult ends (returned to the caller, or transferred).
     */
    consultStaffId: integer('consult_staff_id'),
    consultLegSid: text('consult_leg_sid'),
    consultStatus: text('consult_status').$type<'dialling' | 'talking'>(),
    /** Or a department's number (cases.yaml `departments`), instead of a colleague. */
    consultDepartment: text('consult_department'),
    /** A blind transfer: the caller is handed over as soon as the colleague or department answers. */
    consultBlind: boolean('consult_blind').notNull().default(false),
  },
  (t) => [
    uniqueIndex('offers_live_call_idx').on(t.callSid).where(sql`status in ('ringing', 'dialling', 'connected')`),
    uniqueIndex('offers_live_agent_idx').on(t.staffId).where(sql`status in ('ringing', 'dialling', 'connected')`),
    // Two processes never offer (or dial) one callback at once.
    uniqueIndex('offers_live_case_idx').on(t.caseId).where(sql`status in ('ringing', 'dialling', 'connected')`),
    index('offers_due_idx').on(t.deadlineAt).where(sql`status in ('ringing', 'dialling')`),
    index('offers_offered_idx').on(t.offeredAt),
    // The expected wait reads the queue's recently completed conversations.
    index('offers_queue_ended_idx').on(t.queue, t.endedAt).where(sql`status = 'completed'`),
  ],
);
/**
 * A supervisor in an agent's conversation (src/acd/monitor.ts): dialled into its room, then listening (muted),
 * whispering (heard by the agent alone) or barged in (heard by both). One live at a time per supervisor.
 */
export const monitors = pgTable(
  'monitors',
  {
    id: serial('id').primaryKey(),
    offerId: integer('offer_id').notNull(),
    supervisorId: integer('supervisor_id').notNull(),
    /** The supervisor's leg into the room, once the carrier took the request. */
    legSid: text('leg_sid'),
    mode: text('mode').$type<MonitorMode>().notNull(),
    /** dialling → on → ended (or ended without ever joining). */
    status: text('status').$type<'dialling' | 'on' | 'ended'>().notNull(),
    startedAt: at('started_at').notNull(),
    endedAt: at('ended_at'),
  },
  (t) => [
    uniqueIndex('monitors_live_supervisor_idx').on(t.supervisorId).where(sql`status in ('dialling', 'on')`),
    index('monitors_offer_idx').on(t.offerId),
  ],
);
export type MonitorMode = 'listen' | 'whisper' | 'barge';

export type OfferStatus = 'ringing' | 'dialling' | 'connected' | 'completed' | 'missed' | 'rejected' | 'abandoned' | 'withdrawn' | 'unreached';

/**
 * A case: something the hotline promised a passenger (a reply to a complaint, a search for a lost item, a
 * decision on a luggage claim, a call back, a later answer to an enquiry). Its story is in case_events; its
 * deadlines are case_clocks rows.
 */
export const cases = pgTable(
  'cases',
  {
    id: serial('id').primaryKey(),
    /** Read to the passenger over the phone: no 0/O or 1/I/L to confuse (src/cases/reference.ts). */
    reference: text('reference').notNull().unique(),
    type: text('type').$type<CaseType>().notNull(),
    priority: text('priority').$type<CasePriority>().notNull().default('normal'),
    /** new → acknowledged → in-progress ⇄ waiting → resolved → closed (reopened: in-progress again) */
    status: text('status').$type<CaseStatus>().notNull().default('new'),
    waitingOn: text('waiting_on').$type<WaitingOn>(),
    channel: text('channel').$type<CaseChannel>().notNull(),
    passengerName: text('passenger_name').notNull().default(''),
    contactNumber: text('contact_number').notNull().default(''),
    /** The contact number's last eight digits: how later calls and the status lookup find the case. */
    contactKey: text('contact_key').notNull().default(''),
    language: text('language').notNull(),
    trainNumber: text('train_number').notNull().default(''),
    travelDate: date('travel_date', { mode: 'string' }),
    car: text('car').notNull().default(''),
    seat: text('seat').notNull().default(''),
    category: text('category').notNull().default(''),
    /** Per type: a lost item's kind and description, a luggage tag number and the amount claimed. */
    details: jsonb('details').$type<CaseDetails>().notNull().default({}),
    description: text('description').notNull().default(''),
    /** Exactly one of the two owns the case; a supervisor always answers for it. */
    ownerStaffId: integer('owner_staff_id'),
    ownerDepartment: text('owner_department'),
    supervisorId: integer('supervisor_id'),
    /** The answer given to the passenger and why it was closed so; for claims the decision. */
    resolution: jsonb('resolution').$type<Resolution>(),
    /** A claim's approved amount awaiting (or given) a supervisor's approval. */
    approvedBy: integer('approved_by'),
    /** The reply deadline has been extended (complaints: once). */
    extended: boolean('extended').notNull().default(false),
    /** The call it came from. */
    callSid: text('call_sid'),
    /** For a callback: the queue it waits in. */
    queue: text('queue'),
    createdBy: integer('created_by'),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    resolvedAt: at('resolved_at'),
    closedAt: at('closed_at'),
    /** Bumped by every change: a page that saves with an older version is told to reload. */
    version: integer('version').notNull().default(0),
    /**
     * Its clocks at a glance, kept with them in the same transactions (src/cases/clocks.ts): the soonest due
     * time of a clock not yet met, how far the furthest has gone (its stage), whether they are paused. The
     * lists sort by these, so a page of the board reads 50 rows of an index however many cases are open.
     */
    dueAt: at('due_at'),
    stage: integer('stage').notNull().default(0),
    paused: boolean('paused').notNull().default(false),
    /**
     * A callback's place in line: when the passenger first joined the queue (or, for a call back promised
     * for a time, that time). Routing ranks it with the callers holding, by priority and then this.
     */
    placeAt: at('place_at'),
    /** …and its priority there: the caller's when they asked in the queue, else the queue's. */
    linePriority: integer('line_priority'),
    /** A callback is dialled no sooner than this (the first delay, a retry's delay, the calling window); null: not now. */
    dialAfter: at('dial_after'),
    /** Attempts to reach the passenger that count (an agent turning the callback down does not). */
    attempts: integer('attempts').notNull().default(0),
  },
  (t) => [
    index('cases_contact_idx').on(t.contactKey).where(sql`status not in ('resolved', 'closed')`),
    index('cases_owner_idx').on(t.ownerStaffId, t.dueAt).where(sql`status not in ('resolved', 'closed')`),
    index('cases_board_idx').on(t.stage.desc(), t.dueAt.asc().nullsLast(), t.id).where(sql`status not in ('resolved', 'closed')`),
    index('cases_board_type_idx').on(t.type, t.stage.desc(), t.dueAt.asc().nullsLast(), t.id).where(sql`status not in ('resolved', 'closed')`),
    index('cases_call_idx').on(t.callSid),
    // The callbacks routing may offer: open, due to be dialled, in place order.
    index('cases_callbacks_idx').on(t.linePriority.desc(), t.placeAt).where(sql`type = 'callback' and dial_after is not null and status not in ('resolved', 'closed')`),
    index('cases_created_idx').on(t.createdAt),
    index('cases_resolved_idx').on(t.resolvedAt),
  ],
);

/** A case's timeline, append-only: who did what, when, and from where. */
export const caseEvents = pgTable(
  'case_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    caseId: integer('case_id').notNull(),
    at: at('at').notNull(),
    type: text('type').notNull(),
    /** The staff member, or null for the passenger (online) and the hotline itself (clocks, IVR). */
    actorId: integer('actor_id'),
    /** softphone, board, api, online, ivr, clock */
    source: text('source').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('case_events_case_idx').on(t.caseId, t.id)],
);

/** Calls that belong to a case: the one it came from, and calls made or taken about it since. */
export const caseCalls = pgTable(
  'case_calls',
  {
    caseId: integer('case_id').notNull(),
    callSid: text('call_sid').notNull(),
    /** origin, contacted */
    link: text('link').notNull(),
    at: at('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.callSid] }), index('case_calls_call_idx').on(t.callSid)],
);

/**
 * A reply commitment's clock (acknowledge, first reply, resolve): its due time and the moments of its
 * reminder and escalations, all moved when the clock pauses. `nextAt` is when the sweep must look at it next
 * (null: met, paused, or nothing left to do); `stage` is how far it has gone: 0 running, 1 owner reminded,
 * 2 escalated to the supervisor, 3 to the manager.
 */
export const caseClocks = pgTable(
  'case_clocks',
  {
    caseId: integer('case_id').notNull(),
    kind: text('kind').$type<ClockKind>().notNull(),
    /** The commitment as the policy says it ("1 working day"), counted in business time when working. */
    span: text('span').notNull(),
    working: boolean('working').notNull(),
    /** The policy's calendar it is counted in. */
    calendar: text('calendar').notNull(),
    startedAt: at('started_at').notNull(),
    dueAt: at('due_at').notNull(),
    remindAt: at('remind_at').notNull(),
    managerAt: at('manager_at').notNull(),
    stage: integer('stage').notNull().default(0),
    nextAt: at('next_at'),
    pausedAt: at('paused_at'),
    metAt: at('met_at'),
  },
  (t) => [
    primaryKey({ columns: [t.caseId, t.kind] }),
    index('case_clocks_next_idx').on(t.nextAt).where(sql`next_at is not null`),
    // Today's replies within commitment: the clocks met today, and those that fell due unmet.
    index('case_clocks_met_idx').on(t.metAt),
    index('case_clocks_due_idx').on(t.dueAt).where(sql`met_at is null`),
  ],
);

/**
 * One attempt to reach a passenger for a case (a callback, or "call back" pressed on any case): the call the
 * hotline placed, for the agent who accepted it, and how it ended. `counted` is false where the passenger
 * was not at fault (the carrier refused the call, the agent went away before it was placed).
 */
export const callbackAttempts = pgTable(
  'callback_attempts',
  {
    id: serial('id').primaryKey(),
    caseId: integer('case_id').notNull(),
    offerId: integer('offer_id').notNull(),
    staffId: integer('staff_id').notNull(),
    number: text('number').notNull(),
    /** The carrier's sid of the call placed; null until the carrier took the request. */
    callSid: text('call_sid'),
    /** dialling → answered | busy | no-answer | failed | machine | canceled */
    outcome: text('outcome').$type<AttemptOutcome>().notNull().default('dialling'),
    answeredBy: text('answered_by'),
    counted: boolean('counted').notNull().default(true),
    startedAt: at('started_at').notNull(),
    /** When the carrier was asked to place the call (after the pacing slot). */
    placedAt: at('placed_at'),
    answeredAt: at('answered_at'),
    endedAt: at('ended_at'),
    talkSeconds: real('talk_seconds'),
  },
  (t) => [
    index('callback_attempts_case_idx').on(t.caseId, t.id),
    uniqueIndex('callback_attempts_offer_idx').on(t.offerId),
    index('callback_attempts_call_idx').on(t.callSid),
    index('callback_attempts_started_idx').on(t.startedAt),
  ],
);
export type AttemptOutcome = 'dialling' | 'answered' | 'busy' | 'no-answer' | 'failed' | 'machine' | 'canceled';

/**
 * Outbound calls wait their turn here, across every process: each placement takes the next slot, one per
 * 1 / OUTBOUND_CALLS_PER_SECOND seconds (the carrier's own pace for a new account).
 */
export const outboundPacing = pgTable('outbound_pacing', {
  id: integer('id').primaryKey(),
  nextSlotAt: at('next_slot_at').notNull(),
});

/** The found-items register: what station or train staff found, and where it is kept. */
export const foundItems = pgTable(
  'found_items',
  {
    id: serial('id').primaryKey(),
    trainNumber: text('train_number').notNull().default(''),
    foundOn: date('found_on', { mode: 'string' }).notNull(),
    car: text('car').notNull().default(''),
    seat: text('seat').notNull().default(''),
    kind: text('kind').notNull(),
    description: text('description').notNull(),
    /** Where it is kept (a station's lost-property office …). */
    keptAt: text('kept_at').notNull(),
    /** The lost-item case it was matched to, once matched. */
    caseId: integer('case_id'),
    recordedBy: integer('recorded_by').notNull(),
    recordedAt: at('recorded_at').notNull(),
  },
  (t) => [index('found_items_train_idx').on(t.trainNumber, t.foundOn), index('found_items_found_idx').on(t.foundOn)],
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
    /** For callback-promised: when the passenger was promised the call, and the callback case it made. */
    callbackDueAt: at('callback_due_at'),
    callbackCaseId: integer('callback_case_id'),
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

/**
 * Today's figures, kept as counters (db/migrations/0006_live_counters.sql): deferred triggers on calls, offers
 * and surveys add each row's part to the counter row of its 15-minute slot (UTC-aligned, so every local day,
 * whose midnight falls on a quarter hour, is a whole number of slots) in the very transaction that changes it.
 * The live board then sums a day's slots instead of the day's calls. Each row is the sum of what the rows keyed
 * there contribute, as src/metrics/live-fresh.ts's aggregate defines it.
 */
const slotStart = () => at('slot_start').notNull();
const counter = (name: string) => integer(name).notNull().default(0);

/** Calls that entered a queue, per slot of queued_at and queue. */
export const liveCallCounts = pgTable(
  'live_call_counts',
  {
    slotStart: slotStart(),
    queue: text('queue').notNull(),
    offered: counter('offered'),
    answered: counter('answered'),
    abandoned: counter('abandoned'),
    answeredInTime: counter('answered_in_time'),
    longAbandons: counter('long_abandons'),
    /** Sum of answered_at − queued_at of the answered calls, in microseconds (exact, however often it moves). */
    waitMicros: bigint('wait_micros', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.slotStart, t.queue] })],
);

/** Answered offers, per slot of offered_at and agent. */
export const liveOfferCounts = pgTable(
  'live_offer_counts',
  {
    slotStart: slotStart(),
    staffId: integer('staff_id').notNull(),
    answered: counter('answered'),
    measured: counter('measured'),
    totalRings: counter('total_rings'),
    withinStandard: counter('within_standard'),
    rings1: counter('rings_1'),
    rings2: counter('rings_2'),
    rings3: counter('rings_3'),
    rings4Plus: counter('rings_4_plus'),
  },
  (t) => [primaryKey({ columns: [t.slotStart, t.staffId] })],
);

/** Surveys, per slot of started_at and agent rated (0: a survey with no agent). */
export const liveSurveyCounts = pgTable(
  'live_survey_counts',
  {
    slotStart: slotStart(),
    staffId: integer('staff_id').notNull(),
    responses: counter('responses'),
    ratings: counter('ratings'),
    totalRating: counter('total_rating'),
    topTwo: counter('top_two'),
    solvedAnswers: counter('solved_answers'),
    solved: counter('solved'),
  },
  (t) => [primaryKey({ columns: [t.slotStart, t.staffId] })],
);

/**
 * A conversation's recording (src/recordings): one per offer, of the caller's call, started when the agent
 * answers in a queue that records. `carrier_url` is where the carrier keeps the audio, behind the account's
 * credentials: it never leaves the server (staff hear it through GET /api/recordings/:id/audio).
 * `delete_after` is the retention deadline, a row the sweep acts on (deleted at the carrier, then here).
 */
export const recordings = pgTable(
  'recordings',
  {
    id: serial('id').primaryKey(),
    callSid: text('call_sid').notNull(),
    offerId: integer('offer_id').notNull(),
    /** The agent in the conversation (trainers look for an agent's recordings). */
    staffId: integer('staff_id').notNull(),
    queue: text('queue').notNull(),
    /** The carrier's sid (`RE…`), once it took the request. */
    carrierSid: text('carrier_sid'),
    status: text('status').$type<RecordingStatus>().notNull(),
    channels: text('channels').$type<'dual' | 'mono'>().notNull(),
    /** Seconds recorded, pauses left out (the carrier's count, once completed). */
    durationSeconds: integer('duration_seconds'),
    carrierUrl: text('carrier_url'),
    startedAt: at('started_at').notNull(),
    completedAt: at('completed_at'),
    deleteAfter: at('delete_after').notNull(),
    deletedAt: at('deleted_at'),
    /** Why it failed (the carrier refused to start it, or reported an error). */
    error: text('error'),
  },
  (t) => [
    uniqueIndex('recordings_offer_idx').on(t.offerId),
    index('recordings_call_idx').on(t.callSid),
    index('recordings_staff_idx').on(t.staffId, t.startedAt),
    index('recordings_due_idx').on(t.deleteAfter).where(sql`deleted_at is null`),
  ],
);
/** in-progress ⇄ paused → completed | absent (nothing recorded); failed; any → deleted after the retention period. */
export type RecordingStatus = 'in-progress' | 'paused' | 'completed' | 'absent' | 'failed' | 'deleted';

// ---- Quality (issue 15, the quality part: src/quality) -------------------------------------------------------

/**
 * The calls drawn for a trainer to review: per agent and hotline day, a few answered conversations at random
 * (deterministic given the day) plus every one with a low survey score or about a complaint. One row per
 * offer, so drawing a day again adds nothing.
 */
export const qualitySamples = pgTable(
  'quality_samples',
  {
    id: serial('id').primaryKey(),
    /** The hotline's local day the call was answered on. */
    day: date('day', { mode: 'string' }).notNull(),
    offerId: integer('offer_id').notNull(),
    callSid: text('call_sid').notNull(),
    staffId: integer('staff_id').notNull(),
    /** random, low-survey, complaint */
    reason: text('reason').$type<'random' | 'low-survey' | 'complaint'>().notNull(),
    drawnAt: at('drawn_at').notNull(),
  },
  (t) => [uniqueIndex('quality_samples_offer_idx').on(t.offerId), index('quality_samples_day_idx').on(t.day, t.staffId)],
);

/**
 * A scorecard: one answered conversation scored against the phone standard (ivr-flows/scorecard.yaml). The
 * automatic items as they stood when the trainer saved, the trainer's judged items, and the weighted score.
 */
export const qualityScores = pgTable(
  'quality_scores',
  {
    id: serial('id').primaryKey(),
    offerId: integer('offer_id').notNull(),
    callSid: text('call_sid').notNull(),
    /** The agent scored. */
    staffId: integer('staff_id').notNull(),
    queue: text('queue').notNull(),
    /** When the agent answered: reports group the score by it. */
    answeredAt: at('answered_at').notNull(),
    /** item → points given (0 … the item's max) */
    judged: jsonb('judged').$type<Record<string, number>>().notNull(),
    /** item → share met (0 … 1), or null where it does not apply */
    automatic: jsonb('automatic').$type<Record<string, number | null>>().notNull(),
    /** 0–100 */
    score: real('score').notNull(),
    scoredBy: integer('scored_by').notNull(),
    scoredAt: at('scored_at').notNull(),
  },
  (t) => [uniqueIndex('quality_scores_offer_idx').on(t.offerId), index('quality_scores_answered_idx').on(t.answeredAt), index('quality_scores_staff_idx').on(t.staffId, t.answeredAt)],
);

/** A trainer's coaching note on a scorecard, for the agent to read and acknowledge in the softphone. */
export const coachingNotes = pgTable(
  'coaching_notes',
  {
    id: serial('id').primaryKey(),
    scoreId: integer('score_id').notNull(),
    /** The agent it is for. */
    staffId: integer('staff_id').notNull(),
    authorId: integer('author_id').notNull(),
    text: text('text').notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at').notNull(),
    acknowledgedAt: at('acknowledged_at'),
  },
  (t) => [uniqueIndex('coaching_notes_score_idx').on(t.scoreId), index('coaching_notes_staff_idx').on(t.staffId, t.acknowledgedAt)],
);

// ---- Reports (issue 15, the reports part: src/reports) -------------------------------------------------------

/**
 * The history reports read from: per 30-minute slot (UTC-aligned, so a local day in any zone on a whole or
 * half-hour offset is a whole number of slots) the sums and counts of each figure, never an average, so any
 * range adds up. Written by src/reports/materialise.ts once a slot is over (the deadline sweep), and written
 * again for the last few hours as late facts (a survey after the call, a long conversation) arrive. The
 * definitions are in src/reports/aggregate.ts. Two tables of the same columns: per queue, and per agent.
 */
const slotSum = (name: string) => integer(name).notNull().default(0);
const slotSeconds = (name: string) => doublePrecision(name).notNull().default(0);
const reportSums = () => ({
  offered: slotSum('offered'),
  answered: slotSum('answered'),
  abandoned: slotSum('abandoned'),
  shortAbandons: slotSum('short_abandons'),
  /** Abandoned after waiting (0,5], (5,15], (15,30], (30,60], (60,120], over 120 s. */
  abandoned5: slotSum('abandoned_5'),
  abandoned15: slotSum('abandoned_15'),
  abandoned30: slotSum('abandoned_30'),
  abandoned60: slotSum('abandoned_60'),
  abandoned120: slotSum('abandoned_120'),
  abandonedOver120: slotSum('abandoned_over_120'),
  answeredInTime: slotSum('answered_in_time'),
  waitSeconds: slotSeconds('wait_seconds'),
  missed: slotSum('missed'),
  ringsMeasured: slotSum('rings_measured'),
  withinStandard: slotSum('within_standard'),
  totalRings: slotSum('total_rings'),
  handled: slotSum('handled'),
  talkSeconds: slotSeconds('talk_seconds'),
  holdSeconds: slotSeconds('hold_seconds'),
  wrapSeconds: slotSeconds('wrap_seconds'),
  ratings: slotSum('ratings'),
  ratingTotal: slotSum('rating_total'),
  topTwo: slotSum('top_two'),
  callbacksCompleted: slotSum('callbacks_completed'),
  callbacksInPromise: slotSum('callbacks_in_promise'),
  repliesDue: slotSum('replies_due'),
  repliesInTime: slotSum('replies_in_time'),
});

export const reportQueueSlots = pgTable('report_queue_slots', { slotStart: at('slot_start').notNull(), ...reportSums(), queue: text('queue').notNull() }, (t) => [
  primaryKey({ columns: [t.slotStart, t.queue] }),
  // A report filtered to one queue reads its slots alone.
  index('report_queue_slots_queue_idx').on(t.queue, t.slotStart),
]);

/** Per agent (staff id; 0 for what belongs to no agent: a survey of no one, a department's case). */
export const reportAgentSlots = pgTable('report_agent_slots', { slotStart: at('slot_start').notNull(), ...reportSums(), staffId: integer('staff_id').notNull() }, (t) => [
  primaryKey({ columns: [t.slotStart, t.staffId] }),
  index('report_agent_slots_staff_idx').on(t.staffId, t.slotStart),
]);

/**
 * The slots of each settled local day (in the hotline's time zone) summed, so a month's report per agent adds
 * 30 rows per agent rather than 1,440: rolled up once a day's last slot is past the re-aggregated window.
 */
export const reportQueueDays = pgTable('report_queue_days', { day: date('day', { mode: 'string' }).notNull(), ...reportSums(), queue: text('queue').notNull() }, (t) => [
  primaryKey({ columns: [t.day, t.queue] }),
]);
export const reportAgentDays = pgTable('report_agent_days', { day: date('day', { mode: 'string' }).notNull(), ...reportSums(), staffId: integer('staff_id').notNull() }, (t) => [
  primaryKey({ columns: [t.day, t.staffId] }),
  index('report_agent_days_staff_idx').on(t.staffId, t.day),
]);

/**
 * How far the reports are materialised (one row, id 1): every slot starting before `until` has its rows;
 * every local day before `daysUntil` its day rows, summed in `timeZone` (another zone's days are not used).
 */
export const reportMarks = pgTable('report_marks', {
  id: integer('id').primaryKey(),
  until: at('until').notNull(),
  daysUntil: date('days_until', { mode: 'string' }),
  timeZone: text('time_zone'),
});
