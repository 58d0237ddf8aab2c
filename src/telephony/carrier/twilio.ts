import twilio from 'twilio';
import { CallGone, RecordingMissing, type Carrier } from './carrier.ts';

/** Twilio's codes for a call that is over (21220: not in progress) or that it does not know (20404). */
const GONE_CODES = new Set([20404, 21220]);
/** The room events the hotline follows (src/telephony/conference.ts). */
export const CONFERENCE_EVENTS = ['start', 'end', 'join', 'leave', 'hold', 'mute', 'modify'] as const;
/** A call in these statuses is still the carrier's to move. */
const LIVE = ['queued', 'ringing', 'in-progress'];
/** The recording events the hotline follows (src/recordings/webhooks.ts). */
export const RECORDING_EVENTS = ['in-progress', 'completed', 'absent'];
/** A recording's audio is fetched through the hotline (src/recordings/routes.ts); a slow download gives up after this. */
const RECORDING_FETCH_TIMEOUT_MS = 60_000;

/** Twilio's REST API through the official client; `apiUrl` sends every request elsewhere (tests, proxies). */
export function twilioCarrier(options: { accountSid: string; authToken: string; apiUrl?: string | undefined }): Carrier {
  const client = twilio(options.accountSid, options.authToken);
  if (options.apiUrl) client.api.baseUrl = options.apiUrl.replace(/\/+$/, '');
  const basic = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
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
    async addParticipant(conference, p) {
      const added = await client.conferences(conference).participants.create({
        from: p.from,
        to: p.to,
        label: p.label,
        statusCallback: p.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        timeout: p.timeoutSeconds,
        startConferenceOnEnter: p.startConferenceOnEnter,
        endConferenceOnExit: p.endConferenceOnExit,
        beep: 'false',
        ...(p.muted ? { muted: true } : {}),
        ...(p.callSidToCoach ? { coaching: true, callSidToCoach: p.callSidToCoach } : {}),
        ...(p.conferenceStatusCallback
          ? { conferenceStatusCallback: p.conferenceStatusCallback, conferenceStatusCallbackMethod: 'POST', conferenceStatusCallbackEvent: [...CONFERENCE_EVENTS] }
          : {}),
      });
      return { callSid: added.callSid };
    },
    async updateParticipant(conference, callSid, change) {
      await client.conferences(conference).participants(callSid).update(change).catch(gone(callSid));
    },
    async startRecording(callSid, { statusCallback, channels }) {
      const started = await client
        .calls(callSid)
        .recordings.create({
          recordingChannels: channels,
          recordingStatusCallback: statusCallback,
          recordingStatusCallbackMethod: 'POST',
          recordingStatusCallbackEvent: RECORDING_EVENTS,
        })
        .catch(gone(callSid));
      return { sid: started.sid };
    },
    async updateRecording(callSid, recordingSid, status) {
      // `skip`: the paused part is left out of the recording (card numbers are not even kept as silence's length).
      await client
        .calls(callSid)
        .recordings(recordingSid)
        .update({ status, ...(status === 'paused' ? { pauseBehavior: 'skip' } : {}) })
        .catch(gone(callSid));
    },
    async deleteRecording(recordingSid) {
      await client
        .recordings(recordingSid)
        .remove()
        .catch((err: unknown) => {
          // Already gone is what was asked for.
          if ((err as { status?: number }).status !== 404) throw err;
        });
    },
    async fetchRecording(recordingSid) {
      // The media URL is the recording's resource + `.wav`, behind the account's credentials.
      const base = (options.apiUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
      const url = `${base}/2010-04-01/Accounts/${options.accountSid}/Recordings/${encodeURIComponent(recordingSid)}.wav`;
      const res = await fetch(url, { headers: { authorization: basic }, signal: AbortSignal.timeout(RECORDING_FETCH_TIMEOUT_MS) });
      if (res.status === 404) {
        await res.arrayBuffer();
        throw new RecordingMissing(recordingSid);
      }
      if (!res.ok || !res.body) {
        await res.arrayBuffer().catch(() => undefined);
        throw new Error(`Twilio answered HTTP ${res.status} for recording ${recordingSid}`);
      }
      const length = Number(res.headers.get('content-length'));
      return { contentType: res.headers.get('content-type') ?? 'audio/x-wav', length: Number.isFinite(length) && length > 0 ? length : undefined, body: res.body };
    },
  };
}
