import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCasePolicy, parseCasePolicy } from '../../src/cases/policy.ts';

/** The case desk's rules are data, checked at start-up like the flows: a mistake stops the hotline with a message naming it. */

const real = readFileSync('ivr-flows/cases.yaml', 'utf8');
const parse = (text: string) => () => parseCasePolicy('ivr-flows/cases.yaml', text, 'Asia/Shanghai');
const broken = (from: string, to: string) => {
  expect(real).toContain(from);
  return parse(real.replace(from, to));
};

describe('the real cases file', () => {
  it('gives every type its calendar, owner, categories and commitments, with the rail rules’ defaults', () => {
    const policy = loadCasePolicy('ivr-flows', 'Asia/Shanghai');
    expect(policy.types.complaint.commitments.normal.spans).toEqual({
      acknowledge: { amount: 1, unit: 'days', working: true },
      'first-reply': { amount: 5, unit: 'days', working: true },
      resolve: { amount: 1, unit: 'months', working: false },
    });
    expect(policy.types.complaint.commitments.normal.extendTo).toEqual({ amount: 3, unit: 'months', working: false });
    expect(policy.types['lost-item'].commitments.normal.spans['first-reply']).toEqual({ amount: 1, unit: 'days', working: true });
    expect(policy.types['luggage-claim'].commitments.normal.spans.resolve).toEqual({ amount: 30, unit: 'days', working: false });
    expect(policy.types['luggage-claim'].approvalAbove).toBe(2000);
    expect(policy.types.callback.commitments.normal.spans).toEqual({ resolve: 'promised' });
    // A type without an urgent commitment uses its normal one.
    expect(policy.types.callback.commitments.urgent).toBe(policy.types.callback.commitments.normal);
    expect(policy.calendars.get('office')!.holidays).toContain('2026-10-01');
    expect([...policy.departments.keys()]).toEqual(['hotline', 'station', 'train-crew', 'luggage-office', 'lost-and-found', 'ticketing', 'technical']);
    expect(policy).toMatchObject({ remindAt: 0.75, managerAt: 1.5, reopenWithin: { amount: 30, unit: 'days', working: false } });
  });
});

describe('mistakes in cases.yaml name the file and the field', () => {
  it.each([
    ['a misspelt field', 'reopenWithin: 30 days', 'reopenWithin: 30 days\nreopenWIthin: 2 days', 'field reopenWIthin: is not a known field (misspelt?)'],
    ['a span it cannot read', 'resolve: 1 month, extendTo', 'resolve: soon, extendTo', 'field types.complaint.commitments.normal.resolve'],
    ['working months', 'resolve: 1 month, extendTo', 'resolve: 1 working month, extendTo', 'months are counted in calendar time'],
    ['an owner that is not a department', 'owner: station', 'owner: canteen', 'type complaint, field owner: names canteen, which departments does not list'],
    ['a calendar that is not defined', 'calendar: hotline', 'calendar: night', 'type callback, field calendar: names night'],
    ['a time that is not a time', "from: '06:00'", "from: '6am'", "must be a time such as '08:30'"],
    ['a period that ends before it starts', "from: '06:00', to: '23:00'", "from: '23:00', to: '06:00'", 'from must be before to'],
    ['a missing type', '  enquiry:\n    calendar: office', '  question:\n    calendar: office', 'field types'],
    ['a reminder after the breach', 'remindAt: 0.75', 'remindAt: 1.2', 'field escalation.remindAt'],
  ])('%s', (_what, from, to, message) => {
    expect(broken(from, to)).toThrow(message);
  });

  it('a calendar that is never open', () => {
    expect(broken("      - { days: [mon, tue, wed, thu, fri, sat, sun], from: '06:00', to: '23:00' }\n    holidays: []", "      - { days: [mon], from: '06:00', to: '23:00' }\n    holidays: [2026-11-30]")).not.toThrow();
    const never = real.replace(/  hotline:\n    open:\n[\s\S]*?holidays: \[\]/, "  hotline:\n    open:\n      - { days: [sun], from: '06:00', to: '07:00' }\n    holidays: [" + sundays().join(', ') + ']');
    expect(parse(never)).toThrow('calendar hotline: is never open in the coming year');
  });
});

/** Every Sunday from last week to well over a year ahead. */
function sundays(): string[] {
  const out: string[] = [];
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - d.getUTCDay() - 7);
  for (let i = 0; i < 60; i++, d.setUTCDate(d.getUTCDate() + 7)) out.push(d.toISOString().slice(0, 10));
  return out;
}
