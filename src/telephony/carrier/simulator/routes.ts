import express, { type Router } from 'express';
import { z } from 'zod';
import { parseParams } from '../../params.ts';
import type { SimulatedCall } from './call.ts';
import type { Simulator } from './simulator.ts';

/**
 * JSON control of simulated calls, for `npm run call`, tests and (later) the softphone page in simulator
 * mode. Mounted only when CARRIER=simulator.
 */

const keys = z.string().regex(/^[0-9*#]*$/, 'must be keys of a phone pad: 0-9, * and #').max(64);
const phoneNumber = z.string().regex(/^\+?[0-9]{3,15}$/, 'must be a phone number such as +8613800138000');

const newCall = z.strictObject({
  from: phoneNumber.optional(),
  to: phoneNumber.optional(),
  presses: z.array(z.union([keys, z.strictObject({ speech: z.string().min(1).max(500) })])).max(100).optional(),
});
const eventsQuery = z.looseObject({
  after: z.coerce.number().int().min(0).default(0),
  wait: z.coerce.number().min(0).max(30).default(0),
});
const digits = z.strictObject({ digits: keys });
const speech = z.strictObject({ text: z.string().min(1).max(500) });

export function simulatorRoutes(sim: Simulator): Router {
  const router = express.Router();
  const call = (sid: string): SimulatedCall => {
    const found = sim.get(sid);
    if (!found) throw Object.assign(new Error(`no simulated call ${sid}`), { status: 404 });
    return found;
  };

  router.post('/calls', (req, res) => {
    const body = parseParams(newCall, req.body ?? {});
    const placed = sim.call(body);
    res.status(201).json(summary(placed));
  });

  router.get('/calls', (_req, res) => {
    res.json({ calls: sim.list().map(summary) });
  });

  router.get('/calls/:sid', (req, res) => {
    const found = call(req.params.sid);
    res.json({ ...summary(found), events: found.events });
  });

  // Long-poll: answers as soon as there is an event after `after`, or after `wait` seconds with none.
  router.get('/calls/:sid/events', async (req, res) => {
    const found = call(req.params.sid);
    const { after, wait } = parseParams(eventsQuery, req.query);
    const events = await found.eventsAfter(after, wait * 1000);
    res.json({ events, ended: found.ended });
  });

  router.post('/calls/:sid/digits', (req, res) => {
    sim.press(call(req.params.sid).sid, parseParams(digits, req.body ?? {}).digits);
    res.status(202).json({ ok: true });
  });

  router.post('/calls/:sid/speech', (req, res) => {
    sim.speak(call(req.params.sid).sid, parseParams(speech, req.body ?? {}).text);
    res.status(202).json({ ok: true });
  });

  router.post('/calls/:sid/hangup', (req, res) => {
    sim.callerHangup(call(req.params.sid).sid);
    res.status(202).json({ ok: true });
  });

  return router;
}

function summary(call: SimulatedCall) {
  return { sid: call.sid, from: call.from, to: call.to, ended: call.ended, eventCount: call.events.length };
}
