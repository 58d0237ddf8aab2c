import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callEvents, calls } from '../../db/schema.ts';
import type { Answer } from '../../src/telephony/carrier/simulator/call.ts';
import { OPEN } from '../support/flows.ts';
import { heard, listenedTimes, nextEvent, runningHotline } from '../support/running.ts';

/**
 * Whole calls to the real hotline flow (ivr-flows/hotline.yaml), placed by the carrier simulator over
 * real HTTP: what a passenger hears for each key, where they end up, and what the hotline records.
 */

let hotline: Awaited<ReturnType<typeof runningHotline>>;
beforeAll(async () => {
  hotline = await runningHotline();
});
afterAll(async () => {
  await hotline.close();
});
beforeEach(() => {
  hotline.clock.now = OPEN;
});

const callRow = async (sid: string) => (await hotline.database.db.select().from(calls).where(eq(calls.sid, sid)))[0]!;
const eventTypes = async (sid: string) =>
  (await hotline.database.db.select().from(callEvents).where(eq(callEvents.callSid, sid)).orderBy(callEvents.id)).map((e) => e.type);

/** Call, press through the menus, and stay on the line until the caller reaches a queue; then hang up. */
async function callToQueue(presses: Answer[]) {
  const call = hotline.sim.call({ presses });
  const enqueued = await nextEvent(call, 'enqueued');
  hotline.sim.callerHangup(call.sid);
  const events = await hotline.sim.ended(call.sid);
  return { sid: call.sid, queue: enqueued.queue, events, said: heard(events), row: await ended(call.sid) };
}

/** Call and press through; the hotline itself ends the call (or the script runs out of presses and a '' ends it). */
async function callToEnd(presses: Answer[]) {
  const call = hotline.sim.call({ presses });
  const events = await hotline.sim.ended(call.sid);
  return { sid: call.sid, events, said: heard(events), row: await ended(call.sid) };
}

/** The status callback is sent after the simulator's last event; the row is ended once it is handled. */
async function ended(sid: string) {
  for (let i = 0; i < 100; i++) {
    const row = await callRow(sid);
    if (row.status === 'ended') return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`call ${sid} was never recorded as ended`);
}

describe('the welcome', () => {
  it('offers each language in its own voice', async () => {
    const call = hotline.sim.call();
    await nextEvent(call, 'listening');
    hotline.sim.callerHangup(call.sid);
    const said = heard(await hotline.sim.ended(call.sid));
    expect(said[0]).toMatch(/^\[zh-CN\] 您好，欢迎致电高铁客服热线/);
    expect(said[1]).toBe('[en-US] For English, press 2.');
    expect(said[2]).toMatch(/^\[zh-HK\] 廣東話服務請按3/);
  });

  it('goes on in Mandarin when the caller says nothing', async () => {
    const { said, row } = await callToQueue(['', '0']);
    expect(said).toContain('[zh-CN] 正在为您转接人工客服，请稍候。');
    expect(row.ivr.language).toBe('zh-CN');
  });

  it('speaks English after 2 and Cantonese (zh-HK voice) after 3, to the end of the call', async () => {
    const english = await callToQueue(['2', '0']);
    expect(english.said.slice(3).every((line) => line.startsWith('[en-US]'))).toBe(true);
    expect(english.said).toContain('[en-US] Please hold while we connect you to an agent.');

    const cantonese = await callToQueue(['3', '0']);
    expect(cantonese.said.slice(3).every((line) => line.startsWith('[zh-HK]'))).toBe(true);
    expect(cantonese.row.ivr.language).toBe('yue-HK');
  });
});

