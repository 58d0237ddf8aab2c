import express, { type Response, type Router } from 'express';
import { z } from 'zod';
import { completeConsult, consult, returnToCaller, type ConsultTarget } from '../acd/consult.ts';
import { holdCaller, Refused } from '../acd/conversation.ts';
import { monitor, stopMonitoring } from '../acd/monitor.ts';
import { clientIdentity } from '../acd/placement.ts';
import { transferToQueue } from '../acd/transfer.ts';
import { webhooks } from '../telephony/answering.ts';
import type { Hotline } from '../hotline.ts';
import { THREE_RING_STANDARD } from '../metrics/rings.ts';
import { currentStaff, requireStaff } from '../staff/auth.ts';
import type { Role } from '../staff/staff.ts';
import { currentCall, type CurrentCall } from './current.ts';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { described, operation } from '../api/describe.ts';

/** GET /api/softphone's answer. */
export type SoftphoneSettings = {
  carrier: 'simulator' | 'twilio';
  /** The client identity the carrier rings this agent at. */
  identity: string;
  ringCycleSeconds: number;
  offerRingLimit: number;
  standardRings: number;
  /** The queues a caller can be passed to (POST /api/softphone/transfer). */
  queues: string[];
  /** The departments a caller can be passed to by phone (cases.yaml), by key, with their names. */
  departments: Array<{ key: string; name: string }>;
  current: CurrentCall | null;
};

export const holdBody = z.strictObject({ on: z.boolean({ error: 'on must be true (hold) or false (resume)' }) });
const employeeNo = z.string({ error: "agent must be the agent's employee number" }).regex(/^\d{3,10}$/, "agent must be the agent's employee number");
const department = z.string({ error: 'department must be the name of a department' }).regex(/^[a-z][a-z0-9-]*$/, 'department must be the name of a department');
/** Exactly one of `keys` is given; the message names them, and the first is the field at fault. */
const oneOf = <K extends string>(...keys: K[]): [(body: Partial<Record<K, unknown>>) => boolean, { message: string; path: string[] }] => [
  (body) => keys.filter((k) => body[k] !== undefined).length === 1,
  { message: `say exactly one of ${keys.join(', ')}`, path: [keys[0]!] },
];
export const transferBody = z
  .strictObject({ queue: z.string({ error: 'queue must be the name of a queue' }).optional(), agent: employeeNo.optional(), department: department.optional() })
  .refine(...oneOf('queue', 'agent', 'department'));
export const consultBody = z.strictObject({ agent: employeeNo.optional(), department: department.optional() }).refine(...oneOf('agent', 'department'));
/** A colleague or a department, as the body names it. */
const targetOf = (b: { agent?: string | undefined; department?: string | undefined }): ConsultTarget => (b.agent !== undefined ? { agent: b.agent } : { department: b.department! });
export const monitorBody = z.strictObject({
  agent: employeeNo,
  mode: z.enum(['listen', 'whisper', 'barge'], { error: 'mode must be listen, whisper or barge' }),
});

/**
 * GET /api/softphone (mounted under /api): what the agent page needs to set up its phone (which carrier,
 * the identity it is rung at, the ring cadence and limits) and the call it should be showing.
 * POST /api/softphone/hold `{ on }`: put the caller of the agent's conversation on hold, or take them off.
 * POST /api/softphone/transfer `{ queue }`: pass the caller to another queue, their place in line kept; or
 * `{ agent }` / `{ department }`: to a colleague or a department's number, handed over once they answer.
 */
