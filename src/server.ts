import express, { type ErrorRequestHandler } from 'express';
import { sql } from 'drizzle-orm';
import { isDatabaseUnavailable } from './database.ts';
import { within } from './deadline.ts';
import type { Hotline } from './hotline.ts';
import { refuseUnstorableInput } from './input.ts';
import { twilioWebhooks } from './telephony/webhooks.ts';

export type Extra = { mount(app: express.Express): void };

/** The hotline's HTTP surface. The simulator's control routes are mounted by the caller in simulator mode. */
export function createApp(h: Hotline, extras: Extra[] = []): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // A hash of every answer for a conditional GET nobody makes: TwiML is never asked for twice that way, and
  // the pages' API answers are `no-store`. (Static files keep theirs: express.static makes its own.)
  app.set('etag', false);
  app.set('trust proxy', h.config.trustProxy);
  app.use(refuseUnstorableInput());

  // Liveness (the process answers) apart from readiness (its database answers too): a process whose database
  // is away is alive, still answers callers with the apology, and must not be restarted for it.
  app.get('/livez', (_req, res) => {
    res.json({ ok: true });
  });
  const ready: express.RequestHandler = async (_req, res) => {
    const reachable = await databaseAnswers(h);
    // Which process answered (its lease id): behind one port with several workers, requests reach any of them.
    res.set('Sanling-Process', h.processId);
    res.status(reachable ? 200 : 503).json({ ok: reachable, live: true, ready: reachable, database: reachable ? h.database.kind : 'unreachable', carrier: h.carrier.kind });
  };
  app.get('/readyz', ready);
  app.get('/healthz', ready);
  app.use('/twilio', twilioWebhooks(h));
  for (const extra of extras) extra.mount(app);

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  const errors: ErrorRequestHandler = (err, req, res, _next) => {
    if (isDatabaseUnavailable(err)) {
      // Nothing was lost: nothing was written. The page (or person) tries again once the database is back.
      h.log.warn({ err: (err as Error).message, path: req.path }, 'database unavailable');
      res.status(503).set('Retry-After', '5').json({ error: 'the hotline cannot reach its database just now: try again in a few seconds' });
      return;
    }
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) h.log.error({ err, path: req.path }, 'request failed');
    res.status(status).json({ error: status === 500 ? 'internal error' : String(err.message ?? err) });
  };
  app.use(errors);
  return app;
}

/** A health check waits this long for the database: one that hangs is as good as down. */
const READY_TIMEOUT_MS = 2_000;

function databaseAnswers(h: Hotline): Promise<boolean> {
  return within(READY_TIMEOUT_MS, h.database.db.execute(sql`select 1`), 'readiness').then(
    () => true,
    () => false,
  );
}
