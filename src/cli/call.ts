import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { CallEvent } from '../telephony/carrier/simulator/call.ts';
import { describeEvent, describeSummary, type CallSummary } from './transcript.ts';

/**
 * `npm run call`: phone the running hotline through its carrier simulator and print what the caller hears.
 * Keys come from `--press 1,3` (one entry per menu; an empty entry stays silent), then from the keyboard.
 */

const USAGE = `usage: npm run call -- [--url http://localhost:3000] [--from +8613800138000] [--press 1,3] [--hold SECONDS]
  --press  keys for the first menus in turn, comma-separated (an empty entry stays silent)
  --hold   hang up after this many seconds on hold (default: stay until Ctrl-C; 10 when not interactive)`;

type Options = { url: string; from: string | undefined; presses: string[]; holdSeconds: number };

function options(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string', default: 'http://localhost:3000' },
        from: { type: 'string' },
        press: { type: 'string' },
        hold: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const hold = values.hold === undefined ? (process.stdin.isTTY ? Infinity : 10) : Number(values.hold);
  if (!(hold >= 0)) fail(`--hold must be a number of seconds, not ${values.hold}`);
  return {
    url: values.url.replace(/\/+$/, ''),
    from: values.from,
    presses: values.press === undefined ? [] : values.press.split(','),
    holdSeconds: hold,
  };
}

async function main(): Promise<void> {
  const o = options();
  const api = client(o.url);
  const placed = await api('POST', '/simulator/calls', { ...(o.from ? { from: o.from } : {}), presses: o.presses });
  const sid = placed.sid as string;
  console.log(`calling ${o.url} as ${placed.from} (call ${sid}); Ctrl-C hangs up`);

  let scripted = o.presses.length;
  let holdTimer: NodeJS.Timeout | undefined;
  const hangUp = () => api('POST', `/simulator/calls/${sid}/hangup`).catch(() => undefined);
  process.once('SIGINT', () => void hangUp());
  const keyboard = process.stdin.isTTY ? createInterface({ input: process.stdin }) : undefined;
  keyboard?.on('line', (line) => {
    const keys = line.trim();
    if (keys === 'q') void hangUp();
    else void api('POST', `/simulator/calls/${sid}/digits`, { digits: keys }).catch((err: Error) => console.error(err.message));
  });
  keyboard?.on('SIGINT', () => void hangUp());

  let seen = 0;
  for (let ended = false; !ended; ) {
    const batch = await api('GET', `/simulator/calls/${sid}/events?after=${seen}&wait=25`);
    for (const event of batch.events as CallEvent[]) {
      seen = event.n;
      const line = describeEvent(event);
      if (line) console.log(line);
      if (event.type === 'listening' && scripted-- <= 0 && keyboard) console.log('  keys? (Enter = silence, q = hang up)');
      if (event.type === 'enqueued' && Number.isFinite(o.holdSeconds)) holdTimer = setTimeout(() => void hangUp(), o.holdSeconds * 1000);
      if (event.type === 'left-queue') clearTimeout(holdTimer);
    }
    ended = batch.ended;
  }
  clearTimeout(holdTimer);
  keyboard?.close();
  for (const line of describeSummary(await finalState(api, sid))) console.log(line);
}

/** The hotline records the end when the status callback lands, a moment after the simulator's last event. */
async function finalState(api: Api, sid: string): Promise<CallSummary> {
  for (let i = 0; ; i++) {
    const call = (await api('GET', `/simulator/calls/${sid}/record`)) as CallSummary;
    if (call.status === 'ended' || i >= 20) return call;
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Api = (method: string, path: string, body?: unknown) => Promise<any>;

function client(base: string): Api {
  return async (method, path, body) => {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch {
      fail(`cannot reach the hotline at ${base}: is \`npm start\` running there?`);
    }
    const data = await res.json().catch(() => ({}));
    if (res.status === 404 && path === '/simulator/calls') fail(`the hotline at ${base} is not running the carrier simulator (CARRIER=twilio?)`);
    if (!res.ok) fail(`${method} ${path}: ${data.error ?? `HTTP ${res.status}`}`);
    return data;
  };
}

function fail(message: string): never {
  process.stderr.write(`sanling call: ${message}\n`);
  process.exit(1);
}

await main();
