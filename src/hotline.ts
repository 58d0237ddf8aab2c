import type { Logger } from 'pino';
import type { Bus } from './acd/bus.ts';
import type { Queues } from './acd/queues.ts';
import type { Config } from './config.ts';
import type { CasePolicy } from './cases/policy.ts';
import type { Database } from './database.ts';
import type { Flows } from './ivr/flow.ts';
import type { Scorecard } from './quality/scorecard.ts';
import type { LoginThrottle } from './staff/throttle.ts';
import type { Carrier } from './telephony/carrier/carrier.ts';

/** What the running hotline holds: passed to the parts that need it, never a global. */
export type Hotline = {
  config: Config;
  database: Database;
  flows: Flows;
  /** The case desk's rules (ivr-flows/cases.yaml). */
  cases: CasePolicy;
  queues: Queues;
  /** The quality scorecard (ivr-flows/scorecard.yaml). */
  scorecard: Scorecard;
  carrier: Carrier;
  /** The ACD's events, after commit, for the realtime layer. */
  bus: Bus;
  log: Logger;
  /** Failed logins, counted where every process sees them (openLoginThrottle); unset, logins count in memory. */
  loginThrottle?: LoginThrottle;
  /** This server process, as its lease row names it (src/acd/processes.ts). */
  processId: string;
  /** The clock, replaceable in tests of business hours. */
  now: () => Date;
};
