import { XMLParser } from 'fast-xml-parser';

type Verb = { verb: string; text: string; attrs: Record<string, string>; children: Verb[] };

const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '' });

/** A TwiML document as a list of verbs, in order, so tests read like what the caller hears. */
export function verbs(xml: string): Verb[] {
  const doc = parser.parse(xml) as Array<Record<string, unknown>>;
  const response = doc.find((n) => 'Response' in n);
  if (!response) throw new Error(`not a TwiML document: ${xml}`);
  return toVerbs(response.Response as Array<Record<string, unknown>>);
}

function toVerbs(nodes: Array<Record<string, unknown>>): Verb[] {
  return nodes.flatMap((node) => {
    const verb = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
    if (!verb) return [];
    const children = node[verb] as Array<Record<string, unknown>>;
    const text = children.filter((c) => '#text' in c).map((c) => String(c['#text'])).join('');
    return [{ verb, text, attrs: (node[':@'] as Record<string, string>) ?? {}, children: toVerbs(children) }];
  });
}

/** Every text the caller would hear, nested ones included. */
export function spoken(xml: string): string[] {
  const walk = (vs: Verb[]): string[] => vs.flatMap((v) => (v.verb === 'Say' ? [v.text] : walk(v.children)));
  return walk(verbs(xml));
}
