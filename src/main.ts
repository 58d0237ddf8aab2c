import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger, logUnhandledRejections } from './log.ts';
import type { Running } from './start.ts';
import { MAX_WORKERS, runPrimary, serveAsWorker, workerCount } from './workers.ts';

/**
 * `npm start`: the hotline on PORT with the configured database and carrier; `-- --demo` adds a demo roster;
 * `-- --workers N` runs N hotline processes behind that one port (on PostgreSQL only).
 */
async function main(): Promise<void> {
  const { values: args } = parseArgs({ options: { demo: { type: 'boolean', default: false }, workers: { type: 'string', default: '1' } }, strict: true });
  const workers = workerCount(args.workers);
  if (workers === undefined) fail(`--workers takes a whole number from 1 to ${MAX_WORKERS} (got ${JSON.stringify(args.workers)})`);
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration: ${err.message}`);
    throw err;
  }
  const log = createLogger(config.logLevel);
  logUnhandledRejections(log);
  // The first worker starts alone, before the others are forked: the roster is added once, before anyone can
  // log in elsewhere, and a replacement worker (a later id) never adds it again.
  if (cluster.isWorker) return serve(config, log, { demo: args.demo && cluster.worker?.id === 1, worker: true });
  if (workers === 1) return serve(config, log, { demo: args.demo, worker: false });
  if (!config.databaseUrl) {
    fail(`--workers ${workers} needs DATABASE_URL: the embedded database (PGlite) lives inside one process, so several processes can only share a PostgreSQL server (or run one: --workers 1)`);
  }
  if (config.carrier === 'simulator') {
    log.warn('the carrier simulator lives inside each worker: a simulated call is known only to the worker that placed it, so `npm run call` and the agent page\'s simulated phone need --workers 1');
  }
  // PUBLIC_URL's default names the port, which PORT=0 leaves to the primary to pick.
  const about = (port: number) => ({ publicUrl: loadConfig({ ...process.env, PORT: String(port) }).publicUrl, carrier: config.carrier, database: 'postgres' });
  await runPrimary({ workers, port: config.port, log, about });
}

/** The hotline itself: alone, or as one of the primary's workers (each listening on the shared port). */
async function serve(config: Config, log: Logger, options: { demo: boolean; worker: boolean }): Promise<void> {
  // Handlers first: the primary may stop a worker that is still starting.
  let starting: Promise<Running> | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down');
    Promise.resolve(starting)
      .then((running) => running?.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'could not stop cleanly');
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A worker whose primary is gone has nobody to hand it connections.
  if (options.worker) process.once('disconnect', stop);

  // Loaded here, not above: the cluster's primary never loads the hotline.
  const [{ startHotline }, { FlowError }, { QueueError }, { seedDemoStaff }] = await Promise.all([
    import('./start.ts'),
    import('./ivr/load.ts'),
    import('./acd/queues.ts'),
    import('./staff/demo.ts'),
  ]);
  if (stopping) return;
  starting = startHotline(config, { log });
  let running;
  try {
    running = await starting;
  } catch (err) {
    if (err instanceof FlowError) fail(`IVR flow: ${err.message}`);
    if (err instanceof QueueError) fail(`queues: ${err.message}`);
    throw err;
  }
  // A worker's start is logged by the primary, which alone knows when all of them serve.
  if (!options.worker) {
    log.info(
      { url: running.url, publicUrl: config.publicUrl, carrier: config.carrier, database: running.hotline.database.kind },
      `Sanling hotline listening on ${running.url}` + (config.carrier === 'simulator' ? ' — phone it with `npm run call`' : ''),
    );
  }
  if (options.demo) {
    const seeded = await seedDemoStaff(running.hotline.database.db);
    log.info(
      seeded
        ? 'demo roster added: agents 1001–1008, supervisor 2001, manager 3001, trainer 4001, password "sanling"'
        : 'demo roster not added: the staff table already has people in it',
    );
  }
  // The primary forks the others once the first serves.
  if (options.worker) serveAsWorker(running.hotline.processId);
}

function fail(message: string): never {
  process.stderr.write(`sanling: ${message}\n`);
  process.exit(1);
}

await main();
