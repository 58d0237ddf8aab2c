import { parse } from 'yaml';
import type { z } from 'zod';

/**
 * One of the operator's rules files (a flow, the queues, the case policy), read: its YAML parsed and checked
 * against `schema`. A mistake stops start-up as `fail("<path>: …")`, with the first problem `describe`d in
 * the file's own terms (which node, queue or field).
 */
export function checkedYaml<S extends z.ZodType>(path: string, text: string, schema: S, describe: (issue: z.core.$ZodIssue) => string, fail: (message: string) => Error): z.output<S> {
  let data: unknown;
  try {
    data = parse(text, { prettyErrors: true });
  } catch (err) {
    throw fail(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw fail(`${path}: ${describe(parsed.error.issues[0]!)}`);
  return parsed.data;
}
