import { describe, expect, it } from 'vitest';
import { ringsFor, THREE_RING_STANDARD, withinStandard } from '../../src/metrics/rings.ts';

describe('rings to answer: floor(ring seconds / ring cycle) + 1', () => {
  const china = 'mainland China’s 5 s cycle (1 s on, 4 s off)';
  const america = 'North America’s 6 s cycle';
  const uk = 'the UK’s 3 s double ring';
  it.each<[string, number, number, number]>([
    [china, 0, 1, 5],
    [china, 4.9, 1, 5],
    [china, 4.99, 1, 5],
    [china, 5, 2, 5],
    [china, 9.99, 2, 5],
    [china, 10, 3, 5],
    [china, 14.9, 3, 5],
    [china, 14.99, 3, 5],
    [china, 15, 4, 5],
    [china, 20, 5, 5],
    [america, 5.99, 1, 6],
    [america, 6, 2, 6],
    [america, 17.99, 3, 6],
    [america, 18, 4, 6],
    [uk, 2.99, 1, 3],
    [uk, 3, 2, 3],
    [uk, 8.99, 3, 3],
    [uk, 9, 4, 3],
  ])('with %s, %s s is %i ring(s)', (_cadence, seconds, rings, cycle) => {
    expect(ringsFor(seconds, cycle)).toBe(rings);
  });

  it('is not thrown off a boundary by floating-point error', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(ringsFor(0.1 + 0.2, 0.1)).toBe(4); // 3 whole cycles, not 2.9999…
    expect(ringsFor((1_700_000_015_000 - 1_700_000_000_000) / 1000, 5)).toBe(4);
    expect(ringsFor(Math.fround(14.9), 5)).toBe(3); // as read back from a `real` column
  });

  it('refuses negative or meaningless seconds and cycles', () => {
    expect(() => ringsFor(-0.001, 5)).toThrow(RangeError);
    expect(() => ringsFor(Number.NaN, 5)).toThrow(RangeError);
    expect(() => ringsFor(3, 0)).toThrow(RangeError);
    expect(() => ringsFor(3, -5)).toThrow(RangeError);
  });
});

describe('the three-ring standard', () => {
  it('is three rings', () => {
    expect(THREE_RING_STANDARD).toBe(3);
  });

  it('is met by answering on the first, second or third ring, and missed on the fourth', () => {
    expect([1, 2, 3, 4, 5].map(withinStandard)).toEqual([true, true, true, false, false]);
  });

  it('means answering in under 15 s with a 5 s cycle', () => {
    expect(withinStandard(ringsFor(14.99, 5))).toBe(true);
    expect(withinStandard(ringsFor(15, 5))).toBe(false);
  });
});
