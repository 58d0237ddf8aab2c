import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.ts';
import { QueueError } from './acd/queues.ts';
import { FlowError } from './ivr/load.ts';
import { createLogger, logUnhandledRejections } from './log.ts';
import { seedDemoStaff } from './staff/demo.ts';
import { startHotline } from './start.ts';

/** `npm start`: the hotline on PORT with the configured database and carrier; `-- --demo` adds a demo roster. */
async function main(): Promise<void> {
  const { values: args } = parseArgs({ options: { demo: { type: 'boolean', default: false } }, strict: true });
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration: ${err.message}`);
    throw err;
  }
  const log = createLogger(config.logLevel);
  logUnhandledRejections(log);
  let running;
  try {
    running = await startHotline(config, { log });
  } catch (err) {
    if (err instanceof FlowError) fail(`IVR flow: ${err.message}`);
    if (err instanceof QueueError) fail(`queues: ${err.message}`);
    throw err;
  }
  log.info(
    { url: running.url, publicUrl: config.publicUrl, carrier: config.carrier, database: running.hotline.database.kind },
    `Sanling hotline listening on ${running.url}` + (config.carrier === 'simulator' ? ' — phone it with `npm run call`' : ''),
  );
  if (args.demo) {
    const seeded = await seedDemoStaff(running.hotline.database.db);
    log.info(
      seeded
        ? 'demo roster added: agents 1001–1008, supervisor 2001, manager 3001, trainer 4001, password "sanling"'
        : 'demo roster not added: the staff table already has people in it',
    );
  }
  const stop = async () => {
    log.info('shutting down');
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function fail(message: string): never {
  process.stderr.write(`sanling: ${message}\n`);
  process.exit(1);
}

await main();
