import type { Choice } from '../flow.ts';
import type { Move, Walk } from '../types.ts';

type Retrying = { retries: number; fallback?: Choice | undefined };

/**
 * No or invalid input: say so, then replay the node until its retries are used up, then the fallback
 * (by default the flow's, which is an agent): a caller is never stuck in a loop or left in silence.
 */
export function retry(node: Retrying, w: Walk, reason: 'invalid' | 'noInput', replay: () => Move): Move {
  w.said.push(...w.speak(w.flow.messages[reason]));
  w.events.push({ type: reason === 'invalid' ? 'ivr.invalid' : 'ivr.no-input', data: { attempt: w.state.attempt } });
  if (w.state.attempt >= node.retries) {
    const fallback = node.fallback ?? { next: w.flow.fallback };
    w.events.push({ type: 'ivr.retries-exhausted', data: { next: fallback.next } });
    return { goto: fallback.next, ...(fallback.language ? { language: fallback.language } : {}) };
  }
  w.state = { ...w.state, attempt: w.state.attempt + 1 };
  return replay();
}

export function choose(choice: Choice): Move {
  return { goto: choice.next, ...(choice.language ? { language: choice.language } : {}) };
}
