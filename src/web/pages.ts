import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';
import helmet from 'helmet';
import { ROOT } from '../root.ts';

/**
 * The staff's pages, bundled by web-agent/build.ts: the softphone at /agent, the managers' dashboard at
 * /dashboard, their scripts and styles under /assets. Each page logs in itself; the API checks roles.
 */
const DIST = join(ROOT, 'web-agent/dist');

export function staffPages(): Router {
  const router = express.Router();
  const page = (file: string): express.RequestHandler => (_req, res) => {
    if (!existsSync(join(DIST, file))) {
      res.status(503).type('text/plain').send('the staff pages are not built: run `npm run build` (npm start does it)');
      return;
    }
    res.sendFile(join(DIST, file), { headers: { 'Cache-Control': 'no-cache' } });
  };
  // Per route, not router.use: this router is mounted at the root, and the API and Twilio's webhooks are not pages.
  const headers = pageHeaders();
  router.get('/agent', headers, page('agent.html'));
  router.get('/dashboard', headers, page('dashboard.html'));
  // The supervisors' and managers' history reports and their exports (src/reports).
  router.get('/reports', headers, page('reports.html'));
  // The trainers' call quality: the day's sample, scorecards, coaching notes and quality over time.
  router.get('/quality', headers, page('quality.html'));
  // The passengers' own page: no login; it files and looks up cases through /api/public.
  router.get('/complaints', headers, page('complaints.html'));
  router.use('/assets', headers, express.static(DIST, { index: false, fallthrough: false }));
  return router;
}

/**
 * helmet's headers with a content security policy the pages pass: the bundles and styles are our own files
 * (no inline script or style, no eval); Socket.IO and the API are this origin. Only the softphone with
 * `CARRIER=twilio` goes elsewhere: @twilio/voice-sdk signals over wss://voice-js.<edge>.twilio.com, reports call
 * quality to https://eventgw.twilio.com and fetches its ring sounds from https://sdk.twilio.com (the call's
 * audio is WebRTC, which the policy does not govern). The ring of our own is WebAudio, made in the page.
 */
function pageHeaders(): express.RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'", 'wss://*.twilio.com', 'https://*.twilio.com'],
        mediaSrc: ["'self'", 'blob:', 'https://sdk.twilio.com'],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        objectSrc: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // No upgrade-insecure-requests: `npm start` serves plain HTTP, and a hotline on a LAN address may too.
      },
    },
    frameguard: { action: 'deny' },
  });
}
