import type { Request, Response } from 'express';
import type { Hotline } from '../hotline.ts';
import { resolve } from '../ivr/engine.ts';
import type { Flow } from '../ivr/flow.ts';
import { within } from '../deadline.ts';
import { BadRequest } from './params.ts';
import { renderUnavailable, type Urls } from './twiml.ts';

/** What every TwiML webhook needs: the hotline, the flow that speaks to callers, and our own URLs. */
export type Webhooks = { h: Hotline; flow: Flow; urls: Urls };

export function webhooks(h: Hotline): Webhooks {
  const base = `${h.config.publicUrl}/twilio`;
  return {
    h,
    flow: mainFlow(h),
    urls: {
      step: (seq) => `${base}/ivr?seq=${seq}`,
      wait: (queue) => `${base}/wait?queue=${encodeURIComponent(queue)}`,
      queueExit: `${base}/queue-exit`,
      agentLeg: (offerId, roomSid) => `${base}/agent-leg?offer=${offerId}&room=${encodeURIComponent(roomSid)}`,
      afterCall: (offerId) => `${base}/after-call?offer=${offerId}`,
      conference: (offerId) => `${base}/conference?offer=${offerId}`,
      consultLeg: (offerId) => `${base}/consult-leg?offer=${offerId}`,
      monitorLeg: (monitorId) => `${base}/monitor-leg?monitor=${monitorId}`,
      transfer: (offerId, queue) => `${base}/transfer?offer=${offerId}&queue=${encodeURIComponent(queue)}`,
      holdMusic: (queue) => `${base}/hold-music?queue=${encodeURIComponent(queue)}`,
      survey: (seq, language) => `${base}/survey?seq=${seq}&language=${encodeURIComponent(language)}`,
    },
  };
}

/**
 * Wrap a handler that produces TwiML: bad input is a 400 naming the field; any failure still speaks. By
 * default a failure apologises and queues the caller for an agent; `onFailure` says something else (the
 * survey just thanks the caller and lets them go).
 */
export function answering(w: Webhooks, handler: (req: Request) => Promise<string>, onFailure?: (req: Request) => string) {
  return async (req: Request, res: Response) => {
    let twiml: string;
    try {
      twiml = await within(WEBHOOK_DEADLINE_MS, handler(req), `webhook ${req.path}`);
    } catch (err) {
      if (err instanceof BadRequest) {
        res.status(400).type('text/plain').send(err.message);
        return;
      }
      w.h.log.error({ err, callSid: req.body?.CallSid, path: req.path }, 'webhook failed; apologising');
      twiml = onFailure ? onFailure(req) : renderUnavailable(w.flow, fallbackQueue(w.flow), w.urls);
    }
    res.type('text/xml').send(twiml);
  };
}

/**
 * Wrap a status callback (nobody hears its answer): 204 once recorded, 400 naming the field for bad input,
 * and 503 when the hotline failed, since a 5xx is what makes Twilio send it again.
 */
export function recording(h: Hotline, what: string, handler: (req: Request) => Promise<void>) {
  return async (req: Request, res: Response) => {
    try {
      await handler(req);
      res.status(204).end();
    } catch (err) {
      if (err instanceof BadRequest) {
        res.status(400).type('text/plain').send(err.message);
        return;
      }
      h.log.error({ err, path: req.path }, `${what} failed`);
      res.status(503).type('text/plain').send('status not recorded, retry');
    }
  };
}

/**
 * Twilio gives up on a webhook after 15 s and the caller hears an application error. A database that hangs
 * (rather than refuses) could hold a step that long, so a step not answered by this deadline is answered by
 * the apology instead.
 */
export const WEBHOOK_DEADLINE_MS = 8_000;

export function mainFlow(h: Hotline): Flow {
  const flow = h.flows.get('hotline') ?? h.flows.values().next().value;
  if (!flow) throw new Error('no IVR flow loaded');
  return flow;
}

/** The queue the flow's fallback leads to, for when the hotline cannot walk the flow itself. */
export function fallbackQueue(flow: Flow): string {
  const [, id] = resolve(flow.name, flow.fallback);
  const node = flow.nodes[id];
  return node?.kind === 'queue' ? node.queue : 'general';
}
