import { timingSafeEqual, createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { BlockList, isIP } from 'node:net';
import express from 'express';
import type { Config } from '../config.ts';
import type { OpsMetrics } from './metrics.ts';

/**
 * GET /metrics for Prometheus. With METRICS_TOKEN set, the scraper must send it as a Bearer token (401
 * without one, 403 with another); without a token, only clients at the addresses METRICS_ALLOW names
 * (loopback by default) may read it, and a request that came through a proxy (X-Forwarded-For that Express's
 * `trust proxy` does not resolve) is not taken for a local one.
 */
export function metricsRoutes(config: Config, ops: OpsMetrics): express.Router {
  const router = express.Router();
  const allowed = allowList(config.metrics.allow);
  router.get('/metrics', async (req, res) => {
    const refusal = config.metrics.token ? tokenRefusal(req.get('authorization'), config.metrics.token) : addressRefusal(req, allowed);
    if (refusal) {
      if (refusal.status === 401) res.set('WWW-Authenticate', 'Bearer realm="metrics"');
      res.status(refusal.status).json({ error: refusal.error });
      return;
    }
    res.set('Content-Type', ops.registry.contentType).send(await ops.scrape());
  });
  return router;
}

type Refusal = { status: 401 | 403; error: string };

function tokenRefusal(authorization: string | undefined, token: string): Refusal | undefined {
  const sent = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
  if (!sent) return { status: 401, error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' };
  // Hashed first: timingSafeEqual needs equal lengths, and the comparison must not tell the token's length.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(sent), digest(token)) ? undefined : { status: 403, error: 'wrong metrics token' };
}

function addressRefusal(req: express.Request, allowed: BlockList): Refusal | undefined {
  const trusted = req.app.get('trust proxy fn') as ((addr: string, i: number) => boolean) | undefined;
  const forwarded = req.get('x-forwarded-for') !== undefined && !(trusted?.(req.socket.remoteAddress ?? '', 0) ?? false);
  const address = plain(forwarded ? '' : (req.ip ?? ''));
  const family = isIP(address);
  if (family && allowed.check(address, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
  return { status: 403, error: `metrics are served only to ${forwarded ? 'direct (unproxied) clients at ' : ''}the addresses METRICS_ALLOW names, or with METRICS_TOKEN` };
}

/** An IPv4 client on a dual-stack socket shows as ::ffff:127.0.0.1. */
const plain = (address: string) => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

function allowList(items: string[]): BlockList {
  const list = new BlockList();
  for (const item of items) {
    if (item === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address = '', bits] = item.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/**
 * Times every webhook from the request's arrival to its answer's end, beside the app (on the HTTP server),
 * so that the time spent before the routes (parsing, the signature check) counts too. The series is the route
 * that answered (Express's `req.route`); a request refused before any route (a bad signature, a path nobody
 * serves) is `unmatched`, so that made-up paths do not each become a series.
 */
export function timeWebhooks(server: Server, ops: OpsMetrics): void {
  server.prependListener('request', (req, res) => {
    if (!req.url?.startsWith('/twilio/')) return;
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req as Partial<express.Request>).route as { path?: unknown } | undefined;
      const label = typeof route?.path === 'string' ? `/twilio${route.path}` : 'unmatched';
      ops.webhook(label, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}
