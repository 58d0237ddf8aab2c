import express, { type Router } from 'express';
import twilio from 'twilio';
import { clientIdentity } from '../acd/placement.ts';
import type { Config } from '../config.ts';
import type { Hotline } from '../hotline.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation } from '../api/describe.ts';

export type VoiceToken = { token: string; identity: string; expiresAt: string; ttlSeconds: number };

/**
 * A Twilio access token for the softphone page's `@twilio/voice-sdk` Device: a VoiceGrant that lets the
 * agent's identity (the one `<Dial><Client>` rings) receive calls. Short-lived; the page asks again before
 * it expires. Undefined when no API key is configured.
 */
export function voiceToken(config: Config, employeeNo: string): VoiceToken | undefined {
  const { accountSid, apiKey, apiSecret, twimlAppSid } = config.twilio;
  if (!apiKey || !apiSecret) return undefined;
  const identity = clientIdentity(employeeNo);
  const ttlSeconds = config.voiceTokenTtlSeconds;
  const access = new twilio.jwt.AccessToken(accountSid, apiKey, apiSecret, { identity, ttl: ttlSeconds });
  access.addGrant(new twilio.jwt.AccessToken.VoiceGrant({ incomingAllow: true, ...(twimlAppSid ? { outgoingApplicationSid: twimlAppSid } : {}) }));
  const token = access.toJwt();
  // The expiry is the token's own (stamped from the wall clock by twilio-node), so the page renews in time.
  const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
  return { token, identity, expiresAt: new Date(exp * 1000).toISOString(), ttlSeconds };
}

/** GET /api/voice/token (mounted under /api), for agents and supervisors. */
export function voiceTokenRoutes(h: Hotline): Router {
  const router = express.Router();
  router.get('/voice/token', requireStaff(h, ['agent', 'supervisor']), (_req, res) => {
    if (h.config.carrier === 'simulator') {
      res.status(409).json({ error: 'the carrier is the simulator: the page uses its simulated phone' });
      return;
    }
    const token = voiceToken(h.config, currentStaff(res).employeeNo);
    if (!token) {
      res.status(503).json({ error: 'TWILIO_API_KEY and TWILIO_API_SECRET are not set: the softphone cannot get a voice token' });
      return;
    }
    res.set('Cache-Control', 'no-store').json(token);
  });
  return router;
}

/** This route in /api/openapi.json (src/api/openapi.ts). */
export const voiceTokenPaths: ZodOpenApiPathsObject = {
  '/api/voice/token': {
    get: operation({
      summary: "A Twilio access token for the softphone's Voice SDK",
      tags: ['softphone'],
      who: ['agent', 'supervisor'],
      ok: { schema: described('VoiceToken: token, identity, expiresAt, ttlSeconds.'), description: 'A token.' },
      also: { 409: 'The carrier is the simulator, or no API key is configured.' },
    }),
  },
};
