import { io, type Socket } from 'socket.io-client';
import { afterEach } from 'vitest';

/**
 * A Socket.IO connection as a staff page opens one (over WebSocket, no reconnection of its own): resolves
 * once connected, or rejects with the server's refusal (the socket closed). `listen` subscribes before it
 * connects, to what the server says on connecting.
 */
export function openSocket(url: string, namespace: string, auth: object, listen?: (s: Socket) => void): Promise<Socket> {
  const s = io(`${url}${namespace}`, { auth: auth as Record<string, unknown>, transports: ['websocket'], reconnection: false, forceNew: true });
  listen?.(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err) => {
      s.close();
      reject(err);
    });
  });
}

/** `openSocket`, with every socket it opened disconnected after each spec. */
export function socketsPerSpec(): typeof openSocket {
  const opened: Socket[] = [];
  afterEach(() => {
    for (const s of opened.splice(0)) s.disconnect();
  });
  return (url, namespace, auth, listen) =>
    openSocket(url, namespace, auth, (s) => {
      opened.push(s);
      listen?.(s);
    });
}
