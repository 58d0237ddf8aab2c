import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { AnswerOf, Failed } from './events.ts';

export type { Failed } from './events.ts';

/** Handles one event's payload and says what to acknowledge. */
export type Handler<A> = (payload: unknown) => Promise<A>;

/** How this module registers a listener: the payload is unknown whatever the events say (a page is not trusted). */
type Listening = { on(event: string, listener: (...args: unknown[]) => void): unknown };

/**
 * The one way a namespace listens to a staff page, so that no event can end the process. The client's
 * acknowledgement is the last argument only when it is a function: a page may send none, or a payload where
 * it meant none (`emit('wrap-up-done', {})`), and calling that would throw inside an async listener, an
 * unhandled rejection. Whatever the handler throws (a bug, the database away) is logged and answered
 * `{ ok: false, error: failure }`. The event must be one the namespace declares (src/realtime/events.ts) and
 * the handler must answer what it declares; the payload is still `unknown`, for the handler's zod to check.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Socket.IO's own bound for an event map; the other maps do not matter here
export function listen<Events extends Record<string, any>>(socket: Socket<Events, any, any, any>, log: Logger) {
  const on = (socket as Listening).on.bind(socket);
  return <E extends keyof Events & string>(event: E, failure: string, handler: Handler<AnswerOf<Events[E]>>): void => {
    on(event, (...args: unknown[]) => {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: unknown) => void) : undefined;
      void answer(handler, args[0], log, event, failure)
        .then((reply) => ack?.(reply))
        .catch((err: unknown) => log.error({ err, event }, 'could not acknowledge a socket event'));
    });
  };
}

async function answer<A>(handler: Handler<A>, payload: unknown, log: Logger, event: string, failure: string): Promise<A | Failed> {
  try {
    return await handler(payload);
  } catch (err) {
    log.error({ err, event }, 'socket event failed');
    return { ok: false, error: failure };
  }
}
