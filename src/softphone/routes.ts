import express, { type Router } from 'express';
import { clientIdentity } from '../acd/placement.ts';
import type { Hotline } from '../hotline.ts';
import { THREE_RING_STANDARD } from '../metrics/rings.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import { currentCall, type CurrentCall } from './current.ts';

/** GET /api/softphone's answer. */
export type SoftphoneSettings = {
  carrier: 'simulator' | 'twilio';
  /** The client identity the carrier rings this agent at. */
  identity: string;
  ringCycleSeconds: number;
  offerRingLimit: number;
  standardRings: number;
  current: CurrentCall | null;
};

/**
 * GET /api/softphone (mounted under /api): what the agent page needs to set up its phone (which carrier,
 * the identity it is rung at, the ring cadence and limits) and the call it should be showing.
 */
export function softphoneRoutes(h: Hotline): Router {
  const router = express.Router();
  router.get('/softphone', requireStaff(h, ['agent', 'supervisor']), async (_req, res) => {
    const me = currentStaff(res);
    const settings: SoftphoneSettings = {
      carrier: h.carrier.kind,
      identity: clientIdentity(me.employeeNo),
      ringCycleSeconds: h.config.ringCycleSeconds,
      offerRingLimit: h.config.offerRingLimit,
      standardRings: THREE_RING_STANDARD,
      current: await currentCall(h, me.id),
    };
    res.set('Cache-Control', 'no-store').json(settings);
  });
  return router;
}
