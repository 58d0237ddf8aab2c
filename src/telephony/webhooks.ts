import express, { type Request, type Router } from 'express';
import type { Hotline } from '../hotline.ts';
import { callerLeft } from '../acd/offers.ts';
import { routeSoon } from '../acd/route.ts';
import { adoptHeldCaller } from '../acd/reconcile.ts';
import { callbackMinutes, requestCallback, waitTurn } from '../acd/wait.ts';
import { answerCall, endCall, endHeldCall, getCall, takeInput, type Render } from '../calls/ivr.ts';
import { doorOf, type Door } from './door.ts';
import { speak } from '../ivr/engine.ts';
import {
  doorQuery,
  FINAL_STATUSES,
  gatherParams,
  inputOf,
  parseParams,
  queueExitParams,
  queueWaitParams,
  statusParams,
  stepQuery,
  voiceParams,
} from './params.ts';
import { requireTwilioSignature } from './signature.ts';
import { answering, fallbackQueue, recording, webhooks } from './answering.ts';
import { connectWebhooks } from './connect.ts';
import { surveyWebhooks } from '../surveys/webhooks.ts';
import { callbackWebhooks } from '../callbacks/webhooks.ts';
import { recordingWebhooks } from '../recordings/webhooks.ts';
import {
  renderAtTheDoor,
  renderCallbackConfirmed,
  renderHangup,
  renderIvr,
  renderKeepWaiting,
  renderUnavailable,
  renderWait,
  unavailableInEveryLanguage,
} from './twiml.ts';

/** How long a caller held at the door hears music before the carrier asks again whether they may come in. */
const DOOR_HOLD_SECONDS = 10;

/** A wait turn's length when the hotline cannot plan it (the database is down). */
const WAIT_PAUSE_SECONDS = 20;

/**
 * The carrier's webhooks: Twilio's parameter names end here. Each answers TwiML; when the hotline itself
 * fails (the database is down), the caller still hears an apology and is routed to an agent queue.
 */
