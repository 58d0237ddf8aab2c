/**
 * A strict reader of Prometheus's text exposition format (version 0.0.4), as Prometheus itself reads a scrape:
 * no parser package is installed, so the format's rules are checked here, and a scrape breaking any of them
 * fails the spec instead of being read leniently.
 *
 * - `# HELP name text` and `# TYPE name counter|gauge|histogram|summary|untyped`, at most once per family,
 *   TYPE before the family's first sample; other `#` lines are comments.
 * - a sample is `name{label="value",…} value [timestamp]`; names and label names by the format's grammar,
 *   label values with only the \\ \" \n escapes, values as Go floats.
 * - a family's samples are together, no series twice; a histogram's are `_bucket` (with `le`), `_sum` and
 *   `_count`, its buckets cumulative, the `+Inf` bucket equal to the count.
 */

export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Family = { name: string; type: string; help: string | undefined; samples: Sample[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: string | undefined;
  const series = new Set<string>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: 'untyped', help: undefined, samples: [] }));
    return f;
  };
  const enter = (name: string, line: number) => {
    if (current === name) return;
    if (closed.has(name)) throw new Error(`line ${line}: ${name}'s samples are not together`);
    if (current) closed.add(current);
    current = name;
  };

  text
    .slice(0, -1)
    .split('\n')
    .forEach((raw, index) => {
      const line = index + 1;
      if (raw.trim() === '') return;
      if (raw.startsWith('#')) {
        const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(raw);
        if (!m) return; // a comment
        const [, keyword, name = '', rest = ''] = m;
        if (METRIC_NAME.exec(name)?.[0] !== name) throw new Error(`line ${line}: bad metric name ${name}`);
        const f = family(name);
        if (keyword === 'HELP') {
          if (f.help !== undefined) throw new Error(`line ${line}: a second HELP for ${name}`);
          f.help = unescape(rest, false, line);
        } else {
          if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${rest}`);
          if (f.samples.length || (f as { typed?: boolean }).typed) throw new Error(`line ${line}: TYPE for ${name} after its samples or twice`);
          (f as { typed?: boolean }).typed = true;
          f.type = rest;
        }
        return;
      }
      const sample = parseSample(raw, line);
      const owner = ownerOf(sample.name, families);
      enter(owner.name, line);
      const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      if (series.has(key)) throw new Error(`line ${line}: ${key} twice`);
      series.add(key);
      owner.samples.push(sample);
    });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** A histogram's or summary's samples belong to the family their suffix is taken from. */
function ownerOf(name: string, families: Map<string, Family>): Family {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (base && (base.type === 'histogram' || (base.type === 'summary' && suffix !== '_bucket'))) return base;
  }
  const f = families.get(name);
  if (f) {
    if (f.type === 'histogram') throw new Error(`${name}: a histogram's samples must be _bucket, _sum or _count`);
    return f;
  }
  const untyped: Family = { name, type: 'untyped', help: undefined, samples: [] };
  families.set(name, untyped);
  return untyped;
}

function parseSample(raw: string, line: number): Sample {
  let rest = raw;
  const name = METRIC_NAME.exec(rest)?.[0];
  if (!name) throw new Error(`line ${line}: no metric name in ${raw}`);
  rest = rest.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = LABEL_NAME.exec(rest)?.[0];
      if (!label) throw new Error(`line ${line}: bad label name in ${raw}`);
      if (label in labels) throw new Error(`line ${line}: label ${label} twice`);
      rest = rest.slice(label.length);
      if (!rest.startsWith('="')) throw new Error(`line ${line}: expected =" after ${label}`);
      rest = rest.slice(2);
      let value = '';
      for (;;) {
        const c = rest[0];
        if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
        rest = rest.slice(1);
        if (c === '"') break;
        if (c === '\\') {
          const e = rest[0];
          rest = rest.slice(1);
          if (e === '\\' || e === '"') value += e;
          else if (e === 'n') value += '\n';
          else throw new Error(`line ${line}: bad escape \\${e ?? ''}`);
        } else value += c;
      }
      labels[label] = value;
      if (rest.startsWith(',')) rest = rest.slice(1);
      else if (!rest.startsWith('}')) throw new Error(`line ${line}: expected , or } in ${raw}`);
    }
    rest = rest.slice(1);
  }
  const parts = rest.split(' ').filter((p) => p !== '');
  if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`line ${line}: expected a value (and a timestamp) in ${raw}`);
  const value = parseFloatStrict(parts[0]!, line);
  if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: bad timestamp ${parts[1]}`);
  return { name, labels, value };
}

/** A value as Go's strconv.ParseFloat (which Prometheus uses) reads it: NaN and Inf in any case (prom-client writes `Nan`). */
function parseFloatStrict(text: string, line: number): number {
  if (/^nan$/i.test(text)) return NaN;
  if (/^\+?inf(inity)?$/i.test(text)) return Infinity;
  if (/^-inf(inity)?$/i.test(text)) return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${text}`);
  return Number(text);
}

function unescape(text: string, quotes: boolean, line: number): string {
  return text.replace(/\\(.)/g, (_m, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    if (quotes && e === '"') return '"';
    throw new Error(`line ${line}: bad escape \\${e}`);
  });
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...others } = s.labels;
    const key = JSON.stringify(Object.entries(others).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${s.name} without le`);
      g.buckets.push([parseFloatStrict(le, 0), s.value]);
    } else if (s.name === `${f.name}_count`) g.count = s.value;
    else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else throw new Error(`${s.name} in histogram ${f.name}`);
  }
  for (const [key, g] of groups) {
    const sorted = [...g.buckets].sort((a, b) => a[0] - b[0]);
    if (sorted.at(-1)?.[0] !== Infinity) throw new Error(`${f.name}${key}: no +Inf bucket`);
    sorted.forEach(([, v], i) => {
      if (i > 0 && v < sorted[i - 1]![1]) throw new Error(`${f.name}${key}: buckets not cumulative`);
    });
    if (g.count === undefined || g.sum === undefined) throw new Error(`${f.name}${key}: no _count or _sum`);
    if (sorted.at(-1)![1] !== g.count) throw new Error(`${f.name}${key}: +Inf bucket ${sorted.at(-1)![1]} is not the count ${g.count}`);
  }
}

/** The value of one series: the family's sample named `name` (the family's own name by default) with `labels`. */
export function valueOf(families: Map<string, Family>, family: string, labels: Record<string, string> = {}, name = family): number | undefined {
  const f = families.get(family);
  return f?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
