import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './database.ts';
import type { Hotline } from './hotline.ts';
import { newBus } from './acd/bus.ts';
import { startSweeper } from './acd/deadlines.ts';
import { keepLease, newProcessId, releaseLease, renewLease, takeOverLapsed } from './acd/processes.ts';
import { endLostCallers } from './acd/reconcile.ts';
import { getCall } from './calls/ivr.ts';
import { currentMetrics } from './realtime/managers.ts';
import { startRealtime, type Realtime } from './realtime/server.ts';
import { requireStaff } from './staff/auth.ts';
import { staffRoutes } from './staff/routes.ts';
import { openLoginThrottle } from './staff/throttle.ts';
import { announcementRoutes } from './calls/announcement-routes.ts';
import { notesRoutes } from './notes/routes.ts';
import { caseRoutes } from './cases/routes.ts';
import { foundItemRoutes } from './cases/found-routes.ts';
import { onlineRoutes } from './cases/online.ts';
import { softphoneRoutes } from './softphone/routes.ts';
import { recordingRoutes } from './recordings/routes.ts';
import { qualityRoutes } from './quality/routes.ts';
import { reportRoutes } from './reports/routes.ts';
import { voiceTokenRoutes } from './telephony/voice-token.ts';
import { staffPages } from './web/pages.ts';
import { createApp, type Extra } from './server.ts';
import { drainable } from './drain.ts';
import { loadRules } from './rules.ts';
import type { Carrier } from './telephony/carrier/carrier.ts';
import { twilioCarrier } from './telephony/carrier/twilio.ts';
import { Simulator } from './telephony/carrier/simulator/simulator.ts';
import { simulatorRoutes } from './telephony/carrier/simulator/routes.ts';
import { opsMetrics } from './ops/metrics.ts';
import { metricsRoutes, timeWebhooks } from './ops/routes.ts';
import { apiDocumentRoutes } from './api/openapi.ts';

/** How long a stopping process waits for the requests in flight (Twilio waits 15 s for a webhook's answer). */
const DRAIN_MS = 15_000;

export type Running = {
  hotline: Hotline;
  server: Server;
  /** The HTTP app (its routes, for the spec that checks each is in /api/openapi.json). */
  app: express.Express;
  /** Where this process listens, e.g. http://127.0.0.1:3000. */
  url: string;
  simulator: Simulator | undefined;
  realtime: Realtime;
  close(): Promise<void>;
};

export type StartOptions = {
  log: Logger;
  /** Use this database instead of opening one from the configuration (tests). */
  database?: Database;
  /** The simulator's time scale: 0 skips every wait (tests). */
  simulatorTimeScale?: number;
  now?: () => Date;
  /** How often deadlines are swept; 0 never (tests that call `sweep` themselves). */
  sweepEveryMs?: number;
};


/**
 * Load the flows and queues (a broken file stops start-up here), open the database, pick the carrier, take
 * over from processes that stopped and end the callers the carrier no longer holds (before anyone is offered
 * them), listen, and start the realtime layer, the lease and the deadline sweeper.
 */
