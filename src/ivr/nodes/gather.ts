import type { NodeOf } from '../flow.ts';
import type { IvrInput, Move, Walk } from '../types.ts';
import { retry } from './retry.ts';

type Gather = NodeOf<'gather'>;

/** Twilio's speech-recognition language for each caller language it can recognise. */
const speechLanguages: Record<string, string> = { 'zh-CN': 'cmn-Hans-CN', 'en-US': 'en-US', 'yue-HK': 'yue-Hant-HK' };

export function enter(node: Gather, w: Walk): Move {
  const { min, max, finishOnKey } = node.digits;
  const speechLanguage = node.speech ? speechLanguages[w.state.language] : undefined;
  return {
    stop: {
      kind: 'listen',
      prompt: w.speak(node.prompt),
      timeoutSeconds: node.timeout,
      finishOnKey,
      ...(min === max ? { numDigits: max } : {}),
      ...(speechLanguage ? { speechLanguage } : {}),
    },
  };
}

export function answer(node: Gather, w: Walk, input: IvrInput): Move {
  if (input.kind === 'silence') return retry(node, w, 'noInput', () => enter(node, w));
  const value = normalise(input);
  if (!isValid(node, input.kind, value)) return retry(node, w, 'invalid', () => enter(node, w));
  w.state = { ...w.state, answers: { ...w.state.answers, [node.answer]: value } };
  w.events.push({ type: 'ivr.answer', data: { name: node.answer, value, by: input.kind } });
  return { goto: node.next };
}

function normalise(input: Exclude<IvrInput, { kind: 'silence' }>): string {
  if (input.kind === 'digits') return input.digits.replace(/[^0-9]/g, '');
  // "G 1 2 3 4." heard as speech: keep letters and digits only.
  return input.text.toUpperCase().replace(/[^0-9A-Z]/g, '');
}

function isValid(node: Gather, by: 'digits' | 'speech', value: string): boolean {
  if (value === '') return false;
  if (by === 'digits' && (value.length < node.digits.min || value.length > node.digits.max)) return false;
  return node.pattern === undefined || new RegExp(node.pattern).test(value);
}
