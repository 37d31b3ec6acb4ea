/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4) for tests: every line
 * must be a HELP, TYPE, other comment, blank or sample line, or it throws.
 */

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed exposition. */
export interface Exposition {
  readonly samples: readonly Sample[];
  /** Metric family name → HELP text. */
  readonly help: ReadonlyMap<string, string>;
  /** Metric family name → TYPE. */
  readonly types: ReadonlyMap<string, string>;
  /** The single sample with this name and exactly these labels; throws if absent. */
  value(name: string, labels?: Readonly<Record<string, string>>): number;
  /** Whether a sample with this name (any labels) exists. */
  has(name: string): boolean;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\["\\\\n])*"';
// Values are read by Prometheus with Go's strconv.ParseFloat, which matches NaN/Inf case-insensitively
// (prom-client writes NaN as `Nan`).
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?[Ii][Nn][Ff]|[Nn][Aa][Nn])';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`);
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses `text`; throws naming the first line that is not valid exposition format. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    let m = HELP.exec(line);
    if (m) {
      help.set(m[1] as string, m[2] as string);
      continue;
    }
    m = TYPE.exec(line);
    if (m) {
      types.set(m[1] as string, m[2] as string);
      continue;
    }
    if (line.startsWith('# HELP') || line.startsWith('# TYPE')) throw new Error(`line ${index + 1} is a malformed HELP/TYPE line: ${line}`);
    if (line.startsWith('#')) continue;
    m = SAMPLE.exec(line);
    if (!m) throw new Error(`line ${index + 1} is not a valid sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(LABEL_PAIR)) labels[pair[1] as string] = (pair[2] as string).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    const raw = m[3] as string;
    const lower = raw.toLowerCase();
    const value = lower.endsWith('inf') ? (lower.startsWith('-') ? -Infinity : Infinity) : lower === 'nan' ? Number.NaN : Number(raw);
    samples.push({ name: m[1] as string, labels, value });
  }
  const same = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
  return {
    samples,
    help,
    types,
    value(name, labels = {}) {
      const found = samples.filter((s) => s.name === name && same(s.labels, labels));
      if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
      return (found[0] as Sample).value;
    },
    has: (name) => samples.some((s) => s.name === name),
  };
}

/** The family a sample belongs to (`_bucket`, `_sum`, `_count` of a histogram belong to it). */
export function familyOf(name: string, types: ReadonlyMap<string, string>): string | null {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (types.get(base) === 'histogram' || types.get(base) === 'summary') return base;
    }
  }
  return null;
}
