import { eq } from 'drizzle-orm';
import request from 'supertest';
import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callEvents, calls } from '../../db/schema.ts';
import { callParams, newCallSid, PUBLIC_URL, signedPost, webhookApp } from '../support/hotline.ts';
import { OPEN } from '../support/flows.ts';
import { spoken, verbs } from '../support/twiml.ts';

let ctx: Awaited<ReturnType<typeof webhookApp>>;
/** The hotline's clock: still, unless a spec moves it. */
let clock = OPEN;
beforeAll(async () => {
  ctx = await webhookApp({ now: () => clock });
});
beforeEach(() => {
  clock = OPEN;
});
afterAll(async () => {
  await ctx.database.close();
});

const eventsOf = (sid: string) =>
  ctx.database.db.select().from(callEvents).where(eq(callEvents.callSid, sid)).orderBy(callEvents.id);
const callRow = async (sid: string) => (await ctx.database.db.select().from(calls).where(eq(calls.sid, sid)))[0];

async function newCall() {
  const sid = newCallSid();
  const res = await signedPost(ctx.app, '/twilio/voice', callParams(sid));
  expect(res.status).toBe(200);
  return { sid, res };
}

describe('a new call', () => {
  it('is answered with the welcome inside a Gather whose action is the next step under PUBLIC_URL', async () => {
    const { sid, res } = await newCall();
    expect(res.type).toBe('text/xml');
    const [gather, redirect] = verbs(res.text);
    expect(gather).toMatchObject({
      verb: 'Gather',
      attrs: { action: `${PUBLIC_URL}/twilio/ivr?seq=1`, numDigits: '1', actionOnEmptyResult: 'true' },
    });
    expect(gather!.children[0]).toMatchObject({ verb: 'Say', text: '欢迎', attrs: { language: 'zh-CN' } });
    // Whatever the carrier does on silence, the document goes on to the same step.
    expect(redirect).toMatchObject({ verb: 'Redirect', text: `${PUBLIC_URL}/twilio/ivr?seq=1` });
    expect(await callRow(sid)).toMatchObject({ status: 'ivr', from: '+8613800138000', seq: 1 });
    expect((await eventsOf(sid)).map((e) => e.type)).toEqual(['call.started', 'ivr.node']);
  });
});

describe('signatures', () => {
  it('rejects a request without X-Twilio-Signature with 403 and records nothing', async () => {
    const sid = newCallSid();
    const res = await request(ctx.app).post('/twilio/voice').type('form').send(callParams(sid));
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/missing/);
    expect(await callRow(sid)).toBeUndefined();
  });

  it('rejects a signature made with another auth token', async () => {
    const sid = newCallSid();
    const res = await signedPost(ctx.app, '/twilio/voice', callParams(sid), 'not-the-token');
    expect(res.status).toBe(403);
    expect(await callRow(sid)).toBeUndefined();
  });

  it('rejects a signature made for a different URL', async () => {
    const sid = newCallSid();
    const params = callParams(sid);
    const token = ctx.hotline.config.twilio.authToken;
    const forStatus = twilio.getExpectedTwilioSignature(token, `${PUBLIC_URL}/twilio/status`, params);
    const forHost = twilio.getExpectedTwilioSignature(token, 'http://127.0.0.1/twilio/voice', params);
    for (const signature of [forStatus, forHost]) {
      const res = await request(ctx.app).post('/twilio/voice').type('form').set('X-Twilio-Signature', signature).send(params);
      expect(res.status).toBe(403);
    }
    expect(await callRow(sid)).toBeUndefined();
  });

  it('rejects parameters changed after signing', async () => {
    const sid = newCallSid();
    const signature = twilio.getExpectedTwilioSignature(ctx.hotline.config.twilio.authToken, `${PUBLIC_URL}/twilio/voice`, callParams(sid));
    const res = await request(ctx.app).post('/twilio/voice').type('form').set('X-Twilio-Signature', signature).send(callParams(sid, { From: '+1' }));
    expect(res.status).toBe(403);
  });

  it('accepts parameters Twilio may add in future, as long as they are signed', async () => {
    const res = await signedPost(ctx.app, '/twilio/voice', callParams(newCallSid(), { StirVerstat: 'TN-Validation-Passed-A' }));
    expect(res.status).toBe(200);
  });
});

