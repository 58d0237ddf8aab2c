import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * A bug in one promise chain must not hang up on every caller of this process: it is logged loudly instead.
 * For `npm start` and processes run like it (the specs themselves run with Node's default, so such a bug
 * still fails them).
 */
export function logUnhandledRejections(log: Logger): void {
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
}
