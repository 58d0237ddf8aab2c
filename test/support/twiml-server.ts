import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler } from 'express';
import { pino } from 'pino';
import twilio from 'twilio';
import { afterEach, beforeEach, expect } from 'vitest';
import { Simulator } from '../../src/telephony/carrier/simulator/simulator.ts';

/**
 * A tiny stand-in for the hotline, for specs of the carrier simulator: a real HTTP server that answers
 * each path with TwiML the test scripts, records every request the "carrier" makes, and accepts the
 * call-level status callback with 204.
 */

/** The URL Twilio is told about; deliberately not where the server listens, as behind a proxy. */
export const PUBLIC_URL = 'https://hotline.example.test';
export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'simulator-spec-auth-token';

/** One request as the hotline saw it. */
export type Hit = {
  /** Path without the query, e.g. `/twilio/ivr`. */
  path: string;
  /** Path with the query, e.g. `/twilio/ivr?seq=1`: what the signature covers after PUBLIC_URL. */
  url: string;
  params: Record<string, string>;
  signature: string | undefined;
};

/** How the hotline answers: TwiML (sent as text/xml), any raw HTTP answer, or either decided per request. */
export type Reply = string | { status?: number; type?: string; body?: string };
export type Script = Reply | ((hit: Hit) => Reply | Promise<Reply>);

export type TwimlServer = {
  /** Where the server really listens, e.g. http://127.0.0.1:40123. */
  url: string;
  app: express.Express;
  /** Every request, in arrival order. */
  hits: Hit[];
  /** Answer requests for `path` (with query, or without to match any query) like this from now on. */
  serve(path: string, script: Script): void;
  /** The requests made for `path` (matched with its query if it has one, else by path alone). */
  requests(path: string): Hit[];
  /** Wait until `count` requests for `path` have arrived; returns them. */
  waitForRequests(path: string, count?: number, ms?: number): Promise<Hit[]>;
  close(): Promise<void>;
};

/** A TwiML document around these verbs. */
export function twiml(verbs: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs}</Response>`;
}

/** Is this request signed, as Twilio signs, for PUBLIC_URL + its path and query with these parameters? */
export function signedForPublicUrl(hit: Hit, authToken = AUTH_TOKEN): boolean {
  return hit.signature !== undefined && twilio.validateRequest(authToken, hit.signature, PUBLIC_URL + hit.url, hit.params);
}

/** Poll `check` until it gives a value (not undefined), or fail after `ms` with `what` in the message. */
export async function eventually<T>(what: string, check: () => T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Start the scripted hotline on port 0. `mount` adds routes in front of it (e.g. the simulator's JSON
 * control routes); anything not mounted or scripted is answered 404, which a carrier treats as an error.
 */
export async function startTwimlServer(options: { mount?: (app: express.Express) => void } = {}): Promise<TwimlServer> {
  const scripts = new Map<string, Script>();
  const hits: Hit[] = [];
  const app = express();
  options.mount?.(app);

  app.use(express.urlencoded({ extended: false }), async (req, res, next) => {
    try {
      const hit: Hit = {
        path: req.path,
        url: req.originalUrl,
        params: { ...(req.body as Record<string, string> | undefined) },
        signature: req.get('x-twilio-signature'),
      };
      hits.push(hit);
      const script = scripts.get(hit.url) ?? scripts.get(hit.path) ?? (hit.path === '/twilio/status' ? { status: 204 } : undefined);
      if (script === undefined) {
        res.status(404).type('text/plain').send(`no script for ${req.method} ${hit.url}`);
        return;
      }
      const reply = typeof script === 'function' ? await script(hit) : script;
      if (typeof reply === 'string') {
        res.type('text/xml').send(reply);
      } else {
        res.status(reply.status ?? 200);
        if (reply.body === undefined) res.end();
        else res.type(reply.type ?? 'text/xml').send(reply.body);
      }
    } catch (err) {
      next(err);
    }
  });

  // As src/server.ts answers errors: a 4xx names the mistake, anything else is an internal error.
  const errors: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    res.status(status).json({ error: status === 500 ? 'internal error' : String(err.message ?? err) });
  };
  app.use(errors);

  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const requests = (path: string) => hits.filter((hit) => (path.includes('?') ? hit.url === path : hit.path === path));
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    hits,
    serve(path, script) {
      scripts.set(path, script);
    },
    requests,
    waitForRequests(path, count = 1, ms = 5_000) {
      return eventually(`${count} request(s) for ${path}`, () => {
        const found = requests(path);
        return found.length >= count ? found : undefined;
      }, ms);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A carrier simulator signing for PUBLIC_URL and sending its webhooks to `server` (time skipped at timeScale 0). */
export function simulatorFor(server: TwimlServer, timeScale = 0): Simulator {
  const made = new Simulator({ publicUrl: PUBLIC_URL, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, timeScale, logger: pino({ level: 'silent' }) });
  made.setTargetUrl(server.url);
  return made;
}

/**
 * A hotline stand-in and the simulators a spec makes against it, new for each spec and closed after it; after
 * each spec, every request the carrier made must have been signed for PUBLIC_URL, as Twilio signs. Returns
 * getters: `server()` (once `beforeEach` has run) and `simulator(timeScale)`.
 */
export function carrierPerSpec() {
  let server: TwimlServer;
  const made: Simulator[] = [];
  beforeEach(async () => {
    server = await startTwimlServer();
  });
  afterEach(async () => {
    for (const sim of made.splice(0)) await sim.close();
    await server.close();
    expect(server.hits.filter((hit) => !signedForPublicUrl(hit)).map((hit) => hit.url)).toEqual([]);
  });
  return {
    server: () => server,
    simulator(timeScale = 0): Simulator {
      const sim = simulatorFor(server, timeScale);
      made.push(sim);
      return sim;
    },
  };
}
