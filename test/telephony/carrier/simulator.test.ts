import twilio from 'twilio';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallEvent } from '../../../src/telephony/carrier/simulator/call.ts';
import type { Leg } from '../../../src/telephony/carrier/simulator/dial.ts';
import { Simulator } from '../../../src/telephony/carrier/simulator/simulator.ts';
import { CallGone } from '../../../src/telephony/carrier/carrier.ts';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  PUBLIC_URL,
  carrierPerSpec,
  twiml,
  type Reply,
  type TwimlServer,
} from '../../support/twiml-server.ts';
import { nextEvent } from '../../support/running.ts';

/**
 * The carrier simulator plays Twilio's part. These specs hold it to the parts of Twilio's contract the
 * hotline relies on (see shared/reference/twilio.md), against a scripted stand-in for the hotline.
 */

const APOLOGY = 'We are sorry, an application error has occurred. Goodbye.';

const carrier = carrierPerSpec();
const simulator = carrier.simulator;
let hotline: TwimlServer;
let sim: Simulator;

beforeEach(() => {
  hotline = carrier.server();
  sim = simulator(0);
});

/** The transcript without its bookkeeping (`n`, `atMs`), to compare with what the caller should hear. */
const transcript = (events: CallEvent[]) => events.map(({ n: _n, atMs: _atMs, ...event }) => event);
const said = (events: CallEvent[]) => events.flatMap((event) => (event.type === 'say' ? [event.text] : []));
const endedBy = (events: CallEvent[]) => events.flatMap((event) => (event.type === 'ended' ? [event.by] : []));

/** The next agent leg the simulator rings. */
const nextRing = (s: Simulator = sim) => new Promise<Leg>((resolve) => s.rings.once('ring', resolve));

const voice = (verbs: string) => hotline.serve('/twilio/voice', twiml(verbs));

