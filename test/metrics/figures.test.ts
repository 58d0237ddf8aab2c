import { describe, expect, it } from 'vitest';
import {
  abandonRate,
  averageHandleTime,
  averageRings,
  averageSpeedOfAnswer,
  csatMean,
  csatTopTwoBox,
  isAbandoned,
  isCallbackRequested,
  isShortAbandon,
  agentOccupancy,
  queueFigures,
  resolvedRate,
  serviceLevel,
  threeRingCompliance,
  waitSeconds,
  type QueuedCall,
  type SurveyResponse,
} from '../../src/metrics/figures.ts';

const at = (hhmmss: string) => new Date(`2026-11-25T${hhmmss}+08:00`);

/**
 * A morning in the tickets queue, eight callers (T = 20 s, 5 s cycle):
 *
 * | caller | queued   | then                         | wait | rings | talk + hold + wrap-up |
 * |--------|----------|------------------------------|------|-------|-----------------------|
 * | A      | 09:00:00 | answered 09:00:12            | 12   | 2     | 200 + 0 + 30 = 230    |
 * | B      | 09:01:00 | answered 09:01:20            | 20   | 3     | 150 + 20 + 30 = 200   |
 * | C      | 09:02:00 | answered 09:02:50            | 50   | 4     | 100 + – + 50 = 150    |
 * | D      | 09:03:00 | hung up 09:03:04 (short)     | 4    |       |                       |
 * | E      | 09:04:00 | hung up 09:04:05 (short)     | 5    |       |                       |
 * | F      | 09:05:00 | hung up 09:05:40             | 40   |       |                       |
 * | G      | 09:06:00 | asked for a call back        |      |       |                       |
 * | H      | 09:07:00 | answered 09:07:08            | 8    | –     | 260 + 0 + 30 = 290    |
 */
const A: QueuedCall = { queuedAt: at('09:00:00'), answeredAt: at('09:00:12'), rings: 2, talkSeconds: 200, holdSeconds: 0, wrapUpSeconds: 30 };
const B: QueuedCall = { queuedAt: at('09:01:00'), answeredAt: at('09:01:20'), rings: 3, talkSeconds: 150, holdSeconds: 20, wrapUpSeconds: 30 };
const C: QueuedCall = { queuedAt: at('09:02:00'), answeredAt: at('09:02:50'), rings: 4, talkSeconds: 100, wrapUpSeconds: 50 };
const D: QueuedCall = { queuedAt: at('09:03:00'), abandonedAt: at('09:03:04') };
const E: QueuedCall = { queuedAt: at('09:04:00'), abandonedAt: at('09:04:05') };
const F: QueuedCall = { queuedAt: at('09:05:00'), abandonedAt: at('09:05:40') };
const G: QueuedCall = { queuedAt: at('09:06:00'), callbackRequested: true };
const H: QueuedCall = { queuedAt: at('09:07:00'), answeredAt: at('09:07:08'), rings: null, talkSeconds: 260, holdSeconds: 0, wrapUpSeconds: 30 };
const morning = [A, B, C, D, E, F, G, H];

describe('what became of each caller', () => {
  it('wait is answered − queued (the agent’s ring time included) or hung up − queued', () => {
    expect(morning.map(waitSeconds)).toEqual([12, 20, 50, 4, 5, 40, undefined, 8]);
  });

  it('a short abandon is a hang-up within 5 s of queueing, 5 s itself included', () => {
    expect(morning.filter(isShortAbandon)).toEqual([D, E]);
  });

  it('a call back requested is neither answered nor abandoned', () => {
    expect(morning.filter(isCallbackRequested)).toEqual([G]);
  });

  it('an answer wins over a hang-up recorded later', () => {
    const answeredThenHungUp = { ...A, abandonedAt: at('09:05:00') };
    expect(isAbandoned(answeredThenHungUp)).toBe(false);
    expect(waitSeconds(answeredThenHungUp)).toBe(12);
  });
});

