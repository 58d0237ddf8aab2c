import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, offers, staff } from '../../db/schema.ts';
import { createApp } from '../../src/server.ts';
import { callParams, newCallSid, signedPost, testConfig, webhookApp } from '../support/hotline.ts';
import { OPEN } from '../support/flows.ts';

/**
 * Webhook parameters Twilio never sends: each is answered with a 4xx that names the field (or, where only a
 * measurement is wrong, the rest of the callback is kept), never a 5xx, and nothing malformed is stored.
 */

let ctx: Awaited<ReturnType<typeof webhookApp>>;
beforeAll(async () => {
  ctx = await webhookApp();
});
afterAll(async () => {
  await ctx.database.close();
});

const callRow = async (sid: string) => (await ctx.database.db.select().from(calls).where(eq(calls.sid, sid)))[0];

async function newCall() {
  const sid = newCallSid();
  expect((await signedPost(ctx.app, '/twilio/voice', callParams(sid))).status).toBe(200);
  return sid;
}

/** Behind a proxy on another port, PUBLIC_URL has one: the URL a request target is appended to must stay a URL. */
const PUBLIC_URL_WITH_PORT = 'https://hotline.example.test:8443';

/** A raw HTTP request whose target is in absolute form (`POST http://other.host/...`), as a proxy would send it. */
async function absoluteForm(target: string, params: Record<string, string>, signature?: string) {
  const app = createApp({ ...ctx.hotline, config: { ...ctx.hotline.config, publicUrl: PUBLIC_URL_WITH_PORT } });
  const server = app.listen(0);
  await new Promise((ready) => server.once('listening', ready));
  try {
    const { port } = server.address() as AddressInfo;
    const body = new URLSearchParams(params).toString();
    return await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: target,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            ...(signature ? { 'x-twilio-signature': signature } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  } finally {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
}

describe('a request target in absolute form', () => {
  it('is refused with 403 when unsigned or signed for another URL, never a 500', async () => {
    const sid = await newCall();
    const params = callParams(sid, { CallStatus: 'completed' });
    const unsigned = await absoluteForm('http://other.host/twilio/status', params);
    expect(unsigned.status).toBe(403);
    const forOtherHost = twilio.getExpectedTwilioSignature(testConfig().twilio.authToken, 'http://other.host/twilio/status', params);
    const signedElsewhere = await absoluteForm('http://other.host/twilio/status', params, forOtherHost);
    expect(signedElsewhere.status).toBe(403);
    expect(await callRow(sid)).toMatchObject({ status: 'ivr' });
  });

  it('is checked against PUBLIC_URL and the path, as Twilio signs it', async () => {
    const sid = await newCall();
    const params = callParams(sid, { CallStatus: 'completed' });
    const signature = twilio.getExpectedTwilioSignature(testConfig().twilio.authToken, `${PUBLIC_URL_WITH_PORT}/twilio/status`, params);
    expect((await absoluteForm('http://other.host/twilio/status', params, signature)).status).toBe(204);
    expect(await callRow(sid)).toMatchObject({ status: 'ended' });
  });
});

describe('a NUL character in a parameter', () => {
  it('on /twilio/status is refused with 400 naming CallStatus, and the call goes on', async () => {
    const sid = await newCall();
    const res = await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: '\u0000' }));
    expect(res.status).toBe(400);
    expect(res.text).toBe('CallStatus must not contain a NUL character');
    expect(await callRow(sid)).toMatchObject({ status: 'ivr' });
  });

  it('on /twilio/voice is refused with 400 naming From, and no call is recorded', async () => {
    const sid = newCallSid();
    const res = await signedPost(ctx.app, '/twilio/voice', callParams(sid, { From: '+86138\u000000138000' }));
    expect(res.status).toBe(400);
    expect(res.text).toBe('From must not contain a NUL character');
    expect(await callRow(sid)).toBeUndefined();
  });

  it('in the keys a caller pressed is refused with 400 naming Digits', async () => {
    const sid = await newCall();
    const res = await signedPost(ctx.app, '/twilio/ivr?seq=1', callParams(sid, { Digits: '1\u0000' }));
    expect(res.status).toBe(400);
    expect(res.text).toBe('Digits must not contain a NUL character');
  });

  it('in a query parameter is refused with 400 naming it', async () => {
    const sid = await newCall();
    const res = await signedPost(ctx.app, '/twilio/wait?queue=gen%00eral', callParams(sid));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'queue must not contain a NUL character' });
  });
});

describe("a status callback's Timestamp that cannot be the call's", () => {
  it.each(['-207822', '-010000-01-01T00:00:00Z', '275760-09-13T00:00:00Z', 'Mon, 01 Jan 1900 00:00:00 +0000'])(
    '%s is ignored: the call ends at the time the callback arrived',
    async (timestamp) => {
      const sid = await newCall();
      const res = await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: 'completed', CallDuration: '7', Timestamp: timestamp }));
      expect(res.status).toBe(204);
      expect(await callRow(sid)).toMatchObject({ status: 'ended', endedAt: OPEN, durationSeconds: 7 });
    },
  );

  it("is ignored on the agent's leg too: the ring starts when the callback arrived", async () => {
    const sid = await newCall();
    const [member] = await ctx.database.db.insert(staff).values({ employeeNo: '1001', name: 'Agent', role: 'agent', passwordHash: 'x' }).returning();
    const [offer] = await ctx.database.db.insert(offers).values({ callSid: sid, staffId: member!.id, queue: 'general', status: 'ringing', offeredAt: OPEN }).returning();
    const leg = callParams(newCallSid(), { CallStatus: 'ringing', Timestamp: '-207822' });
    const res = await signedPost(ctx.app, `/twilio/agent-leg?offer=${offer!.id}`, leg);
    expect(res.status).toBe(204);
    const [rung] = await ctx.database.db.select().from(offers).where(eq(offers.id, offer!.id));
    expect(rung!.ringStartedAt).toEqual(OPEN);
  });
});

describe('a CallDuration beyond what the database holds', () => {
  it('is refused with 400 naming CallDuration; the largest one it holds is kept', async () => {
    const sid = await newCall();
    const res = await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: 'completed', CallDuration: '2147483648' }));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/^CallDuration must be a whole number of seconds/);
    expect(await callRow(sid)).toMatchObject({ status: 'ivr' });

    expect((await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: 'completed', CallDuration: '2147483647' }))).status).toBe(204);
    expect(await callRow(sid)).toMatchObject({ status: 'ended', durationSeconds: 2147483647 });
  });

  it('on the queue time of a waiting caller is refused with 400 naming QueueTime', async () => {
    const res = await signedPost(ctx.app, '/twilio/wait?queue=general', callParams(await newCall(), { QueueTime: '99999999999' }));
    expect(res.status).toBe(400);
    expect(res.text).toBe('QueueTime must be a whole number of seconds from 0 to 2147483647');
  });

  it.each(['-1', '1.5', '1e3', ' '])('%j is refused with 400 naming CallDuration', async (duration) => {
    const sid = await newCall();
    const res = await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: 'completed', CallDuration: duration }));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/^CallDuration /);
  });
});

describe("a speech recogniser's Confidence that is not one", () => {
  it('is refused with 400 saying what it must be', async () => {
    const sid = await newCall();
    const res = await signedPost(ctx.app, '/twilio/ivr?seq=1', callParams(sid, { SpeechResult: 'refund', Confidence: 'high' }));
    expect(res.status).toBe(400);
    expect(res.text).toBe('Confidence must be a number from 0 to 1');
  });
});