export function twilioWebhooks(h: Hotline): Router {
  const router = express.Router();
  const w = webhooks(h);
  const { flow, urls } = w;
  const render = (output: Parameters<typeof renderIvr>[0], nextSeq: number) => renderIvr(output, nextSeq, urls);
  /** A step that put the caller in a queue is followed, once committed, by a routing pass. */
  const routingAfter = async (step: (render: Render) => Promise<string>) => {
    let queued = false;
    const twiml = await step((output, nextSeq) => {
      queued ||= output.then.kind === 'queue';
      return render(output, nextSeq);
    });
    if (queued) {
      h.bus.emit('changed');
      routeSoon(h);
    }
    return twiml;
  };

  const door = doorOf(h);
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  router.use(requireTwilioSignature(h.config.twilio.authToken, h.config.publicUrl));
  router.use(logWebhook(h, door));

  // A new call; or a caller held at the door (door.ts) asking again, `since` they first rang.
  router.post('/voice', answering(w, async (req) => {
    const p = parseParams(voiceParams, req.body);
    const { since } = parseParams(doorQuery, req.query);
    const now = h.now();
    const heldSince = since === undefined ? undefined : new Date(Math.min(since, now.getTime()));
    if (!door.admits()) {
      door.hold(p.CallSid, heldSince ?? now);
      const music = h.queues.get(fallbackQueue(flow))?.hold.music;
      return renderAtTheDoor(flow, { first: !heldSince, music, seconds: DOOR_HOLD_SECONDS }, `${h.config.publicUrl}/twilio/voice?since=${(heldSince ?? now).getTime()}`);
    }
    door.letGo(p.CallSid);
    return routingAfter((r) => answerCall(h, { sid: p.CallSid, from: p.From, to: p.To, heldSince }, r));
  }));

  router.post('/ivr', answering(w, async (req) => {
    const p = parseParams(gatherParams, req.body);
    const { seq } = parseParams(stepQuery, req.query);
    return routingAfter((r) => takeInput(h, { sid: p.CallSid, from: p.From, to: p.To }, seq, inputOf(p), r));
  }));

  /** The carrier's queue the caller waits in (the wait URL names it); their call row may have moved on (overflow). */
  const waitingIn = (req: Request) => {
    const named = req.query['queue'];
    return typeof named === 'string' && h.queues.has(named) ? named : fallbackQueue(flow);
  };
  const waitKeyUrl = (queue: string) => `${h.config.publicUrl}/twilio/wait-key?queue=${encodeURIComponent(queue)}`;

  // Each turn of the carrier's wait loop (src/acd/wait.ts plans it). A wait document may not hold <Enqueue>, so
  // when the hotline cannot plan the turn in time (the database is down or hangs) it holds the caller with their
  // place in the carrier's queue, in the flow's first language: never the apology's <Enqueue>.
  const holdWithoutPlan = (req: Request): string => {
    const queue = waitingIn(req);
    const position = queueWaitParams.safeParse(req.body).data?.QueuePosition;
    return renderWait(flow, {
      kind: 'hold',
      language: flow.languages[0]!,
      ...(position ? { announce: { position } } : {}),
      offerCallback: false,
      callbackKey: false,
      music: h.queues.get(queue)?.hold.music,
      seconds: WAIT_PAUSE_SECONDS,
    }, waitKeyUrl(queue));
  };

  router.post('/wait', answering(w, async (req) => {
    const p = parseParams(queueWaitParams, req.body);
    const queue = waitingIn(req);
    const plan = () => waitTurn(h, p.CallSid, { callbacks: flow.messages.callbackOffer !== undefined });
    let turn = await plan();
    if (!turn && (await adoptHeldCaller(h, flow, { sid: p.CallSid, from: p.From, to: p.To, queue, queueSeconds: p.QueueTime }))) {
      // Held by the carrier but not waiting here: answered by the apology while the database was away.
      h.bus.emit('changed');
      routeSoon(h);
      turn = await plan();
    }
    return turn ? renderWait(flow, turn, waitKeyUrl(queue)) : holdWithoutPlan(req);
  }, holdWithoutPlan));

  // The key pressed during a wait turn: 1 asks for a call back; anything else goes on waiting. Inside the wait
  // loop too, so a failure keeps the caller waiting (with the apology), never the apology's <Enqueue>.
  const keepWaitingWithApology = (req: Request) => renderKeepWaiting(urls.wait(waitingIn(req)), unavailableInEveryLanguage(flow));
  router.post('/wait-key', answering(w, async (req) => {
    const p = parseParams(gatherParams, req.body);
    const waitUrl = urls.wait(waitingIn(req));
    if (p.Digits !== '1') return renderKeepWaiting(waitUrl);
    const callback = await requestCallback(h, p.CallSid, { delayMinutes: h.config.callbackDelayMinutes });
    return callback ? renderCallbackConfirmed(flow, callback.language, callbackMinutes(callback)) : renderKeepWaiting(waitUrl);
  }, keepWaitingWithApology));

  router.post('/queue-exit', answering(w, async (req) => {
    const p = parseParams(queueExitParams, req.body);
    if (p.QueueResult === 'hangup' || p.QueueResult === 'redirected' || p.QueueResult === 'bridged') return renderHangup();
    if (p.QueueResult === 'leave') {
      // Left after asking for a call back: goodbye.
      const call = await getCall(h, p.CallSid);
      if (call?.status === 'callback') return renderHangup(speak(flow, flow.messages.thanks, { language: call.ivr.language, answers: {} }));
    }
    // The queue failed the caller (full, error): apologise and try again rather than drop them.
    h.log.warn({ callSid: p.CallSid, queueResult: p.QueueResult }, 'caller left the queue unexpectedly');
    return renderUnavailable(flow, fallbackQueue(flow), urls);
  }));

  connectWebhooks(router, w);
  recordingWebhooks(router, h);
  callbackWebhooks(router, w);
  surveyWebhooks(router, w);

  router.post('/status', recording(h, 'status callback', async (req) => {
    const p = parseParams(statusParams, req.body);
    if (!FINAL_STATUSES.has(p.CallStatus)) return;
    const at = p.Timestamp ?? h.now();
    // Held at this door and never taken in (here or by another process): the caller hung up while held.
    const heldSince = door.letGo(p.CallSid);
    if (heldSince && (await endHeldCall(h, { sid: p.CallSid, from: p.From, to: p.To, heldSince }, p.CallDuration, at))) return;
    await endCall(h, p.CallSid, p.CallDuration, at);
    await callerLeft(h, p.CallSid);
  }));

  return router;
}

function logWebhook(h: Hotline, door: Door): express.RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const answered = door.answering();
    res.on('close', answered);
    res.on('finish', () => {
      answered();
      h.log.info(
        {
          callSid: req.body?.CallSid,
          webhook: req.path,
          seq: req.query.seq,
          digits: req.body?.Digits,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'webhook',
      );
    });
    next();
  };
}
