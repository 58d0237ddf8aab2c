import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One TwiML verb as the simulator reads it: name, attributes, text and nested verbs. */
export type Verb = {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: Verb[];
};

/** What Twilio would report as an "application error": the document cannot be followed. */
export class ApplicationError extends Error {}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

/** The verbs of a TwiML document; anything but a well-formed `<Response>` is an application error. */
export function readTwiml(xml: string): Verb[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new ApplicationError(`TwiML is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const root = (parser.parse(xml) as Node[]).find((node) => !('?xml' in node));
  if (!root || !('Response' in root)) throw new ApplicationError('TwiML has no <Response> root element');
  return verbsOf(root['Response'] as Node[]);
}

function verbsOf(nodes: Node[]): Verb[] {
  return nodes.filter((node) => !('#text' in node)).map(verbOf);
}

function verbOf(node: Node): Verb {
  const name = Object.keys(node).find((key) => key !== ':@')!;
  const content = node[name] as Node[];
  return {
    name,
    attrs: node[':@'] ?? {},
    text: content.map((child) => ('#text' in child ? String(child['#text']) : '')).join(''),
    children: verbsOf(content),
  };
}

/** TwiML URLs may be relative to the document that holds them. */
export function absolute(url: string, base: string): string {
  try {
    return new URL(url.trim(), base).toString();
  } catch {
    throw new ApplicationError(`TwiML names an invalid URL: ${url}`);
  }
}

/** A number (seconds, digits) from a TwiML attribute, or the default when it is missing or not a number. */
export function numberAttr(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
}
