import twilio from 'twilio';
import { CallGone, type Carrier } from './carrier.ts';

/** Twilio's codes for a call that is over (21220: not in progress) or that it does not know (20404). */
const GONE_CODES = new Set([20404, 21220]);
/** A call in these statuses is still the carrier's to move. */
const LIVE = ['queued', 'ringing', 'in-progress'];

/** Twilio's REST API through the official client; `apiUrl` sends every request elsewhere (tests, proxies). */
export function twilioCarrier(options: { accountSid: string; authToken: string; apiUrl?: string | undefined }): Carrier {
  const client = twilio(options.accountSid, options.authToken);
  if (options.apiUrl) client.api.baseUrl = options.apiUrl.replace(/\/+$/, '');
  const gone = (callSid: string) => (err: unknown) => {
    const { status, code, message } = err as { status?: number; code?: number; message?: string };
    if (status === 404 || (code !== undefined && GONE_CODES.has(code))) throw new CallGone(callSid, message ?? `HTTP ${status}`, code !== 21220);
    throw err;
  };
  return {
    kind: 'twilio',
    async redirect(callSid, url) {
      await client.calls(callSid).update({ url, method: 'POST' }).catch(gone(callSid));
    },
    async hangup(callSid) {
      await client.calls(callSid).update({ status: 'completed' }).catch(gone(callSid));
    },
    async callState(callSid) {
      const call = await client
        .calls(callSid)
        .fetch()
        .catch(gone(callSid))
        .catch((err: unknown) => {
          if (err instanceof CallGone) return undefined;
          throw err;
        });
      if (!call) return 'unknown';
      return LIVE.includes(call.status) ? 'live' : 'over';
    },
    async placeCall(call) {
      const placed = await client.calls.create({
        to: call.to,
        from: call.from,
        url: call.url,
        method: 'POST',
        statusCallback: call.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        timeout: call.timeoutSeconds,
        machineDetection: call.machineDetection,
      });
      return { sid: placed.sid };
    },
  };
}
