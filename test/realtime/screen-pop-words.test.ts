import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { WordedScreenPop } from '../../src/acd/screen-pop.ts';
import type { HotlineSocket } from '../../web-agent/src/shared/socket.ts';
import { ask } from '../../web-agent/src/shared/socket.ts';
import { agentOnFloor, staffToken } from '../support/agents.ts';
import { hotlinePerFile } from '../support/running.ts';

/**
 * The screen-pop tells the agent how the caller came through the IVR in words, in the page's languages
 * ("Tickets › Agent › Train number"), from the flows' node labels, and keeps the node ids for machines.
 */

const running = hotlinePerFile();
const sockets: HotlineSocket<'/agents'>[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

/** A ticketing agent on the softphone, available; the socket typed as the page's is. */
async function ticketingAgent(employeeNo: string) {
  await agentOnFloor(running().hotline, employeeNo, { tickets: 3, general: 1 }, { available: false });
  const token = await staffToken(running().url, employeeNo);
  const socket: HotlineSocket<'/agents'> = connect(`${running().url}/agents`, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
  expect(await ask(socket, 'presence', { state: 'available' })).toEqual({ ok: true, presence: 'available' });
  return { socket, token };
}

/** Mandarin, tickets, 0 for an agent, then the train number 1234 keyed in. */
const TICKETS_WITH_TRAIN = ['1', '1', '0', '1234#'];

const wordsIn = (pop: WordedScreenPop, language: 'en' | 'zh-CN' | 'zh-TW') => pop.pathWords.map((s) => s.words[language]);

describe('the IVR path on the screen-pop', () => {
  it('reads as the flows name the steps, in English and Chinese, with the node ids kept', async () => {
    const { socket } = await ticketingAgent('1001');
    const popped = new Promise<WordedScreenPop>((resolve) => socket.once('offer', resolve));
    running().sim.call({ presses: TICKETS_WITH_TRAIN });
    const pop = await popped;

    expect(wordsIn(pop, 'en')).toEqual(['Tickets', 'Agent', 'Train number']);
    expect(wordsIn(pop, 'zh-CN')).toEqual(['票务', '人工服务', '车次']);
    expect(wordsIn(pop, 'zh-TW')).toEqual(['票務', '人工服務', '車次']);
    // The machines' ids: every node passed, the unlabelled ones (welcome, main menu, hours) too.
    expect(pop.pathWords.map((s) => s.node)).toEqual(['hotline:tickets', 'hotline:tickets-hours', 'hotline:tickets-train']);
    expect(pop.path).toEqual(expect.arrayContaining(['hotline:welcome', 'hotline:main', 'hotline:tickets-hours', 'hotline:tickets-queue']));
    expect(pop.answers).toEqual({ trainNumber: '1234' });
  });

  it('reads the same when the page asks for the call again (a reload mid-call)', async () => {
    const { socket, token } = await ticketingAgent('1002');
    const popped = new Promise<WordedScreenPop>((resolve) => socket.once('offer', resolve));
    running().sim.call({ presses: TICKETS_WITH_TRAIN });
    const pop = await popped;
    const res = await fetch(`${running().url}/api/softphone`, { headers: { authorization: `Bearer ${token}` } });
    const { current } = (await res.json()) as { current: { screenPop: WordedScreenPop } };
    expect(current.screenPop.callSid).toBe(pop.callSid);
    expect(current.screenPop.pathWords).toEqual(pop.pathWords);
  });
});
