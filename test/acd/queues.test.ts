import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkQueues, loadQueues, parseQueues } from '../../src/acd/queues.ts';
import { loadFlows } from '../../src/ivr/load.ts';
import { loadRules } from '../../src/rules.ts';
import { testFlowYaml, testFlows } from '../support/flows.ts';

/** Two queues, as small as the format allows, plus one with every field: the test flow's lost-and-found and general. */
const queuesYaml = `
queues:
  lost-and-found:
    skill: lost-and-found
    priority: 3
    maxWaitSeconds: 300
    overflow: general
    wrapUpSeconds: 45
    serviceLevelSeconds: 30
    hold: { music: 'https://example.test/hold.mp3', announceEverySeconds: 45, callbackAfterSeconds: 90 }
    callbacks: { firstDelaySeconds: 30, leadMinutes: 10, maxAttempts: 4, retryDelayMinutes: 20, window: office }
  general:
    skill: general
`;

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function queuesDir(text?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sanling-queues-'));
  dirs.push(dir);
  if (text !== undefined) writeFileSync(join(dir, 'queues.yaml'), text);
  return dir;
}

const parse = (text: string) => () => parseQueues('ivr-flows/queues.yaml', text);
const broken = (from: string, to: string) => {
  expect(queuesYaml).toContain(from);
  return parse(queuesYaml.replace(from, to));
};

describe('the real queues file', () => {
  it('loads, defines every queue the hotline flow sends callers to, and checks against the flows', () => {
    const queues = loadQueues('ivr-flows');
    const flows = loadFlows('ivr-flows');
    expect(() => checkQueues(queues, flows, 'ivr-flows')).not.toThrow();
    expect([...queues.keys()]).toEqual(['tickets', 'luggage', 'lost-and-found', 'complaints', 'general']);
  });

  it('puts complaints first, gives them the longest wrap-up, and lets every specialist queue overflow to general', () => {
    const queues = loadQueues('ivr-flows');
    const complaints = queues.get('complaints')!;
    for (const q of queues.values()) {
      expect(complaints.priority).toBeGreaterThanOrEqual(q.priority);
      expect(complaints.wrapUpSeconds).toBeGreaterThanOrEqual(q.wrapUpSeconds);
      expect(q.overflow).toBe(q.name === 'general' ? undefined : 'general');
      expect(q.hold).toMatchObject({ announceEverySeconds: 45, callbackAfterSeconds: 90 });
    }
  });
});

describe('a queue definition', () => {
  it('reads every field, in the order of the file', () => {
    const queues = parse(queuesYaml)();
    expect([...queues.keys()]).toEqual(['lost-and-found', 'general']);
    expect(queues.get('lost-and-found')).toEqual({
      name: 'lost-and-found',
      skill: 'lost-and-found',
      priority: 3,
      maxWaitSeconds: 300,
      overflow: 'general',
      wrapUpSeconds: 45,
      serviceLevelSeconds: 30,
      hold: { music: 'https://example.test/hold.mp3', announceEverySeconds: 45, callbackAfterSeconds: 90 },
      callbacks: { firstDelaySeconds: 30, leadMinutes: 10, maxAttempts: 4, retryDelayMinutes: 20, window: 'office' },
    });
  });

  it('needs only a skill: priority 0, 600 s to wait, 30 s wrap-up, T = 20 s, an announcement every 60 s, no music, no callback offer, no overflow; callbacks dialled at once, 3 attempts 10 minutes apart in the hotline calendar', () => {
    expect(parse(queuesYaml)().get('general')).toEqual({
      name: 'general',
      skill: 'general',
      priority: 0,
      maxWaitSeconds: 600,
      overflow: undefined,
      wrapUpSeconds: 30,
      serviceLevelSeconds: 20,
      hold: { music: undefined, announceEverySeconds: 60, callbackAfterSeconds: undefined },
      callbacks: { firstDelaySeconds: 0, leadMinutes: 5, maxAttempts: 3, retryDelayMinutes: 10, window: 'hotline' },
    });
  });
});

