import { eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callEvents, recordings } from '../../db/schema.ts';
import { newCallSid, signedPost, webhookApp } from '../support/hotline.ts';

/**
 * `POST /twilio/recording?offer=N`, the carrier's news of a conversation's recording: signed like every
 * /twilio request, its input checked, and told twice or out of order it changes nothing.
 */

let ctx: Awaited<ReturnType<typeof webhookApp>>;
beforeAll(async () => {
  ctx = await webhookApp();
});
afterAll(async () => {
  await ctx.database.close();
});

const RE = `RE${'ab'.repeat(16)}`;
const ACCOUNT = 'AC00000000000000000000000000000000';
let callSid: string;

beforeEach(async () => {
  await ctx.database.db.delete(recordings);
  callSid = newCallSid();
  const at = new Date('2026-03-02T09:00:00Z');
  await ctx.database.db.insert(recordings).values({ callSid, offerId: 7, staffId: 1, queue: 'complaints', status: 'in-progress', channels: 'dual', startedAt: at, deleteAfter: new Date(at.getTime() + 90 * 86_400_000) });
});

const news = (status: string, extra: Record<string, string> = {}) => ({
  AccountSid: ACCOUNT,
  CallSid: callSid,
  RecordingSid: RE,
  RecordingStatus: status,
  ...(status === 'completed' ? { RecordingDuration: '31', RecordingChannels: '2', RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT}/Recordings/${RE}` } : {}),
  ...extra,
});
const row = async () => (await ctx.database.db.select().from(recordings).where(eq(recordings.callSid, callSid)))[0]!;

describe('the recording status callback', () => {
  it('is refused unsigned, and changes nothing', async () => {
    const res = await request(ctx.app).post('/twilio/recording?offer=7').type('form').send(news('completed'));
    expect(res.status).toBe(403);
    expect(await row()).toMatchObject({ status: 'in-progress', carrierSid: null });
  });

  it('names the field that is wrong', async () => {
    const { RecordingSid: _gone, ...without } = news('completed');
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', without)).text).toBe('RecordingSid is required');
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', news('Completed!'))).text).toBe('RecordingStatus must be a recording status such as completed');
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', news('completed', { RecordingDuration: '1e3' }))).text).toMatch(/^RecordingDuration /);
    expect((await signedPost(ctx.app, '/twilio/recording', news('completed'))).text).toBe('offer is required');
  });

  it('lets be a status it does not follow', async () => {
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', news('processing'))).status).toBe(204);
    expect(await row()).toMatchObject({ status: 'in-progress', carrierSid: null });
  });

  it('keeps the completed recording once, however often and in whatever order it is told', async () => {
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', news('completed'))).status).toBe(204);
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', news('completed', { RecordingDuration: '99' }))).status).toBe(204);
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', news('in-progress', { RecordingDuration: '-1' }))).status).toBe(204);
    expect(await row()).toMatchObject({ status: 'completed', carrierSid: RE, durationSeconds: 31, channels: 'dual' });
    const events = await ctx.database.db.select().from(callEvents).where(eq(callEvents.callSid, callSid));
    expect(events.map((e) => e.type)).toEqual(['call.recording-completed']);
  });

  it('records a recording with nothing in it as absent, and news of another recording changes nothing', async () => {
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', news('in-progress'))).status).toBe(204);
    expect(await row()).toMatchObject({ status: 'in-progress', carrierSid: RE });
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', news('completed', { RecordingSid: `RE${'cd'.repeat(16)}` }))).status).toBe(204);
    expect(await row()).toMatchObject({ status: 'in-progress', carrierSid: RE });
    expect((await signedPost(ctx.app, '/twilio/recording?offer=7', news('absent', { RecordingDuration: '0' }))).status).toBe(204);
    expect(await row()).toMatchObject({ status: 'absent', durationSeconds: 0, carrierUrl: null });
  });
});
