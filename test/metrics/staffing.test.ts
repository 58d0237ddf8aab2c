import { describe, expect, it } from 'vitest';
import { erlangC, serviceLevel } from '../../src/metrics/erlang.ts';
import { advise, SERVICE_LEVEL_GOAL } from '../../src/metrics/staffing.ts';

/**
 * The staffing advice the dashboard shows, from a window's arrivals and handle time (the API's figures from
 * real rows are in test/reports/routes.test.ts), and Erlang C itself against the textbook formula.
 */

/** Pw straight from the textbook formula (fine for small N, where A^N / N! does not overflow). */
function textbookPw(a: number, n: number): number {
  let sum = 0;
  let term = 1; // A^k / k!
  for (let k = 0; k < n; k++) {
    sum += term;
    term = (term * a) / (k + 1);
  }
  const top = term * (n / (n - a));
  return top / (sum + top);
}

describe('Erlang C', () => {
  it('agrees with the textbook formula over a grid of traffic and agents', () => {
    for (const a of [0.5, 1, 2.5, 5, 10, 20, 40])
      for (let n = Math.floor(a) + 1; n <= Math.floor(a) + 12; n++) expect(erlangC({ traffic: a, agents: n })).toBeCloseTo(textbookPw(a, n), 12);
  });

  it('gives the published figures: 5 Erlangs on 10 agents wait 3.6 % of the time; the metrics.md table at 10 Erlangs', () => {
    expect(erlangC({ traffic: 5, agents: 10 })).toBeCloseTo(0.0361, 4);
    expect(erlangC({ traffic: 10, agents: 13 })).toBeCloseTo(0.2853, 4);
    expect(serviceLevel({ traffic: 10, agents: 14, ahtSeconds: 180, targetSeconds: 20 })).toBeCloseTo(0.8884, 4);
  });
});

describe('the advice for a window', () => {
  it('100 calls in 30 minutes at 180 s: 200 an hour, 10 Erlangs, 14 agents for 80 % within 20 s', () => {
    expect(SERVICE_LEVEL_GOAL).toBe(0.8);
    expect(advise(100, 30, 180, 20)).toEqual({ arrivalsPerHour: 200, ahtSeconds: 180, traffic: 10, needed: 14 });
  });

  it('reads the same rate from a quarter hour with half the calls, and asks fewer agents of an hour with the same calls', () => {
    expect(advise(50, 15, 180, 20).needed).toBe(14);
    expect(advise(100, 60, 180, 20)).toMatchObject({ arrivalsPerHour: 100, traffic: 5 });
    expect(advise(100, 60, 180, 20).needed).toBeLessThan(14);
  });

  it('a quiet window needs nobody; calls with no conversation ended yet cannot be advised on', () => {
    expect(advise(0, 15, null, 20)).toEqual({ arrivalsPerHour: 0, ahtSeconds: null, traffic: 0, needed: 0 });
    expect(advise(3, 15, null, 20)).toEqual({ arrivalsPerHour: 12, ahtSeconds: null, traffic: null, needed: null });
  });

  it('a stricter target or goal asks more agents', () => {
    expect(advise(100, 30, 180, 10).needed).toBeGreaterThanOrEqual(14);
    expect(advise(100, 30, 180, 20, 0.9).needed).toBe(15); // 88.84 % with 14, 94.15 % with 15
  });
});
