import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { IvrState } from '../src/ivr/types.ts';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A call's current state; its story is in call_events. */
export const calls = pgTable(
  'calls',
  {
    sid: text('sid').primaryKey(),
    from: text('from_number').notNull(),
    to: text('to_number').notNull(),
    /** ivr → queued → … → ended */
    status: text('status').notNull(),
    ivr: jsonb('ivr').$type<IvrState>().notNull(),
    /** Counts the IVR's steps; action URLs carry it so a retried webhook is recognised and answered again. */
    seq: integer('seq').notNull().default(0),
    queue: text('queue'),
    priority: integer('priority'),
    queuedAt: at('queued_at'),
    startedAt: at('started_at').notNull().defaultNow(),
    endedAt: at('ended_at'),
    /** Why the call ended: abandoned-in-ivr, abandoned-in-queue, hung-up-by-ivr, completed … */
    endReason: text('end_reason'),
    durationSeconds: integer('duration_seconds'),
  },
  (t) => [index('calls_status_idx').on(t.status)],
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
