import type { NodeOf } from '../flow.ts';
import type { IvrInput, Move, Walk } from '../types.ts';
import { choose, retry } from './retry.ts';

type Menu = NodeOf<'menu'>;

export function enter(node: Menu, w: Walk): Move {
  return { stop: { kind: 'listen', prompt: w.speak(node.prompt), numDigits: 1, finishOnKey: '', timeoutSeconds: node.timeout } };
}

export function answer(node: Menu, w: Walk, input: IvrInput): Move {
  if (input.kind === 'silence') return retry(node, w, 'noInput', () => enter(node, w));
  const key = input.kind === 'digits' ? input.digits.slice(0, 1) : '';
  const choice = node.options[key] ?? (node.globalOptions ? w.flow.globalOptions[key] : undefined);
  if (!choice) return retry(node, w, 'invalid', () => enter(node, w));
  w.events.push({ type: 'ivr.choice', data: { key, next: choice.next } });
  return choose(choice);
}
