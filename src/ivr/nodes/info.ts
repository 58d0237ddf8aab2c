import type { NodeOf } from '../flow.ts';
import type { IvrInput, Move, Walk } from '../types.ts';

type Info = NodeOf<'info'>;

const REPEAT = '9';
const BACK = '*';

/** A self-service answer, then "9 to repeat, * to go back, 0 for an agent"; silence goes back. */
export function enter(node: Info, w: Walk): Move {
  w.said.push(...w.speak(node.prompt));
  w.events.push({ type: 'ivr.self-service', data: { topic: node.topic } });
  return { stop: { kind: 'listen', prompt: w.speak(w.flow.messages.afterInfo), numDigits: 1, finishOnKey: '', timeoutSeconds: 5 } };
}

export function answer(node: Info, w: Walk, input: IvrInput): Move {
  const key = input.kind === 'digits' ? input.digits.slice(0, 1) : '';
  if (key === REPEAT) return { goto: `${w.state.flow}:${w.state.node}` };
  const global = w.flow.globalOptions[key];
  if (global) {
    w.events.push({ type: 'ivr.choice', data: { key, next: global.next } });
    return { goto: global.next };
  }
  if (input.kind !== 'silence' && key !== BACK) w.said.push(...w.speak(w.flow.messages.invalid));
  return { goto: node.next };
}
