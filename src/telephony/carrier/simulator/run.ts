import { absolute, ApplicationError, numberAttr, type Verb } from './twiml.ts';
import { Interrupted, type EndedBy, type SimulatedCall } from './call.ts';
import { dial } from './dial.ts';
import type { Simulator } from './simulator.ts';

/** Where the call goes next: a document to fetch with these parameters, or nowhere (the call ends). */
export type Next = { url: string; params: Record<string, string> } | undefined;

const APPLICATION_ERROR = 'We are sorry, an application error has occurred. Goodbye.';

/** Play a caller's call from the voice webhook to its end, the way Twilio does; then report it completed. */
export async function runCall(sim: Simulator, call: SimulatedCall): Promise<void> {
  await play(sim, call, { url: `${sim.publicUrl}/twilio/voice`, params: { CallStatus: 'ringing' } });
  // The number's call-level status callback: Twilio's configuration for calls to the hotline's number.
  await sim.notify(`${sim.publicUrl}/twilio/status`, {
    ...sim.callParams(call),
    CallStatus: 'completed',
    CallDuration: String(call.durationSeconds()),
    Timestamp: sim.now().toUTCString(),
  });
}

/**
 * Follow a live call's TwiML from `first` until it ends (the TwiML runs out or hangs up, someone hangs up,
 * or an application error), and record the end. Whoever started the call reports its final status.
 */
export async function play(sim: Simulator, call: SimulatedCall, first: Next): Promise<void> {
  let next: Next = first;
  let by: EndedBy = 'twiml';
  try {
    while (next) {
      try {
        const verbs = await sim.fetchTwiml(call, next.url, next.params);
        next = await follow(sim, call, verbs, next.url);
      } catch (err) {
        if (!(err instanceof Interrupted)) throw err;
        const url = call.takeRedirect();
        next = url === undefined ? undefined : { url, params: {} };
        if (err.interruption.kind === 'hangup') by = err.interruption.by;
      }
    }
  } catch (err) {
    // Whatever went wrong, the call ends as on Twilio: an apology, and the final status callback.
    const message = err instanceof ApplicationError ? err.message : `the simulator failed: ${(err as Error).message}`;
    call.record({ type: 'application-error', message });
    call.record({ type: 'say', language: 'en-US', text: APPLICATION_ERROR });
    by = 'application-error';
    sim.log.warn({ callSid: call.sid, err: message }, 'application error');
  }
  call.ended = true;
  call.record({ type: 'ended', by });
}

/** Follow one document's verbs in order. Running off its end ends the call, as on Twilio. */
async function follow(sim: Simulator, call: SimulatedCall, verbs: Verb[], docUrl: string): Promise<Next> {
  for (const verb of verbs) {
    call.checkInterrupted();
    switch (verb.name) {
      case 'Say':
      case 'Play':
      case 'Pause':
        await utter(sim, call, verb);
        break;
      case 'Gather': {
        const next = await gather(sim, call, verb, docUrl);
        if (next) return next;
        break;
      }
      case 'Redirect':
        return { url: absolute(verb.text, docUrl), params: {} };
      case 'Hangup':
      case 'Reject':
        return undefined;
      case 'Enqueue': {
        const next = await enqueue(sim, call, verb, docUrl);
        if (next !== 'continue') return next;
        break;
      }
      case 'Dial': {
        const next = await dial(sim, call, verb, docUrl);
        if (next !== 'continue') return next;
        break;
      }
      case 'Leave':
        break; // only means something while waiting in a queue
      default:
        throw new ApplicationError(`<${verb.name}> is not a voice verb the simulator can follow`);
    }
  }
  return undefined;
}

async function utter(sim: Simulator, call: SimulatedCall, verb: Verb): Promise<void> {
  if (verb.name === 'Say') {
    call.record({ type: 'say', language: verb.attrs['language'] ?? 'en-US', text: verb.text, ...(verb.attrs['voice'] ? { voice: verb.attrs['voice'] } : {}) });
  } else if (verb.name === 'Play') {
    call.record({ type: 'play', url: verb.text });
  } else if (verb.name === 'Pause') {
    await sim.pause(call, numberAttr(verb.attrs['length'], 1));
  } else {
    throw new ApplicationError(`<${verb.name}> is not allowed inside <Gather>`);
  }
}

