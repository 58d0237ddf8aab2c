import type { Logger } from 'pino';
import type { Socket } from 'socket.io';

/** What an acknowledgement says when the hotline, not the request, failed. */
export type Failed = { ok: false; error: string };

/** Handles one event's payload and says what to acknowledge. */
export type Handler<A> = (payload: unknown) => Promise<A>;

/**
 * The one way a namespace listens to a staff page, so that no event can end the process. The client's
 * acknowledgement is the last argument only when it is a function: a page may send none, or a payload where
 * it meant none (`emit('wrap-up-done', {})`), and calling that would throw inside an async listener, an
 * unhandled rejection. Whatever the handler throws (a bug, the database away) is logged and answered
 * `{ ok: false, error: failure }`.
 */
export function listen(socket: Socket, log: Logger) {
  return <A>(event: string, failure: string, handler: Handler<A>): void => {
    socket.on(event, (...args: unknown[]) => {
      const ack = typeof args.at(-1) === 'function' ? (args.pop() as (answer: A | Failed) => void) : undefined;
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
