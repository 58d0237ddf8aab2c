import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { checkedYaml } from '../yaml-file.ts';
import type { Flows } from '../ivr/flow.ts';

/**
 * The agent queues callers wait in, defined by the operator in ivr-flows/queues.yaml next to the flows that
 * send callers to them. A flow's `queue` node names a queue; this file says who answers it (the skill), in
 * which order, how long a caller may wait and what they hear meanwhile.
 */

export type Queue = {
  name: string;
  /** The agent skill it needs (a key of staff.skills). */
  skill: string;
  /** Default priority of its callers (higher first); an IVR queue node's own priority overrides it per call. */
  priority: number;
  /** After this long the caller goes to `overflow`, if set; without one they keep waiting here. */
  maxWaitSeconds: number;
  /** Another queue's name. */
  overflow: string | undefined;
  /** The agent's wrap-up after each call (notes), before the next offer. */
  wrapUpSeconds: number;
  /** T of the service level: answered within T seconds counts as answered in time. */
  serviceLevelSeconds: number;
  hold: {
    /** URL played while waiting (Play), or silence when unset. */
    music: string | undefined;
    /** The caller's position and estimated wait are announced this often (0 = never). */
    announceEverySeconds: number;
    /** Offer "press 1 for a call back" after this long (undefined = never). */
    callbackAfterSeconds: number | undefined;
  };
  /** How its callbacks are dialled (src/callbacks). */
  callbacks: CallbackRules;
  /**
   * Whether its conversations are recorded (src/recordings), the caller told first (the flow's
   * `recordingConsent`); `dual` keeps the caller and the agent on channels of their own. Undefined when
   * queues.yaml says nothing of it: not recorded.
   */
  recording: RecordingRules | undefined;
};

export type RecordingRules = { enabled: boolean; channels: 'dual' | 'mono' };

export type CallbackRules = {
  /** A callback asked for in the queue is dialled no sooner than this after the request. */
  firstDelaySeconds: number;
  /** A callback promised for a time is dialled from this many minutes before it, so it is on time. */
  leadMinutes: number;
  /** Attempts to reach the passenger before the case goes to the supervisor ("could not reach"). */
  maxAttempts: number;
  /** After an unanswered attempt, the next is no sooner than this. */
  retryDelayMinutes: number;
  /** The calendar in ivr-flows/cases.yaml whose hours passengers may be called in (the hotline's time zone). */
  window: string;
};
export type Queues = ReadonlyMap<string, Queue>;

/** One setting of each queue by the queue's name, as JSON: statements map a queue to it with `->>`. */
export function byQueueJson(queues: Queues, setting: (queue: Queue) => string | number): string {
  return JSON.stringify(Object.fromEntries([...queues.values()].map((q) => [q.name, setting(q)])));
}

/** A queues file that cannot run; the message names the file, the queue (or flow node) and the field. */
export class QueueError extends Error {}

export const QUEUES_FILE = 'queues.yaml';

/** The same spelling the flow schema asks of a queue node's `queue`. */
const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a lower-case name (letters, digits and -)');
const seconds = z.number().int().min(0);

const queueSchema = z.strictObject({
  skill: name,
  priority: z.number().int().min(0).max(100).default(0),
  maxWaitSeconds: seconds.min(1).default(600),
  overflow: name.optional(),
  wrapUpSeconds: seconds.default(30),
  serviceLevelSeconds: seconds.min(1).default(20),
  hold: z
    .strictObject({
      music: z.url().optional(),
      announceEverySeconds: seconds.default(60),
      callbackAfterSeconds: seconds.min(1).optional(),
    })
    .default({ announceEverySeconds: 60 }),
  callbacks: z
    .strictObject({
      firstDelaySeconds: seconds.default(0),
      leadMinutes: seconds.default(5),
      maxAttempts: z.number().int().min(1).max(20).default(3),
      retryDelayMinutes: seconds.min(1).default(10),
      window: name.default('hotline'),
    })
    .default({ firstDelaySeconds: 0, leadMinutes: 5, maxAttempts: 3, retryDelayMinutes: 10, window: 'hotline' }),
  recording: z
    .strictObject({
      enabled: z.boolean().default(false),
      channels: z.enum(['dual', 'mono']).default('dual'),
    })
    .optional(),
});

