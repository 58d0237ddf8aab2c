import { describe, expect, it } from 'vitest';
import { apiDocument } from '../../src/api/openapi.ts';
import { loginBody } from '../../src/staff/routes.ts';
import { hotlinePerFile } from '../support/running.ts';
import { mountedRoutes, openApiPath } from './routes.ts';

/**
 * GET /api/openapi.json describes the REST API the hotline really serves: every route mounted under /api
 * (found by walking the express app, not from a list) is in it, nothing in it is not served, and the document
 * holds together as OpenAPI 3.1 (each operation answers something, each `{param}` is declared, each $ref
 * resolves).
 */

const running = hotlinePerFile();

type Operation = { responses?: Record<string, { description?: string }>; parameters?: Array<{ in: string; name: string; required?: boolean }>; requestBody?: { content: Record<string, { schema: unknown }> } };
type Document = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

async function served(): Promise<Document> {
  const res = await fetch(`${running().url}/api/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as Document;
}

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, op]) => ({ method, path, op })));

describe('the API description', () => {
  it('is served to anyone, as the document the code builds', async () => {
    expect(await served()).toEqual(JSON.parse(JSON.stringify(await apiDocument())));
  });

  it('describes every route mounted under /api, and only those', async () => {
    const doc = await served();
    const mounted = mountedRoutes(running().app)
      .filter((r) => r.path.startsWith('/api/'))
      .map((r) => `${r.method} ${openApiPath(r.path)}`);
    expect(mounted.length).toBeGreaterThan(40);
    const described = operations(doc).map(({ method, path }) => `${method} ${path}`);
    expect(mounted.filter((r) => !described.includes(r)), 'mounted but not described').toEqual([]);
    expect(described.filter((r) => !mounted.includes(r)), 'described but not mounted').toEqual([]);
  });

  it('holds together as OpenAPI 3.1: responses, path parameters, references', async () => {
    const doc = await served();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    for (const { method, path, op } of operations(doc)) {
      const where = `${method} ${path}`;
      expect(path, where).toMatch(/^\/[A-Za-z0-9\-._~{}/]*$/);
      const statuses = Object.keys(op.responses ?? {});
      expect(statuses.some((s) => /^2\d\d$/.test(s)), `${where} answers success`).toBe(true);
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        expect(status, where).toMatch(/^[1-5](\d\d|XX)$|^default$/);
        expect(response.description, `${where} ${status}`).toBeTruthy();
      }
      const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      expect(declared.map((p) => p.name).sort(), `${where}'s path parameters`).toEqual([...inPath].sort());
      for (const p of declared) expect(p.required, `${where} ${p.name}`).toBe(true);
    }
    // Every $ref points at a component that exists.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components?.schemas?.[ref], ref).toBeDefined();
  });

  it("shows the very schema a route validates with: the login's fields are those a bad login is refused for", async () => {
    const doc = await served();
    const schema = doc.paths['/api/login']!['post']!.requestBody!.content['application/json']!.schema as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(loginBody.shape).sort());
    const refused = await fetch(`${running().url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'x' }) });
    expect(refused.status).toBe(400);
    expect(schema.required).toContain('employeeNo');
    expect(((await refused.json()) as { error: string }).error).toMatch(/employeeNo/);
  });
});