type Heard = { digits: string; finishedOnKey?: string } | { speech: string };

async function gather(sim: Simulator, call: SimulatedCall, verb: Verb, docUrl: string, say: typeof utter = utter): Promise<Next> {
  const input = (verb.attrs['input'] ?? 'dtmf').split(/\s+/);
  for (const child of verb.children) {
    call.checkInterrupted();
    await say(sim, call, child);
  }
  call.record({ type: 'listening', input });
  const heard = await listen(sim, call, {
    numDigits: Math.floor(numberAttr(verb.attrs['numDigits'], 0)),
    finishOnKey: verb.attrs['finishOnKey'] ?? '#',
    timeoutSeconds: numberAttr(verb.attrs['timeout'], 5),
    speech: input.includes('speech'),
  });
  const empty = 'digits' in heard && heard.digits === '';
  if (empty && verb.attrs['actionOnEmptyResult'] !== 'true') return undefined;
  const params: Record<string, string> =
    'speech' in heard
      ? { SpeechResult: heard.speech, Confidence: '0.9' }
      : { Digits: heard.digits, ...(heard.finishedOnKey ? { FinishedOnKey: heard.finishedOnKey } : {}) };
  return { url: verb.attrs['action'] ? absolute(verb.attrs['action'], docUrl) : docUrl, params };
}

/**
 * Wait for the caller's answer. The timeout restarts with each key; at time scale 0 a caller who has not
 * acted yet is waited for (a test says when they go silent), and one who has is done at once.
 */
async function listen(
  sim: Simulator,
  call: SimulatedCall,
  g: { numDigits: number; finishOnKey: string; timeoutSeconds: number; speech: boolean },
): Promise<Heard> {
  // An answering machine, out of script, answers every menu with silence.
  const scripted = call.keys === '' && !call.silence && call.speech === undefined ? (call.script.shift() ?? (call.machine ? '' : undefined)) : undefined;
  if (typeof scripted === 'string') sim.press(call.sid, scripted);
  else if (scripted) sim.speak(call.sid, scripted.speech);

  const take = (): Heard | undefined => {
    if (call.speech !== undefined) {
      const text = call.speech;
      call.speech = undefined;
      if (g.speech) return { speech: text };
      call.silence = true; // words to a keys-only menu are heard as nothing
    }
    const keys = call.keys;
    const finish = g.finishOnKey ? keys.indexOf(g.finishOnKey) : -1;
    if (finish >= 0 && (!g.numDigits || finish <= g.numDigits)) {
      call.keys = keys.slice(finish + 1);
      return { digits: keys.slice(0, finish), finishedOnKey: g.finishOnKey };
    }
    if (g.numDigits && keys.length >= g.numDigits) {
      call.keys = keys.slice(g.numDigits);
      return { digits: keys.slice(0, g.numDigits) };
    }
    if (call.silence) {
      call.silence = false;
      call.keys = '';
      return { digits: keys };
    }
    return undefined;
  };

  for (;;) {
    const before = call.keys.length;
    const ready = () => take() ?? (call.keys.length !== before ? 'more' : undefined);
    const got =
      sim.timeScale === 0 && before === 0 ? await call.until(ready, Infinity) : await call.wait(ready, g.timeoutSeconds, sim.timeScale);
    if (got === 'more') continue;
    if (got) return got;
    const digits = call.keys;
    call.keys = '';
    return { digits };
  }
}

/**
 * Hold the caller in a queue, fetching the wait document again and again, until a `<Leave>`, a hangup
 * or a redirect (how the ACD takes a caller to an agent). The `action` hears how the caller left.
 */
