import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { checkedYaml } from '../yaml-file.ts';
import { nextWorkingTime, parseSpan, WEEKDAYS, type Calendar, type Span } from './business-time.ts';
import { CASE_PRIORITIES, CASE_TYPES, type CasePriority, type CaseType, type ClockKind } from './choices.ts';

/**
 * The case desk's rules, kept by the operator in ivr-flows/cases.yaml: the calendars business time is counted
 * in, the departments that own cases, and per type and priority the reply commitments with their reminder
 * and escalations. Read and checked once at start-up, like the flows.
 */

export type Commitment = {
  /** Unset: that clock does not run for this type. `promised` (callbacks): the due time is given per case. */
  spans: Partial<Record<ClockKind, Span | 'promised'>>;
  /** The resolve clock may be extended once, to this length from the case's start (complaints). */
  extendTo: Span | undefined;
};
export type TypePolicy = {
  calendar: string;
  /** The department that owns a case of this type made without an owner (online, IVR). */
  owner: string;
  categories: string[];
  commitments: Record<CasePriority, Commitment>;
  /** Claims above this many yuan need a supervisor's approval. */
  approvalAbove: number | undefined;
  /** Reminders and escalations go out at any hour (else they wait for the calendar's working hours). */
  outOfHours: boolean;
};
export type CasePolicy = {
  calendars: ReadonlyMap<string, Calendar>;
  departments: ReadonlyMap<string, { name: string; supervisor: string | undefined; phone: string | undefined }>;
  remindAt: number;
  managerAt: number;
  reopenWithin: Span;
  types: Record<CaseType, TypePolicy>;
};

export class CasePolicyError extends Error {}

export const CASES_FILE = 'cases.yaml';

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case name (letters, digits and -)');
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "must be a time such as '08:30'");
const spanOf = (text: string, ctx: z.RefinementCtx) => {
  const parsed = parseSpan(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  return parsed as Span;
};
const span = z.string().transform(spanOf);
/** A clock's span, or `as promised`: the due time is given per case (a callback's promised time). */
const clockSpan = z.string().transform((text, ctx): Span | 'promised' => (text === 'as promised' ? 'promised' : spanOf(text, ctx)));

const calendarSchema = z.strictObject({
  open: z
    .array(z.strictObject({ days: z.array(z.enum(WEEKDAYS)).min(1), from: time, to: time }).refine((p) => p.from < p.to, 'from must be before to'))
    .min(1),
  holidays: z.array(z.union([z.iso.date(), z.date().transform((d) => d.toISOString().slice(0, 10))])).default([]),
});
const commitmentSchema = z.strictObject({ acknowledge: clockSpan.optional(), firstReply: clockSpan.optional(), resolve: clockSpan, extendTo: span.optional() });
const typeSchema = z.strictObject({
  calendar: name,
  owner: name,
  categories: z.array(name).min(1),
  approvalAbove: z.number().positive().optional(),
  outOfHours: z.boolean().default(false),
  commitments: z.partialRecord(z.enum(CASE_PRIORITIES), commitmentSchema).refine((c) => c.normal !== undefined, 'needs at least the normal priority'),
});
const fileSchema = z.strictObject({
  calendars: z.record(name, calendarSchema),
  departments: z.record(
    name,
    z.strictObject({
      name: z.string().min(1),
      supervisor: z.string().regex(/^\d{3,10}$/, 'must be an employee number').optional(),
      /** Where an agent can pass a caller to the department (src/acd/consult.ts). */
      phone: z.string().regex(/^\+[1-9][0-9]{5,14}$/, 'must be a phone number in E.164 form such as +862150001234').optional(),
    }),
  ),
  escalation: z.strictObject({ remindAt: z.number().gt(0).lt(1).default(0.75), managerAt: z.number().gt(1).default(1.5) }),
  reopenWithin: span,
  types: z.strictObject(Object.fromEntries(CASE_TYPES.map((t) => [t, typeSchema])) as Record<CaseType, typeof typeSchema>),
});

/** Read and check dir/cases.yaml; the hotline's time zone is the calendars'. */
export function loadCasePolicy(dir: string, timeZone: string): CasePolicy {
  const path = join(dir, CASES_FILE);
  if (!existsSync(path)) throw new CasePolicyError(`${path}: missing: the case desk's reply commitments are defined in it`);
  return parseCasePolicy(path, readFileSync(path, 'utf8'), timeZone);
}

export function parseCasePolicy(path: string, text: string, timeZone: string): CasePolicy {
  const file = checkedYaml(path, text, fileSchema, describe, (message) => new CasePolicyError(message));
  const calendars = new Map(Object.entries(file.calendars).map(([key, c]) => [key, { timeZone, open: c.open, holidays: c.holidays }]));
  for (const [key, calendar] of calendars) {
    try {
      nextWorkingTime(new Date(), calendar);
    } catch {
      throw new CasePolicyError(`${path}: calendar ${key}: is never open in the coming year`);
    }
  }
  const types = {} as Record<CaseType, TypePolicy>;
  for (const type of CASE_TYPES) {
    const t = file.types[type];
    const where = `${path}: type ${type}`;
    if (!calendars.has(t.calendar)) throw new CasePolicyError(`${where}, field calendar: names ${t.calendar}, which calendars does not define`);
    if (!(t.owner in file.departments)) throw new CasePolicyError(`${where}, field owner: names ${t.owner}, which departments does not list`);
    const normal = toCommitment(t.commitments.normal!);
    types[type] = {
      calendar: t.calendar,
      owner: t.owner,
      categories: t.categories,
      approvalAbove: t.approvalAbove,
      outOfHours: t.outOfHours,
      commitments: { normal, urgent: t.commitments.urgent ? toCommitment(t.commitments.urgent) : normal },
    };
  }
  return {
    calendars,
    departments: new Map(Object.entries(file.departments).map(([key, d]) => [key, { name: d.name, supervisor: d.supervisor, phone: d.phone }])),
    remindAt: file.escalation.remindAt,
    managerAt: file.escalation.managerAt,
    reopenWithin: file.reopenWithin,
    types,
  };
}

function toCommitment(c: z.infer<typeof commitmentSchema>): Commitment {
  const spans: Commitment['spans'] = { resolve: c.resolve };
  if (c.acknowledge) spans.acknowledge = c.acknowledge;
  if (c.firstReply) spans['first-reply'] = c.firstReply;
  return { spans, extendTo: c.extendTo };
}

function describe(issue: z.core.$ZodIssue): string {
  let { path, message } = issue;
  if (issue.code === 'unrecognized_keys') [path, message] = [[...path, issue.keys.join(', ')], 'is not a known field (misspelt?)'];
  return `field ${path.map(String).join('.') || '(top level)'}: ${message.replace(/^Invalid input: /, '')}`;
}
