import type { Logger } from 'pino';
import type { Bus } from './acd/bus.ts';
import type { Queues } from './acd/queues.ts';
import type { Config } from './config.ts';
import type { Database } from './database.ts';
import type { Flows } from './ivr/flow.ts';
import type { Carrier } from './telephony/carrier/carrier.ts';

/** What the running hotline holds: passed to the parts that need it, never a global. */
export type Hotline = {
  config: Config;
  database: Database;
  flows: Flows;
  queues: Queues;
  carrier: Carrier;
  /** The ACD's events, after commit, for the realtime layer. */
  bus: Bus;
  log: Logger;
  /** The clock, replaceable in tests of business hours. */
  now: () => Date;
};
