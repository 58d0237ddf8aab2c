/**
 * One of two server processes routing the same callers (spawned by race.test.ts): it routes until nothing
 * is left to match, then prints the callers it asked the carrier to move, as JSON.
 */
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { calls } from '../../db/schema.ts';
import { newBus } from '../../src/acd/bus.ts';
import { route } from '../../src/acd/route.ts';
import { loadConfig } from '../../src/config.ts';
import { loadRules } from '../../src/rules.ts';
import { openDatabase } from '../../src/database.ts';
import type { Hotline } from '../../src/hotline.ts';

const [url, schema] = process.argv.slice(2) as [string, string];
const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0' });
const database = await openDatabase({ url, schema });
const moved: string[] = [];
const h: Hotline = {
  config,
  database,
  ...loadRules(config),
  bus: newBus(),
  log: pino({ level: 'silent' }),
  processId: `race-${process.pid}`,
  now: () => new Date(),
  carrier: {
    kind: 'twilio',
    async redirect(callSid) {
      moved.push(callSid);
    },
    async hangup() {},
    async callState() {
      return 'live' as const;
    },
    async placeCall() {
      throw new Error('no calls are placed in this race');
    },
    async addParticipant() {
      throw new Error('nobody is dialled into a room in this race');
    },
    async updateParticipant() {},
    async startRecording() {
      throw new Error('nothing is recorded in this race');
    },
    async updateRecording() {},
    async deleteRecording() {},
    async fetchRecording() {
      throw new Error('nothing is recorded in this race');
    },
  },
};

// Both processes start at the same instant (the test says "go" once both are ready), each with several
// routing passes in flight.
process.stderr.write('ready\n');
await new Promise<void>((go) => process.stdin.once('data', () => go()));
let idle = 0;
while (idle < 3) {
  const made = (await Promise.all([route(h), route(h), route(h), route(h)])).reduce((a, b) => a + b, 0);
  const waiting = await database.db.select({ sid: calls.sid }).from(calls).where(eq(calls.status, 'queued')).limit(1);
  idle = made === 0 || waiting.length === 0 ? idle + 1 : 0;
}
process.stdout.write(JSON.stringify(moved));
await database.close();
process.exit(0);
