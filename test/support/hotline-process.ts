/**
 * A hotline in a process of its own, so that a fault spec can `kill -9` it: spawned by `spawnHotline`
 * (./spawn-hotline.ts), never imported. It runs as `npm start` does (the real flows, the carrier simulator,
 * the real clock, the deadline sweeper at its usual pace) on the PostgreSQL schema the spec owns, and prints
 * one JSON line, `{"url":"http://127.0.0.1:PORT"}`, once it listens. Logs go to stderr.
 *
 * Arguments: `--schema NAME` (required), `--time-scale N` (the simulator's, 1 by default).
 * Environment: DATABASE_URL (required), PGAPPNAME (how its connections are named, so a spec can find
 * them; node-postgres, which the Socket.IO adapter uses, reads it too), LOG_LEVEL, and any setting the
 * hotline reads (loadConfig).
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, type Database } from '../../src/database.ts';
import { startHotline, type Running } from '../../src/start.ts';
import { logUnhandledRejections } from '../../src/log.ts';

const { values: args } = parseArgs({ options: { schema: { type: 'string' }, 'time-scale': { type: 'string', default: '1' } }, strict: true });
const url = process.env['DATABASE_URL'];
if (!url || !args.schema) {
  process.stderr.write('hotline-process: needs DATABASE_URL and --schema\n');
  process.exit(2);
}

// Signed webhooks are checked against PUBLIC_URL; the simulator reaches this process wherever it points.
const config = loadConfig({ PORT: '0', PUBLIC_URL: 'https://hotline.example.test', LOG_LEVEL: 'silent', IVR_FLOWS_DIR: './ivr-flows', ...process.env, CARRIER: 'simulator' });
// Synchronous, so that what a crash logs last is not lost with the process.
const log = pino({ level: config.logLevel, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
logUnhandledRejections(log);
// Handlers first: a parent may signal as soon as it reads the URL.
let running: Running | undefined;
let database: Database | undefined;
const stop = () => {
  Promise.resolve()
    .then(() => running?.close())
    .then(() => database?.close())
    .then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'could not stop cleanly');
        process.exit(1);
      },
    );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

database = await openDatabase({ url, schema: args.schema, applicationName: process.env['PGAPPNAME'] ?? `${args.schema}/hotline` });
running = await startHotline(config, { log, database, simulatorTimeScale: Number(args['time-scale']) });
process.stdout.write(JSON.stringify({ url: running.url }) + '\n');