describe('the morning’s figures', () => {
  it('offered 8, answered 4 (A B C H), abandoned 3 (D E F) of which 2 short (D E), 1 call back (G)', () => {
    expect(queueFigures(morning)).toMatchObject({ offered: 8, answered: 4, abandoned: 3, shortAbandons: 2, callbacksRequested: 1 });
  });

  it('ASA = (12 + 20 + 50 + 8) / 4 = 22.5 s', () => {
    expect(averageSpeedOfAnswer(morning)).toBe(22.5);
  });

  it('service level (20 s) = answered within 20 s (A B H) / (4 answered + 1 abandon after 5 s) = 3 / 5', () => {
    expect(serviceLevel(morning, 20)).toBe(0.6);
  });

  it('service level (10 s) = H alone / 5 = 0.2', () => {
    expect(serviceLevel(morning, 10)).toBe(0.2);
  });

  it('abandon rate = 1 abandon after 5 s (F) / (8 offered − 2 short) = 1 / 6', () => {
    expect(abandonRate(morning)).toBeCloseTo(1 / 6, 12);
  });

  it('three-ring compliance = answered within 3 rings (A B) / answered with rings measured (A B C) = 2 / 3', () => {
    expect(threeRingCompliance(morning)).toBeCloseTo(2 / 3, 12);
  });

  it('average rings = (2 + 3 + 4) / 3 = 3', () => {
    expect(averageRings(morning)).toBe(3);
  });

  it('AHT = (230 + 200 + 150 + 290) / 4 = 217.5 s', () => {
    expect(averageHandleTime(morning)).toBe(217.5);
  });

  it('all at once, with the T it used', () => {
    expect(queueFigures(morning, 20)).toEqual({
      offered: 8,
      answered: 4,
      abandoned: 3,
      shortAbandons: 2,
      callbacksRequested: 1,
      averageSpeedOfAnswerSeconds: 22.5,
      serviceLevel: 0.6,
      serviceLevelSeconds: 20,
      abandonRate: 1 / 6,
      threeRingCompliance: 2 / 3,
      averageRings: 3,
      averageHandleTimeSeconds: 217.5,
    });
  });
});

describe('with nothing to divide by, a figure is null (no data), never NaN', () => {
  it('an empty period', () => {
    expect(queueFigures([])).toEqual({
      offered: 0,
      answered: 0,
      abandoned: 0,
      shortAbandons: 0,
      callbacksRequested: 0,
      averageSpeedOfAnswerSeconds: null,
      serviceLevel: null,
      serviceLevelSeconds: 20,
      abandonRate: null,
      threeRingCompliance: null,
      averageRings: null,
      averageHandleTimeSeconds: null,
    });
  });

  it('a period of short abandons only', () => {
    expect(serviceLevel([D, E])).toBeNull();
    expect(abandonRate([D, E])).toBeNull();
  });

  it('a period with no survey answers, and an agent who never left break', () => {
    expect(csatMean([])).toBeNull();
    expect(csatTopTwoBox([{ resolved: true }])).toBeNull();
    expect(resolvedRate([{ rating: 5 }])).toBeNull();
    expect(agentOccupancy({ talkSeconds: 0, holdSeconds: 0, wrapUpSeconds: 0, loggedInSeconds: 600, breakSeconds: 600 })).toBeNull();
  });
});

/**
 * Six surveys; two callers hung up part-way:
 *
 * | rating | solved? |
 * |--------|---------|
 * | 5      | yes     |
 * | 5      | yes     |
 * | 4      | no      |
 * | 2      | yes     |
 * | 4      | –       | (hung up after rating)
 * | –      | –       | (hung up at the first question)
 */
const surveys: SurveyResponse[] = [
  { rating: 5, resolved: true },
  { rating: 5, resolved: true },
  { rating: 4, resolved: false },
  { rating: 2, resolved: true },
  { rating: 4 },
  { rating: null, resolved: null },
];

describe('the survey’s figures, partial surveys counting for the questions answered', () => {
  it('CSAT (mean) = (mean rating 20 / 5 = 4, − 1) / 4 × 100 = 75', () => {
    expect(csatMean(surveys)).toBe(75);
  });

  it('CSAT (mean) runs from 0 (all 1s) to 100 (all 5s)', () => {
    expect(csatMean([{ rating: 1 }])).toBe(0);
    expect(csatMean([{ rating: 5 }])).toBe(100);
  });

  it('CSAT (top-2-box) = 4s and 5s (4 of the 5 ratings) × 100 = 80', () => {
    expect(csatTopTwoBox(surveys)).toBe(80);
  });

  it('resolved rate = yes (3) / answered (4) = 0.75', () => {
    expect(resolvedRate(surveys)).toBe(0.75);
  });
});

describe('agent occupancy', () => {
  it('= (talk 15000 + hold 1380 + wrap-up 3780) / (logged in 28800 − break 3600) = 20160 / 25200 = 0.8', () => {
    expect(agentOccupancy({ talkSeconds: 15_000, holdSeconds: 1_380, wrapUpSeconds: 3_780, loggedInSeconds: 28_800, breakSeconds: 3_600 })).toBe(0.8);
  });
});
