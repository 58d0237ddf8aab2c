import type { Flow, IvrNode, Prompt, PromptItem } from './flow.ts';
import type { IvrContext, IvrInput, IvrState, Move, StepResult, Utterance, Walk } from './types.ts';
import * as menu from './nodes/menu.ts';
import * as gather from './nodes/gather.ts';
import * as info from './nodes/info.ts';
import * as simple from './nodes/simple.ts';

/**
 * The flow engine: pure functions from (call's IVR state, caller input) to (new state, what the caller hears
 * next). It walks through nodes that need no input (say, goto, hours, announcement) until one listens, queues
 * or hangs up. Persistence and TwiML are elsewhere.
 */

/** Nodes the caller is walked into; each returns where to go next or how the step ends. */
const enter: { [K in IvrNode['kind']]: (node: Extract<IvrNode, { kind: K }>, w: Walk) => Move } = {
  menu: menu.enter,
  gather: gather.enter,
  info: info.enter,
  say: simple.say,
  goto: simple.goto,
  announcement: simple.announcement,
  hours: simple.hours,
  queue: simple.queue,
  hangup: simple.hangup,
};

/** Nodes that wait for the caller, and how each takes the answer. */
const answer = { menu: menu.answer, gather: gather.answer, info: info.answer };

/** A flow that keeps jumping without ever listening is a mistake in the flow files. */
const MAX_HOPS = 64;

export class IvrError extends Error {}

/** A new call enters the named flow at its start. */
export function start(ctx: IvrContext, flowName = 'hotline'): StepResult {
  const flow = flowOf(ctx, flowName);
  const state: IvrState = { flow: flowName, node: flow.start, language: flow.languages[0]!, attempt: 0, answers: {}, path: [] };
  return walk(ctx, state, { goto: `${flowName}:${flow.start}` });
}

/** Enter a flow part-way, e.g. the survey after an agent hangs up, keeping language and answers. */
export function enterAt(ctx: IvrContext, state: IvrState, target: string): StepResult {
  return walk(ctx, state, { goto: target });
}

/** The caller answered (or stayed silent) at the node the call is waiting on. */
export function step(ctx: IvrContext, state: IvrState, input: IvrInput): StepResult {
  const w = walker(ctx, state);
  const node = nodeOf(w.flow, state.node);
  w.events.push({ type: 'ivr.input', data: { node: `${state.flow}:${state.node}`, ...input } });
  let move: Move;
  switch (node.kind) {
    case 'menu':
      move = answer.menu(node, w, input);
      break;
    case 'gather':
      move = answer.gather(node, w, input);
      break;
    case 'info':
      move = answer.info(node, w, input);
      break;
    default:
      throw new IvrError(`node ${state.flow}:${state.node} (${node.kind}) does not wait for input`);
  }
  return walk(ctx, w.state, move, w);
}

/** Whether the call's current node is one that takes caller input. */
export function isListening(ctx: IvrContext, state: IvrState): boolean {
  const flow = ctx.flows.get(state.flow);
  const node = flow?.nodes[state.node];
  return node !== undefined && node.kind in answer;
}

function walk(ctx: IvrContext, state: IvrState, first: Move, w: Walk = walker(ctx, state)): StepResult {
  let move = first;
  for (let hops = 0; 'goto' in move; hops++) {
    if (hops >= MAX_HOPS) throw new IvrError(`flow loops without listening: ${w.state.path.slice(-5).join(' → ')}`);
    const [flowName, nodeId] = resolve(w.state.flow, move.goto);
    w.flow = flowOf(ctx, flowName);
    w.state = {
      ...w.state,
      flow: flowName,
      node: nodeId,
      language: move.language ?? w.state.language,
      attempt: 0,
      path: [...w.state.path, `${flowName}:${nodeId}`],
    };
    if (move.language) w.events.push({ type: 'ivr.language', data: { language: move.language } });
    w.events.push({ type: 'ivr.node', data: { node: `${flowName}:${nodeId}` } });
    const node = nodeOf(w.flow, nodeId);
    move = (enter[node.kind] as (n: IvrNode, w: Walk) => Move)(node, w);
  }
  return { state: w.state, output: { said: w.said, then: move.stop }, events: w.events };
}

function walker(ctx: IvrContext, state: IvrState): Walk {
  const w: Walk = {
    ctx,
    flow: flowOf(ctx, state.flow),
    state,
    said: [],
    events: [],
    speak: (prompt) => (prompt ? speak(w.flow, prompt, w.state) : []),
  };
  return w;
}

/** A prompt in the caller's language, or failing that the flow's first language that has it. */
export function speak(flow: Flow, prompt: Prompt, state: Pick<IvrState, 'language' | 'answers'>): Utterance[] {
  const language = [state.language, ...flow.languages, ...Object.keys(prompt)].find((l) => prompt[l] !== undefined);
  if (!language) return [];
  const items = ([] as PromptItem[]).concat(prompt[language]!);
  return items.map((item) => {
    if (typeof item !== 'string' && 'play' in item) return { play: item.play };
    const [text, spokenIn] = typeof item === 'string' ? [item, language] : [item.say, item.language];
    const voice = flow.voices[spokenIn] ?? { language: spokenIn };
    return { say: interpolate(text, state.answers), language: voice.language, ...(voice.voice ? { voice: voice.voice } : {}) };
  });
}

/** `{trainNumber}` → the caller's answer, digits spaced so they are read one by one. */
function interpolate(text: string, answers: Record<string, string>): string {
  return text.replace(/\{([a-zA-Z][a-zA-Z0-9_]*)\}/g, (whole, name: string) => {
    const value = answers[name];
    if (value === undefined) return whole;
    return value.replace(/\d(?=\d)/g, '$& ');
  });
}

export function resolve(currentFlow: string, target: string): [string, string] {
  const i = target.indexOf(':');
  return i < 0 ? [currentFlow, target] : [target.slice(0, i), target.slice(i + 1)];
}

function flowOf(ctx: IvrContext, name: string): Flow {
  const flow = ctx.flows.get(name);
  if (!flow) throw new IvrError(`no flow named ${name}`);
  return flow;
}

function nodeOf(flow: Flow, id: string): IvrNode {
  const node = flow.nodes[id];
  if (!node) throw new IvrError(`flow ${flow.name} has no node ${id}`);
  return node;
}
