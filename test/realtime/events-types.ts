/**
 * The typed Socket.IO events (src/realtime/events.ts), checked by the type-checker: `npx tsc --noEmit -p .`
 * compiles this file, and each `@ts-expect-error` below fails the check if the line it marks compiles, i.e.
 * if a wrong event name or payload were accepted on the server or on a page. Nothing here runs.
 */
import { expectTypeOf } from 'vitest';
import type { WordedScreenPop } from '../../src/acd/screen-pop.ts';
import type { Failed, PhoneAnswer, PresenceAnswer } from '../../src/realtime/events.ts';
import type { Logger } from 'pino';
import { listen } from '../../src/realtime/handlers.ts';
import type { TypedNamespace, TypedSocket } from '../../src/realtime/server.ts';
import { ask, type HotlineSocket } from '../../web-agent/src/shared/socket.ts';

export function serverSide(agents: TypedNamespace<'/agents'>, managers: TypedNamespace<'/managers'>, phone: TypedNamespace<'/phone'>, pop: WordedScreenPop) {
  agents.to('agent:1').emit('offer', pop);
  agents.to('agent:1').emit('presence', { staffId: 1, presence: 'available', reason: null });
  // @ts-expect-error an event the softphone does not listen to
  agents.to('agent:1').emit('offered', pop);
  // @ts-expect-error the screen-pop without its worded path
  agents.to('agent:1').emit('offer', { ...pop, pathWords: undefined });
  // @ts-expect-error a presence the ACD does not have
  agents.emit('presence', { staffId: 1, presence: 'lunch', reason: null });
  // @ts-expect-error the live board goes to /managers, not /agents
  agents.emit('metrics', {});
  // @ts-expect-error the dashboard's metrics are a LiveMetrics
  managers.emit('metrics', { queues: [] });
  phone.emit('leg-ended', { legSid: 'CA1', reason: 'completed' });
  // @ts-expect-error leg-ended says why
  phone.emit('leg-ended', { legSid: 'CA1' });
}

export function serverListens(socket: TypedSocket<'/agents'>, log: Logger) {
  const on = listen(socket, log);
  on('callback-accept', 'could not', async () => ({ ok: false, error: 'no longer ringing' }));
  // @ts-expect-error a presence change is answered with the presence it led to
  on('presence', 'could not', async () => ({ ok: true }));
  // @ts-expect-error the softphone sends no such event
  on('hangup', 'could not', async () => ({ ok: true }));
  socket.on('presence', (_body, ack) => ack({ ok: true, presence: 'available' }));
  // @ts-expect-error the acknowledgement of presence carries the new presence
  socket.on('presence', (_body, ack) => ack({ ok: true }));
  // @ts-expect-error pages send no such event
  socket.on('presense', () => undefined);
}

export async function pageSide(agents: HotlineSocket<'/agents'>, dashboard: HotlineSocket<'/managers'>, phone: HotlineSocket<'/phone'>) {
  agents.on('offer', (pop) => {
    expectTypeOf(pop.pathWords[0]!.words.en).toBeString();
    expectTypeOf(pop.path).toEqualTypeOf<string[]>();
  });
  const ack = await ask(agents, 'presence', { state: 'break', reason: 'meal' });
  if (ack.ok) expectTypeOf(ack.presence).toBeString();
  expectTypeOf(await ask(agents, 'wrap-up-done')).toEqualTypeOf<PresenceAnswer | Failed>();
  const saved = await ask(agents, 'notes', { callSid: 'CA1', version: 2, text: 'refund' });
  if (saved.ok) expectTypeOf(saved.version).toBeNumber();
  // @ts-expect-error break, available or offline only
  await ask(agents, 'presence', { state: 'lunch' });
  // @ts-expect-error callbacks are accepted by their offer's number
  await ask(agents, 'callback-accept', { offerId: 'seven' });
  // @ts-expect-error wrap-up-done takes no payload
  await ask(agents, 'wrap-up-done', {});
  // @ts-expect-error pages cannot make up requests
  await ask(agents, 'hangup-everyone', {});
  // @ts-expect-error the softphone does not receive the live board
  agents.on('metrics', () => undefined);
  dashboard.on('metrics', (m) => expectTypeOf(m.today.offered).toBeNumber());
  // @ts-expect-error the dashboard sends nothing
  dashboard.emit('presence', { state: 'available' });
  // @ts-expect-error a phone action names its leg
  await ask(phone, 'answer', {});
  expectTypeOf(await ask(phone, 'hold', { legSid: 'CA1', on: true })).toEqualTypeOf<PhoneAnswer | Failed>();
  phone.on('incoming', (leg) => expectTypeOf(leg.legSid).toBeString());
}
