import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { DIST } from '../../web-agent/build.ts';

/**
 * The staff's pages, bundled by web-agent/build.ts: the softphone at /agent, the managers' dashboard at
 * /dashboard, their scripts and styles under /assets. Each page logs in itself; the API checks roles.
 */
export function staffPages(): Router {
  const router = express.Router();
  const page = (file: string): express.RequestHandler => (_req, res) => {
    if (!existsSync(join(DIST, file))) {
      res.status(503).type('text/plain').send('the staff pages are not built: run `npm run build:web` (npm start does it)');
      return;
    }
    res.sendFile(join(DIST, file), { headers: { 'Cache-Control': 'no-cache' } });
  };
  router.get('/agent', page('agent.html'));
  router.get('/dashboard', page('dashboard.html'));
  router.use('/assets', express.static(DIST, { index: false, fallthrough: false }));
  return router;
}
