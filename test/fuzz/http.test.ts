import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/cases/input.ts';
import { addStaff, type Role } from '../../src/staff/staff.ts';
import { staffToken } from '../support/agents.ts';
import { callParams, PUBLIC_URL, testConfig } from '../support/hotline.ts';
import { runningHotline } from '../support/running.ts';
import { callSid, encode, faulty, onTheWire, tally, text, failuresLog } from './inputs.ts';

/**
 * Every HTTP route, fuzzed: signed (and unsigned, and wrongly signed) Twilio webhooks with random and
 * malformed parameters, the staff API with JSON bodies of every shape and size, the simulator's controls.
 * Whatever arrives, the hotline answers with a status under 500 (no 503 is documented for any of this:
 * the database stays up), each TwiML webhook that answers 200 answers XML that parses, every request is
 * answered at all, and nothing is logged as failing (a webhook's failure hides behind the apology TwiML).
 * The seed is fixed so a failure is the same on every machine (fast-check prints it, with the smallest
 * failing request, when one is found).
 */

const SEED = 20_260_310;
const RUNS = { twiml: 400, callbacks: 400, api: 600, simulator: 120 };
/** Far beyond any answer the hotline gives; only a request that hangs reaches it. */
const REQUEST_TIMEOUT_MS = 10_000;
/** A whole property's run, on a machine busy with other specs: it ends far sooner, or something hangs. */
const PROPERTY_TIMEOUT_MS = 120_000;

const AUTH_TOKEN = testConfig().twilio.authToken;
const STAFF: Record<Role, string> = { agent: '1001', supervisor: '2001', manager: '3001', trainer: '4001' };

let running: Awaited<ReturnType<typeof runningHotline>>;
const tokens = {} as Record<Role, string>;
const unhandled: unknown[] = [];
const record = (reason: unknown) => unhandled.push(reason);
/**
 * What the hotline logged as failing while the fuzz ran. The database is up, so each is input that should
 * have been refused, or a bug; a webhook's failure would otherwise hide behind the apology TwiML.
 */
const failures: string[] = [];

beforeAll(async () => {
  process.on('unhandledRejection', record);
  running = await runningHotline();
  running.hotline.log = failuresLog(failures);
  for (const [role, employeeNo] of Object.entries(STAFF) as Array<[Role, string]>) {
    await addStaff(running.hotline.database.db, { employeeNo, name: `${role} ${employeeNo}`, role, skills: { general: 3 }, password: 'sanling-test' });
    tokens[role] = await staffToken(running.url, employeeNo);
  }
});
afterAll(async () => {
  process.off('unhandledRejection', record);
  await running?.close();
});

