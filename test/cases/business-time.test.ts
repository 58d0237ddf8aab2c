import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addSpan, addWorkingMs, formatSpan, isWorkingTime, nextWorkingTime, parseSpan, shareOf, spanMs, workingMsBetween,
  type Calendar, type Span,
} from '../../src/cases/business-time.ts';

/**
 * The back office: Mon–Fri 08:30–12:00 and 13:00–17:30 (3 h 30 + 4 h 30 = 8 working hours a day), Beijing time,
 * closed on National Day. In September–October 2026: Thu 17 Sep, Fri 18, Mon 21 … Wed 30 Sep, Thu 1 Oct (holiday), Fri 2 Oct.
 */
const office: Calendar = {
  timeZone: 'Asia/Shanghai',
  open: [
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:30', to: '12:00' },
    { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '13:00', to: '17:30' },
  ],
  holidays: ['2026-10-01'],
};
/** A wall-clock time in Beijing (UTC+8, no DST). */
const bj = (local: string) => new Date(`${local}+08:00`);
const span = (text: string) => parseSpan(text) as Span;
const hours = (n: number) => n * 3_600_000;

/** London office hours; British Summer Time starts on Sun 29 Mar 2026 (01:00 GMT → 02:00 BST) and ends on Sun 25 Oct. */
const london: Calendar = { timeZone: 'Europe/London', open: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }], holidays: [] };
const londonAllWeek: Calendar = { ...london, open: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }] };

describe('parseSpan and formatSpan', () => {
  it.each([
    ['8 working hours', { amount: 8, unit: 'hours', working: true }],
    ['1 working day', { amount: 1, unit: 'days', working: true }],
    ['2 working days', { amount: 2, unit: 'days', working: true }],
    ['30 days', { amount: 30, unit: 'days', working: false }],
    ['1 month', { amount: 1, unit: 'months', working: false }],
    ['3 months', { amount: 3, unit: 'months', working: false }],
    ['15 minutes', { amount: 15, unit: 'minutes', working: false }],
    ['90 minutes', { amount: 90, unit: 'minutes', working: false }],
    ['24 hours', { amount: 24, unit: 'hours', working: false }],
  ])('reads "%s" and writes it back the same', (text, expected) => {
    expect(parseSpan(text)).toEqual(expected);
    expect(formatSpan(expected as Span)).toBe(text);
  });

  it('takes singular or plural whatever the amount, in any case and spacing', () => {
    expect(parseSpan('2 day')).toEqual({ amount: 2, unit: 'days', working: false });
    expect(parseSpan('  1 Working  Hours ')).toEqual({ amount: 1, unit: 'hours', working: true });
  });

  it('says what is wrong and what is accepted', () => {
    expect(parseSpan('0 days')).toMatch(/"0 days": the amount must be a positive whole number, not "0"; e\.g\. "8 working hours"/);
    expect(parseSpan('1.5 hours')).toMatch(/amount must be a positive whole number, not "1\.5"/);
    expect(parseSpan('3 working months')).toMatch(/months are counted in calendar time only; write "3 months" or a number of working days/);
    expect(parseSpan('soon')).toMatch(/"soon" is not a span: .*minutes, hours, days or months.*"2 working days"/);
    expect(parseSpan('2 weeks')).toMatch(/unknown unit "weeks"; the units are minutes, hours, days and months/);
    expect(parseSpan('2 urgent days')).toMatch(/is not a span/);
  });
});

