import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { callEvents, calls } from '../../db/schema.ts';
import { openDoor } from '../../src/telephony/door.ts';
import { callParams, newCallSid, PUBLIC_URL, signedPost, webhookApp } from '../support/hotline.ts';
import { OPEN } from '../support/flows.ts';
import { keepLoopBusy } from '../support/overload.ts';
import { spoken, verbs } from '../support/twiml.ts';

/**
 * The door: while the hotline is overloaded, new callers are held (told once, music, asked again) and those
 * already inside go on being served. The overload here is real: this process's event loop kept busy, as an
 * overloaded hotline's is.
 */

let ctx: Awaited<ReturnType<typeof webhookApp>>;
let clock = OPEN;
beforeAll(async () => {
  ctx = await webhookApp({ now: () => clock, env: { DOOR_LOOP_LAG_MS: '200' } });
});
afterAll(async () => {
  await ctx.database.close();
});

const callRow = async (sid: string) => (await ctx.database.db.select().from(calls).where(eq(calls.sid, sid)))[0];
const eventsOf = (sid: string) => ctx.database.db.select().from(callEvents).where(eq(callEvents.callSid, sid)).orderBy(callEvents.id);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const overload = () => keepLoopBusy();

/** Two calm windows: the door opens again. */
const ease = () => sleep(1_100);

const voice = (sid: string, path = '/twilio/voice') => signedPost(ctx.app, path, callParams(sid));
const againUrl = (twiml: string) => verbs(twiml).find((v) => v.verb === 'Redirect')!.text;
const pathOf = (url: string) => url.slice(PUBLIC_URL.length);

describe('the door', () => {
  it('holds a new caller while the hotline is overloaded, tells them once why, and takes them in when it eases, their call counted from their first ring', async () => {
    const inside = newCallSid();
    expect(verbs((await voice(inside)).text)[0]).toMatchObject({ verb: 'Gather' });

    await overload();
    const sid = newCallSid();
    const held = await voice(sid);
    expect(held.status).toBe(200);
    expect(spoken(held.text)).toEqual(['线路繁忙', 'All lines are busy']);
    expect(verbs(held.text).map((v) => v.verb)).toEqual(['Say', 'Say', 'Pause', 'Redirect']);
    expect(verbs(held.text)[2]!.attrs.length).toBe('2');
    const again = againUrl(held.text);
    expect(again).toBe(`${PUBLIC_URL}/twilio/voice?since=${OPEN.getTime()}`);

    // Asking again while it is still overloaded: held again from the same first ring, told again (this flow's
    // queue has no music: never silence).
    clock = new Date(OPEN.getTime() + 10_000);
    const still = await voice(sid, pathOf(again));
    expect(spoken(still.text)).toEqual(['线路繁忙', 'All lines are busy']);
    expect(verbs(still.text).find((v) => v.verb === 'Pause')!.attrs.length).toBe('2');
    expect(againUrl(still.text)).toBe(again);
    expect(await callRow(sid)).toBeUndefined();

    // A caller already inside is answered as ever.
    const pressed = await signedPost(ctx.app, '/twilio/ivr?seq=1', callParams(inside, { Digits: '1' }));
    expect(spoken(pressed.text)).not.toContain('线路繁忙');
    expect((await callRow(inside))!.seq).toBe(2);

    await ease();
    clock = new Date(OPEN.getTime() + 20_000);
    const taken = await voice(sid, pathOf(again));
    expect(verbs(taken.text)[0]).toMatchObject({ verb: 'Gather' });
    expect(spoken(taken.text)).toContain('欢迎');
    expect(await callRow(sid)).toMatchObject({ status: 'ivr', seq: 1, startedAt: OPEN });
    expect((await eventsOf(sid))[0]).toMatchObject({ type: 'call.started', data: { heldSeconds: 20 } });
  });

  it('keeps the call of a caller who hangs up while held, ended as abandoned at the door', async () => {
    clock = OPEN;
    await overload();
    const sid = newCallSid();
    expect(verbs((await voice(sid)).text).at(-1)).toMatchObject({ verb: 'Redirect' });
    clock = new Date(OPEN.getTime() + 7_000);
    const status = await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: 'completed', CallDuration: '7' }));
    expect(status.status).toBe(204);
    expect(await callRow(sid)).toMatchObject({ status: 'ended', endReason: 'abandoned-at-door', startedAt: OPEN, durationSeconds: 7 });
    expect((await eventsOf(sid)).map((e) => [e.type, e.data])).toEqual([
      ['call.started', { from: '+8613800138000', to: '+864001234567' }],
      ['call.ended', { reason: 'abandoned-at-door', durationSeconds: 7, heldSeconds: 7 }],
    ]);
    // Told twice (the carrier retries a callback): counted once.
    await signedPost(ctx.app, '/twilio/status', callParams(sid, { CallStatus: 'completed', CallDuration: '7' }));
    expect(await eventsOf(sid)).toHaveLength(2);
    await ease();
  });
});

describe('how strained the door finds the hotline, by webhooks in flight', () => {
  /** A clock the spec moves, in windows of half a second. */
  let now = 0;
  const door = () => openDoor({ lagMs: 0, inFlight: 2 }, pino({ level: 'silent' }), () => now);

  it('shuts once more webhooks than the limit are answered at once for two windows, and opens after a window with half as many', () => {
    now = 0;
    const d = door();
    const answered = [d.answering(), d.answering(), d.answering()];
    expect(d.admits()).toBe(true); // one window of it is not yet strain
    now = 500;
    expect(d.admits()).toBe(false);
    for (const done of answered) done();
    now = 1_000;
    expect(d.admits()).toBe(true);
  });

  it('counts a webhook once however its answer ends (finished, and its connection closed)', () => {
    now = 0;
    const d = door();
    for (let i = 0; i < 3; i++) {
      const answered = d.answering();
      answered();
      answered();
    }
    d.answering();
    d.answering();
    d.answering();
    now = 500;
    expect(d.admits()).toBe(false);
  });
});