export function softphoneRoutes(h: Hotline): Router {
  const router = express.Router();
  router.get('/softphone', requireStaff(h, ['agent', 'supervisor']), async (_req, res) => {
    const me = currentStaff(res);
    const settings: SoftphoneSettings = {
      carrier: h.carrier.kind,
      identity: clientIdentity(me.employeeNo),
      ringCycleSeconds: h.config.ringCycleSeconds,
      offerRingLimit: h.config.offerRingLimit,
      standardRings: THREE_RING_STANDARD,
      queues: [...h.queues.keys()],
      departments: [...h.cases.departments].filter(([, d]) => d.phone).map(([key, d]) => ({ key, name: d.name })),
      current: await currentCall(h, me.id),
    };
    res.set('Cache-Control', 'no-store').json(settings);
  });
  const control = <T extends z.ZodType>(path: string, schema: T, act: (staffId: number, body: z.infer<T>) => Promise<object>, roles: Role[] = ['agent', 'supervisor'], method: 'post' | 'delete' = 'post') =>
    router[method](path, requireStaff(h, roles), async (req, res) => {
      await answering(res, async () => {
        const body = schema.safeParse(req.body ?? {});
        if (!body.success) throw new Refused(body.error.issues[0]!.message, 400, String(body.error.issues[0]!.path[0] ?? 'request'));
        return act(currentStaff(res).id, body.data);
      });
    });
  control('/softphone/hold', holdBody, (staffId, { on }) => holdCaller(h, staffId, on, webhooks(h).urls.holdMusic));
  const consultUrls = () => ({ legCallback: webhooks(h).urls.consultLeg, holdUrl: webhooks(h).urls.holdMusic });
  // To a queue the caller waits again; to a colleague or a department they are handed over once they answer.
  control('/softphone/transfer', transferBody, (staffId, b) =>
    b.queue !== undefined ? transferToQueue(h, staffId, b.queue, webhooks(h).urls.transfer) : consult(h, staffId, targetOf(b), consultUrls(), true),
  );
  control('/softphone/consult', consultBody, (staffId, b) => consult(h, staffId, targetOf(b), consultUrls()));
  control('/softphone/consult/complete', z.looseObject({}), (staffId) => completeConsult(h, staffId));
  control('/softphone/consult/return', z.looseObject({}), (staffId) => returnToCaller(h, staffId, webhooks(h).urls.holdMusic));
  // Supervisors: they have a softphone to be dialled into the call with.
  const watchers: Role[] = ['supervisor'];
  control('/monitor', monitorBody, (staffId, { agent, mode }) => monitor(h, staffId, agent, mode, webhooks(h).urls.monitorLeg), watchers);
  control('/monitor', z.looseObject({}), (staffId) => stopMonitoring(h, staffId), watchers, 'delete');
  return router;
}

async function answering(res: Response, work: () => Promise<object>): Promise<void> {
  try {
    res.json(await work());
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    res.status(err.status).json({ error: err.message, ...(err.field ? { field: err.field } : {}) });
  }
}

const conversation = described('The conversation as it is now (who is on it, held or not).');
const ON_A_CALL = ['agent', 'supervisor'] as const;
const refused = { 409: 'Not possible now (no conversation, or not in a state that allows it): `error` says why.' };

/** These routes in /api/openapi.json (src/api/openapi.ts). */
export const softphonePaths: ZodOpenApiPathsObject = {
  '/api/softphone': {
    get: operation({
      summary: "The softphone's settings and the call it should show",
      tags: ['softphone'],
      who: ON_A_CALL,
      ok: { schema: described('SoftphoneSettings: carrier, identity, ring cadence and limits, queues, departments, current call.'), description: 'The settings.' },
    }),
  },
  '/api/softphone/hold': { post: operation({ summary: "Put the caller on hold, or take them off", tags: ['softphone'], who: ON_A_CALL, body: holdBody, ok: { schema: conversation, description: 'Held or resumed.' }, also: refused }) },
  '/api/softphone/transfer': {
    post: operation({ summary: 'Pass the caller to a queue (their place kept), a colleague or a department', tags: ['softphone'], who: ON_A_CALL, body: transferBody, ok: { schema: conversation, description: 'Passed on, or being handed over.' }, also: refused }),
  },
  '/api/softphone/consult': { post: operation({ summary: 'Call a colleague or a department while the caller holds', tags: ['softphone'], who: ON_A_CALL, body: consultBody, ok: { schema: conversation, description: 'Dialling.' }, also: refused }) },
  '/api/softphone/consult/complete': { post: operation({ summary: 'Hand the caller to the consulted party', tags: ['softphone'], who: ON_A_CALL, ok: { schema: conversation, description: 'Handed over.' }, also: refused }) },
  '/api/softphone/consult/return': { post: operation({ summary: 'End the consultation and go back to the caller', tags: ['softphone'], who: ON_A_CALL, ok: { schema: conversation, description: 'Back with the caller.' }, also: refused }) },
  '/api/monitor': {
    post: operation({ summary: "Listen in on, whisper to or barge into an agent's conversation", tags: ['softphone'], who: ['supervisor'], body: monitorBody, ok: { schema: described('The monitoring session.'), description: 'Monitoring.' }, also: refused }),
    delete: operation({ summary: 'Stop monitoring', tags: ['softphone'], who: ['supervisor'], ok: { schema: described('Stopped.'), description: 'Stopped.' }, also: refused }),
  },
};