export async function startHotline(config: Config, options: StartOptions): Promise<Running> {
  const rules = loadRules(config);
  const database = options.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize }));
  const simulator =
    config.carrier === 'simulator'
      ? new Simulator({
          publicUrl: config.publicUrl,
          accountSid: config.twilio.accountSid,
          authToken: config.twilio.authToken,
          timeScale: options.simulatorTimeScale ?? 1,
          logger: options.log.child({ part: 'simulator' }),
          ...(options.now ? { now: options.now } : {}),
        })
      : undefined;
  const carrier: Carrier = simulator ?? twilioCarrier(config.twilio);
  const loginThrottle = await openLoginThrottle(database, options.log);
  const hotline: Hotline = {
    config,
    database,
    ...rules,
    carrier,
    bus: newBus(),
    log: options.log,
    loginThrottle,
    processId: newProcessId(),
    now: options.now ?? (() => new Date()),
  };
  await renewLease(database.db, hotline.processId, config.processLeaseSeconds);
  // The embedded database lives in this one process: whatever another process held before is gone.
  await takeOverLapsed(hotline, { everyone: database.kind === 'pglite' });
  await endLostCallers(hotline);

  const ops = opsMetrics(hotline);
  const extras: Extra[] = [{ mount: (app) => app.use(metricsRoutes(config, ops)) }, apiExtra(hotline), ...(simulator ? [simulatorExtra(hotline, simulator)] : [])];
  const app = createApp(hotline, extras);
  // Socket.IO is attached before the port opens: a page connecting at once (or a cluster worker's first
  // connections, src/workers.ts) finds it there.
  const server = createServer(app);
  const http = drainable(server);
  timeWebhooks(server, ops);
  const realtime = await startRealtime(hotline, server, simulator);
  if (realtime.adapterPool) ops.watchAdapterPool(realtime.adapterPool);
  server.listen(config.port);
  await once(server, 'listening');
  const stopLease = keepLease(hotline, config.processLeaseSeconds);
  const stopSweeper = options.sweepEveryMs === 0 ? async () => {} : startSweeper(hotline, options.sweepEveryMs, ops.sweep);
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  // The simulator signs for PUBLIC_URL but must reach this very process, wherever PUBLIC_URL points.
  simulator?.setTargetUrl(url);

  return {
    hotline,
    server,
    app,
    url,
    simulator,
    realtime,
    async close() {
      // Simulated callers hang up first, while the server can still take their final status callbacks.
      await simulator?.close();
      // No new connection; the webhooks and requests in flight are answered (and may still tell agents).
      const drained = http.drain(DRAIN_MS);
      await stopSweeper();
      stopLease();
      await drained;
      // The agents' pages lose their sockets without a goodbye, so they reconnect: to another process behind
      // the port, or to this one when it is back, within the grace that keeps them from going offline.
      await realtime.close();
      await releaseLease(hotline).catch((err: unknown) => options.log.warn({ err }, 'could not release the process lease'));
      await loginThrottle.close();
      if (!options.database) await database.close();
    },
  };
}

/** The staff's pages and API: login, the softphone's settings and token, notes, the announcement, the live figures. */
function apiExtra(h: Hotline): Extra {
  return {
    mount(app) {
      app.use(staffPages());
      // The passengers' public form and status lookup: no login, a body limit of its own, rate-limited per address.
      // Before the staff's parser, whose larger limit would otherwise read the body first.
      app.use('/api/public', onlineRoutes(h));
      app.use('/api', express.json({ limit: '64kb' }), staffRoutes(h), softphoneRoutes(h), recordingRoutes(h), notesRoutes(h), voiceTokenRoutes(h), announcementRoutes(h), caseRoutes(h), foundItemRoutes(h), qualityRoutes(h), reportRoutes(h));
      app.use('/api', apiDocumentRoutes());
      app.get('/api/metrics/live', requireStaff(h, ['supervisor', 'manager']), async (_req, res) => {
        res.json(await currentMetrics(h));
      });
      app.get('/api/calls/:sid', requireStaff(h), callRecord(h));
    },
  };
}

/**
 * The hotline's record of a call: its status, end reason, IVR path and what the caller keyed in. Staff only
 * under /api; in simulator mode also beside the simulated call (`npm run call` prints it at the end), where the
 * transcript of what was keyed is open anyway.
 */
const callRecord = (h: Hotline): express.RequestHandler<{ sid: string }> => async (req, res) => {
  const call = await getCall(h, req.params.sid);
  if (!call) {
    res.status(404).json({ error: `no call ${req.params.sid}` });
    return;
  }
  res.json({
    sid: call.sid,
    status: call.status,
    endReason: call.endReason,
    language: call.ivr.language,
    path: call.ivr.path,
    answers: call.ivr.answers,
    queue: call.queue,
  });
};

/** Simulator mode only: control of simulated calls, and the hotline's record of each for `npm run call`. */
function simulatorExtra(h: Hotline, simulator: Simulator): Extra {
  return {
    mount(app) {
      app.get('/simulator/calls/:sid/record', callRecord(h));
      app.use('/simulator', express.json(), simulatorRoutes(simulator));
    },
  };
}
