import { describe, expect, it } from 'vitest';
import { sweep } from '../../src/acd/deadlines.ts';
import { presence, eventually } from '../support/agents.ts';
import { call, deskStaff } from '../support/cases.ts';
import { hotlinePerFile, heard, nextEvent } from '../support/running.ts';
import { onTheLine } from './on-the-line.ts';

/**
 * A callback is dialled agent first: offered to an agent like a call, and only once the agent accepts is the
 * passenger's phone rung (through the carrier simulator, over real HTTP); a person is put straight through,
 * a machine hears a message, and an unanswered attempt is tried again after the queue's retry delay, in its
 * calling window, until the attempts run out and the supervisor hears of it.
 */

// Calls are placed 50 a second here, so that no placement of one spec still waits for its slot in the next.
const running = hotlinePerFile({ env: { OUTBOUND_CALLS_PER_SECOND: '50' } });
const line = onTheLine(running);
const { h, ask } = line;
const NUMBER = '+8613912345678';
const minutes = (n: number) => n * 60_000;

describe('a callback asked for in the queue', () => {
  it('is offered to an agent with the case; on accepting, the passenger is called and put through, they talk, and the case is resolved', async () => {
    const c = await line.askedForCallback({ from: NUMBER });
    expect(c).toMatchObject({ placeAt: running().clock.now, dialAfter: running().clock.now, attempts: 0 });

    const agent = await line.agent('1001');
    const offer = line.offered(agent.socket);
    await line.available(agent.socket);
    const pop = await offer;
    expect(pop).toMatchObject({ callSid: '', from: NUMBER, answers: { trainNumber: 'G1234' }, callback: { caseId: c.id, reference: c.reference, number: NUMBER, attempts: 0, maxAttempts: 3 } });
    // Nobody is called before the agent says so.
    expect(running().sim.placed).toEqual([]);

    running().sim.expectCall(NUMBER, { answer: 'human', afterSeconds: 2 });
    const placed = line.placedTo(running().sim, NUMBER);
    const rung = line.agentRung(running().sim, '1001');
    expect(await ask(agent.socket, 'callback-accept', { offerId: pop.offerId })).toEqual({ ok: true });
    const { placed: request, call } = await placed;
    expect(request).toMatchObject({ to: NUMBER, from: '+864008000123', machineDetection: 'DetectMessageEnd', timeoutSeconds: 30 });

    const connected = line.next<{ callSid: string; rings: number; withinStandard: boolean }>(agent.socket, 'connected');
    running().sim.answer((await rung).sid);
    expect(await connected).toMatchObject({ callSid: call.sid, rings: 1, withinStandard: true });
    // The passenger heard nothing from the hotline before the agent was there.
    const put = await nextEvent(call, 'connected');
    expect(call.events.filter((e) => e.n < put.n && (e.type === 'say' || e.type === 'play'))).toEqual([]);

    running().clock.advance(95);
    const ended = line.next(agent.socket, 'ended');
    await running().sim.hangup((await rung).sid);
    await ended;
    const attempts = await eventually(() => line.attemptsOf(c.id), (a) => a[0]?.talkSeconds !== null, 'the talk recorded');
    expect(attempts).toEqual([expect.objectContaining({ outcome: 'answered', answeredBy: 'human', callSid: call.sid, counted: true, talkSeconds: 95 })]);
    expect(await line.caseNow(c.id)).toMatchObject({ status: 'resolved', resolution: { reason: 'answered', answer: 'called back' }, dialAfter: null });
    expect(await line.timeline(c.id)).toEqual(['created', 'callback.offered', 'callback.dialling', 'callback.answered', 'resolved']);
    expect((await presence(h(), agent.id)).presence).toBe('wrap-up');
    expect(await line.offersOf(c.id)).toEqual([expect.objectContaining({ status: 'completed', callSid: call.sid, rings: 1, withinStandard: true })]);
  });

  it('turned down by an agent keeps its place and is no attempt; the next agent is offered it', async () => {
    const c = await line.askedForCallback({ from: NUMBER });
    const first = await line.agent('1001');
    const offer = line.offered(first.socket);
    await line.available(first.socket);
    const pop = await offer;
    const second = await line.agent('1002');
    const again = line.offered(second.socket);
    await line.available(second.socket);
    expect(await ask(first.socket, 'callback-reject', { offerId: pop.offerId })).toEqual({ ok: true });
    expect((await again).callback).toMatchObject({ caseId: c.id, attempts: 0 });
    expect(await line.caseNow(c.id)).toMatchObject({ attempts: 0, placeAt: c.placeAt });
    expect(await line.attemptsOf(c.id)).toEqual([]);
    expect(await line.timeline(c.id)).toEqual(['created', 'callback.offered', 'callback.declined', 'callback.offered']);
    // The first agent cannot take it back.
    expect(await ask(first.socket, 'callback-accept', { offerId: pop.offerId })).toMatchObject({ ok: false, error: expect.stringContaining('no longer ringing') });
  });
});