describe('the main menu', () => {
  it('1 tickets → 1 reads the refund fee tiers, then offers 9 to repeat', async () => {
    const { said } = await callToQueue(['2', '1', '1', '9', '0', '']);
    const tiers = said.filter((line) => line.includes('From 24 to 48 hours, it is 10 percent'));
    expect(tiers).toHaveLength(2); // read, then repeated with 9
    expect(said).toContain('[en-US] To hear this again, press 9. To go back, press star. For an agent, press 0.');
  });

  it('1 tickets → 0 asks for the train number and reaches the tickets queue with it', async () => {
    const { queue, row, said } = await callToQueue(['2', '1', '0', '1234#']);
    expect(said).toContain('[en-US] If your question is about a particular train, key in the digits of the train number, then press hash.');
    expect(queue).toBe('tickets');
    expect(row).toMatchObject({ queue: 'tickets', priority: 2, endReason: 'abandoned-in-queue' });
    expect(row.ivr.answers).toEqual({ trainNumber: '1234' });
  });

  it('1 tickets → 0 reaches the tickets queue without a train number when the caller keys none', async () => {
    const { queue, row } = await callToQueue(['2', '1', '0', '']);
    expect(queue).toBe('tickets');
    expect(row.ivr.answers).toEqual({});
  });

  it('2 luggage → 3 damaged luggage explains the claim and reaches the luggage queue', async () => {
    const { queue, said } = await callToQueue(['2', '2', '3']);
    expect(said).toContain('[en-US] For damaged or delayed luggage you can make a claim with a claim form and evidence. An agent will explain what is covered.');
    expect(queue).toBe('luggage');
  });

  it('3 lost and found takes the train number and travel date, reads them back and queues at priority 3', async () => {
    const { queue, said, row } = await callToQueue(['2', '3', 'G1234#'.replace('G', ''), '0312']);
    expect(said).toContain('[en-US] You entered train 1 2 3 4, travel date 0 3 1 2.');
    expect(queue).toBe('lost-and-found');
    expect(row.priority).toBe(3);
    expect(row.ivr.answers).toEqual({ trainNumber: '1234', travelDate: '0312' });
  });

  it('3 lost and found accepts the train number spoken', async () => {
    const { row } = await callToQueue(['1', '3', { speech: 'G1234' }, '0312']);
    expect(row.ivr.answers['trainNumber']).toMatch(/1234/);
  });

  it('4 complaints queues at the highest priority, the train number being optional', async () => {
    const { queue, row } = await callToQueue(['1', '4', '']);
    expect(queue).toBe('complaints');
    expect(row.priority).toBe(10);
  });

  it('5 boarding → 3 leads to lost and found', async () => {
    const { said } = await callToQueue(['2', '5', '3', '123#', '0101']);
    expect(said).toContain('[en-US] If you lost something, you can give the station the details of the item, or search and report it online.');
  });

  it('0 from the main menu reaches the general agent queue', async () => {
    const { queue, row } = await callToQueue(['1', '0']);
    expect(queue).toBe('general');
    expect(row.ivr.path).toEqual(['hotline:welcome', 'hotline:news', 'hotline:main', 'hotline:agent-hours', 'hotline:agent']);
  });

  it('after three wrong keys, apologises each time and hands the caller to an agent', async () => {
    const { said, queue } = await callToQueue(['2', '7', '8', '9']);
    expect(said.filter((line) => line === '[en-US] Sorry, that is not a valid choice.')).toHaveLength(3);
    expect(queue).toBe('general');
  });

  it('after silence at every replay, hands the caller to an agent', async () => {
    const { said, queue } = await callToQueue(['2', '', '', '']);
    expect(said.filter((line) => line === '[en-US] Sorry, we did not hear your choice.')).toHaveLength(3);
    expect(queue).toBe('general');
  });
});

describe('outside opening hours', () => {
  it('tells a caller asking for an agent when agents work, and hangs up', async () => {
    hotline.clock.now = new Date('2026-11-25T15:30:00Z'); // 23:30 in Shanghai
    const { said, row, events } = await callToEnd(['2', '0']);
    expect(said.at(-1)).toBe('[en-US] Please call again during those hours. Thank you for calling. Goodbye.');
    expect(events.at(-1)).toMatchObject({ type: 'ended', by: 'twiml' });
    expect(row.endReason).toBe('hung-up-by-ivr');
  });

  it('still answers self-service questions', async () => {
    hotline.clock.now = new Date('2026-11-25T18:00:00Z'); // 02:00 in Shanghai
    const call = hotline.sim.call({ presses: ['2', '1', '1'] });
    await listenedTimes(call, 4); // welcome, main, tickets, then after the answer
    hotline.sim.callerHangup(call.sid);
    expect(heard(await hotline.sim.ended(call.sid))).toContain('[en-US] From 24 to 48 hours, it is 10 percent. Less than 24 hours, it is 20 percent.');
  });
});

describe('what the hotline records', () => {
  it('a caller who hangs up mid-menu is abandoned in the IVR, with the node they left from', async () => {
    const call = hotline.sim.call({ presses: ['1'] });
    await listenedTimes(call, 2);
    hotline.sim.callerHangup(call.sid);
    await hotline.sim.ended(call.sid);
    const row = await ended(call.sid);
    expect(row).toMatchObject({ endReason: 'abandoned-in-ivr', status: 'ended' });
    expect(row.ivr.node).toBe('main');
    expect(await eventTypes(call.sid)).toEqual(expect.arrayContaining(['call.started', 'call.ended']));
  });

  it('no call in this file met an application error', async () => {
    const errors = hotline.sim.list().flatMap((call) => call.events.filter((e) => e.type === 'application-error'));
    expect(hotline.sim.list().length).toBeGreaterThan(10);
    expect(errors).toEqual([]);
  });
});
