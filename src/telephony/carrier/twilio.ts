import twilio from 'twilio';
import type { Carrier } from './carrier.ts';

/** Twilio's REST API through the official client; `apiUrl` sends every request elsewhere (tests, proxies). */
export function twilioCarrier(options: { accountSid: string; authToken: string; apiUrl?: string | undefined }): Carrier {
  const client = twilio(options.accountSid, options.authToken);
  if (options.apiUrl) client.api.baseUrl = options.apiUrl.replace(/\/+$/, '');
  return {
    kind: 'twilio',
    async redirect(callSid, url) {
      await client.calls(callSid).update({ url, method: 'POST' });
    },
    async hangup(callSid) {
      await client.calls(callSid).update({ status: 'completed' });
    },
  };
}
