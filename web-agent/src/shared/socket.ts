import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { AnswerOf, Namespaces, RequestOf } from '../../../src/realtime/events.ts';

/**
 * How every page reaches the hotline's Socket.IO: WebSocket first, one long-lived connection. Several hotline
 * processes behind one port (`--workers`) take only WebSocket, since Node's cluster may hand each HTTP request
 * to another process; a single process also takes long-polling, tried when WebSocket cannot connect.
 */
export const SOCKET_TRANSPORTS: Pick<ManagerOptions, 'transports' | 'tryAllTransports'> = { transports: ['websocket', 'polling'], tryAllTransports: true };

/**
 * A page's socket to one of the hotline's namespaces, typed with that namespace's events as the server
 * declares them (src/realtime/events.ts): listening to an event the server does not send, or sending one it
 * does not take (or with another payload), fails the page's type-check.
 */
export type HotlineSocket<N extends keyof Namespaces> = Socket<Namespaces[N]['serverToClient'], Namespaces[N]['clientToServer']>;

/** Connect to `namespace` with the staff member's session token. */
export function connectTo<N extends keyof Namespaces>(namespace: N, token: string, options: Partial<ManagerOptions & SocketOptions> = {}): HotlineSocket<N> {
  return io(namespace, { ...SOCKET_TRANSPORTS, auth: { token }, ...options });
}

/** How long a page waits for the hotline to acknowledge a request before telling the person it failed. */
export const ASK_MS = 5_000;

/**
 * Send `event` and wait (ASK_MS at most) for its acknowledgement: the payload and the answer are those the
 * namespace declares. (Socket.IO's own `timeout().emitWithAck` loses the answer's type: it adds the time-out
 * error to the acknowledgement, which its typing then no longer reads.) Rejects when no answer comes in time.
 */
export function ask<C extends Record<string, (...args: never[]) => void>, E extends keyof C & string>(socket: Socket<never, C>, event: E, ...request: RequestOf<C[E]>): Promise<AnswerOf<C[E]>> {
  const timed = socket.timeout(ASK_MS) as unknown as { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
  return timed.emitWithAck(event, ...(request as unknown[])) as Promise<AnswerOf<C[E]>>;
}
