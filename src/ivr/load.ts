import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { z } from 'zod';
import { flowFile, type Flow, type Flows, type IvrNode, type Prompt, type PromptItem } from './flow.ts';
import { resolve } from './engine.ts';
import { checkedYaml } from '../yaml-file.ts';

/** A flow file that cannot run; the message names the file, the node and the field. */
export class FlowError extends Error {}

/** Read and check every `*.yaml` flow in `dir` (queues.yaml, cases.yaml, scorecard.yaml and other non-flow files excluded by name). */
export function loadFlows(dir: string, exclude: string[] = ['queues.yaml', 'cases.yaml', 'scorecard.yaml']): Flows {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && !exclude.includes(f))
    .sort();
  const flows = new Map<string, Flow>();
  for (const file of files) {
    const path = join(dir, file);
    flows.set(basename(file, '.yaml'), parseFlow(path, readFileSync(path, 'utf8')));
  }
  for (const flow of flows.values()) checkFlow(flow, flows, join(dir, `${flow.name}.yaml`));
  return flows;
}

export function parseFlow(path: string, text: string): Flow {
  return { ...checkedYaml(path, text, flowFile, describe, (message) => new FlowError(message)), name: basename(path, '.yaml') };
}

function describe(issue: z.core.$ZodIssue): string {
  const [top, id, ...rest] = issue.path.map(String);
  const where = top === 'nodes' && id ? `node ${id}${rest.length ? `, field ${rest.join('.')}` : ''}` : `field ${issue.path.join('.') || '(top level)'}`;
  return `${where}: ${issue.message}`;
}

/** What zod cannot see alone: targets that exist, every language present in every prompt, voices. */
function checkFlow(flow: Flow, flows: Flows, path: string): void {
  const fail = (where: string, why: string) => {
    throw new FlowError(`${path}: ${where}: ${why}`);
  };
  const target = (where: string, t: string) => {
    const [f, n] = resolve(flow.name, t);
    if (!flows.get(f)?.nodes[n]) fail(where, `goes to ${t}, which does not exist`);
  };
  const prompt = (where: string, p: Prompt | undefined) => {
    for (const language of flow.languages) if (p && p[language] === undefined) fail(where, `has no text for ${language}`);
    for (const items of Object.values(p ?? {}))
      for (const item of ([] as PromptItem[]).concat(items))
        if (typeof item === 'object' && 'language' in item && !flow.voices[item.language])
          fail(where, `says something in ${item.language}, which is not one of the flow's voices`);
  };
  for (const language of flow.languages) if (!flow.voices[language]) fail('field voices', `has no voice for ${language}`);
  if (!flow.nodes[flow.start]) fail('field start', `names node ${flow.start}, which does not exist`);
  target('field fallback', flow.fallback);
  for (const [key, choice] of Object.entries(flow.globalOptions)) target(`field globalOptions.${key}.next`, choice.next);
  for (const [name, p] of Object.entries(flow.messages)) prompt(`field messages.${name}`, p);
  for (const [id, node] of Object.entries(flow.nodes)) {
    if (node.kind === 'info' && !flow.messages.afterInfo) fail(`node ${id}`, 'is an info node, which needs messages.afterInfo');
    for (const [field, t] of targetsOf(node)) target(`node ${id}, field ${field}`, t);
    if ('prompt' in node) prompt(`node ${id}, field prompt`, node.prompt);
    if (node.kind === 'gather' && node.pattern !== undefined) {
      try {
        new RegExp(node.pattern);
      } catch {
        fail(`node ${id}, field pattern`, `is not a valid regular expression`);
      }
    }
  }
}

function targetsOf(node: IvrNode): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if ('next' in node) out.push(['next', node.next]);
  if (node.kind === 'hours') out.push(['whenOpen', node.whenOpen], ['whenClosed', node.whenClosed]);
  if (node.kind === 'menu') for (const [k, c] of Object.entries(node.options)) out.push([`options.${k}.next`, c.next]);
  if ((node.kind === 'menu' || node.kind === 'gather') && node.fallback) out.push(['fallback.next', node.fallback.next]);
  return out;
}
