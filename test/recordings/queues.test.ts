import { describe, expect, it } from 'vitest';
import { checkQueues, loadQueues, parseQueues } from '../../src/acd/queues.ts';
import { loadFlows } from '../../src/ivr/load.ts';
import { testFlows, testQueuesYaml } from '../support/flows.ts';

/** Which queues record is the operator's choice in queues.yaml, checked at start-up like every other field. */

describe('recording per queue', () => {
  it('is on for complaints in the hotline\'s own queues, two channels, and off elsewhere unless switched on', () => {
    const queues = loadQueues('ivr-flows');
    expect(queues.get('complaints')!.recording).toEqual({ enabled: true, channels: 'dual' });
    expect([...queues.values()].filter((q) => q.recording?.enabled).map((q) => q.name)).toEqual(['complaints']);
    expect(() => checkQueues(queues, loadFlows('ivr-flows'))).not.toThrow();
  });

  it('refuses a misspelt field or an unknown channel layout, naming the queue and the field', () => {
    expect(() => parseQueues('queues.yaml', `queues:\n  general: { skill: general, recording: { enable: true } }\n`)).toThrow(
      'queues.yaml: queue general, field recording.enable: is not a known field (misspelt?)',
    );
    expect(() => parseQueues('queues.yaml', `queues:\n  general: { skill: general, recording: { enabled: true, channels: stereo } }\n`)).toThrow(/queue general, field recording\.channels/);
  });

  it('refuses a recording queue that a flow without the consent message sends callers to: nobody is recorded untold', () => {
    const recorded = parseQueues('queues.yaml', testQueuesYaml.replace('general: { skill: general', 'general: { skill: general, recording: { enabled: true }'));
    expect(() => checkQueues(recorded, testFlows())).toThrow(/field messages\.recordingConsent: is required, since node \S+ sends callers to general, which records its calls/);
    expect(() => checkQueues(parseQueues('queues.yaml', testQueuesYaml), testFlows())).not.toThrow();
  });
});