describe('working time', () => {
  it('is inside a period, up to but not including its closing minute', () => {
    expect(isWorkingTime(bj('2026-09-17T08:30'), office)).toBe(true);
    expect(isWorkingTime(bj('2026-09-17T17:29'), office)).toBe(true);
    expect(isWorkingTime(bj('2026-09-17T08:29'), office)).toBe(false);
    expect(isWorkingTime(bj('2026-09-17T12:30'), office)).toBe(false); // lunch
    expect(isWorkingTime(bj('2026-09-17T17:30'), office)).toBe(false);
    expect(isWorkingTime(bj('2026-09-19T10:00'), office)).toBe(false); // Saturday
    expect(isWorkingTime(bj('2026-10-01T10:00'), office)).toBe(false); // National Day
  });

  it('next starts at the coming opening: after lunch, after the weekend, after the holiday', () => {
    expect(nextWorkingTime(bj('2026-09-17T10:00'), office)).toEqual(bj('2026-09-17T10:00'));
    expect(nextWorkingTime(bj('2026-09-17T12:15'), office)).toEqual(bj('2026-09-17T13:00'));
    expect(nextWorkingTime(bj('2026-09-18T17:30'), office)).toEqual(bj('2026-09-21T08:30'));
    expect(nextWorkingTime(bj('2026-09-30T18:00'), office)).toEqual(bj('2026-10-02T08:30'));
  });

  it('refuses a calendar that never opens, or has a broken period or zone', () => {
    expect(() => nextWorkingTime(bj('2026-09-17T10:00'), { ...office, open: [] })).toThrow(/no working time within 366 days/);
    expect(() => isWorkingTime(bj('2026-09-17T10:00'), { ...office, open: [{ days: ['thu'], from: '17:00', to: '09:00' }] })).toThrow(/must start before it ends/);
    expect(() => isWorkingTime(bj('2026-09-17T10:00'), { ...office, open: [{ days: ['thu'], from: '9:00', to: '17:00' }] })).toThrow(/not 'HH:MM'/);
    expect(() => isWorkingTime(bj('2026-09-17T10:00'), { ...office, timeZone: 'Asia/Beijing' })).toThrow(/Asia\/Beijing/);
  });

  it('is counted between two instants, lunch, nights, weekends and holidays left out', () => {
    expect(workingMsBetween(bj('2026-09-17T08:00'), bj('2026-09-17T18:00'), office)).toBe(hours(8));
    expect(workingMsBetween(bj('2026-09-17T11:00'), bj('2026-09-17T14:00'), office)).toBe(hours(2));
    expect(workingMsBetween(bj('2026-09-21T00:00'), bj('2026-09-28T00:00'), office)).toBe(hours(40));
    expect(workingMsBetween(bj('2026-09-28T00:00'), bj('2026-10-05T00:00'), office)).toBe(hours(32)); // 1 Oct off
    expect(workingMsBetween(bj('2026-09-17T14:00'), bj('2026-09-17T11:00'), office)).toBe(0);
  });
});

describe('working hours', () => {
  it('start at the next opening: a complaint on Thursday 22:50 with 8 working hours is due Friday 17:30', () => {
    // Thu 22:50 is after hours, so the clock starts Fri 08:30; 08:30–12:00 is 3 h 30, 13:00–17:30 another 4 h 30 = 8 h.
    // Work that ends at closing time is due at closing time, not at Monday's opening.
    expect(addSpan(bj('2026-09-17T22:50'), span('8 working hours'), office)).toEqual(bj('2026-09-18T17:30'));
  });

  it('carry over to the next working day at the right minute', () => {
    // Thu 15:10–17:30 is 2 h 20, Fri 08:30–12:00 3 h 30 (5 h 50 so far), the last 2 h 10 from 13:00 → Fri 15:10.
    expect(addSpan(bj('2026-09-17T15:10'), span('8 working hours'), office)).toEqual(bj('2026-09-18T15:10'));
  });

  it('skip the weekend', () => {
    // Fri 15:10–17:30 is 2 h 20; Sat and Sun count nothing; Mon 08:30–12:00 and 13:00–15:10 make the other 5 h 40.
    expect(addSpan(bj('2026-09-18T15:10'), span('8 working hours'), office)).toEqual(bj('2026-09-21T15:10'));
  });

  it('skip a holiday', () => {
    // Wed 30 Sep 15:10 → 2 h 20 that day; Thu 1 Oct is National Day; Fri 2 Oct gives the other 5 h 40 by 15:10.
    expect(addSpan(bj('2026-09-30T15:10'), span('8 working hours'), office)).toEqual(bj('2026-10-02T15:10'));
  });

  it('skip the lunch break', () => {
    // 11:00–12:00 is one hour; the second starts at 13:00.
    expect(addSpan(bj('2026-09-21T11:00'), span('2 working hours'), office)).toEqual(bj('2026-09-21T14:00'));
    expect(addSpan(bj('2026-09-21T11:30'), span('90 working minutes'), office)).toEqual(bj('2026-09-21T14:00'));
    expect(addSpan(bj('2026-09-21T12:10'), span('15 working minutes'), office)).toEqual(bj('2026-09-21T13:15'));
  });

  it('of zero length mean the next working moment', () => {
    expect(addWorkingMs(bj('2026-09-19T10:00'), 0, office)).toEqual(bj('2026-09-21T08:30'));
    // …so the working time up to an opening is first all there at the closing before it.
    expect(addWorkingMs(bj('2026-09-18T10:00'), workingMsBetween(bj('2026-09-18T10:00'), bj('2026-09-21T08:30'), office), office)).toEqual(bj('2026-09-18T17:30'));
    expect(() => addWorkingMs(bj('2026-09-19T10:00'), -1, office)).toThrow(RangeError);
  });
});

