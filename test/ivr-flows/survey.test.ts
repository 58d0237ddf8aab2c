import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enterAt, step } from '../../src/ivr/engine.ts';
import { loadFlows } from '../../src/ivr/load.ts';
import type { IvrContext, IvrInput, IvrState, StepResult } from '../../src/ivr/types.ts';
import { answersOf } from '../../src/surveys/survey.ts';
import { OPEN, testFlowYaml } from '../support/flows.ts';

/**
 * The survey flow file (ivr-flows/survey.yaml) as the hotline loads it, walked by the IVR engine: which keys
 * each question takes, how often it asks again, and that every path ends with thanks and a hangup.
 */

const flows = loadFlows('ivr-flows');
const survey = flows.get('survey')!;
const ctx: IvrContext = { flows, now: OPEN, timeZone: 'Asia/Shanghai', announcement: null };

const said = (r: StepResult) => r.output.said.map((u) => ('say' in u ? u.say : u.play));
const prompt = (r: StepResult) => (r.output.then.kind === 'listen' ? r.output.then.prompt.map((u) => ('say' in u ? u.say : u.play)) : []);

function begin(language = 'en-US'): StepResult {
  const state: IvrState = { flow: 'survey', node: survey.start, language, attempt: 0, answers: {}, path: [] };
  return enterAt(ctx, state, `survey:${survey.start}`);
}

/** Answer each question in turn from the start. */
function answer(inputs: Array<string | IvrInput>, language = 'en-US'): StepResult {
  let r = begin(language);
  for (const input of inputs) r = step(ctx, r.state, typeof input === 'string' ? (input === '' ? { kind: 'silence' } : { kind: 'digits', digits: input }) : input);
  return r;
}

describe('ivr-flows/survey.yaml', () => {
  it('loads as the flow "survey" next to the hotline flow, in the same languages and voices', () => {
    expect([...flows.keys()].sort()).toEqual(['hotline', 'survey']);
    const hotline = flows.get('hotline')!;
    expect(survey.languages).toEqual(hotline.languages);
    expect(survey.voices).toEqual(hotline.voices);
  });

  it('only asks and hangs up: no node sends a caller to a queue or an agent', () => {
    expect(new Set(Object.values(survey.nodes).map((n) => n.kind))).toEqual(new Set(['gather', 'hangup']));
    expect(survey.globalOptions).toEqual({});
  });

  it('asks for a rating of one key, 1 to 5, and takes nothing else', () => {
    const first = begin();
    expect(prompt(first)).toEqual(['How satisfied are you with this call? Press 1 to 5, where 5 is very satisfied and 1 is very dissatisfied.']);
    expect(first.output.then).toMatchObject({ kind: 'listen', numDigits: 1, finishOnKey: '' });
    const taken = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'].filter((key) => answer([key]).state.node === 'solved');
    expect(taken).toEqual(['1', '2', '3', '4', '5']);
  });

  it('asks whether the problem was solved, taking 1 (yes) or 2 (no)', () => {
    expect(prompt(answer(['4']))).toEqual(['Was your problem solved? Press 1 for yes, 2 for no.']);
    expect(answersOf(answer(['4', '1']).state)).toEqual({ rating: 4, solved: true });
    expect(answersOf(answer(['4', '2']).state)).toEqual({ rating: 4, solved: false });
    expect(answer(['4', '3']).state.node).toBe('solved');
  });

  it('thanks the caller and hangs up after both answers', () => {
    const done = answer(['5', '1']);
    expect(done.output.then).toEqual({ kind: 'hangup' });
    expect(said(done)).toEqual(['Thank you for your feedback. Have a good journey. Goodbye.']);
  });

  it('asks again once after no or invalid input, then says goodbye and hangs up keeping what was answered', () => {
    expect(said(answer(['']))).toEqual(['Sorry, we did not hear your answer.']);
    expect(answer(['']).output.then.kind).toBe('listen');
    const gaveUp = answer(['', '9']);
    expect(said(gaveUp)).toEqual(['Sorry, that is not a valid key.', 'Thank you for calling. Goodbye.']);
    expect(gaveUp.output.then).toEqual({ kind: 'hangup' });
    expect(answersOf(gaveUp.state)).toEqual({ rating: null, solved: null });

    const second = answer(['3', '', '']);
    expect(second.output.then).toEqual({ kind: 'hangup' });
    expect(answersOf(second.state)).toEqual({ rating: 3, solved: null });
  });

  it("speaks each of the hotline's languages, Cantonese in Twilio's zh-HK voice", () => {
    for (const language of survey.languages) {
      const first = begin(language);
      expect(first.output.then.kind === 'listen' && first.output.then.prompt[0]).toMatchObject({ language: survey.voices[language]!.language });
    }
    expect(prompt(begin('zh-CN'))).toEqual(['请您对本次通话进行评价：非常满意请按5，非常不满意请按1，请按1到5。']);
    expect(prompt(begin('yue-HK'))).toEqual(['請你為今次通話評分：非常滿意請按5，非常唔滿意請按1，請按1至5。']);
  });
});

describe('loading a flow without afterInfo', () => {
  const dirWith = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'sanling-survey-flows-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };

  it('is allowed for a flow without info nodes, such as the survey', () => {
    const dir = dirWith({ 'survey.yaml': readFileSync('ivr-flows/survey.yaml', 'utf8') });
    expect(() => loadFlows(dir)).not.toThrow();
  });

  it('is refused, naming the node, when the flow has an info node', () => {
    const withoutAfterInfo = testFlowYaml.replace(/^ {2}afterInfo:.*\n/m, '');
    expect(withoutAfterInfo).not.toBe(testFlowYaml);
    expect(() => loadFlows(dirWith({ 'hotline.yaml': withoutAfterInfo }))).toThrow(/hotline\.yaml: node refund: is an info node, which needs messages\.afterInfo/);
  });
});
