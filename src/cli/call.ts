import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { CallEvent } from '../telephony/carrier/simulator/call.ts';
import { describeEvent, describeSummary, type CallSummary } from './transcript.ts';

/**
 * `npm run call`: phone the running hotline through its carrier simulator and print what the caller hears.
 * Keys come from `--press 1,3` (one entry per menu; an empty entry stays silent), then from the keyboard.
 * With `--await-callback` the caller then waits, phone in hand, for the call back they asked for on hold.
 */

const USAGE = `usage: npm run call -- [--url http://localhost:3000] [--from +8613800138000] [--press 1,3] [--hold SECONDS]
                        [--await-callback [--await-minutes 30]]
  --press           keys for the first menus in turn, comma-separated (an empty entry stays silent)
  --hold            hang up after this many seconds on hold (default: stay until Ctrl-C; 10 when not
                    interactive, unless --await-callback)
  --await-callback  once the call is over (ask for a call back: press 1 when offered on hold), wait for the
                    hotline to call your number, answer it and print what you hear; keys go to that call,
                    Ctrl-C hangs it up
  --await-minutes   how long to wait for the call back (default 30)`;

type Options = { url: string; from: string | undefined; presses: string[]; holdSeconds: number; awaitCallback: boolean; awaitMinutes: number };

function options(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string', default: 'http://localhost:3000' },
        from: { type: 'string' },
        press: { type: 'string' },
        hold: { type: 'string' },
        'await-callback': { type: 'boolean', default: false },
        'await-minutes': { type: 'string' },
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
  const awaitCallback = values['await-callback'];
  // A caller waiting to be offered a call back must not hang up on hold before the offer.
  const hold = values.hold === undefined ? (process.stdin.isTTY || awaitCallback ? Infinity : 10) : Number(values.hold);
  if (!(hold >= 0)) fail(`--hold must be a number of seconds, not ${values.hold}`);
  const minutes = values['await-minutes'] === undefined ? 30 : Number(values['await-minutes']);
  if (!(minutes > 0)) fail(`--await-minutes must be a number of minutes above 0, not ${values['await-minutes']}`);
  if (values['await-minutes'] !== undefined && !awaitCallback) fail('--await-minutes goes with --await-callback');
  return {
    url: values.url.replace(/\/+$/, ''),
    from: values.from,
    presses: values.press === undefined ? [] : values.press.split(','),
    holdSeconds: hold,
    awaitCallback,
    awaitMinutes: minutes,
  };
}

/** The call the keyboard and Ctrl-C act on: the caller's own, then the call back; none while waiting for it. */
type Line = { sid: string | undefined };

async function main(): Promise<void> {
  const o = options();
  const api = client(o.url);
  const placed = await api('POST', '/simulator/calls', { ...(o.from ? { from: o.from } : {}), presses: o.presses });
  const line: Line = { sid: placed.sid as string };
  const me = placed.from as string;
  console.log(`calling ${o.url} as ${me} (call ${line.sid}); Ctrl-C hangs up`);
  // Before the hotline can have offered a call back: a person answers it, and the calls placed to this number
  // so far (earlier runs) are not the one awaited.
  const known = o.awaitCallback ? await prepareForCallback(api, me) : 0;

  // Ctrl-C hangs up the call on the line; pressed again for the same call (the hotline does not answer), or
  // while waiting for the call back, it stops the command.
  let hungUp: string | undefined;
  const hangUp = () => {
    if (line.sid && line.sid !== hungUp) {
      hungUp = line.sid;
      return void api('POST', `/simulator/calls/${line.sid}/hangup`).catch(() => undefined);
    }
    if (!line.sid) console.log('stopped waiting for the call back');
    process.exit(130);
  };
  process.on('SIGINT', hangUp);
  const keyboard = process.stdin.isTTY ? createInterface({ input: process.stdin }) : undefined;
  keyboard?.on('line', (typed) => {
    const keys = typed.trim();
    if (keys === 'q') hangUp();
    else if (line.sid) void api('POST', `/simulator/calls/${line.sid}/digits`, { digits: keys }).catch((err: Error) => console.error(err.message));
  });
  keyboard?.on('SIGINT', hangUp);

  await listen(api, line.sid!, { scripted: o.presses.length, holdSeconds: o.holdSeconds, keyboard: keyboard !== undefined });
  for (const text of describeSummary(await finalState(api, line.sid!))) console.log(text);

  if (o.awaitCallback) {
    line.sid = undefined;
    console.log('waiting for the hotline to call back…');
    const callback = await awaitCall(api, me, known, o.awaitMinutes);
    if (!callback) {
      keyboard?.close();
      fail(`the hotline did not call ${me} back within ${o.awaitMinutes} minutes`);
    }
    line.sid = callback.sid;
    console.log(`the hotline is calling ${me} from ${callback.from} (call ${callback.sid}); Ctrl-C hangs up`);
    await listen(api, callback.sid, { scripted: 0, holdSeconds: Infinity, keyboard: keyboard !== undefined });
  }
  keyboard?.close();
}

