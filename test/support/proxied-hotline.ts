import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Database } from '../../src/database.ts';
import { testDatabase } from './database.ts';
import { middayTimeZone } from './remote-agent.ts';
import { spawnHotline, type HotlineProcess } from './spawn-hotline.ts';
import { tcpProxy, targetOf, type TcpProxy } from './tcp-proxy.ts';

export type ProxiedHotline = { database: Database; proxy: TcpProxy; hotline: HotlineProcess };

/**
 * For a fault spec file on PostgreSQL (nothing when DATABASE_URL is unset): a throwaway schema, a TCP proxy in
 * front of the server, and a hotline process connected through it, in the middle of its working day. Its log's
 * last part is printed when a spec fails, the first thing to read (in CI too).
 */
export function proxiedHotlinePerFile(options: { timeScale?: number } = {}): () => ProxiedHotline {
  const url = process.env['DATABASE_URL'];
  let it: ProxiedHotline | undefined;
  beforeAll(async () => {
    if (!url) return;
    const database = await testDatabase();
    const proxy = await tcpProxy(targetOf(url));
    const env = { HOTLINE_TIME_ZONE: middayTimeZone(), LOG_LEVEL: 'warn' };
    const hotline = await spawnHotline({ databaseUrl: proxy.url(url), schema: database.server!.schema!, env, ...(options.timeScale ? { timeScale: options.timeScale } : {}) });
    it = { database, proxy, hotline };
  });
  afterAll(async () => {
    await it?.hotline.kill();
    await it?.proxy.close();
    await it?.database.close();
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' && it) console.log(`the hotline's log, last part:\n${it.hotline.log().slice(-6_000)}`);
  });
  return () => it!;
}
