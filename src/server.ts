import express, { type ErrorRequestHandler } from 'express';
import { sql } from 'drizzle-orm';
import type { Hotline } from './hotline.ts';
import { twilioWebhooks } from './telephony/webhooks.ts';

export type Extra = { mount(app: express.Express): void };

/** The hotline's HTTP surface. The simulator's control routes are mounted by the caller in simulator mode. */
export function createApp(h: Hotline, extras: Extra[] = []): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', true);

  app.get('/healthz', async (_req, res) => {
    try {
      await h.database.db.execute(sql`select 1`);
      res.json({ ok: true, database: h.database.kind, carrier: h.carrier.kind });
    } catch {
      res.status(503).json({ ok: false, database: 'unreachable' });
    }
  });
  app.use('/twilio', twilioWebhooks(h));
  for (const extra of extras) extra.mount(app);

  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  const errors: ErrorRequestHandler = (err, req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) h.log.error({ err, path: req.path }, 'request failed');
    res.status(status).json({ error: status === 500 ? 'internal error' : String(err.message ?? err) });
  };
  app.use(errors);
  return app;
}
