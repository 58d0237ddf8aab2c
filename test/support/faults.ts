/**
 * Real faults for specs, in one import: a TCP proxy that refuses or blackholes the database, a hotline in a
 * child process to `kill -9`, its simulated callers over HTTP, and PostgreSQL's own `pg_terminate_backend`.
 * Self-tests: test/faults/harness.test.ts.
 */
export { tcpProxy, targetOf, type ProxyMode, type TcpProxy } from './tcp-proxy.ts';
export { spawnHotline, type Exit, type HotlineProcess } from './spawn-hotline.ts';
export { callerHangsUp, callEvents, nextCallEvent, placeCall, pressKeys, type NewCall, type PlacedCall } from './simulator-client.ts';
export { backendsOf, terminateBackends, type Backend } from './pg-faults.ts';