describe('retried webhooks', () => {
  it('answers a repeated new-call webhook with the same TwiML and records the call once', async () => {
    const { sid, res } = await newCall();
    const again = await signedPost(ctx.app, '/twilio/voice', callParams(sid));
    expect(again.text).toBe(res.text);
    expect((await eventsOf(sid)).filter((e) => e.type === 'call.started')).toHaveLength(1);
  });

  it('answers a repeated step with the same TwiML and advances the IVR once', async () => {
    const { sid } = await newCall();
    const step = () => signedPost(ctx.app, '/twilio/ivr?seq=1', callParams(sid, { Digits: '1' }));
    const first = await step();
    const before = await eventsOf(sid);
    const second = await step();
    expect(second.text).toBe(first.text);
    expect(await eventsOf(sid)).toHaveLength(before.length);
    expect(await callRow(sid)).toMatchObject({ seq: 2, ivr: { node: 'main' } });
  });

  it('treats the same key pressed again at the next step as a new answer', async () => {
    const { sid } = await newCall();
    await signedPost(ctx.app, '/twilio/ivr?seq=1', callParams(sid, { Digits: '1' }));
    const res = await signedPost(ctx.app, '/twilio/ivr?seq=2', callParams(sid, { Digits: '1' }));
    expect(spoken(res.text)).toEqual(['退票费', '重听请按9']);
  });

  it('follows the database, not what this process last wrote, when another process took a step meanwhile', async () => {
    // Two processes on one database: each keeps where it left its own callers (src/calls/listening.ts).
    const other = await webhookApp({ database: ctx.database, now: () => clock });
    const { sid } = await newCall();
    const there = await signedPost(other.app, '/twilio/ivr?seq=1', callParams(sid, { Digits: '1' }));
    // Twilio retries that step here, where the call was last left at step 1.
    const retried = await signedPost(ctx.app, '/twilio/ivr?seq=1', callParams(sid, { Digits: '2' }));
    expect(retried.text).toBe(there.text);
    const next = await signedPost(ctx.app, '/twilio/ivr?seq=2', callParams(sid, { Digits: '1' }));
    expect(spoken(next.text)).toEqual(['退票费', '重听请按9']);
    expect(await callRow(sid)).toMatchObject({ seq: 3 });
    expect((await eventsOf(sid)).filter((e) => e.type === 'ivr.input')).toHaveLength(2);
  });
});

describe('malformed requests', () => {
  it('answers 400 naming a missing CallSid', async () => {
    const params = callParams('x');
    delete params.CallSid;
    const res = await signedPost(ctx.app, '/twilio/voice', params);
    expect(res.status).toBe(400);
    expect(res.text).toBe('CallSid is required');
  });

  it('answers 400 naming a missing or bad step number', async () => {
    const { sid } = await newCall();
    expect((await signedPost(ctx.app, '/twilio/ivr', callParams(sid, { Digits: '1' }))).text).toBe('seq is required');
    expect((await signedPost(ctx.app, '/twilio/ivr?seq=abc', callParams(sid, { Digits: '1' }))).text).toBe('seq must be a whole number');
    expect(await callRow(sid)).toMatchObject({ seq: 1, ivr: { node: 'welcome' } });
  });

  it('answers 404 for a webhook path that does not exist', async () => {
    const res = await signedPost(ctx.app, '/twilio/nowhere', callParams(newCallSid()));
    expect(res.status).toBe(404);
  });
});

describe('a call in an unexpected state', () => {
  it('hears an apology and is queued for an agent when a step arrives out of turn', async () => {
    const { sid } = await newCall();
    const res = await signedPost(ctx.app, '/twilio/ivr?seq=7', callParams(sid, { Digits: '1' }));
    expect(res.status).toBe(200);
    expect(spoken(res.text)).toEqual(['系统故障']);
    expect(verbs(res.text).at(-1)).toMatchObject({ verb: 'Enqueue', text: 'general' });
    expect(await callRow(sid)).toMatchObject({ status: 'queued', queue: 'general' });
    expect((await eventsOf(sid)).map((e) => e.type)).toContain('ivr.unexpected');
  });

  it('takes in a call it never saw start and routes it to an agent', async () => {
    const sid = newCallSid();
    const res = await signedPost(ctx.app, '/twilio/ivr?seq=3', callParams(sid, { Digits: '2' }));
    expect(res.status).toBe(200);
    expect(verbs(res.text).at(-1)).toMatchObject({ verb: 'Enqueue', text: 'general' });
    expect(await callRow(sid)).toMatchObject({ status: 'queued' });
  });
});