describe('working days', () => {
  it('keep the time of day: Friday 10:00 plus 1 working day is Monday 10:00', () => {
    expect(addSpan(bj('2026-09-18T10:00'), span('1 working day'), office)).toEqual(bj('2026-09-21T10:00'));
    expect(addSpan(bj('2026-09-17T10:00'), span('2 working days'), office)).toEqual(bj('2026-09-21T10:00'));
  });

  it('start at the next opening: Friday 22:50 plus 1 working day is Tuesday 08:30 (Monday 08:30 + 1 day)', () => {
    expect(addSpan(bj('2026-09-18T22:50'), span('1 working day'), office)).toEqual(bj('2026-09-22T08:30'));
  });

  it('skip holidays: with Monday off, Friday 22:50 plus 1 working day is Wednesday 08:30', () => {
    const mondayOff = { ...office, holidays: ['2026-09-21'] };
    expect(addSpan(bj('2026-09-18T22:50'), span('1 working day'), mondayOff)).toEqual(bj('2026-09-23T08:30'));
    expect(addSpan(bj('2026-09-29T10:00'), span('2 working days'), office)).toEqual(bj('2026-10-02T10:00'));
  });

  it('end within the target date’s hours when it keeps shorter ones', () => {
    // Saturday works 09:00–11:00 and 14:00–16:00 only.
    const shortSaturday: Calendar = { ...office, open: [...office.open, { days: ['sat'], from: '09:00', to: '11:00' }, { days: ['sat'], from: '14:00', to: '16:00' }] };
    const friday = (time: string) => addSpan(bj(`2026-09-18T${time}`), span('1 working day'), shortSaturday);
    expect(friday('10:00')).toEqual(bj('2026-09-19T10:00')); // open then
    expect(friday('13:30')).toEqual(bj('2026-09-19T11:00')); // between periods: end of the morning
    expect(friday('17:00')).toEqual(bj('2026-09-19T16:00')); // after all: end of the last period
    expect(friday('08:30')).toEqual(bj('2026-09-19T09:00')); // before all: first opening
  });
});

describe('calendar spans', () => {
  it('add elapsed minutes and hours, and calendar days and months at the same wall-clock time', () => {
    const start = bj('2026-01-31T22:50');
    expect(addSpan(start, span('15 minutes'), office)).toEqual(bj('2026-01-31T23:05'));
    expect(addSpan(start, span('90 minutes'), office)).toEqual(bj('2026-02-01T00:20'));
    expect(addSpan(start, span('24 hours'), office)).toEqual(bj('2026-02-01T22:50'));
    expect(addSpan(start, span('30 days'), office)).toEqual(bj('2026-03-02T22:50'));
    expect(addSpan(start, span('1 month'), office)).toEqual(bj('2026-02-28T22:50')); // no 31 February
    expect(addSpan(start, span('3 months'), office)).toEqual(bj('2026-04-30T22:50'));
  });

  it('have no working months', () => {
    expect(() => addSpan(bj('2026-09-18T10:00'), { amount: 1, unit: 'months', working: true }, office)).toThrow(/calendar time only/);
  });
});

