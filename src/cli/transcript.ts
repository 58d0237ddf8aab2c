import type { CallEvent } from '../telephony/carrier/simulator/call.ts';

/** How `npm run call` shows one event of a simulated call: what the caller hears, and what happens. */
export function describeEvent(event: CallEvent): string | undefined {
  switch (event.type) {
    case 'say':
      return `[${event.language}] ${event.text}`;
    case 'play':
      return `[play] ${event.url}`;
    case 'pressed':
      return event.digits === '' ? '  (you stay silent)' : `  (you press ${event.digits})`;
    case 'spoke':
      return `  (you say "${event.text}")`;
    case 'enqueued':
      return `~ on hold in queue ${event.queue}`;
    case 'left-queue':
      return `~ left queue ${event.queue} (${event.result})`;
    case 'ringing':
      return `~ ringing agent ${event.client}`;
    case 'connected':
      return `~ connected to agent ${event.client}`;
    case 'disconnected':
      return `~ agent ${event.client} leg ${event.status}`;
    case 'application-error':
      return `!! application error: ${event.message}`;
    case 'ended':
      return `~ call ended (${event.by === 'twiml' ? 'the hotline hung up' : event.by === 'caller' ? 'you hung up' : event.by})`;
    case 'dialled':
      return `~ your phone rings: ${event.from} is calling you`;
    case 'answered':
      return event.by === 'human' ? '~ you answer' : '~ your answering machine answers';
    case 'unanswered':
      return `~ the call was not answered (${event.status})`;
    case 'conference-joined':
      return "~ in the call's conference room";
    case 'conference-left':
      return `~ left the room (${event.reason})`;
    case 'hold':
      return event.on ? '~ on hold' : '~ off hold';
    case 'muted':
      return event.on ? '~ muted' : '~ unmuted';
    case 'recording':
      return `~ recording ${event.state}`;
    case 'listening':
      return undefined;
  }
}

/** The summary printed when the call is over: the IVR's path and what it learned. */
export type CallSummary = {
  sid: string;
  status: string;
  endReason: string | null;
  language: string;
  path: string[];
  answers: Record<string, string>;
  queue: string | null;
};

export function describeSummary(s: CallSummary): string[] {
  const answers = Object.entries(s.answers).map(([k, v]) => `${k}=${v}`);
  return [
    `call ${s.sid}: ${s.endReason ?? s.status}`,
    `path: ${s.path.join(' → ')}`,
    `language: ${s.language}` + (s.queue ? `, queue: ${s.queue}` : '') + (answers.length ? `, answers: ${answers.join(' ')}` : ''),
  ];
}
