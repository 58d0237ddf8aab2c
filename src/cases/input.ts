import { z } from 'zod';
import { fieldIssue, refusing, unstorable } from '../input.ts';
import { CASE_CHANNELS, CASE_PRIORITIES, CASE_TYPES, RESOLUTION_REASONS, WAITING_ON } from './choices.ts';

/**
 * What may come in about a case, from the staff's pages, the REST API and the public form. Each message
 * completes the sentence that starts with the field's name; the answer names the field (see `firstIssue`).
 */

const text = (max: number) => z.string('must be text').trim().max(max, `must be at most ${max} characters`).check(refusing(unstorable));
const phone = z
  .string('must be text')
  .trim()
  .max(30, 'must be at most 30 characters')
  .regex(/^[+\d][\d\s()-]*$/, 'must be a phone number: digits, spaces, + ( ) -')
  .refine((n) => n.replace(/\D/g, '').length >= 7, 'must have at least 7 digits');
/** Chinese train numbers: a letter (G, D, C, Z, T, K …) and up to five digits; the IVR gathers the digits only. */
const train = z.string('must be text').trim().toUpperCase().regex(/^([A-Z]{0,2}\d{1,5})?$/, 'must be a train number such as G1234 or 1234');
const day = z.iso.date('must be a date such as 2026-03-12');
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO date and time, e.g. 2026-03-12T15:00:00+08:00' });
const money = z.number('must be a number').min(0, 'must not be negative').max(10_000_000, 'must be at most 10000000').multipleOf(0.01, 'must have at most two decimals');

export const CASE_LANGUAGES = ['zh-CN', 'zh-TW', 'yue-HK', 'en-US'] as const;
export type CaseLanguage = (typeof CASE_LANGUAGES)[number];

/** A caller's IVR language as a case's (the passenger is written to in it); Mandarin when it is none of them. */
export function caseLanguage(language: string): CaseLanguage {
  return (CASE_LANGUAGES as readonly string[]).includes(language) ? (language as CaseLanguage) : 'zh-CN';
}

const details = z.strictObject({
  itemKind: text(60).optional(),
  itemDescription: text(1000).optional(),
  tagNumber: text(30).optional(),
  claimedAmount: money.optional(),
});

/** The passenger's side of a case: what the agent (or the passenger online) writes down. */
const passengerFields = {
  passengerName: text(100).optional(),
  contactNumber: phone.optional(),
  language: z.enum(CASE_LANGUAGES, `must be one of ${CASE_LANGUAGES.join(', ')}`).optional(),
  trainNumber: train.optional(),
  travelDate: day.nullable().optional(),
  car: text(4).optional(),
  seat: text(6).optional(),
  category: text(40).optional(),
  details: details.optional(),
  description: text(4000).optional(),
};

export const newCaseInput = z.strictObject({
  type: z.enum(CASE_TYPES, `must be one of ${CASE_TYPES.join(', ')}`),
  priority: z.enum(CASE_PRIORITIES, `must be one of ${CASE_PRIORITIES.join(', ')}`).optional(),
  channel: z.enum(CASE_CHANNELS, `must be one of ${CASE_CHANNELS.join(', ')}`).optional(),
  ...passengerFields,
  /** The call it came from. */
  callSid: text(64).optional(),
  /** Owner: an agent, or a department; unset, the creator (staff) or the type's department. */
  ownerStaffId: z.number('must be a staff id').int().positive().optional(),
  ownerDepartment: text(40).optional(),
  supervisorId: z.number('must be a staff id').int().positive().optional(),
  /** A callback's promised time. */
  dueAt: instant.optional(),
});
export type NewCaseInput = z.output<typeof newCaseInput>;

/** A change to a case's fields; `version` is the one the page last read (an older one is refused). */
export const caseChangesInput = z.strictObject({
  version: z.number('must be the version you read').int().min(0),
  priority: z.enum(CASE_PRIORITIES, `must be one of ${CASE_PRIORITIES.join(', ')}`).optional(),
  ...passengerFields,
});
export type CaseChanges = z.output<typeof caseChangesInput>;

const version = z.number('must be the version you read').int().min(0).optional();

/** The body of each action (POST /api/cases/:reference/<action>). */
export const actionInputs = {
  acknowledge: z.strictObject({ version, note: text(2000).optional() }),
  start: z.strictObject({ version, note: text(2000).optional() }),
  wait: z.strictObject({ version, on: z.enum(WAITING_ON, `must be one of ${WAITING_ON.join(', ')}`), note: text(2000).optional() }),
  resume: z.strictObject({ version, note: text(2000).optional() }),
  note: z.strictObject({ version, text: text(4000).min(1, 'must not be empty') }),
  contacted: z.strictObject({ version, callSid: text(64).optional(), note: text(2000).optional() }),
  assign: z
    .strictObject({ version, ownerStaffId: z.number('must be a staff id').int().positive().optional(), ownerDepartment: text(40).optional(), supervisorId: z.number('must be a staff id').int().positive().optional(), note: text(2000).optional() })
    .refine((a) => !(a.ownerStaffId && a.ownerDepartment), { message: 'give an agent or a department, not both', path: ['ownerDepartment'] })
    .refine((a) => a.ownerStaffId || a.ownerDepartment || a.supervisorId, { message: 'give an owner (ownerStaffId or ownerDepartment) or a supervisorId', path: ['ownerStaffId'] }),
  resolve: z.strictObject({
    version,
    reason: z.enum(RESOLUTION_REASONS, `must be one of ${RESOLUTION_REASONS.join(', ')}`),
    answer: text(4000).min(1, 'must say what the passenger was told'),
    decision: z
      .discriminatedUnion('approved', [z.strictObject({ approved: z.literal(true), amount: money }), z.strictObject({ approved: z.literal(false), refusal: text(1000).min(1, 'must give the reason') })], {
        error: 'must be {approved: true, amount} or {approved: false, refusal}',
      })
      .optional(),
  }),
  approve: z.strictObject({ version, amount: money, note: text(2000).optional() }),
  extend: z.strictObject({ version, note: text(2000).min(1, 'must say how the passenger was told of the new date') }),
  close: z.strictObject({ version, note: text(2000).optional() }),
  reopen: z.strictObject({ version, reason: text(2000).min(1, 'must say why the case is reopened') }),
} as const;
export type Action = keyof typeof actionInputs;
export const ACTIONS = Object.keys(actionInputs) as Action[];
export type ActionInput<A extends Action> = z.output<(typeof actionInputs)[A]>;

/** The first problem as "<field> <message>", and the field; `what` the fields belong to, for one that is not among them. */
export const firstIssue = (error: z.ZodError, what = 'a case') => fieldIssue(error, { whole: 'body', notAField: `is not a field of ${what}` });
