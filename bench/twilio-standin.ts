/**
 * Twilio's REST API as the hotline uses it (src/telephony/carrier/twilio.ts: fetch and update a call, place
 * one), played by a carrier simulator in the bench's process. The hotline runs as `npm start` runs it with
 * CARRIER=twilio and TWILIO_API_URL pointing here, so it moves its calls exactly as it moves Twilio's, through
 * the `twilio` client, while the simulator places the callers and signs every webhook as Twilio does. The
 * answers have the shapes of test/support/twilio-rest.ts (Twilio's own, as far as the client reads them).
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallGone } from '../src/telephony/carrier/carrier.ts';
import type { Simulator } from '../src/telephony/carrier/simulator/simulator.ts';

export type TwilioStandIn = {
  url: string;
  /** Requests answered, by what they asked for (create, fetch, redirect, hangup, refused …). */
  readonly counts: Map<string, number>;
  /** The simulator that carries the calls out; until then every request is answered 503. */
  attach(sim: Simulator): void;
  close(): Promise<void>;
};

const CALLS = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Calls(?:\/([A-Za-z0-9]+))?\.json$/;

/** A Twilio error: the client turns `code` and `message` into its RestException, as the carrier reads it. */
class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export async function twilioStandIn(account: { accountSid: string; authToken: string }): Promise<TwilioStandIn> {
  let sim: Simulator | undefined;
  const counts = new Map<string, number>();
  const count = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
  const authorization = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`;

  const answer = async (req: IncomingMessage): Promise<{ status: number; body: unknown }> => {
    const path = new URL(req.url ?? '/', 'http://twilio.invalid').pathname;
    const match = CALLS.exec(path);
    if (!match) throw new TwilioError(404, 20404, `The requested resource ${path} was not found`);
    if (req.headers.authorization !== authorization || match[1] !== account.accountSid) throw new TwilioError(401, 20003, 'Authenticate');
    if (!sim) throw new TwilioError(503, 20503, 'the stand-in has no simulator yet');
    const sid = match[2];
    const params = new URLSearchParams(req.method === 'POST' ? await text(req) : '');
    const call = (status: string) => ({ sid, account_sid: account.accountSid, status });

    if (!sid && req.method === 'POST') {
      count('create');
      const machineDetection = params.get('MachineDetection');
      const placed = await sim.placeCall({
        to: params.get('To') ?? '',
        from: params.get('From') ?? '',
        url: params.get('Url') ?? '',
        statusCallback: params.get('StatusCallback') ?? '',
        timeoutSeconds: Number(params.get('Timeout') ?? 60),
        machineDetection: machineDetection === 'DetectMessageEnd' ? 'DetectMessageEnd' : 'Enable',
      });
      return { status: 201, body: { sid: placed.sid, account_sid: account.accountSid, status: 'queued', to: params.get('To'), from: params.get('From'), direction: 'outbound-api' } };
    }
    if (!sid) throw new TwilioError(405, 20004, 'Method not allowed');
    if (req.method === 'GET') {
      count('fetch');
      const state = await sim.callState(sid);
      if (state === 'unknown') throw new TwilioError(404, 20404, `The requested resource ${path} was not found`);
      return { status: 200, body: call(state === 'live' ? 'in-progress' : 'completed') };
    }
    if (req.method !== 'POST') throw new TwilioError(405, 20004, 'Method not allowed');
    if (params.get('Status') === 'completed') {
      count('hangup');
      await sim.hangup(sid);
      return { status: 200, body: call('completed') };
    }
    const url = params.get('Url');
    if (url && (params.get('Method') ?? 'POST') === 'POST' && !params.has('Status')) {
      count('redirect');
      await sim.redirect(sid, url);
      return { status: 200, body: call('in-progress') };
    }
    // Anything else the hotline might start asking for is said plainly, not carried out wrongly.
    throw new TwilioError(400, 20001, `the stand-in does not do this update: ${params.toString()}`);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    answer(req).then(
      ({ status, body }) => reply(res, status, body),
      (err: unknown) => {
        // As Twilio: a call that is over cannot be moved (21220); one it does not have is 404 (20404).
        const e =
          err instanceof CallGone
            ? err.unknown
              ? new TwilioError(404, 20404, `The requested resource was not found: ${err.why}`)
              : new TwilioError(400, 21220, `Call is not in-progress. Cannot redirect. (${err.why})`)
            : err instanceof TwilioError
              ? err
              : new TwilioError(500, 20500, (err as Error).message);
        count(e.status === 500 ? 'failed' : `refused ${e.code}`);
        reply(res, e.status, { code: e.code, message: e.message, more_info: `https://www.twilio.com/docs/errors/${e.code}`, status: e.status });
      },
    );
  });
  // The hotline's client keeps its connections; so does this end.
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    attach(s) {
      sim = s;
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
