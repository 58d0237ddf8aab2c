import http from 'node:http';
import { once } from 'node:events';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { drainable } from '../src/drain.ts';

/**
 * A server told to stop (src/drain.ts): what it was answering is answered, nothing new is taken, and a
 * kept-alive connection is closed rather than left to be reset under the client's next request.
 */

let server: http.Server;
const releases: Array<() => void> = [];
afterEach(() => {
  releases.splice(0).forEach((release) => release());
  server.closeAllConnections();
  server.close();
});

/** A server whose `/slow` answers only when released, and whose other paths answer at once. */
async function serving() {
  server = http.createServer((req, res) => {
    if (req.url === '/slow') releases.push(() => res.end('<Response/>'));
    else res.end('ok');
  });
  const drain = drainable(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { drain, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function get(url: string, agent: http.Agent | false = false): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
      })
      .on('error', reject);
  });
}

describe('a server drained', () => {
  it('answers the request in flight, telling its client the connection ends, and takes no new connection', async () => {
    const { drain, url } = await serving();
    const keepAlive = new http.Agent({ keepAlive: true });
    const inFlight = get(`${url}/slow`, keepAlive);
    while (releases.length === 0) await new Promise((done) => setTimeout(done, 5));
    const drained = drain.drain(5_000);
    await expect(get(`${url}/other`)).rejects.toThrow(/ECONNREFUSED/);
    releases.shift()!();
    expect(await inFlight).toEqual({ status: 200, body: '<Response/>', connection: 'close' });
    await drained;
    expect(drain.inFlight()).toBe(0);
    keepAlive.destroy();
  });

  it('answers a connection it accepted before the stop whose request comes after, rather than resetting it', async () => {
    const { drain, url } = await serving();
    const accepted = once(server, 'connection');
    const client = net.connect(Number(new URL(url).port), '127.0.0.1');
    await accepted;
    const drained = drain.drain(5_000);
    await new Promise((done) => setTimeout(done, 50));
    let reply = '';
    client.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    const ended = once(client, 'close');
    client.write('GET /late HTTP/1.1\r\nHost: hotline\r\n\r\n');
    await ended;
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reply).toMatch(/\r\nConnection: close\r\n/i);
    expect(reply.endsWith('ok')).toBe(true);
    await drained;
  });

  it('closes an idle kept-alive connection at once, and does not wait past its limit', async () => {
    const { drain, url } = await serving();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(`${url}/first`, agent)).toMatchObject({ status: 200, connection: 'keep-alive' });
    const [socket] = Object.values(agent.freeSockets).flat();
    const closed = once(socket!, 'close');
    const stuck = get(`${url}/slow`).catch((err: Error) => err.message);
    while (releases.length === 0) await new Promise((done) => setTimeout(done, 5));
    await drain.drain(100);
    await closed;
    // Past the limit what is left is cut.
    expect(await stuck).toMatch(/socket hang up|ECONNRESET/);
    agent.destroy();
  });
});
