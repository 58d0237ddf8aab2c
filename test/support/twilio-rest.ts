import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

/**
 * Twilio's REST API as far as the hotline uses it (updating a live call), recording each request: the one
 * part of Twilio's cloud the tests stand in for, reached through the real `twilio` client.
 */
export async function fakeTwilioRest() {
  const updates: Array<{ accountSid: string; callSid: string; params: Record<string, string>; authorization: string | undefined }> = [];
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.post('/2010-04-01/Accounts/:accountSid/Calls/:callSid.json', (req, res) => {
    updates.push({ accountSid: req.params.accountSid, callSid: req.params.callSid, params: req.body, authorization: req.headers.authorization });
    res.json({ sid: req.params.callSid, account_sid: req.params.accountSid, status: req.body.Status ?? 'in-progress' });
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    updates,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
