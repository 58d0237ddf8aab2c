import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFlows } from '../../src/ivr/load.ts';
import { testFlowYaml } from '../support/flows.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function flowsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sanling-flows-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const broken = (from: string, to: string) => {
  expect(testFlowYaml).toContain(from);
  return flowsDir({ 'hotline.yaml': testFlowYaml.replace(from, to) });
};

describe('loading flow files', () => {
  it('loads every flow in the folder under its file name', () => {
    const flows = loadFlows(flowsDir({ 'hotline.yaml': testFlowYaml, 'queues.yaml': 'not a flow' }));
    expect([...flows.keys()]).toEqual(['hotline']);
    expect(flows.get('hotline')!.nodes.main!.kind).toBe('menu');
  });

  it('names the file, node and field of a bad value', () => {
    expect(() => loadFlows(broken('retries: 1', 'retries: 9'))).toThrow(/hotline\.yaml: node welcome, field retries: .*5/);
  });

  it('names an unknown node kind', () => {
    expect(() => loadFlows(broken('kind: announcement', 'kind: announcment'))).toThrow(/hotline\.yaml: node news, field kind/);
  });

  it('names a field the schema does not know, so typos do not pass silently', () => {
    expect(() => loadFlows(broken('topic: refund-fees', 'topic: refund-fees, nxt: main'))).toThrow(/node refund.*nxt/);
  });

  it('names a target that does not exist', () => {
    expect(() => loadFlows(broken("'3': { next: bye }", "'3': { next: byebye }"))).toThrow(
      /hotline\.yaml: node main, field options\.3\.next: goes to byebye, which does not exist/,
    );
  });

  it('names a prompt that lacks one of the flow languages', () => {
    expect(() => loadFlows(broken('prompt: { zh-CN: 主菜单, en-US: Main menu }', 'prompt: { zh-CN: 主菜单 }'))).toThrow(
      /node main, field prompt: has no text for en-US/,
    );
  });

  it('names a pattern that is not a regular expression', () => {
    expect(() => loadFlows(broken("pattern: '^[GDC]?\\d{1,5}$'", "pattern: '^[GDC'"))).toThrow(/node train, field pattern/);
  });

  it('says where YAML itself is broken', () => {
    expect(() => loadFlows(flowsDir({ 'hotline.yaml': 'nodes: [unclosed' }))).toThrow(/hotline\.yaml: not valid YAML/);
  });
});