const queuesFile = z.strictObject({
  queues: z.record(name, queueSchema).refine((q) => Object.keys(q).length > 0, 'needs at least one queue'),
});

/** Read and check dir/queues.yaml. */
export function loadQueues(dir: string): Queues {
  const path = join(dir, QUEUES_FILE);
  if (!existsSync(path)) throw new QueueError(`${path}: missing: the agent queues are defined in it`);
  return parseQueues(path, readFileSync(path, 'utf8'));
}

export function parseQueues(path: string, text: string): Queues {
  const file = checkedYaml(path, text, queuesFile, describe, (message) => new QueueError(message));
  // YAML keeps the file's order, and so does the map: the dashboard lists queues as the operator wrote them.
  const queues = new Map(Object.entries(file.queues).map(([queue, q]) => [queue, toQueue(queue, q)] as const));
  checkOverflows(queues, path);
  return queues;
}

function toQueue(name: string, q: z.infer<typeof queueSchema>): Queue {
  const { music, announceEverySeconds, callbackAfterSeconds } = q.hold;
  return { ...q, name, overflow: q.overflow, hold: { music, announceEverySeconds, callbackAfterSeconds }, recording: q.recording };
}

function describe(issue: z.core.$ZodIssue): string {
  let { path, message } = issue;
  // A misspelt field is reported where it stands, so the operator sees which queue holds the typo.
  if (issue.code === 'unrecognized_keys') [path, message] = [[...path, issue.keys.join(', ')], 'is not a known field (misspelt?)'];
  if (issue.code === 'invalid_key') message = `is not a queue name: ${issue.issues[0]?.message}`;
  const [top, queue, ...rest] = path.map(String);
  const where = top === 'queues' && queue ? `queue ${queue}${rest.length ? `, field ${rest.join('.')}` : ''}` : `field ${path.join('.') || '(top level)'}`;
  return `${where}: ${message}`;
}

/**
 * Every IVR `queue` node names a defined queue, every overflow names a defined queue, and no chain of
 * overflows comes back to where it started (a caller would be passed round for ever). `dir` (the flows
 * folder) only makes the file names in messages complete.
 */
export function checkQueues(queues: Queues, flows: Flows, dir?: string): void {
  const file = (name: string) => (dir === undefined ? name : join(dir, name));
  checkOverflows(queues, file(QUEUES_FILE));
  for (const flow of flows.values())
    for (const [id, node] of Object.entries(flow.nodes))
      if (node.kind === 'queue' && !queues.has(node.queue))
        throw new QueueError(`${file(`${flow.name}.yaml`)}: node ${id}, field queue: names ${node.queue}, which ${QUEUES_FILE} does not define`);
  // Nobody is recorded without being told so first, in their language.
  for (const flow of flows.values())
    for (const [id, node] of Object.entries(flow.nodes))
      if (node.kind === 'queue' && queues.get(node.queue)?.recording?.enabled && !flow.messages.recordingConsent)
        throw new QueueError(`${file(`${flow.name}.yaml`)}: field messages.recordingConsent: is required, since node ${id} sends callers to ${node.queue}, which records its calls`);
}

function checkOverflows(queues: Queues, path: string): void {
  for (const queue of queues.values()) {
    const seen = [queue.name];
    for (let q = queue; q.overflow !== undefined; ) {
      const next = queues.get(q.overflow);
      if (!next) throw new QueueError(`${path}: queue ${q.name}, field overflow: names ${q.overflow}, which is not a queue`);
      if (seen.includes(next.name)) {
        const circle = [...seen.slice(seen.indexOf(next.name)), next.name];
        throw new QueueError(`${path}: queue ${next.name}, field overflow: callers would go round for ever: ${circle.join(' → ')}`);
      }
      seen.push(next.name);
      q = next;
    }
  }
}