async function enqueue(sim: Simulator, call: SimulatedCall, verb: Verb, docUrl: string): Promise<Next | 'continue'> {
  const queue = verb.text;
  const action = verb.attrs['action'] ? absolute(verb.attrs['action'], docUrl) : undefined;
  const members = sim.queueMembers(queue);
  members.push(call.sid);
  const entered = Date.now();
  call.record({ type: 'enqueued', queue });
  const leave = (result: string) => {
    members.splice(members.indexOf(call.sid), 1);
    call.record({ type: 'left-queue', queue, result });
    return { QueueResult: result, QueueSid: sim.queueSid(queue), QueueTime: String(Math.round((Date.now() - entered) / 1000)) };
  };

  let result: 'leave' | 'hangup';
  try {
    result = await hold(sim, call, queue, verb.attrs['waitUrl'] ? absolute(verb.attrs['waitUrl'], docUrl) : undefined, entered);
  } catch (err) {
    if (!(err instanceof Interrupted)) {
      leave('error');
      throw err;
    }
    const params = leave(err.interruption.kind === 'hangup' ? 'hangup' : 'redirected');
    // Told at once, but the call goes where it was sent (or ends): this answer is not followed.
    if (action) await sim.notify(action, { ...sim.callParams(call), ...params });
    throw err;
  }
  const params = leave(result);
  if (result === 'hangup') {
    if (action) await sim.notify(action, { ...sim.callParams(call), ...params });
    return undefined;
  }
  return action ? { url: action, params } : 'continue';
}

/**
 * A `<Play>` has no known length here: in a wait document each loop takes this long (simulated seconds,
 * scaled by the time scale), so the wait loop goes round at the pace of its music rather than spin.
 */
export const PLAY_LOOP_SECONDS = 10;

async function hold(sim: Simulator, call: SimulatedCall, queue: string, waitUrl: string | undefined, entered: number): Promise<'leave' | 'hangup'> {
  let url = waitUrl;
  for (let turn = 0; ; turn++) {
    const heldBefore = call.simulatedSeconds;
    // Without a wait document there is only music; at time scale 0 the hold message is heard once, then
    // the caller waits quietly rather than spin the loop.
    if (!url || (turn > 0 && sim.timeScale === 0)) await call.until(() => undefined, Infinity);
    const members = sim.queueMembers(queue);
    let next: Next = {
      url: url!,
      params: {
        QueueSid: sim.queueSid(queue),
        QueuePosition: String(members.indexOf(call.sid) + 1),
        CurrentQueueSize: String(members.length),
        QueueTime: String(Math.round((Date.now() - entered) / 1000)),
        AvgQueueTime: '0',
        MaxQueueSize: '100',
      },
    };
    // A Gather's answer is the next wait document, heard in the same turn.
    while (next) {
      const outcome = await waitDocument(sim, call, await sim.fetchTwiml(call, next.url, next.params), next.url);
      if (outcome === 'leave' || outcome === 'hangup') return outcome;
      if (outcome && 'redirect' in outcome) url = outcome.redirect;
      next = outcome && 'gathered' in outcome ? outcome.gathered : undefined;
    }
    // Spoken words take time on a real line; a wait document without a pause is not fetched in a tight loop.
    if (call.simulatedSeconds - heldBefore < 1) await sim.pause(call, 1);
  }
}

type WaitOutcome = 'leave' | 'hangup' | { redirect: string } | { gathered: NonNullable<Next> } | undefined;

/** Follow one wait document: only the verbs Twilio allows while queued. */
async function waitDocument(sim: Simulator, call: SimulatedCall, verbs: Verb[], docUrl: string): Promise<WaitOutcome> {
  for (const verb of verbs) {
    call.checkInterrupted();
    switch (verb.name) {
      case 'Leave':
        return 'leave';
      case 'Hangup':
        return 'hangup';
      case 'Redirect':
        return { redirect: absolute(verb.text, docUrl) };
      case 'Gather': {
        const gathered = await gather(sim, call, verb, docUrl, holdUtter);
        if (gathered) return { gathered };
        break;
      }
      case 'Say':
      case 'Play':
      case 'Pause':
        await holdUtter(sim, call, verb);
        break;
      default:
        throw new ApplicationError(`<${verb.name}> is not allowed in a queue wait document`);
    }
  }
  return undefined;
}

/** As `utter`, with a `<Play>` lasting PLAY_LOOP_SECONDS per loop; `loop="0"` plays until the caller leaves the queue. */
async function holdUtter(sim: Simulator, call: SimulatedCall, verb: Verb): Promise<void> {
  await utter(sim, call, verb);
  if (verb.name !== 'Play') return;
  const loops = Math.floor(numberAttr(verb.attrs['loop'], 1));
  if (loops === 0) await call.until(() => undefined, Infinity);
  else await sim.pause(call, loops * PLAY_LOOP_SECONDS);
}