describe('status callbacks', () => {
  it('records a caller who hangs up mid-menu as abandoned in the IVR, once however often it is reported', async () => {
    const { sid } = await newCall();
    await signedPost(ctx.app, '/twilio/ivr?seq=1', callParams(sid, { Digits: '2' }));
    const completed = callParams(sid, { CallStatus: 'completed', CallDuration: '12', Timestamp: 'Wed, 25 Nov 2026 04:00:12 +0000' });
    expect((await signedPost(ctx.app, '/twilio/status', completed)).status).toBe(204);
    expect((await signedPost(ctx.app, '/twilio/status', completed)).status).toBe(204);
    expect(await callRow(sid)).toMatchObject({ status: 'ended', endReason: 'abandoned-in-ivr', durationSeconds: 12 });
    const ended = (await eventsOf(sid)).filter((e) => e.type === 'call.ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]!.data).toMatchObject({ reason: 'abandoned-in-ivr', node: 'main' });
  });

  it('ignores a late non-final status that arrives after the call ended', async () => {
    const { sid } = await newCall();
    await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: 'completed', CallDuration: '3' }));
    await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: 'in-progress' }));
    expect(await callRow(sid)).toMatchObject({ status: 'ended' });
  });

  it('records a caller who hangs up while waiting as abandoned in the queue with the wait', async () => {
    const { sid } = await newCall();
    await signedPost(ctx.app, '/twilio/ivr?seq=1', callParams(sid, { Digits: '1' }));
    const res = await signedPost(ctx.app, '/twilio/ivr?seq=2', callParams(sid, { Digits: '0' }));
    expect(verbs(res.text).at(-1)).toMatchObject({ verb: 'Enqueue', attrs: { waitUrl: `${PUBLIC_URL}/twilio/wait?queue=general` } });
    clock = new Date(clock.getTime() + 42_000);
    await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: 'completed' }));
    const ended = (await eventsOf(sid)).find((e) => e.type === 'call.ended');
    expect(ended!.data).toMatchObject({ reason: 'abandoned-in-queue', waitedSeconds: 42 });
  });

  it('answers 400 naming a missing CallStatus', async () => {
    const res = await signedPost(ctx.app, '/twilio/status', callParams(newCallSid(), { CallStatus: '' }));
    expect(res.status).toBe(400);
    expect(res.text).toBe('CallStatus is required');
  });
});

describe('waiting in a queue', () => {
  it("tells the caller their place in the hotline's own line, not the carrier's QueuePosition, in their language, then holds", async () => {
    let now = OPEN;
    const own = await webhookApp({ now: () => now });
    try {
      const queued = async () => {
        const sid = newCallSid();
        await signedPost(own.app, '/twilio/voice', callParams(sid));
        await signedPost(own.app, '/twilio/ivr?seq=1', callParams(sid, { Digits: '2' }));
        await signedPost(own.app, '/twilio/ivr?seq=2', callParams(sid, { Digits: '0' }));
        now = new Date(now.getTime() + 10_000);
        return sid;
      };
      await queued();
      const second = await queued();
      const res = await signedPost(own.app, '/twilio/wait?queue=general', callParams(second, { QueuePosition: '7', QueueTime: '40' }));
      expect(verbs(res.text)).toMatchObject([{ verb: 'Say', text: 'You are number 2', attrs: { language: 'en-US' } }, { verb: 'Pause' }]);
    } finally {
      await own.database.close();
    }
  });
});

describe('when the database is down', () => {
  it('still answers every caller with an apology in each language and a queue, never an error', async () => {
    const down = await webhookApp();
    await down.database.close();
    for (const [path, params] of [
      ['/twilio/voice', callParams(newCallSid())],
      ['/twilio/ivr?seq=1', callParams(newCallSid(), { Digits: '1' })],
      ['/twilio/wait?queue=general', callParams(newCallSid(), { QueuePosition: '1' })],
    ] as const) {
      const res = await signedPost(down.app, path, params);
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/xml');
      expect(spoken(res.text).length).toBeGreaterThan(0);
    }
    const res = await signedPost(down.app, '/twilio/voice', callParams(newCallSid()));
    expect(spoken(res.text)).toEqual(['系统故障', 'Technical problem']);
    expect(verbs(res.text).at(-1)).toMatchObject({ verb: 'Enqueue', text: 'general' });
    expect((await request(down.app).get('/healthz')).status).toBe(503);
  });
});

describe('health', () => {
  it('answers 200 once the database is migrated', async () => {
    const res = await request(ctx.app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true });
  });
});