describe('across a DST change (Europe/London, clocks forward on Sun 29 Mar 2026)', () => {
  it('counts working hours on each side’s own wall clock', () => {
    // Fri 16:00 GMT: 1 hour to 17:00 GMT, then Mon 09:00 BST (08:00 UTC) + 1 hour.
    expect(addSpan(new Date('2026-03-27T16:00+00:00'), span('2 working hours'), london)).toEqual(new Date('2026-03-30T10:00+01:00'));
    expect(workingMsBetween(new Date('2026-03-27T09:00+00:00'), new Date('2026-03-30T17:00+01:00'), london)).toBe(hours(16));
    expect(addSpan(new Date('2026-03-27T10:00+00:00'), span('1 working day'), london)).toEqual(new Date('2026-03-30T10:00+01:00'));
  });

  it('keeps the wall-clock time for a calendar day, which is then 23 hours long', () => {
    const saturdayNoon = new Date('2026-03-28T12:00+00:00');
    expect(addSpan(saturdayNoon, span('1 day'), london)).toEqual(new Date('2026-03-29T12:00+01:00'));
    expect(addSpan(saturdayNoon, span('24 hours'), london)).toEqual(new Date('2026-03-29T13:00+01:00'));
  });

  it('opens by the wall clock on the very day the clocks change', () => {
    const sundays: Calendar = { ...london, open: [{ days: ['sun'], from: '09:00', to: '17:00' }] };
    expect(isWorkingTime(new Date('2026-03-29T08:30Z'), sundays)).toBe(true); // 09:30 BST
    expect(isWorkingTime(new Date('2026-03-29T16:30Z'), sundays)).toBe(false); // 17:30 BST
    expect(nextWorkingTime(new Date('2026-03-29T06:00Z'), sundays)).toEqual(new Date('2026-03-29T09:00+01:00'));
    expect(nextWorkingTime(new Date('2026-10-25T06:00Z'), sundays)).toEqual(new Date('2026-10-25T09:00+00:00'));
  });

  it('makes the short Sunday 23 working hours and the long one in October 25', () => {
    expect(workingMsBetween(new Date('2026-03-29T00:00+00:00'), new Date('2026-03-30T00:00+01:00'), londonAllWeek)).toBe(hours(23));
    expect(workingMsBetween(new Date('2026-10-25T00:00+01:00'), new Date('2026-10-26T00:00+00:00'), londonAllWeek)).toBe(hours(25));
  });
});

describe('shares of a commitment', () => {
  const filed = bj('2026-09-17T15:10');
  const due = bj('2026-09-18T15:10'); // 8 working hours later

  it('measure a span in its own kind of time', () => {
    expect(spanMs(filed, due, true, office)).toBe(hours(8));
    expect(spanMs(filed, due, false, office)).toBe(hours(24));
  });

  it('put 75% of a business span after 6 working hours, and 150% past the due time', () => {
    // 2 h 20 on Thursday, 3 h 30 on Friday morning (5 h 50), 10 more minutes after lunch → Fri 13:10.
    expect(shareOf(filed, due, 0.75, true, office)).toEqual(bj('2026-09-18T13:10'));
    // 12 h: the 8 h to Fri 15:10, 2 h 20 to 17:30, then 1 h 40 from Monday 08:30 → Mon 10:10.
    expect(shareOf(filed, due, 1.5, true, office)).toEqual(bj('2026-09-21T10:10'));
  });

  it('put 50% of a calendar span half-way in elapsed time', () => {
    expect(shareOf(filed, due, 0.5, false, office)).toEqual(bj('2026-09-18T03:10'));
  });
});

describe('workingMsBetween and addWorkingMs are inverses', () => {
  const instant = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) });
  const calendar = fc.constantFrom(office, london);
  const settings = { seed: 20260917, numRuns: 150 };

  it('counts back exactly the working time added', () => {
    fc.assert(fc.property(calendar, instant, fc.integer({ min: 0, max: hours(120) }), (cal, start, ms) => {
      expect(workingMsBetween(new Date(start), addWorkingMs(new Date(start), ms, cal), cal)).toBe(ms);
    }), settings);
  });

  it('lands back on a working instant from the working time up to it', () => {
    fc.assert(fc.property(calendar, instant, fc.integer({ min: 1, max: hours(24 * 20) }), (cal, from, gap) => {
      // Not an opening itself: the working time up to Monday 08:30 is already all there at Friday 17:30.
      const to = new Date(+nextWorkingTime(new Date(from + gap), cal) + 1);
      fc.pre(isWorkingTime(to, cal));
      expect(addWorkingMs(new Date(from), workingMsBetween(new Date(from), to, cal), cal)).toEqual(to);
    }), settings);
  });
});