/** Print what the person on the line hears until the call ends (long-polling its events). */
async function listen(api: Api, sid: string, o: { scripted: number; holdSeconds: number; keyboard: boolean }): Promise<void> {
  let scripted = o.scripted;
  let holdTimer: NodeJS.Timeout | undefined;
  const hangUp = () => api('POST', `/simulator/calls/${sid}/hangup`).catch(() => undefined);
  let seen = 0;
  for (let ended = false; !ended; ) {
    const batch = await api('GET', `/simulator/calls/${sid}/events?after=${seen}&wait=25`);
    for (const event of batch.events as CallEvent[]) {
      seen = event.n;
      const text = describeEvent(event);
      if (text) console.log(text);
      if (event.type === 'listening' && scripted-- <= 0 && o.keyboard) console.log('  keys? (Enter = silence, q = hang up)');
      if (event.type === 'enqueued' && Number.isFinite(o.holdSeconds)) holdTimer = setTimeout(() => void hangUp(), o.holdSeconds * 1000);
      if (event.type === 'left-queue') clearTimeout(holdTimer);
    }
    ended = batch.ended;
  }
  clearTimeout(holdTimer);
}

type Summary = { sid: string; from: string; to: string; direction: string };

/** The simulator's calls to `number` placed by the hotline, as `GET /simulator/calls` filters them. */
const callsTo = (number: string, after = 0, wait = 0) =>
  `/simulator/calls?to=${encodeURIComponent(number)}&direction=outbound-api&after=${after}&wait=${wait}`;

/** Script a person to answer the call back at `number`; returns how many calls were placed to it already. */
async function prepareForCallback(api: Api, number: string): Promise<number> {
  await api('POST', '/simulator/passengers', { number, answer: 'human' });
  return ((await api('GET', callsTo(number))).calls as Summary[]).length;
}

/** Long-poll for a call placed to `number` beyond the `known` ones, for up to `minutes`. */
async function awaitCall(api: Api, number: string, known: number, minutes: number): Promise<Summary | undefined> {
  const deadline = Date.now() + minutes * 60_000;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    const calls = (await api('GET', callsTo(number, known, Math.min(25, Math.ceil(left / 1000))))).calls as Summary[];
    if (calls.length > known) return calls[known];
  }
}

/** The hotline records the end when the status callback lands, a moment after the simulator's last event. */
async function finalState(api: Api, sid: string): Promise<CallSummary> {
  for (let i = 0; ; i++) {
    const call = (await api('GET', `/simulator/calls/${sid}/record`)) as CallSummary;
    // A caller who asked for a call back leaves as `callback`; the others end as `ended`.
    if (call.status === 'ended' || call.status === 'callback' || i >= 20) return call;
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