describe('placing a call', () => {
  it("first requests /twilio/voice with the call's identity, signed for PUBLIC_URL rather than where the hotline listens", async () => {
    voice('<Say>hello</Say>');
    const call = sim.call({ from: '+8613912345678' });
    await sim.ended(call.sid);

    const [first] = hotline.hits;
    expect(first).toMatchObject({ url: '/twilio/voice' });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(first!.params).toMatchObject({
      CallSid: call.sid,
      AccountSid: ACCOUNT_SID,
      From: '+8613912345678',
      To: '+864008000123',
      Caller: '+8613912345678',
      Called: '+864008000123',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    });
    expect(twilio.validateRequest(AUTH_TOKEN, first!.signature!, `${PUBLIC_URL}/twilio/voice`, first!.params)).toBe(true);
    expect(twilio.validateRequest(AUTH_TOKEN, first!.signature!, `${hotline.url}/twilio/voice`, first!.params)).toBe(false);
    expect(twilio.validateRequest('another-token', first!.signature!, `${PUBLIC_URL}/twilio/voice`, first!.params)).toBe(false);
  });

  it('gives every call its own CallSid', async () => {
    voice('<Hangup/>');
    const calls = [sim.call(), sim.call(), sim.call()];
    await Promise.all(calls.map((call) => sim.ended(call.sid)));
    expect(new Set(calls.map((call) => call.sid)).size).toBe(3);
    expect(new Set(hotline.requests('/twilio/voice').map((hit) => hit.params['CallSid']))).toEqual(new Set(calls.map((call) => call.sid)));
  });

  it('records each <Say> with its language and voice, and each <Play> url, in order', async () => {
    voice(
      '<Say language="zh-CN">欢迎致电三铃客服热线</Say>' +
        '<Play>https://cdn.example.test/chime.mp3</Play>' +
        '<Say language="cmn-CN" voice="Polly.Zhiyu">普通话请按一</Say>' +
        '<Say>For English, press 2</Say>',
    );
    const call = sim.call();
    const events = await sim.ended(call.sid);

    expect(transcript(events)).toEqual([
      { type: 'say', language: 'zh-CN', text: '欢迎致电三铃客服热线' },
      { type: 'play', url: 'https://cdn.example.test/chime.mp3' },
      { type: 'say', language: 'cmn-CN', voice: 'Polly.Zhiyu', text: '普通话请按一' },
      { type: 'say', language: 'en-US', text: 'For English, press 2' },
      { type: 'ended', by: 'twiml' },
    ]);
    expect(events.map((event) => event.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it("follows a <Redirect> relative to the document's URL under PUBLIC_URL, query included in the signature", async () => {
    voice('<Redirect>ivr?seq=1</Redirect>');
    hotline.serve('/twilio/ivr?seq=1', twiml('<Say>step one</Say>'));
    const call = sim.call();
    const events = await sim.ended(call.sid);

    expect(said(events)).toEqual(['step one']);
    const [step] = hotline.requests('/twilio/ivr?seq=1');
    expect(step!.params).toMatchObject({ CallSid: call.sid, CallStatus: 'in-progress' });
    expect(twilio.validateRequest(AUTH_TOKEN, step!.signature!, `${PUBLIC_URL}/twilio/ivr?seq=1`, step!.params)).toBe(true);
    expect(twilio.validateRequest(AUTH_TOKEN, step!.signature!, `${PUBLIC_URL}/twilio/ivr`, step!.params)).toBe(false);
  });
});

describe('<Gather>', () => {
  it('posts the pressed key as Digits to its action', async () => {
    voice('<Gather numDigits="1" action="/twilio/menu"><Say>请按一或二</Say></Gather><Say>no input</Say>');
    hotline.serve('/twilio/menu', twiml('<Say>you chose</Say>'));
    const call = sim.call();
    await nextEvent(call, 'listening');
    sim.press(call.sid, '2');
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/menu').map((hit) => hit.params)).toEqual([expect.objectContaining({ CallSid: call.sid, Digits: '2' })]);
    expect(transcript(events)).toEqual([
      { type: 'say', language: 'en-US', text: '请按一或二' },
      { type: 'listening', input: ['dtmf'] },
      { type: 'pressed', digits: '2' },
      { type: 'say', language: 'en-US', text: 'you chose' },
      { type: 'ended', by: 'twiml' },
    ]);
  });

  it('answers the first Gathers in turn with the scripted presses', async () => {
    voice('<Gather numDigits="1" action="/twilio/first"/>');
    hotline.serve('/twilio/first', twiml('<Gather numDigits="3" action="/twilio/second"/>'));
    hotline.serve('/twilio/second', twiml('<Hangup/>'));
    const call = sim.call({ presses: ['1', '234'] });
    await sim.ended(call.sid);

    expect(hotline.requests('/twilio/first')[0]!.params['Digits']).toBe('1');
    expect(hotline.requests('/twilio/second')[0]!.params['Digits']).toBe('234');
  });

  it('posts to the current document URL when it has no action', async () => {
    hotline.serve('/twilio/menu', (hit) => (hit.params['Digits'] ? twiml(`<Say>got ${hit.params['Digits']}</Say>`) : twiml('<Gather numDigits="1"/>')));
    voice('<Redirect>/twilio/menu</Redirect>');
    const call = sim.call({ presses: ['7'] });
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/menu').map((hit) => hit.params['Digits'])).toEqual([undefined, '7']);
    expect(said(events)).toEqual(['got 7']);
  });

  it('goes on to the next verb of the same document when the caller stays silent, without calling the action', async () => {
    voice('<Gather numDigits="1" action="/twilio/menu"><Say>请按键</Say></Gather><Say>我们没有听到您的选择</Say><Redirect>/twilio/again</Redirect>');
    hotline.serve('/twilio/again', twiml('<Say>once more</Say>'));
    const call = sim.call({ presses: [''] });
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/menu')).toEqual([]);
    expect(said(events)).toEqual(['请按键', '我们没有听到您的选择', 'once more']);
    expect(transcript(events)).toContainEqual({ type: 'pressed', digits: '' });
  });

  it('posts an empty Digits to its action on silence when actionOnEmptyResult="true"', async () => {
    voice('<Gather numDigits="1" action="/twilio/menu" actionOnEmptyResult="true"/><Say>not reached</Say>');
    hotline.serve('/twilio/menu', twiml('<Say>silence noted</Say>'));
    const call = sim.call();
    await nextEvent(call, 'listening');
    sim.press(call.sid, '');
    const events = await sim.ended(call.sid);

    const [menu] = hotline.requests('/twilio/menu');
    expect(menu!.params).toMatchObject({ Digits: '' });
    expect(menu!.params).not.toHaveProperty('SpeechResult');
    expect(said(events)).toEqual(['silence noted']);
  });

  it('ends input at finishOnKey and reports FinishedOnKey, without the key in Digits', async () => {
    voice('<Gather finishOnKey="#" action="/twilio/ticket"><Say>请输入车次，以井号键结束</Say></Gather>');
    hotline.serve('/twilio/ticket', twiml('<Hangup/>'));
    const call = sim.call();
    await nextEvent(call, 'listening');
    sim.press(call.sid, '1234#');
    await sim.ended(call.sid);

    expect(hotline.requests('/twilio/ticket')[0]!.params).toMatchObject({ Digits: '1234', FinishedOnKey: '#' });
  });

  it('honours a custom finishOnKey', async () => {
    voice('<Gather finishOnKey="*" action="/twilio/ticket"/>');
    hotline.serve('/twilio/ticket', twiml('<Hangup/>'));
    const call = sim.call({ presses: ['12*'] });
    await sim.ended(call.sid);

    expect(hotline.requests('/twilio/ticket')[0]!.params).toMatchObject({ Digits: '12', FinishedOnKey: '*' });
  });

  it('sends the keys pressed so far, without FinishedOnKey, when the caller stops typing', async () => {
    voice('<Gather action="/twilio/ticket"/>');
    hotline.serve('/twilio/ticket', twiml('<Hangup/>'));
    const call = sim.call();
    await nextEvent(call, 'listening');
    sim.press(call.sid, '1234');
    await sim.ended(call.sid);

    const [ticket] = hotline.requests('/twilio/ticket');
    expect(ticket!.params['Digits']).toBe('1234');
    expect(ticket!.params).not.toHaveProperty('FinishedOnKey');
  });

  it('keeps keys typed ahead for the next Gather', async () => {
    voice('<Gather numDigits="1" action="/twilio/first"/>');
    hotline.serve('/twilio/first', twiml('<Say>next menu</Say><Gather numDigits="1" action="/twilio/second"/>'));
    hotline.serve('/twilio/second', twiml('<Hangup/>'));
    const call = sim.call({ presses: ['12'] });
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/first')[0]!.params['Digits']).toBe('1');
    expect(hotline.requests('/twilio/second')[0]!.params['Digits']).toBe('2');
    expect(transcript(events).filter((event) => event.type === 'pressed')).toEqual([{ type: 'pressed', digits: '12' }]);
  });

  it('posts SpeechResult and Confidence, and no Digits, when its input includes speech', async () => {
    voice('<Gather input="dtmf speech" language="zh-CN" action="/twilio/ask"><Say>请说出您的问题</Say></Gather>');
    hotline.serve('/twilio/ask', twiml('<Hangup/>'));
    const call = sim.call();
    await nextEvent(call, 'listening');
    sim.speak(call.sid, '改签');
    const events = await sim.ended(call.sid);

    const [ask] = hotline.requests('/twilio/ask');
    expect(ask!.params).toMatchObject({ SpeechResult: '改签' });
    expect(Number(ask!.params['Confidence'])).toBeGreaterThanOrEqual(0);
    expect(Number(ask!.params['Confidence'])).toBeLessThanOrEqual(1);
    expect(ask!.params).not.toHaveProperty('Digits');
    expect(transcript(events)).toContainEqual({ type: 'listening', input: ['dtmf', 'speech'] });
    expect(transcript(events)).toContainEqual({ type: 'spoke', text: '改签' });
  });

  it('posts Digits, not SpeechResult, when the caller presses keys at a speech-and-keys Gather', async () => {
    voice('<Gather input="dtmf speech" numDigits="1" action="/twilio/ask"/>');
    hotline.serve('/twilio/ask', twiml('<Hangup/>'));
    const call = sim.call({ presses: ['3'] });
    await sim.ended(call.sid);

    const [ask] = hotline.requests('/twilio/ask');
    expect(ask!.params['Digits']).toBe('3');
    expect(ask!.params).not.toHaveProperty('SpeechResult');
  });

  it('hears words spoken to a keys-only Gather as silence', async () => {
    voice('<Gather numDigits="1" action="/twilio/menu" actionOnEmptyResult="true"/>');
    hotline.serve('/twilio/menu', twiml('<Hangup/>'));
    const call = sim.call({ presses: [{ speech: '人工服务' }] });
    await sim.ended(call.sid);

    const [menu] = hotline.requests('/twilio/menu');
    expect(menu!.params['Digits']).toBe('');
    expect(menu!.params).not.toHaveProperty('SpeechResult');
    expect(menu!.params).not.toHaveProperty('Confidence');
  });

  it('times a silent caller out after its timeout at a real time scale, counting the wait in CallDuration', async () => {
    const timed = simulator(0.01);
    voice('<Gather numDigits="1" timeout="3" action="/twilio/menu"><Say>请按键</Say></Gather><Say>we did not hear you</Say>');
    const call = timed.call();
    const events = await timed.ended(call.sid);

    expect(said(events)).toEqual(['请按键', 'we did not hear you']);
    expect(hotline.requests('/twilio/menu')).toEqual([]);
    expect(hotline.requests('/twilio/status')[0]!.params['CallDuration']).toBe('3');
  });
});

describe('the end of a call', () => {
  it('comes when the document runs out of verbs, and is reported once to /twilio/status as completed with its duration', async () => {
    voice('<Say>goodbye</Say>');
    const call = sim.call();
    const events = await sim.ended(call.sid);

    expect(endedBy(events)).toEqual(['twiml']);
    expect(call.ended).toBe(true);
    const statuses = hotline.requests('/twilio/status');
    expect(statuses).toHaveLength(1);
    expect(statuses[0]!.params).toMatchObject({ CallSid: call.sid, AccountSid: ACCOUNT_SID, CallStatus: 'completed', CallDuration: expect.stringMatching(/^\d+$/) });
    expect(Number.isNaN(Date.parse(statuses[0]!.params['Timestamp']!))).toBe(false);
    // The status callback is the last word about the call.
    expect(hotline.hits.at(-1)).toBe(statuses[0]);
    await sim.close();
    expect(hotline.requests('/twilio/status')).toHaveLength(1);
  });

  it('comes at <Hangup>; verbs after it are not followed', async () => {
    voice('<Say>goodbye</Say><Hangup/><Say>never heard</Say><Redirect>/twilio/never</Redirect>');
    const call = sim.call();
    const events = await sim.ended(call.sid);

    expect(said(events)).toEqual(['goodbye']);
    expect(endedBy(events)).toEqual(['twiml']);
    expect(hotline.hits.map((hit) => hit.path)).toEqual(['/twilio/voice', '/twilio/status']);
  });

  it('counts <Pause> lengths in CallDuration even when the time scale skips them', async () => {
    voice('<Say>one moment</Say><Pause length="3"/><Pause/><Say>thank you</Say>');
    const call = sim.call();
    await sim.ended(call.sid);

    expect(hotline.requests('/twilio/status')[0]!.params).toMatchObject({ CallStatus: 'completed', CallDuration: '4' });
  });

  it('takes a length that is not a number as the default, rather than waiting for ever', async () => {
    voice('<Pause length="abc"/><Say>still here</Say>');
    const call = sim.call();
    expect(said(await sim.ended(call.sid))).toEqual(['still here']);
    expect(hotline.requests('/twilio/status')[0]!.params).toMatchObject({ CallDuration: '1' });
  });
});

describe('application errors', () => {
  const broken: Array<[string, Reply, RegExp]> = [
    ['an HTTP 500 answer', { status: 500, type: 'text/plain', body: 'database unreachable' }, /HTTP 500/],
    ['an HTTP 403 answer', { status: 403, type: 'text/plain', body: 'invalid signature' }, /HTTP 403/],
    ['a 200 answer that is not XML', { type: 'text/plain', body: 'OK' }, /did not answer XML/],
    ['a 204 answer with no document', { status: 204 }, /did not answer XML/],
    ['malformed XML', '<Response><Say>hi</Response>', /well-formed/],
    ['XML without a <Response> root', '<html><body>hello</body></html>', /Response/],
    ['a verb Twilio does not know', twiml('<Sya>hello</Sya>'), /Sya/],
    ['an invalid URL to go to', twiml('<Redirect>http://[bad</Redirect>'), /invalid URL/],
  ];

  it.each(broken)('%s makes the caller hear Twilio\'s apology, and the call still ends with a status callback', async (_name, reply, message) => {
    hotline.serve('/twilio/voice', reply);
    const call = sim.call();
    const events = await sim.ended(call.sid);

    expect(transcript(events)).toEqual([
      { type: 'application-error', message: expect.stringMatching(message) },
      { type: 'say', language: 'en-US', text: APOLOGY },
      { type: 'ended', by: 'application-error' },
    ]);
    expect(hotline.requests('/twilio/status').map((hit) => hit.params['CallStatus'])).toEqual(['completed']);
  });

  it('keeps what the caller heard before the broken document', async () => {
    voice('<Say>欢迎</Say><Gather numDigits="1" action="/twilio/menu"/>');
    hotline.serve('/twilio/menu', { status: 500, type: 'text/plain', body: 'boom' });
    const call = sim.call({ presses: ['1'] });
    const events = await sim.ended(call.sid);

    expect(said(events)).toEqual(['欢迎', APOLOGY]);
    expect(events.find((event) => event.type === 'application-error')).toMatchObject({ message: expect.stringContaining('/twilio/menu') });
    expect(endedBy(events)).toEqual(['application-error']);
    expect(hotline.requests('/twilio/status')).toHaveLength(1);
  });
});

describe('<Enqueue>', () => {
  const enqueue = (attrs = 'waitUrl="/twilio/wait?queue=general" action="/twilio/queue-exit"') =>
    voice(`<Say>all agents are busy</Say><Enqueue ${attrs}>general</Enqueue><Say>after the queue</Say>`);

  beforeEach(() => {
    hotline.serve('/twilio/wait', twiml('<Say language="zh-CN">请稍候</Say><Pause length="10"/>'));
    hotline.serve('/twilio/queue-exit', twiml('<Say>the queue action answered</Say><Hangup/>'));
  });

  it("requests the waitUrl with the caller's QueueSid, QueuePosition and CurrentQueueSize, and plays what it says", async () => {
    enqueue();
    const call = sim.call();
    const [wait] = await hotline.waitForRequests('/twilio/wait');

    expect(wait!.url).toBe('/twilio/wait?queue=general');
    expect(wait!.params).toMatchObject({
      CallSid: call.sid,
      QueueSid: expect.stringMatching(/^QU[0-9a-f]{32}$/),
      QueuePosition: '1',
      CurrentQueueSize: '1',
      QueueTime: expect.stringMatching(/^\d+$/),
      AvgQueueTime: expect.stringMatching(/^\d+$/),
      MaxQueueSize: expect.stringMatching(/^\d+$/),
    });
    await nextEvent(call, 'say', (await nextEvent(call, 'enqueued')).n);
    expect(transcript(call.events)).toEqual([
      { type: 'say', language: 'en-US', text: 'all agents are busy' },
      { type: 'enqueued', queue: 'general' },
      { type: 'say', language: 'zh-CN', text: '请稍候' },
    ]);
    expect(call.ended).toBe(false);
  });

  it('gives two callers in one queue positions 1 and 2 and the same QueueSid', async () => {
    enqueue();
    const first = sim.call();
    await hotline.waitForRequests('/twilio/wait', 1);
    const second = sim.call();
    const waits = await hotline.waitForRequests('/twilio/wait', 2);

    expect(waits.map((hit) => [hit.params['CallSid'], hit.params['QueuePosition'], hit.params['CurrentQueueSize']])).toEqual([
      [first.sid, '1', '1'],
      [second.sid, '2', '2'],
    ]);
    expect(waits[1]!.params['QueueSid']).toBe(waits[0]!.params['QueueSid']);
  });

  it('keeps separate queues apart', async () => {
    voice('<Enqueue waitUrl="/twilio/wait">general</Enqueue>');
    const first = sim.call();
    await hotline.waitForRequests('/twilio/wait', 1);
    hotline.serve('/twilio/voice', twiml('<Enqueue waitUrl="/twilio/wait">english</Enqueue>'));
    sim.call();
    const waits = await hotline.waitForRequests('/twilio/wait', 2);

    expect(waits[0]!.params['CallSid']).toBe(first.sid);
    expect(waits[1]!.params).toMatchObject({ QueuePosition: '1', CurrentQueueSize: '1' });
    expect(waits[1]!.params['QueueSid']).not.toBe(waits[0]!.params['QueueSid']);
  });

  it('lets a REST redirect take the caller out: the action hears QueueResult=redirected, and the call goes on at the new URL', async () => {
    enqueue();
    hotline.serve('/twilio/agent', twiml('<Say>connecting you to an agent</Say><Hangup/>'));
    const call = sim.call();
    const [wait] = await hotline.waitForRequests('/twilio/wait');
    await nextEvent(call, 'say', (await nextEvent(call, 'enqueued')).n);
    await sim.redirect(call.sid, `${PUBLIC_URL}/twilio/agent?queue=general`);
    const events = await sim.ended(call.sid);

    const [exit] = hotline.requests('/twilio/queue-exit');
    expect(exit!.params).toMatchObject({ CallSid: call.sid, QueueResult: 'redirected', QueueSid: wait!.params['QueueSid'], QueueTime: expect.stringMatching(/^\d+$/) });
    expect(hotline.requests('/twilio/agent?queue=general')).toHaveLength(1);
    // The action's answer is not followed, nor the rest of the document that held the <Enqueue>.
    expect(said(events)).toEqual(['all agents are busy', '请稍候', 'connecting you to an agent']);
    expect(transcript(events)).toContainEqual({ type: 'left-queue', queue: 'general', result: 'redirected' });
    expect(endedBy(events)).toEqual(['twiml']);
  });

  it('tells the action QueueResult=hangup when the caller hangs up while waiting, and the call ends', async () => {
    enqueue();
    const call = sim.call();
    await hotline.waitForRequests('/twilio/wait');
    sim.callerHangup(call.sid);
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/queue-exit').map((hit) => hit.params['QueueResult'])).toEqual(['hangup']);
    expect(said(events)).not.toContain('the queue action answered');
    expect(said(events)).not.toContain('after the queue');
    expect(endedBy(events)).toEqual(['caller']);
    expect(hotline.requests('/twilio/status').map((hit) => hit.params['CallStatus'])).toEqual(['completed']);
    // The queue is empty again: the next caller is first.
    sim.call();
    const waits = await hotline.waitForRequests('/twilio/wait', 2);
    expect(waits[1]!.params).toMatchObject({ QueuePosition: '1', CurrentQueueSize: '1' });
  });

  it('tells the action QueueResult=leave on <Leave> in the wait document, and follows its TwiML', async () => {
    enqueue();
    hotline.serve('/twilio/wait', twiml('<Say>please hold</Say><Leave/><Say>not heard</Say>'));
    hotline.serve('/twilio/queue-exit', twiml('<Say>we will call you back</Say>'));
    const call = sim.call();
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/queue-exit').map((hit) => hit.params['QueueResult'])).toEqual(['leave']);
    expect(said(events)).toEqual(['all agents are busy', 'please hold', 'we will call you back']);
    expect(transcript(events)).toContainEqual({ type: 'left-queue', queue: 'general', result: 'leave' });
  });

  it('goes on to the verb after <Enqueue> on <Leave> when there is no action', async () => {
    enqueue('waitUrl="/twilio/wait"');
    hotline.serve('/twilio/wait', twiml('<Leave/>'));
    const call = sim.call();
    const events = await sim.ended(call.sid);

    expect(said(events)).toEqual(['all agents are busy', 'after the queue']);
    expect(hotline.requests('/twilio/queue-exit')).toEqual([]);
  });
});

describe('<Dial><Client>', () => {
  const dial = (dialAttrs = 'action="/twilio/dialed" timeout="20"', events = 'initiated ringing answered completed') =>
    voice(`<Say>connecting you</Say><Dial ${dialAttrs}><Client statusCallback="/twilio/leg" statusCallbackEvent="${events}">agent_1001</Client></Dial><Say>after the dial</Say>`);
  const legStatuses = () => hotline.requests('/twilio/leg').map((hit) => hit.params['CallStatus']);

  beforeEach(() => {
    hotline.serve('/twilio/leg', { status: 204 });
    hotline.serve('/twilio/dialed', twiml('<Say>the agent has left the call</Say><Hangup/>'));
  });

  it("rings the agent's softphone with a leg of its own, after reporting it initiated and ringing", async () => {
    dial();
    const ringing = nextRing();
    const call = sim.call();
    const leg = await ringing;

    expect(leg).toMatchObject({ parentSid: call.sid, client: 'agent_1001', state: 'ringing' });
    expect(leg.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(leg.sid).not.toBe(call.sid);
    expect(legStatuses()).toEqual(['initiated', 'ringing']);
    expect(transcript(call.events)).toContainEqual({ type: 'ringing', client: 'agent_1001', legSid: leg.sid });
  });

  it("reports the leg's progress with its own CallSid, ParentCallSid, increasing SequenceNumber and a Timestamp", async () => {
    dial();
    const ringing = nextRing();
    const call = sim.call();
    const leg = await ringing;
    sim.answer(leg.sid);
    await nextEvent(call, 'connected');
    await sim.hangup(leg.sid);
    await sim.ended(call.sid);

    const callbacks = hotline.requests('/twilio/leg');
    expect(callbacks.map((hit) => hit.params['CallStatus'])).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    for (const hit of callbacks) {
      expect(hit.params).toMatchObject({ CallSid: leg.sid, ParentCallSid: call.sid, AccountSid: ACCOUNT_SID, CallbackSource: 'call-progress-events', To: 'client:agent_1001' });
      expect(Number.isNaN(Date.parse(hit.params['Timestamp']!))).toBe(false);
    }
    const sequence = callbacks.map((hit) => Number(hit.params['SequenceNumber']));
    expect(sequence.every((n, i) => Number.isInteger(n) && (i === 0 || n > sequence[i - 1]!))).toBe(true);
    expect(callbacks.at(-1)!.params['CallDuration']).toMatch(/^\d+$/);
  });

  it('tells the action DialCallStatus=completed with the leg and its duration after the agent hangs up, and follows its TwiML', async () => {
    dial();
    const ringing = nextRing();
    const call = sim.call();
    const leg = await ringing;
    sim.answer(leg.sid);
    await nextEvent(call, 'connected');
    await sim.hangup(leg.sid);
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/dialed').map((hit) => hit.params)).toEqual([
      expect.objectContaining({ CallSid: call.sid, DialCallStatus: 'completed', DialCallSid: leg.sid, DialCallDuration: expect.stringMatching(/^\d+$/) }),
    ]);
    expect(transcript(events)).toEqual([
      { type: 'say', language: 'en-US', text: 'connecting you' },
      { type: 'ringing', client: 'agent_1001', legSid: leg.sid },
      { type: 'connected', client: 'agent_1001', legSid: leg.sid },
      { type: 'disconnected', client: 'agent_1001', legSid: leg.sid, status: 'completed' },
      { type: 'say', language: 'en-US', text: 'the agent has left the call' },
      { type: 'ended', by: 'twiml' },
    ]);
  });

  it('can be answered from inside the ring handler, as an auto-answering softphone does', async () => {
    dial();
    sim.rings.once('ring', (leg) => sim.answer(leg.sid));
    const call = sim.call();
    const connected = await nextEvent(call, 'connected');
    await sim.hangup(connected.legSid);
    await sim.ended(call.sid);

    expect(hotline.requests('/twilio/dialed')[0]!.params['DialCallStatus']).toBe('completed');
  });

  it('tells the action DialCallStatus=busy when the agent rejects the call', async () => {
    dial();
    const ringing = nextRing();
    const call = sim.call();
    const leg = await ringing;
    sim.reject(leg.sid);
    const events = await sim.ended(call.sid);

    expect(hotline.requests('/twilio/dialed')[0]!.params).toMatchObject({ DialCallStatus: 'busy', DialCallSid: leg.sid, DialCallDuration: '0' });
    expect(legStatuses()).toEqual(['initiated', 'ringing', 'busy']);
    expect(said(events)).toContain('the agent has left the call');
  });

  it('tells the action DialCallStatus=no-answer when nobody answers within the timeout', async () => {
    const timed = simulator(0.01);
    dial('action="/twilio/dialed" timeout="1"');
    const ringing = nextRing(timed);
    const call = timed.call();
    const leg = await ringing;
    await timed.ended(call.sid);

    expect(hotline.requests('/twilio/dialed')[0]!.params).toMatchObject({ DialCallStatus: 'no-answer', DialCallSid: leg.sid });
    expect(legStatuses()).toEqual(['initiated', 'ringing', 'no-answer']);
  });

  it('cancels the ringing leg when the caller hangs up', async () => {
    dial();
    const ringing = nextRing();
    const call = sim.call();
    const leg = await ringing;
    sim.callerHangup(call.sid);
    const events = await sim.ended(call.sid);

    expect(legStatuses()).toEqual(['initiated', 'ringing', 'canceled']);
    expect(transcript(events)).toContainEqual({ type: 'disconnected', client: 'agent_1001', legSid: leg.sid, status: 'canceled' });
    expect(endedBy(events)).toEqual(['caller']);
    expect(said(events)).not.toContain('after the dial');
    expect(() => sim.answer(leg.sid)).toThrow(expect.objectContaining({ status: 404 }));
  });

  it('completes a connected leg when the caller hangs up', async () => {
    dial();
    const ringing = nextRing();
    const call = sim.call();
    const leg = await ringing;
    sim.answer(leg.sid);
    await nextEvent(call, 'connected');
    sim.callerHangup(call.sid);
    const events = await sim.ended(call.sid);

    expect(legStatuses()).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(endedBy(events)).toEqual(['caller']);
  });

  it('goes on to the verb after <Dial> when there is no action', async () => {
    dial('timeout="20"');
    const ringing = nextRing();
    const call = sim.call();
    sim.reject((await ringing).sid);
    const events = await sim.ended(call.sid);

    expect(said(events)).toEqual(['connecting you', 'after the dial']);
    expect(hotline.requests('/twilio/dialed')).toEqual([]);
  });

  it('reports only the statusCallbackEvent asked for, and only completed when none is given', async () => {
    voice('<Dial action="/twilio/dialed"><Client statusCallback="/twilio/leg">agent_1001</Client></Dial>');
    const ringing = nextRing();
    const call = sim.call();
    const leg = await ringing;
    sim.answer(leg.sid);
    await nextEvent(call, 'connected');
    await sim.hangup(leg.sid);
    await sim.ended(call.sid);

    expect(legStatuses()).toEqual(['completed']);
  });

  it('refuses to answer a leg twice (409) or one that does not exist (404)', async () => {
    dial();
    const ringing = nextRing();
    sim.call();
    const leg = await ringing;
    sim.answer(leg.sid);

    expect(() => sim.answer(leg.sid)).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => sim.reject(leg.sid)).toThrow(expect.objectContaining({ status: 409 }));
    expect(() => sim.answer('CA00000000000000000000000000000000')).toThrow(expect.objectContaining({ status: 404 }));
  });
});

describe('controlling a live call', () => {
  const menu = () => voice('<Gather numDigits="1" action="/twilio/menu"><Say>请按键</Say></Gather><Say>no input</Say>');

  it('redirect abandons a Gather and fetches the new URL, without Digits', async () => {
    menu();
    hotline.serve('/twilio/elsewhere', twiml('<Say>moved</Say>'));
    const call = sim.call();
    await nextEvent(call, 'listening');
    await sim.redirect(call.sid, `${PUBLIC_URL}/twilio/elsewhere`);
    const events = await sim.ended(call.sid);

    const [elsewhere] = hotline.requests('/twilio/elsewhere');
    expect(elsewhere!.params).toMatchObject({ CallSid: call.sid, CallStatus: 'in-progress' });
    expect(elsewhere!.params).not.toHaveProperty('Digits');
    expect(hotline.requests('/twilio/menu')).toEqual([]);
    expect(said(events)).toEqual(['请按键', 'moved']);
    expect(endedBy(events)).toEqual(['twiml']);
  });

  it('hangup ends the call, by the API, with one completed status callback', async () => {
    menu();
    const call = sim.call();
    await nextEvent(call, 'listening');
    await sim.hangup(call.sid);
    const events = await sim.ended(call.sid);

    expect(endedBy(events)).toEqual(['api']);
    expect(said(events)).toEqual(['请按键']);
    expect(hotline.requests('/twilio/status').map((hit) => hit.params['CallStatus'])).toEqual(['completed']);
  });

  it('the caller hanging up ends the call, by the caller', async () => {
    menu();
    const call = sim.call();
    await nextEvent(call, 'listening');
    sim.callerHangup(call.sid);

    expect(endedBy(await sim.ended(call.sid))).toEqual(['caller']);
    expect(hotline.requests('/twilio/status')).toHaveLength(1);
  });

  it('refuses control of an unknown call with status 404, and its REST actions say the call is gone', async () => {
    const unknown = 'CA0123456789abcdef0123456789abcdef';
    for (const act of [() => sim.press(unknown, '1'), () => sim.speak(unknown, 'hello'), () => sim.callerHangup(unknown)]) {
      expect(act).toThrow(expect.objectContaining({ status: 404 }));
    }
    // The REST actions fail as Twilio's do for a call it does not have: the hotline hears the caller is gone.
    await expect(sim.redirect(unknown, `${PUBLIC_URL}/twilio/voice`)).rejects.toBeInstanceOf(CallGone);
    await expect(sim.hangup(unknown)).rejects.toBeInstanceOf(CallGone);
    expect(await sim.callState(unknown)).toBe('unknown');
    await expect(sim.ended(unknown)).rejects.toThrow(unknown);
  });

  it('refuses control of a call that has ended with status 409, and its REST actions say the call is gone', async () => {
    voice('<Hangup/>');
    const call = sim.call();
    await sim.ended(call.sid);

    for (const act of [() => sim.press(call.sid, '1'), () => sim.speak(call.sid, 'hello'), () => sim.callerHangup(call.sid)]) {
      expect(act).toThrow(expect.objectContaining({ status: 409 }));
    }
    await expect(sim.redirect(call.sid, `${PUBLIC_URL}/twilio/voice`)).rejects.toBeInstanceOf(CallGone);
    await expect(sim.hangup(call.sid)).rejects.toBeInstanceOf(CallGone);
    expect(await sim.callState(call.sid)).toBe('over');
  });

  it('close hangs up every live call and waits for their final status callbacks', async () => {
    menu();
    const calls = [sim.call(), sim.call()];
    await Promise.all(calls.map((call) => nextEvent(call, 'listening')));
    await sim.close();

    for (const call of calls) expect(endedBy(call.events)).toEqual(['api']);
    expect(hotline.requests('/twilio/status').map((hit) => hit.params['CallSid']).sort()).toEqual(calls.map((call) => call.sid).sort());
  });
});

describe('eventsAfter (the long-poll behind the control routes)', () => {
  it('answers with the events after the n-th at once when there are some', async () => {
    voice('<Say>one</Say><Say>two</Say><Gather numDigits="1"/>');
    const call = sim.call();
    await nextEvent(call, 'listening');

    expect(transcript(await call.eventsAfter(1, 5_000))).toEqual([
      { type: 'say', language: 'en-US', text: 'two' },
      { type: 'listening', input: ['dtmf'] },
    ]);
  });

  it('waits for the next event, and gives up with none after the time given', async () => {
    voice('<Gather numDigits="1"/>');
    const call = sim.call();
    const listening = await nextEvent(call, 'listening');

    const started = Date.now();
    expect(await call.eventsAfter(listening.n, 40)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);

    const waiting = call.eventsAfter(listening.n, 5_000);
    sim.press(call.sid, '5');
    expect(transcript(await waiting)).toEqual([{ type: 'pressed', digits: '5' }]);
  });

  it('still waits while a hangup is on its way, and then reports the end', async () => {
    voice('<Enqueue waitUrl="/twilio/hold" action="/twilio/left">general</Enqueue>');
    hotline.serve('/twilio/hold', twiml('<Pause length="20"/>'));
    hotline.serve('/twilio/left', async () => {
      await new Promise((resolve) => setTimeout(resolve, 200)); // the hotline is slow to hear the caller left
      return twiml('');
    });
    const call = sim.call();
    const enqueued = await nextEvent(call, 'enqueued');
    sim.callerHangup(call.sid);

    const events = await call.eventsAfter(enqueued.n, 5_000);
    expect(events.length).toBeGreaterThan(0);
    const rest = await sim.ended(call.sid);
    expect(rest.at(-1)).toMatchObject({ type: 'ended', by: 'caller' });
  });
});