async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(`${running.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** What XML 1.0 cannot carry. */
const NOT_XML = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\p{Cs}]/u;

function expectTwiml(answer: { type: string; text: string }, what: string) {
  expect(answer.type, what).toMatch(/^text\/xml/);
  expect(XMLValidator.validate(answer.text), `${what}: ${answer.text}`).toBe(true);
  expect(answer.text, what).toContain('<Response');
  expect(answer.text, what).not.toMatch(NOT_XML);
}

describe('Twilio webhooks', () => {
  /** Every /twilio route and the query parameters it reads: those answering TwiML, and the status callbacks. */
  const TWIML_ROUTES: ReadonlyArray<[string, string[]]> = [
    ['/twilio/voice', []],
    ['/twilio/ivr', ['seq']],
    ['/twilio/wait', ['queue']],
    ['/twilio/wait-key', ['queue']],
    ['/twilio/queue-exit', []],
    ['/twilio/connect', ['offer']],
    ['/twilio/requeue', []],
    ['/twilio/after-call', ['offer']],
    ['/twilio/survey', ['seq', 'language']],
  ];
  const CALLBACK_ROUTES: ReadonlyArray<[string, string[]]> = [
    ['/twilio/status', []],
    ['/twilio/agent-leg', ['offer']],
  ];
  /** The parameters the hotline reads, each with what Twilio would send. */
  const seconds = fc.nat(3600).map(String);
  const READ: Record<string, fc.Arbitrary<string>> = {
    From: fc.constantFrom('+8613800138000', '+8613912345678', 'client:agent_1001', 'anonymous'),
    To: fc.constantFrom('+864001234567', '+8613800138000'),
    CallStatus: fc.constantFrom('queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'),
    Digits: fc.constantFrom('1', '2', '3', '0', '9', '1234#', '0312', '*', '#', ''),
    SpeechResult: fc.constantFrom('refund', '退票', 'lost and found'),
    Confidence: fc.constantFrom('0.9', '0.1', '1', '0'),
    QueuePosition: fc.nat(20).map(String),
    QueueTime: seconds,
    QueueResult: fc.constantFrom('bridged', 'leave', 'hangup', 'redirected', 'queue-full', 'error', 'system-error'),
    DialCallStatus: fc.constantFrom('completed', 'answered', 'busy', 'no-answer', 'failed', 'canceled'),
    DialCallDuration: seconds,
    CallDuration: seconds,
    Timestamp: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toUTCString()),
    SequenceNumber: fc.nat(10).map(String),
  };
  const NAMES = Object.keys(READ);
  /** How each goes wrong: anything `faulty` makes of it, and for numbers and times their own extremes. */
  const extremeCount = fc.oneof(fc.bigInt().map(String), fc.constantFrom('2147483648', '4294967296', '-1', '1e3', '0x10', ' 1', '1.5'));
  const extremeTime = fc.oneof(
    fc.date({ noInvalidDate: true }).map((d) => (d.getTime() % 2 ? d.toISOString() : d.toUTCString())),
    fc.integer().map(String),
    fc.constantFrom('-207822', '-010000-01-01T00:00:00Z', '1', '0', 'Mon, 01 Jan 1900 00:00:00 +0000'),
  );
  const EXTREMES: Record<string, fc.Arbitrary<string>> = {
    QueuePosition: extremeCount,
    QueueTime: extremeCount,
    DialCallDuration: extremeCount,
    CallDuration: extremeCount,
    SequenceNumber: extremeCount,
    Confidence: extremeCount,
    Timestamp: extremeTime,
  };
  const FAULTS = Object.fromEntries(
    NAMES.map((name) => [name, EXTREMES[name] ? fc.oneof(faulty(READ[name]!), EXTREMES[name]) : faulty(READ[name]!)]),
  ) as Record<string, fc.Arbitrary<string>>;

  const queryValue = fc.oneof({ arbitrary: fc.nat(12).map(String), weight: 8 }, { arbitrary: fc.constantFrom('zh-CN', 'en-US', 'general', 'tickets'), weight: 2 }, { arbitrary: onTheWire, weight: 3 });
  const target = (routes: ReadonlyArray<[string, string[]]>) =>
    fc
      .record({
        route: fc.constantFrom(...routes),
        values: fc.array(queryValue, { minLength: 2, maxLength: 2 }),
        shape: fc.constantFrom('as read', 'as read', 'as read', 'as read', 'as read', 'as read', 'missing', 'twice'),
      })
      .map(({ route: [path, names], values, shape }) => {
        const pairs = shape === 'missing' ? [] : names.flatMap((name, i) => (shape === 'twice' ? [`${name}=${values[i]}`, `${name}=${values[1 - i]}`] : [`${name}=${values[i]}`]));
        return pairs.length ? `${path}?${pairs.join('&')}` : path;
      });
  // A request as Twilio sends it, with up to two of the parameters the hotline reads gone wrong, some left
  // out, and one Twilio never sends.
  const params = fc
    .tuple(
      callSid,
      fc.record(READ),
      fc.subarray(NAMES, { maxLength: 2 }).chain((names) => fc.record(Object.fromEntries(names.map((name) => [name, FAULTS[name]!])) as Record<string, fc.Arbitrary<string>>)),
      fc.subarray(NAMES, { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 12 }), text, { maxKeys: 1 }),
    )
    .map(([sid, good, wrong, dropped, extra]) => {
      const sent: Record<string, string> = { ...extra, ...callParams(sid ?? '', { ...good, ...wrong }) };
      for (const name of dropped) delete sent[name];
      if (sid === undefined) delete sent['CallSid'];
      return sent;
    });
  const signing = fc.constantFrom('signed', 'signed', 'signed', 'signed', 'signed', 'missing', 'wrong');

  /** Send one fuzzed webhook; whatever it holds, it is answered under 500, and in TwiML when `twiml` and 200. */
  async function webhook(path: string, sent: Record<string, string>, how: string, twiml: boolean) {
    // As the form body carries them: a lone surrogate arrives as U+FFFD, and that is what Twilio would sign.
    const form = new URLSearchParams(Object.entries(sent));
    const signature = twilio.getExpectedTwilioSignature(how === 'wrong' ? 'not-the-token' : AUTH_TOKEN, PUBLIC_URL + path, Object.fromEntries(form));
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...(how === 'missing' ? {} : { 'x-twilio-signature': signature }) };
    const answer = await send('POST', path, headers, form.toString());
    expect(answer.status, `POST ${path} ${answer.text.slice(0, 300)}`).toBeLessThan(500);
    // Not Twilio's: refused, with 403, or with 400 when it holds what no request may (a NUL) and is refused before anything reads it.
    if (how !== 'signed') expect([400, 403], `POST ${path} ${how}: ${answer.status}`).toContain(answer.status);
    if (answer.status === 200 && twiml) expectTwiml(answer, `POST ${path}`);
    expect(failures.splice(0), `POST ${path} ${JSON.stringify(sent)}`).toEqual([]);
    return answer.status;
  }

  it(`answers ${RUNS.twiml} fuzzed TwiML webhooks without a 5xx, and every 200 in XML`, async () => {
    const stats = tally();
    await fc.assert(
      fc.asyncProperty(target(TWIML_ROUTES), params, signing, async (path, sent, how) => stats.count(await webhook(path, sent, how, true))),
      { seed: SEED, numRuns: RUNS.twiml },
    );
    console.info(`fuzz TwiML webhooks: ${stats.cases} requests, ${stats.serverErrors} 5xx (${stats})`);
    expect(stats.cases).toBe(RUNS.twiml);
  }, PROPERTY_TIMEOUT_MS);

  it(`answers ${RUNS.callbacks} fuzzed status callbacks without a 5xx`, async () => {
    const stats = tally();
    await fc.assert(
      fc.asyncProperty(target(CALLBACK_ROUTES), params, signing, async (path, sent, how) => stats.count(await webhook(path, sent, how, false))),
      { seed: SEED, numRuns: RUNS.callbacks },
    );
    console.info(`fuzz status callbacks: ${stats.cases} requests, ${stats.serverErrors} 5xx (${stats})`);
    expect(stats.cases).toBe(RUNS.callbacks);
  }, PROPERTY_TIMEOUT_MS);
});

describe('the staff API', () => {
  const sid = onTheWire;
  const route = fc.oneof(
    fc.constantFrom(
      { method: 'POST', path: '/api/login' },
      { method: 'POST', path: '/api/logout' },
      { method: 'GET', path: '/api/me' },
      { method: 'GET', path: '/api/softphone' },
      { method: 'GET', path: '/api/voice/token' },
      { method: 'GET', path: '/api/metrics/live' },
      { method: 'GET', path: '/api/announcement' },
      { method: 'PUT', path: '/api/announcement' },
      { method: 'DELETE', path: '/api/announcement' },
    ),
    sid.map((s) => ({ method: 'GET', path: `/api/calls/${s}` })),
    sid.map((s) => ({ method: 'GET', path: `/api/calls/${s}/notes` })),
    sid.map((s) => ({ method: 'PUT', path: `/api/calls/${s}/notes` })),
    fc.constantFrom(
      { method: 'GET', path: '/api/case-desk' },
      { method: 'GET', path: '/api/case-desk/staff' },
      { method: 'POST', path: '/api/cases' },
      { method: 'GET', path: '/api/cases' },
      { method: 'GET', path: '/api/cases/mine' },
      { method: 'GET', path: '/api/cases/summary' },
      { method: 'POST', path: '/api/public/cases' },
      { method: 'POST', path: '/api/public/cases/status' },
      { method: 'GET', path: '/api/public/case-types' },
    ),
    fc.tuple(fc.oneof(fc.constantFrom('C2345678', 'c-234-5678'), onTheWire), fc.oneof(fc.constantFrom(...ACTIONS, ''), onTheWire), fc.constantFrom('GET', 'PATCH', 'POST')).map(([reference, action, method]) =>
      method === 'POST' ? { method, path: `/api/cases/${reference}/${action}` } : { method, path: `/api/cases/${reference}` },
    ),
    fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), path: fc.array(onTheWire, { maxLength: 3 }).map((parts) => `/api/${parts.join('/')}`) }),
  );
  const query = fc.option(fc.tuple(text, text).map(([k, v]) => `?${encode(k)}=${encode(v)}`), { nil: '' });

  const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53, 1e308, -1, 0, 1.5));
  const field = fc.oneof(text, number, fc.constantFrom(null, true, false, [], {}));
  const notes = fc.record(
    {
      callSid: fc.oneof(callSid.map((s) => s ?? ''), field),
      version: fc.oneof(fc.integer({ min: 1, max: 5 }), number, field),
      passengerName: field,
      contactNumber: field,
      trainNumber: field,
      seatNumber: field,
      topic: fc.oneof(fc.constantFrom('refund', 'luggage', 'other'), field),
      text: field,
      disposition: fc.oneof(fc.constantFrom('resolved', 'callback-promised', 'forwarded'), field),
      callbackDueAt: fc.oneof(fc.constantFrom('2026-11-25T05:00:00Z', '2026-11-25T03:00:00Z', '-010000-01-01T00:00:00Z', '275760-09-13T00:00:00Z'), field),
    },
    { requiredKeys: [] },
  );
  // A case as the softphone, the board and the public form send one, each field valid or anything at all.
  const aCase = fc.record(
    {
      version: fc.oneof(fc.constant(0), number, field),
      type: fc.oneof(fc.constantFrom('complaint', 'lost-item', 'luggage-claim', 'callback', 'enquiry'), field),
      priority: fc.oneof(fc.constantFrom('normal', 'urgent'), field),
      passengerName: field,
      contactNumber: fc.oneof(fc.constantFrom('13800138000', '+86 138-0013-8000'), field),
      trainNumber: fc.oneof(fc.constantFrom('G1234', '1234'), field),
      travelDate: fc.oneof(fc.constantFrom('2026-11-24', '2026-02-30'), field),
      category: fc.oneof(fc.constantFrom('staff-attitude', 'bag', 'damaged', 'refund'), field),
      details: fc.oneof(fc.record({ itemKind: field, claimedAmount: fc.oneof(number, field) }, { requiredKeys: [] }), field),
      description: field,
      on: fc.oneof(fc.constantFrom('passenger', 'department'), field),
      reason: fc.oneof(fc.constantFrom('answered', 'compensated'), field),
      answer: field,
      decision: fc.oneof(fc.record({ approved: fc.boolean(), amount: fc.oneof(number, field), refusal: field }, { requiredKeys: [] }), field),
      amount: fc.oneof(number, field),
      ownerDepartment: fc.oneof(fc.constantFrom('station', 'canteen'), field),
      ownerStaffId: fc.oneof(fc.integer({ min: 1, max: 5 }), field),
      dueAt: fc.oneof(fc.constantFrom('2026-11-25T05:00:00Z', '2026-11-25T03:00:00Z'), field),
      reference: fc.oneof(fc.constant('C2345678'), field),
      phone: fc.oneof(fc.constant('13800138000'), field),
      text: field,
      note: field,
    },
    { requiredKeys: [] },
  );
  const announcement = fc.dictionary(fc.oneof(fc.constantFrom('zh-CN', 'en-US', 'yue-HK'), text), field, { maxKeys: 4 });
  // Employee numbers no staff member has, so a fuzzed login never slows a real one down.
  const login = fc.record({ employeeNo: fc.oneof(fc.nat(99999).map((n) => `9${n}`), field), password: field }, { requiredKeys: [] });
  const body = fc.oneof(
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ['application/json', JSON.stringify(v)] as const), weight: 3 },
    { arbitrary: fc.oneof(notes, announcement, login, aCase).map((v) => ['application/json', JSON.stringify(v)] as const), weight: 6 },
    {
      arbitrary: fc
        .constantFrom('{', '{"a":', '[1,2', 'null', '"\\u0000"', '{"version": 1e999}', '{"__proto__": {"polluted": 1}}', '{"en-US": "\\ud800"}', `{"text": "${'x'.repeat(70_000)}"}`, '')
        .map((raw) => ['application/json', raw] as const),
      weight: 2,
    },
    { arbitrary: fc.tuple(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/xml'), text), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 2 },
  );
  const who = fc.oneof(
    { arbitrary: fc.constantFrom<Role>('agent', 'supervisor', 'manager', 'trainer'), weight: 4 },
    { arbitrary: fc.constantFrom('nobody' as const, 'garbage' as const, 'huge' as const), weight: 1 },
  );

  function authorization(as: Role | 'nobody' | 'garbage' | 'huge', path: string): string | undefined {
    if (as === 'nobody') return undefined;
    if (as === 'garbage') return 'Bearer not-a-token';
    if (as === 'huge') return `Bearer ${'x'.repeat(6000)}`;
    // Logging out ends the session; the staff's sessions are kept for the rest of the run.
    return path === '/api/logout' ? 'Bearer logged-out-elsewhere' : `Bearer ${tokens[as]}`;
  }

  it(`answers ${RUNS.api} fuzzed API requests without a 5xx`, async () => {
    const stats = tally();
    await fc.assert(
      fc.asyncProperty(route, query, body, who, async ({ method, path }, q, sent, as) => {
        const auth = authorization(as, path);
        const headers: Record<string, string> = { ...(auth ? { authorization: auth } : {}), ...(sent ? { 'content-type': sent[0] } : {}) };
        const answer = await send(method, path + q, headers, method === 'GET' ? undefined : sent?.[1]);
        stats.count(answer.status);
        expect(answer.status, `${method} ${path}${q} ${answer.text.slice(0, 300)}`).toBeLessThan(500);
        expect(failures.splice(0), `${method} ${path}${q}`).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS.api },
    );
    console.info(`fuzz API: ${stats.cases} requests, ${stats.serverErrors} 5xx (${stats})`);
    expect(stats.cases).toBe(RUNS.api);
  }, PROPERTY_TIMEOUT_MS);
});

describe("the simulator's controls", () => {
  let placed: string | undefined;
  const sid = fc.oneof(onTheWire, fc.constant('placed'));
  const json = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record({ from: text, to: text, presses: fc.array(fc.oneof(text, fc.record({ speech: text })), { maxLength: 4 }) }, { requiredKeys: [] }),
    fc.record({ digits: text }),
    fc.record({ text }),
  );
  const request = fc.oneof(
    json.map((body) => ({ method: 'POST', path: '/simulator/calls', body })),
    fc.constant({ method: 'GET', path: '/simulator/calls', body: undefined }),
    sid.map((s) => ({ method: 'GET', path: `/simulator/calls/${s}`, body: undefined })),
    sid.map((s) => ({ method: 'GET', path: `/simulator/calls/${s}/record`, body: undefined })),
    fc
      .tuple(sid, onTheWire, fc.constantFrom('0', '', 'abc', '-1', '31', '1e9', '0.01', 'NaN'))
      .map(([s, after, wait]) => ({ method: 'GET', path: `/simulator/calls/${s}/events?after=${after}&wait=${wait}`, body: undefined })),
    fc.tuple(sid, fc.constantFrom('digits', 'speech', 'hangup'), json).map(([s, action, body]) => ({ method: 'POST', path: `/simulator/calls/${s}/${action}`, body })),
  );

  it(`answers ${RUNS.simulator} fuzzed simulator requests without a 5xx`, async () => {
    const stats = tally();
    await fc.assert(
      fc
        .asyncProperty(request, async ({ method, path, body }) => {
          const answer = await send(method, path.replace('/placed', `/${placed ?? 'none'}`), body === undefined ? {} : { 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
          stats.count(answer.status);
          if (answer.status === 201) placed = (JSON.parse(answer.text) as { sid: string }).sid;
          expect(answer.status, `${method} ${path} ${answer.text.slice(0, 300)}`).toBeLessThan(500);
          expect(failures.splice(0), `${method} ${path}`).toEqual([]);
        })
        // A simulated caller left waiting goes round the wait loop at full speed (time scale 0): hang up.
        .afterEach(() => running.sim.close()),
      { seed: SEED, numRuns: RUNS.simulator },
    );
    console.info(`fuzz simulator: ${stats.cases} requests, ${stats.serverErrors} 5xx (${stats})`);
    expect(stats.cases).toBe(RUNS.simulator);
  }, PROPERTY_TIMEOUT_MS);
});

describe('after the fuzzing', () => {
  it('the process is up, ready, and no promise was left rejected', async () => {
    expect((await send('GET', '/healthz', {})).status).toBe(200);
    expect(unhandled).toEqual([]);
    expect(failures).toEqual([]);
  });
});
