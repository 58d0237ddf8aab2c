import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/database.ts';
import { pgliteThread, type PgliteThread } from '../src/pglite.ts';
import { callParams, newCallSid, signedPost, webhookApp } from './support/hotline.ts';
import { spoken, verbs } from './support/twiml.ts';

/**
 * The embedded database runs in a thread of its own, spoken to as a PostgreSQL server is (src/pglite.ts): its
 * statements no longer hold the event loop that answers callers, and one PostgreSQL session serves each
 * connection in turn as a server's backends would.
 */

describe.runIf(!process.env['DATABASE_URL'])('PGlite in its own thread', () => {
  let hotline: Awaited<ReturnType<typeof webhookApp>>;
  beforeAll(async () => {
    hotline = await webhookApp();
  });
  afterAll(async () => {
    await hotline?.database.close();
  });

  it('leaves the hotline answering while a statement runs long', async () => {
    let slowDone = false;
    const slow = rows(hotline.database.db, sql`select pg_sleep(3)`).then(() => (slowDone = true));
    const live = await request(hotline.app).get('/livez');
    expect(live.status).toBe(200);
    expect(slowDone).toBe(false);
    await slow;
    expect(slowDone).toBe(true);
  });

  it("answers a new caller with the apology within the webhook's 8 s while a statement holds the database, and with the welcome once it is free", async () => {
    const held = rows(hotline.database.db, sql`select pg_sleep(9)`);
    const apology = await signedPost(hotline.app, '/twilio/voice', callParams(newCallSid()));
    expect(apology.status).toBe(200);
    expect(spoken(apology.text)).toEqual(['系统故障', 'Technical problem']);
    expect(verbs(apology.text).at(-1)).toMatchObject({ verb: 'Enqueue', text: 'general' });
    await held;
    const welcome = await signedPost(hotline.app, '/twilio/voice', callParams(newCallSid()));
    expect(verbs(welcome.text).map((v) => v.verb)).toContain('Gather');
  }, 30_000);
});

describe('a connection to the thread', () => {
  let thread: PgliteThread;
  const connect = () => postgres({ ...({ socket: () => thread.socket() } as object), max: 1, onnotice: () => {} });
  beforeAll(async () => {
    thread = await pgliteThread(null);
    const setUp = connect();
    await setUp`create table rides (train text)`;
    await setUp.end();
  });
  afterAll(async () => {
    await thread?.close();
  });

  it('lost in the middle of a transaction leaves nothing of it to the next connection', async () => {
    const first = connect();
    let inserted!: () => void;
    const written = new Promise<void>((done) => (inserted = done));
    const writing = first.begin(async (tx) => {
      await tx`insert into rides values ('G1234')`;
      inserted();
      // Never committed: the connection goes first.
      await new Promise(() => {});
    });
    writing.catch(() => {});
    await written;
    await first.end({ timeout: 0 });

    const next = connect();
    try {
      expect(await next`select count(*)::int as rides from rides`).toEqual([{ rides: 0 }]);
      await next.begin((tx) => tx`insert into rides values ('G5678')`);
      expect(await next`select train from rides`).toEqual([{ train: 'G5678' }]);
    } finally {
      await next.end();
    }
  });
});
