import express, { type Router } from 'express';
import { z } from 'zod';
import { parseParams } from '../../params.ts';
import type { SimulatedCall } from './call.ts';
import type { Simulator } from './simulator.ts';

/**
 * JSON control of simulated calls, for `npm run call`, tests and (later) the softphone page in simulator
 * mode: callers who dial the hotline, and passengers the hotline calls back (`/passengers` scripts how they
 * answer; `GET /calls?to=` finds the calls placed to them), and the conference rooms they talk in
 * (`GET /conferences/:name`). Mounted only when CARRIER=simulator.
 */

const keys = z.string().regex(/^[0-9*#]*$/, 'must be keys of a phone pad: 0-9, * and #').max(64);
const phoneNumber = z.string().regex(/^\+?[0-9]{3,15}$/, 'must be a phone number such as +8613800138000');

const presses = z.array(z.union([keys, z.strictObject({ speech: z.string().min(1).max(500) })])).max(100);
const newCall = z.strictObject({
  from: phoneNumber.optional(),
  to: phoneNumber.optional(),
  presses: presses.optional(),
});
/** A number in a query string: an unencoded `+` arrives as a space (`?to=+86…` typed into curl), so it is put back. */
const queryNumber = z.preprocess((value) => (typeof value === 'string' ? value.replace(/^ (?=\d)/, '+') : value), phoneNumber);
const callsQuery = z.looseObject({
  to: queryNumber.optional(),
  from: queryNumber.optional(),
  direction: z.enum(['inbound', 'outbound-api']).optional(),
  /** Long-poll: answer once more than `after` calls match, or after `wait` seconds. */
  after: z.coerce.number().int().min(0).default(0),
  wait: z.coerce.number().min(0).max(30).default(0),
});
const passenger = z.strictObject({
  number: phoneNumber,
  answer: z.enum(['human', 'machine', 'busy', 'no-answer', 'failed']).default('human'),
  afterSeconds: z.number().min(0).max(3600).optional(),
  hangUpAfterSeconds: z.number().min(0).max(86_400).optional(),
  presses: presses.optional(),
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

  // Filtered by `to`, `from` and `direction`; `?to=<a passenger>` finds the calls the hotline placed to them.
  router.get('/calls', async (req, res) => {
    const { to, from, direction, after, wait } = parseParams(callsQuery, req.query);
    const match = (c: SimulatedCall) => (to === undefined || c.to === to) && (from === undefined || c.from === from) && (direction === undefined || c.direction === direction);
    const calls = await sim.callsWhere(match, after, wait * 1000);
    res.json({ calls: calls.map(summary) });
  });

  // How the passenger at `number` takes the next call the hotline places to it (see PassengerScript).
  router.post('/passengers', (req, res) => {
    const { number, ...script } = parseParams(passenger, req.body ?? {});
    const waiting = sim.expectCall(number, script);
    res.status(201).json({ number, ...script, waiting });
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
    // The call may have ended (and recorded its end) since these events were taken: `ended` only once this
    // answer holds the last of them, so a watcher that stops at `ended` never misses the end.
    res.json({ events, ended: found.ended && after + events.length >= found.events.length });
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

  // A live conference room (by name or CF sid): who is in it, held, muted, coaching; 404 once it has ended.
  router.get('/conferences/:name', (req, res) => {
    const room = sim.conference(req.params.name);
    if (!room) throw Object.assign(new Error(`no live conference ${req.params.name}`), { status: 404 });
    res.json({
      ...room,
      participants: room.participants.map((p) => ({ ...p, hears: sim.hears(room.sid, p.callSid) })),
    });
  });

  return router;
}

function summary(call: SimulatedCall) {
  return { sid: call.sid, direction: call.direction, from: call.from, to: call.to, ended: call.ended, eventCount: call.events.length };
}
