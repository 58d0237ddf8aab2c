import type { ManagerOptions } from 'socket.io-client';

/**
 * How every page reaches the hotline's Socket.IO: WebSocket first, one long-lived connection. Several hotline
 * processes behind one port (`--workers`) take only WebSocket, since Node's cluster may hand each HTTP request
 * to another process; a single process also takes long-polling, tried when WebSocket cannot connect.
 */
export const SOCKET_TRANSPORTS: Pick<ManagerOptions, 'transports' | 'tryAllTransports'> = { transports: ['websocket', 'polling'], tryAllTransports: true };
