import { join } from 'node:path';
import { checkQueues, loadQueues, QUEUES_FILE, QueueError } from './acd/queues.ts';
import { loadCasePolicy } from './cases/policy.ts';
import type { Config } from './config.ts';
import type { Hotline } from './hotline.ts';
import { loadFlows } from './ivr/load.ts';
import { loadScorecard } from './quality/scorecard.ts';

/**
 * The operator's rules from the flows folder: the IVR flows, the agent queues and the case desk's policy,
 * each checked (a broken file stops start-up with the file and field named) and checked against each other.
 */
export function loadRules(config: Pick<Config, 'flowsDir' | 'timeZone'>): Pick<Hotline, 'flows' | 'queues' | 'cases' | 'scorecard'> {
  const flows = loadFlows(config.flowsDir);
  const queues = loadQueues(config.flowsDir);
  checkQueues(queues, flows, config.flowsDir);
  const cases = loadCasePolicy(config.flowsDir, config.timeZone);
  for (const queue of queues.values())
    if (!cases.calendars.has(queue.callbacks.window))
      throw new QueueError(
        `${join(config.flowsDir, QUEUES_FILE)}: queue ${queue.name}, field callbacks.window: names ${queue.callbacks.window}, which is not a calendar of cases.yaml (${[...cases.calendars.keys()].join(', ')})`,
      );
  // The trainers' scorecard (src/quality): its items, weights and daily sample.
  const scorecard = loadScorecard(config.flowsDir);
  return { flows, queues, cases, scorecard };
}