describe('mistakes in queues.yaml name the file, the queue and the field', () => {
  it('a misspelt field', () => {
    expect(broken('wrapUpSeconds: 45', 'wrapupSeconds: 45')).toThrow(
      /^ivr-flows\/queues\.yaml: queue lost-and-found, field wrapupSeconds: is not a known field/,
    );
  });

  it('a misspelt field inside hold', () => {
    expect(broken('announceEverySeconds: 45', 'announceEverySecond: 45')).toThrow(
      /queues\.yaml: queue lost-and-found, field hold\.announceEverySecond: is not a known field/,
    );
  });

  it('a callback window that is not a calendar of cases.yaml stops start-up', () => {
    const dir = queuesDir();
    cpSync('ivr-flows', dir, { recursive: true });
    const real = readFileSync(join(dir, 'queues.yaml'), 'utf8');
    writeFileSync(join(dir, 'queues.yaml'), real.replace('overflow: general', 'overflow: general\n    callbacks: { window: nights }'));
    expect(() => loadRules({ flowsDir: dir, timeZone: 'Asia/Shanghai' })).toThrow(
      /queues\.yaml: queue tickets, field callbacks\.window: names nights, which is not a calendar of cases\.yaml \(office, hotline\)/,
    );
  });

  it('a value out of range', () => {
    expect(broken('priority: 3', 'priority: 300')).toThrow(/queues\.yaml: queue lost-and-found, field priority: .*100/);
  });

  it('a queue without a skill', () => {
    expect(broken('skill: general', 'priority: 1')).toThrow(/queues\.yaml: queue general, field skill/);
  });

  it('an overflow to a queue that is not defined', () => {
    expect(broken('overflow: general', 'overflow: generl')).toThrow(
      /queues\.yaml: queue lost-and-found, field overflow: names generl, which is not a queue/,
    );
  });

  it('overflows that go round in a circle', () => {
    expect(broken('skill: general', 'skill: general\n    overflow: lost-and-found')).toThrow(
      /queues\.yaml: queue (general|lost-and-found), field overflow: callers would go round for ever: .*→.*→/,
    );
  });

  it('a queue that overflows to itself', () => {
    expect(broken('overflow: general', 'overflow: lost-and-found')).toThrow(
      /queue lost-and-found, field overflow: callers would go round for ever: lost-and-found → lost-and-found/,
    );
  });

  it('no queues at all', () => {
    expect(parse('queues: {}')).toThrow(/queues\.yaml: field queues: needs at least one queue/);
  });

  it('YAML that does not parse', () => {
    expect(parse('queues: [unclosed')).toThrow(/queues\.yaml: not valid YAML/);
  });

  it('a missing file', () => {
    const dir = queuesDir();
    expect(() => loadQueues(dir)).toThrow(`${join(dir, 'queues.yaml')}: missing`);
  });
});

describe('queues against the flows', () => {
  it('the test flow sends callers only to defined queues', () => {
    expect(() => checkQueues(loadQueues(queuesDir(queuesYaml)), testFlows())).not.toThrow();
  });

  it('names the flow file, the node and the field of a queue node whose queue is not defined', () => {
    const flows = testFlows(testFlowYaml.replace('queue: lost-and-found', 'queue: lost-property'));
    expect(() => checkQueues(parse(queuesYaml)(), flows, 'ivr-flows')).toThrow(
      /^ivr-flows\/hotline\.yaml: node lost, field queue: names lost-property, which queues\.yaml does not define$/,
    );
  });

  it('checks overflows too, for queues built in code', () => {
    const queues = new Map(parse(queuesYaml)());
    queues.set('general', { ...queues.get('general')!, overflow: 'nowhere' });
    expect(() => checkQueues(queues, testFlows(), 'ivr-flows')).toThrow(/^ivr-flows\/queues\.yaml: queue general, field overflow: names nowhere/);
  });
});
