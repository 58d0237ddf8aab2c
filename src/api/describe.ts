import { z } from 'zod';
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from 'zod-openapi';
import type { Role } from '../staff/staff.ts';

/**
 * Small builders for the routes modules' `<module>Paths` (the OpenAPI convention, src/api/openapi.ts): each
 * operation says who may call it, what it takes (the zod schemas the route validates with) and what it
 * answers, and the refusals every route of its kind gives follow from that (400 naming the field when it
 * takes input, 401 without a login, 403 for a role it does not serve).
 */

/** Every refusal's body: what is wrong, and the field at fault when there is one. */
export const errorBody = z
  .object({ error: z.string(), field: z.string().optional() })
  .meta({ id: 'Error', description: 'What is wrong, in words; `field` names the input at fault.' });

/** An answer whose shape is the server's TypeScript type, not a zod schema: described, not detailed. */
export const described = (description: string) => z.looseObject({}).meta({ description });

type Input = { query?: z.ZodType; path?: z.ZodType; body?: z.ZodType };

export type Operation = Input & {
  summary: string;
  tags: string[];
  /** Who may call it: any logged-in member of staff (`staff`), these roles, or anyone (`public`). */
  who: 'public' | 'staff' | readonly Role[];
  /** The success answer: status (200 by default), its JSON schema, and what it is. */
  ok: { status?: number; schema?: z.ZodType; description: string; contentType?: string };
  /** Other answers the route gives (404 for a missing case, 409 for a state that forbids it …). */
  also?: Record<number, string>;
  description?: string;
};

const jsonOf = (schema: z.ZodType) => ({ 'application/json': { schema } });

/** One operation as zod-openapi takes it. */
export function operation(o: Operation): ZodOpenApiOperationObject {
  const responses: Record<string, ZodOpenApiResponseObject> = {
    [String(o.ok.status ?? 200)]: {
      description: o.ok.description,
      ...(o.ok.schema ? { content: o.ok.contentType ? { [o.ok.contentType]: { schema: o.ok.schema } } : jsonOf(o.ok.schema) } : {}),
    },
  };
  const refusal = (description: string) => ({ description, content: jsonOf(errorBody) });
  if (o.query || o.path || o.body) responses['400'] = refusal('The input is not valid: `error` says why and `field` names it.');
  if (o.who !== 'public') responses['401'] = refusal('Not logged in: send `Authorization: Bearer <token>` from POST /api/login.');
  if (Array.isArray(o.who)) responses['403'] = refusal(`Only ${o.who.join(', ')} may do this.`);
  for (const [status, description] of Object.entries(o.also ?? {})) responses[String(status)] = refusal(description);
  return {
    summary: o.summary,
    tags: o.tags,
    ...(o.description ? { description: o.description } : {}),
    ...(o.who === 'public' ? { security: [] } : Array.isArray(o.who) ? { 'x-roles': o.who } : {}),
    ...(o.query || o.path ? { requestParams: { ...(o.query ? { query: o.query as never } : {}), ...(o.path ? { path: o.path as never } : {}) } } : {}),
    ...(o.body ? { requestBody: { content: jsonOf(o.body) } } : {}),
    responses: responses as ZodOpenApiResponsesObject,
  };
}

/** A case by its reference (C7KX4QM), as the case routes take it: any letter case, spaces ignored. */
export const referencePath = z.object({ reference: z.string().meta({ description: "The case's reference, such as C7KX4QM." }) });