describe('an attempt that does not reach the passenger', () => {
  it('no answer: the agent is free at once, and the callback is tried again after the retry delay, then reached', async () => {
    const c = await line.askedForCallback({ from: NUMBER });
    const agent = await line.agent('1001');
    const offer = line.offered(agent.socket);
    await line.available(agent.socket);
    running().sim.expectCall(NUMBER, { answer: 'no-answer' }, { answer: 'human' });
    const unreached = line.stage(agent.socket, 'unreached');
    await ask(agent.socket, 'callback-accept', { offerId: (await offer).offerId });
    const retryAt = new Date(running().clock.now.getTime() + minutes(10)).toISOString();
    expect(await unreached).toMatchObject({ caseId: c.id, reference: c.reference, outcome: 'no-answer', attempts: 1, nextAttemptAt: retryAt });
    await eventually(() => presence(h(), agent.id), (p) => p.presence === 'available', 'the agent free again');
    expect(await line.caseNow(c.id)).toMatchObject({ attempts: 1, dialAfter: new Date(retryAt), placeAt: c.placeAt });

    // Not before the delay…
    running().clock.advance(9 * 60);
    await sweep(h());
    expect(await line.offersOf(c.id)).toHaveLength(1);
    // …then offered again, and this time the passenger answers.
    const second = line.offered(agent.socket);
    running().clock.advance(60);
    await sweep(h());
    const rung = line.agentRung(running().sim, '1001');
    await ask(agent.socket, 'callback-accept', { offerId: (await second).offerId });
    const connected = line.next(agent.socket, 'connected');
    running().sim.answer((await rung).sid);
    await connected;
    expect((await line.attemptsOf(c.id)).map((a) => a.outcome)).toEqual(['no-answer', 'answered']);
    expect(await line.timeline(c.id)).toContain('callback.attempt');
  });

  it('a machine: it hears a short message with the case reference in the passenger language, and the callback is tried again', async () => {
    const c = await line.askedForCallback({ from: NUMBER, language: 'yue-HK' });
    const agent = await line.agent('1001');
    const offer = line.offered(agent.socket);
    await line.available(agent.socket);
    running().sim.expectCall(NUMBER, { answer: 'machine' });
    const placed = line.placedTo(running().sim, NUMBER);
    const unreached = line.stage(agent.socket, 'unreached');
    await ask(agent.socket, 'callback-accept', { offerId: (await offer).offerId });
    expect(await unreached).toMatchObject({ outcome: 'machine', attempts: 1 });
    const { call } = await placed;
    const events = await running().sim.ended(call.sid);
    const spaced = c.reference.split('').join(' ');
    expect(heard(events)).toEqual([expect.stringMatching(new RegExp(`^\\[zh-HK\\] 你好，呢度係高鐵客服熱線.*${spaced}`))]);
    expect(events.some((e) => e.type === 'ringing')).toBe(false); // the agent's phone never rang for a machine
    expect(await line.attemptsOf(c.id)).toEqual([expect.objectContaining({ outcome: 'machine', answeredBy: 'machine_end_beep', counted: true })]);
    expect((await line.caseNow(c.id)).dialAfter).toEqual(new Date(running().clock.now.getTime() + minutes(10)));
  });

  it('busy three times: the attempts are used up and the supervisor hears the passenger could not be reached', async () => {
    const people = await deskStaff(h(), running().url);
    const c = await line.askedForCallback({ from: NUMBER });
    const alerts: unknown[] = [];
    h().bus.on('case-alert', (a) => alerts.push(a));
    const agent = await line.agent('1101');
    running().sim.expectCall(NUMBER, { answer: 'busy' }, { answer: 'busy' }, { answer: 'busy' });
    for (let n = 1; n <= 3; n++) {
      const offer = line.offered(agent.socket);
      if (n === 1) await line.available(agent.socket);
      else {
        running().clock.advance(10 * 60);
        await sweep(h());
      }
      const unreached = line.stage(agent.socket, 'unreached');
      await ask(agent.socket, 'callback-accept', { offerId: (await offer).offerId });
      expect(await unreached).toMatchObject({ outcome: 'busy', attempts: n, nextAttemptAt: n < 3 ? expect.any(String) : null });
      await eventually(() => presence(h(), agent.id), (p) => p.presence === 'available', 'the agent free again');
    }
    expect(await line.caseNow(c.id)).toMatchObject({ attempts: 3, dialAfter: null, status: 'new' });
    // (Its promised time passing meanwhile also reminds and escalates, by the clock.)
    expect(alerts.filter((a) => (a as { why?: string }).why)).toEqual([
      expect.objectContaining({ caseId: c.id, level: 'supervisor', why: 'could-not-reach', staffIds: [c.supervisorId ?? people.supervisor.id] }),
    ]);
    expect((await line.timeline(c.id)).at(-1)).toBe('escalated');
    // Never offered again once given up.
    running().clock.advance(60 * 60);
    await sweep(h());
    expect(await line.offersOf(c.id)).toHaveLength(3);
  });
});

describe('the calling window', () => {
  it('nobody is called at night: a callback promised for 23:40 waits for 06:00, and its clock says so', async () => {
    const people = await deskStaff(h(), running().url);
    running().clock.now = new Date('2026-11-25T15:30:00Z'); // 23:30 in Shanghai; the hotline calendar calls 06:00–23:00
    const made = await call(running().url, people.agent.token, 'POST', '/api/cases', { type: 'callback', contactNumber: NUMBER, dueAt: '2026-11-25T23:40:00+08:00' });
    const c = await line.caseNow(made.body.case.id as number);
    const opens = new Date('2026-11-25T22:00:00Z'); // 06:00
    // The promised ten minutes are counted from the window's opening.
    expect(c).toMatchObject({ dialAfter: opens, dueAt: new Date(opens.getTime() + minutes(10)) });
    expect(await line.timeline(c.id)).toEqual(['created', 'callback.waits-for-window']);

    const agent = await line.agent('1101');
    await line.available(agent.socket);
    running().clock.now = new Date('2026-11-25T21:59:00Z');
    await sweep(h());
    expect(await line.offersOf(c.id)).toEqual([]);
    const offer = line.offered(agent.socket);
    running().clock.now = opens;
    await sweep(h());
    expect((await offer).callback).toMatchObject({ caseId: c.id });
  });
});
