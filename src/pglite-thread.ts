import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * The embedded database's thread (src/pglite.ts starts it): PGlite, serving PostgreSQL's wire protocol to
 * the connections the main thread sends it as MessagePorts, one at a time as PostgreSQL's own session would.
 * Its queries run here, beside the hotline's event loop instead of inside it.
 */

/** Its folder (null: in memory) and the PostgreSQL settings it adds to PGlite's own. */
export type ThreadStart = { dataDir: string | null; settings: string[] };

const { dataDir, settings } = workerData as ThreadStart;
const pg = await PGlite.create({ dataDir: dataDir ?? undefined, extensions: { pg_trgm }, startParams: [...PGlite.defaultStartParams, ...settings] });
await pg.exec('CREATE EXTENSION IF NOT EXISTS pg_trgm');

/**
 * One session, so one connection at a time: the next waits (its messages kept by its port) until the one
 * before has closed and what it left is undone. Events of two ports come in no set order, so a connection
 * opened after another closed could otherwise be served first, inside the transaction the other left open.
 */
const waiting: MessagePort[] = [];
let serving: MessagePort | undefined;

parentPort!.on('message', (message: { connect?: MessagePort; close?: true }) => {
  if (message.connect) {
    waiting.push(message.connect);
    serveNext();
  }
  if (message.close) void pg.close().then(() => process.exit(0));
});
parentPort!.postMessage({ ready: true });

function serveNext(): void {
  if (serving || !waiting.length) return;
  serving = waiting.shift()!;
  serve(serving);
}

/** A connection: its bytes framed into whole messages, each batch run by PGlite and its answer sent back. */
function serve(port: MessagePort): void {
  let pending: Buffer = Buffer.alloc(0);
  let started = false;
  port.on('message', (chunk: Uint8Array) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!started) {
      // The startup message (no type byte: its length, then the protocol version) is PGlite's to take alone.
      if (pending.length < 4 || pending.length < pending.readInt32BE(0)) return;
      const length = pending.readInt32BE(0);
      reply(port, pg.execProtocolRawSync(pending.subarray(0, length)));
      pending = pending.subarray(length);
      started = true;
    }
    // Whole messages only, up to a Terminate: PGlite's session outlives the connection that ends.
    let whole = 0;
    let terminate = false;
    while (pending.length - whole >= 5 && pending.length - whole >= 1 + pending.readInt32BE(whole + 1)) {
      if (pending[whole] === TERMINATE) {
        terminate = true;
        break;
      }
      whole += 1 + pending.readInt32BE(whole + 1);
    }
    if (whole) reply(port, pg.execProtocolRawSync(pending.subarray(0, whole)));
    pending = pending.subarray(whole);
    if (terminate) port.close();
  });
  // A connection gone in the middle of a transaction (its process end, a dropped socket) leaves nothing
  // behind for the next: PostgreSQL would end its backend; here the session lives on, so it is reset.
  port.on('close', () => {
    if (pg.isInTransaction()) pg.execProtocolRawSync(simpleQuery('ROLLBACK'));
    pg.execProtocolRawSync(simpleQuery('DEALLOCATE ALL'));
    serving = undefined;
    serveNext();
  });
}

const TERMINATE = 'X'.charCodeAt(0);

function reply(port: MessagePort, answer: Uint8Array): void {
  if (answer.length) port.postMessage(answer, [answer.buffer as ArrayBuffer]);
}

/** A Query message ('Q'): its length, the statement, a NUL. */
function simpleQuery(statement: string): Uint8Array {
  const text = Buffer.from(`${statement}\0`);
  const message = Buffer.alloc(5 + text.length);
  message.write('Q', 0);
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}
