import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

/**
 * Twilio's REST API as far as the hotline uses it (placing a call, fetching and updating a live one, dialling
 * someone into a conference room), recording each placement, update and participant: the one part of Twilio's cloud the tests stand in for, reached through the real
 * `twilio` client. Every call
 * is live unless the spec puts it in `unknown` (404, code 20404, as for a SID Twilio never had) or
 * `completed` (an update is refused with 400, code 21220, as Twilio refuses to move a call that is over).
 */
export async function fakeTwilioRest() {
  const updates: Array<{ accountSid: string; callSid: string; params: Record<string, string>; authorization: string | undefined }> = [];
  /** Calls placed (`calls.create`), with the sid each was given. */
  const created: Array<{ accountSid: string; sid: string; params: Record<string, string>; at: number }> = [];
  /** Participants dialled into a conference room (`conferences(name).participants.create`). */
  const participants: Array<{ accountSid: string; conference: string; callSid: string; params: Record<string, string> }> = [];
  const unknown = new Set<string>();
  const completed = new Set<string>();
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.post('/2010-04-01/Accounts/:accountSid/Calls.json', (req, res) => {
    const sid = `CA${randomBytes(16).toString('hex')}`;
    created.push({ accountSid: req.params.accountSid, sid, params: req.body, at: Date.now() });
    res.status(201).json({ sid, account_sid: req.params.accountSid, status: 'queued', to: req.body.To, from: req.body.From, direction: 'outbound-api' });
  });
  const calls = '/2010-04-01/Accounts/:accountSid/Calls/:callSid.json';
  app.use(calls, (req, res, next) => {
    const sid = req.params['callSid']!;
    if (unknown.has(sid)) {
      res.status(404).json({ code: 20404, message: `The requested resource ${req.path} was not found`, status: 404 });
      return;
    }
    if (completed.has(sid) && req.method === 'POST') {
      res.status(400).json({ code: 21220, message: 'Call is not in-progress. Cannot redirect.', status: 400 });
      return;
    }
    next();
  });
  app.get(calls, (req, res) => {
    res.json({ sid: req.params.callSid, account_sid: req.params.accountSid, status: completed.has(req.params.callSid) ? 'completed' : 'in-progress' });
  });
  app.post(calls, (req, res) => {
    updates.push({ accountSid: req.params.accountSid, callSid: req.params.callSid, params: req.body, authorization: req.headers.authorization });
    res.json({ sid: req.params.callSid, account_sid: req.params.accountSid, status: req.body.Status ?? 'in-progress' });
  });
  // Dialling someone into a conference room by its name: the participant's new call sid.
  app.post('/2010-04-01/Accounts/:accountSid/Conferences/:conference/Participants.json', (req, res) => {
    const sid = `CA${randomBytes(16).toString('hex')}`;
    participants.push({ accountSid: req.params.accountSid, conference: req.params.conference, callSid: sid, params: req.body });
    res.status(201).json({ call_sid: sid, account_sid: req.params.accountSid, conference_sid: `CF${randomBytes(16).toString('hex')}`, label: req.body.Label, status: 'queued' });
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    updates,
    created,
    participants,
    unknown,
    completed,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
