import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import { addStaff } from '../../src/staff/staff.ts';
import { testConfig } from '../support/hotline.ts';
import { runningHotline } from '../support/running.ts';

/** GET /api/voice/token: the softphone's Twilio access token, when Twilio carries the calls. */

type Claims = { iss: string; sub: string; iat: number; exp: number; grants: { identity: string; voice: Record<string, unknown> } };

/** A JWT's claims, if it is signed (HS256) with `secret`: what Twilio checks. */
function verified(token: string, secret: string): Claims {
  const [header, payload, signature] = token.split('.');
  expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toMatchObject({ alg: 'HS256', cty: 'twilio-fpa;v=1' });
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  if (signature !== expected) throw new Error('bad signature');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Claims;
}

const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const API_KEY = `SK${'2'.repeat(32)}`;
const API_SECRET = 'the-api-key-secret';
const APP_SID = `AP${'3'.repeat(32)}`;

let twilioHotline: Awaited<ReturnType<typeof runningHotline>>;
let simulatorHotline: Awaited<ReturnType<typeof runningHotline>>;
beforeAll(async () => {
  twilioHotline = await runningHotline({
    env: {
      CARRIER: 'twilio',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_CALLER_ID: '+864008000123',
      TWILIO_AUTH_TOKEN: 'auth-token',
      TWILIO_API_KEY: API_KEY,
      TWILIO_API_SECRET: API_SECRET,
      TWILIO_TWIML_APP_SID: APP_SID,
      VOICE_TOKEN_TTL_SECONDS: '300',
    },
  });
  simulatorHotline = await runningHotline();
  for (const running of [twilioHotline, simulatorHotline]) {
    await addStaff(running.database.db, { employeeNo: '1001', name: 'Agent', role: 'agent', skills: { general: 3 }, password: 'sanling-test' });
  }
});
afterAll(async () => {
  await twilioHotline?.close();
  await simulatorHotline?.close();
});

async function getToken(running: { url: string }, login = true) {
  let authorization: Record<string, string> = {};
  if (login) {
    const res = await fetch(`${running.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ employeeNo: '1001', password: 'sanling-test' }) });
    authorization = { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
  }
  const res = await fetch(`${running.url}/api/voice/token`, { headers: authorization });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

describe('GET /api/voice/token', () => {
  it('gives an agent a token signed with the API key, for their identity, letting their softphone be rung, expiring soon', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { status, body } = await getToken(twilioHotline);
    expect(status).toBe(200);
    expect(body).toMatchObject({ identity: 'agent_1001', ttlSeconds: 300 });

    const claims = verified(body['token'], API_SECRET);
    expect(claims.iss).toBe(API_KEY);
    expect(claims.sub).toBe(ACCOUNT_SID);
    expect(claims.grants.identity).toBe('agent_1001');
    expect(claims.grants.voice).toEqual({ incoming: { allow: true }, outgoing: { application_sid: APP_SID } });
    expect(claims.exp - claims.iat).toBe(300);
    expect(claims.exp).toBeGreaterThanOrEqual(before + 300);
    expect(Date.parse(body['expiresAt'])).toBe(claims.exp * 1000);
    expect(() => verified(body['token'], 'another secret')).toThrow('bad signature');
  });

  it('wants a login', async () => {
    expect(await getToken(twilioHotline, false)).toMatchObject({ status: 401, body: { error: expect.any(String) } });
  });

  it('answers 409 in simulator mode: the page uses the simulated phone', async () => {
    expect(await getToken(simulatorHotline)).toEqual({ status: 409, body: { error: 'the carrier is the simulator: the page uses its simulated phone' } });
  });
});

describe('the voice token\'s configuration', () => {
  it('lasts 600 s unless VOICE_TOKEN_TTL_SECONDS says otherwise', () => {
    expect(testConfig().voiceTokenTtlSeconds).toBe(600);
    expect(testConfig({ VOICE_TOKEN_TTL_SECONDS: '3600' }).voiceTokenTtlSeconds).toBe(3600);
    expect(() => testConfig({ VOICE_TOKEN_TTL_SECONDS: '5' })).toThrow(/^VOICE_TOKEN_TTL_SECONDS .* \(got "5"\)$/);
  });

  it('refuses an API key without its secret, and a key or app SID that does not look like one', () => {
    expect(() => testConfig({ TWILIO_API_KEY: API_KEY })).toThrow(new ConfigError('TWILIO_API_SECRET is required with TWILIO_API_KEY'));
    expect(() => testConfig({ TWILIO_API_SECRET: API_SECRET })).toThrow(new ConfigError('TWILIO_API_KEY is required with TWILIO_API_SECRET'));
    expect(() => testConfig({ TWILIO_API_KEY: 'key', TWILIO_API_SECRET: API_SECRET })).toThrow(/^TWILIO_API_KEY must look like SK/);
    expect(() => testConfig({ TWILIO_TWIML_APP_SID: 'app' })).toThrow(/^TWILIO_TWIML_APP_SID must look like AP/);
  });
});
