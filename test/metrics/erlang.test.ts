import { describe, expect, it } from 'vitest';
import { agentsNeeded, averageSpeedOfAnswer, erlangC, occupancy, serviceLevel, trafficOf } from '../../src/metrics/erlang.ts';

/** metrics.md's test vector: A = 10 Erlangs (100 calls in 30 min at AHT 180 s), T = 20 s. */
const table = [
  { agents: 11, pw: 0.6821, sl: 38.96, asa: 122.78, occupancy: 90.9 },
  { agents: 12, pw: 0.4494, sl: 64.02, asa: 40.44, occupancy: 83.3 },
  { agents: 13, pw: 0.2853, sl: 79.56, asa: 17.12, occupancy: 76.9 },
  { agents: 14, pw: 0.1741, sl: 88.84, asa: 7.84, occupancy: 71.4 },
  { agents: 15, pw: 0.102, sl: 94.15, asa: 3.67, occupancy: 66.7 },
];
const traffic = 10;
const timing = { ahtSeconds: 180, targetSeconds: 20 };

/** Equal to the printed precision: rounding the computed value gives the printed digits. */
const printed = (value: number, decimals: number) => Number(value.toFixed(decimals));

describe('Erlang C against the table in metrics.md (A = 10, AHT 180 s, T = 20 s)', () => {
  it('100 calls in 30 min at 180 s each are 10 Erlangs', () => {
    expect(trafficOf(200, 180)).toBe(10);
  });

  it.each(table)('with $agents agents: Pw $pw, SL $sl %, ASA $asa s, occupancy $occupancy %', (row) => {
    const s = { traffic, agents: row.agents, ...timing };
    expect(printed(erlangC(s), 4)).toBe(row.pw);
    expect(printed(serviceLevel(s) * 100, 2)).toBe(row.sl);
    expect(printed(averageSpeedOfAnswer(s), 2)).toBe(row.asa);
    expect(printed(occupancy(s) * 100, 1)).toBe(row.occupancy);
  });

  it('advises 14 agents for 80 % within 20 s (13 reach only 79.56 %)', () => {
    expect(agentsNeeded({ traffic, ...timing, goal: 0.8 })).toBe(14);
    expect(agentsNeeded({ arrivalsPerHour: 200, ...timing, goal: 0.8 })).toBe(14);
  });

  it('advises the smallest N for other goals of the same table', () => {
    expect(agentsNeeded({ traffic, ...timing, goal: 0.3 })).toBe(11);
    expect(agentsNeeded({ traffic, ...timing, goal: 0.9 })).toBe(15);
  });
});

describe('when the agents cannot keep up (N ≤ A)', () => {
  it('everyone waits, nobody is answered in time, the wait grows without end, agents are fully busy', () => {
    const s = { traffic: 10, agents: 10, ...timing };
    expect(erlangC(s)).toBe(1);
    expect(serviceLevel(s)).toBe(0);
    expect(averageSpeedOfAnswer(s)).toBe(Infinity);
    expect(occupancy({ traffic: 12, agents: 10 })).toBe(1);
  });
});

describe('no traffic', () => {
  it('nobody waits, and one agent is advised', () => {
    expect(erlangC({ traffic: 0, agents: 1 })).toBe(0);
    expect(agentsNeeded({ traffic: 0, ...timing, goal: 0.8 })).toBe(1);
  });
});

describe('a large hotline', () => {
  it('stays finite where A^N / N! would overflow (A = 500)', () => {
    const advice = agentsNeeded({ traffic: 500, ...timing, goal: 0.8 });
    expect(advice).toBeGreaterThan(500);
    expect(advice).toBeLessThan(550);
    const at = serviceLevel({ traffic: 500, agents: advice, ...timing });
    const below = serviceLevel({ traffic: 500, agents: advice - 1, ...timing });
    expect(at).toBeGreaterThanOrEqual(0.8);
    expect(below).toBeLessThan(0.8);
    for (const agents of [501, advice, 600, 1000]) {
      const pw = erlangC({ traffic: 500, agents });
      expect(Number.isFinite(pw) && pw >= 0 && pw <= 1).toBe(true);
    }
  });
});

describe('bad input', () => {
  it('is refused rather than answered with NaN', () => {
    expect(() => erlangC({ traffic: -1, agents: 3 })).toThrow(RangeError);
    expect(() => erlangC({ traffic: 1, agents: 2.5 })).toThrow(RangeError);
    expect(() => agentsNeeded({ traffic, ...timing, goal: 1 })).toThrow(RangeError);
    expect(() => agentsNeeded({ traffic, ...timing, goal: 80 })).toThrow(RangeError);
  });
});
