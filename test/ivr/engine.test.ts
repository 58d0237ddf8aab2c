import { describe, expect, it } from 'vitest';
import { start, step } from '../../src/ivr/engine.ts';
import type { IvrInput, StepResult, Utterance } from '../../src/ivr/types.ts';
import { context } from '../support/flows.ts';

const press = (digits: string): IvrInput => ({ kind: 'digits', digits });
const silence: IvrInput = { kind: 'silence' };
const texts = (said: Utterance[]) => said.map((u) => ('say' in u ? u.say : u.play));

/** Run a caller's inputs from the start; returns every step's result. */
function run(inputs: IvrInput[], ctx = context()): StepResult[] {
  const results = [start(ctx)];
  for (const input of inputs) results.push(step(ctx, results.at(-1)!.state, input));
  return results;
}
const last = (inputs: IvrInput[], ctx = context()) => run(inputs, ctx).at(-1)!;

describe('the language choice', () => {
  it('greets in Mandarin first and listens for one key', () => {
    const { output, state } = start(context());
    expect(state).toMatchObject({ node: 'welcome', language: 'zh-CN', path: ['hotline:welcome'] });
    expect(output.then).toMatchObject({ kind: 'listen', numDigits: 1, prompt: [{ say: '欢迎', language: 'zh-CN' }] });
  });

  it('switches to English with its voice when the caller presses 2', () => {
    const { state, output } = last([press('2')]);
    expect(state.language).toBe('en-US');
    expect(output.then).toMatchObject({ kind: 'listen', prompt: [{ say: 'Main menu', language: 'en-US', voice: 'Polly.Joanna' }] });
  });

  it('goes on in Mandarin when the caller says nothing, after one replay', () => {
    const [, first, second] = run([silence, silence]);
    expect(texts(first!.output.said)).toEqual(['没有听到']);
    expect(first!.state.node).toBe('welcome');
    expect(second!.state).toMatchObject({ node: 'main', language: 'zh-CN' });
  });

  it('ignores the global agent key where the menu turns global options off', () => {
    const result = last([press('0')]);
    expect(texts(result.output.said)).toEqual(['无效选择']);
    expect(result.state.node).toBe('welcome');
  });
});

describe('a menu', () => {
  it('replays after an invalid key, up to its retries, then sends the caller to an agent', () => {
    const results = run([press('1'), press('7'), press('8'), press('9')]);
    expect(results.slice(2).map((r) => r.output.then.kind)).toEqual(['listen', 'listen', 'queue']);
    expect(texts(results[2]!.output.said)).toEqual(['无效选择']);
    expect(results[4]!.output.then).toEqual({ kind: 'queue', queue: 'general', priority: 0 });
    expect(results[4]!.events.map((e) => e.type)).toContain('ivr.retries-exhausted');
  });

  it('sends the caller to an agent on 0 at any menu', () => {
    expect(last([press('1'), press('0')]).output.then).toEqual({ kind: 'queue', queue: 'general', priority: 0 });
  });

  it('counts silence against the same retries as invalid keys', () => {
    const results = run([press('1'), silence, press('5'), silence]);
    expect(results.map((r) => r.state.attempt)).toEqual([0, 0, 1, 2, 0]);
    expect(results.at(-1)!.output.then.kind).toBe('queue');
  });
});

describe('an info answer', () => {
  it('speaks the answer, offers repeat, and returns to its menu on *', () => {
    const results = run([press('1'), press('1')]);
    expect(texts(results[2]!.output.said)).toEqual(['退票费']);
    expect(results[2]!.events).toContainEqual({ type: 'ivr.self-service', data: { topic: 'refund-fees' } });
    expect(texts(step(context(), results[2]!.state, press('9')).output.said)).toEqual(['退票费']);
    expect(step(context(), results[2]!.state, press('*')).state.node).toBe('main');
    expect(step(context(), results[2]!.state, silence).state.node).toBe('main');
    expect(step(context(), results[2]!.state, press('0')).output.then.kind).toBe('queue');
  });
});

describe('a gather', () => {
  it('listens for digits ended by #, and speech in the caller language', () => {
    const { output } = last([press('2'), press('2')]);
    expect(output.then).toMatchObject({ kind: 'listen', finishOnKey: '#', speechLanguage: 'en-US' });
    expect(output.then).not.toHaveProperty('numDigits');
  });

  it('stores the answer, reads it back digit by digit, and routes to its queue', () => {
    const result = last([press('1'), press('2'), press('1234')]);
    expect(result.state.answers).toEqual({ trainNumber: '1234' });
    expect(texts(result.output.said)).toEqual(['车次1 2 3 4', '请稍候']);
    expect(result.output.then).toEqual({ kind: 'queue', queue: 'lost-and-found', priority: 3 });
    expect(result.state.path).toEqual([
      'hotline:welcome', 'hotline:news', 'hotline:hours', 'hotline:main', 'hotline:train', 'hotline:confirm', 'hotline:to-agent', 'hotline:lost',
    ]);
  });

  it('accepts a spoken train number with its letter', () => {
    const result = last([press('1'), press('2'), { kind: 'speech', text: 'G 1 2 3.', confidence: 0.9 }]);
    expect(result.state.answers.trainNumber).toBe('G123');
  });

  it('rejects an answer that is too long or does not match, and asks again', () => {
    const result = last([press('1'), press('2'), press('123456')]);
    expect(result.state).toMatchObject({ node: 'train', attempt: 1, answers: {} });
    expect(texts(result.output.said)).toEqual(['无效选择']);
  });

  it('does not offer speech where the flow does not ask for it', () => {
    const { output } = last([press('1')]);
    expect(output.then).not.toHaveProperty('speechLanguage');
  });
});

describe('business hours', () => {
  it('routes to the closed message outside opening hours in the hotline time zone', () => {
    // 23:30 in Shanghai is 15:30 UTC.
    const late = context({ now: new Date('2026-11-25T15:30:00Z') });
    const result = last([press('1')], late);
    expect(texts(result.output.said)).toEqual(['已下班']);
    expect(result.output.then).toEqual({ kind: 'hangup' });
  });

  it('is closed all day on a listed date', () => {
    const christmas = context({ now: new Date('2026-12-25T04:00:00Z') });
    expect(last([press('1')], christmas).output.then).toEqual({ kind: 'hangup' });
  });
});

describe('the announcement', () => {
  it('is played before the menu while a manager has one set, in the caller language', () => {
    const ctx = context({ announcement: { 'zh-CN': 'G线停运', 'en-US': 'Line G is suspended' } });
    expect(texts(last([press('2')], ctx).output.said)).toEqual(['Line G is suspended']);
  });

  it('falls back to another language when it was set in one only', () => {
    const ctx = context({ announcement: { 'zh-CN': 'G线停运' } });
    expect(last([press('2')], ctx).output.said).toEqual([{ say: 'G线停运', language: 'zh-CN' }]);
  });

  it('is silent when none is set', () => {
    expect(last([press('1')]).output.said).toEqual([]);
  });
});

describe('hangup', () => {
  it('says goodbye and ends the call', () => {
    const result = last([press('2'), press('3')]);
    expect(texts(result.output.said)).toEqual(['Goodbye']);
    expect(result.output.then).toEqual({ kind: 'hangup' });
  });
});
