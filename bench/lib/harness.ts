/**
 * A tiny benchmark harness: time a function for a bounded wall-clock budget, then print figures.
 * Benchmarks PRINT numbers; nothing here asserts a duration (project rule: tests never assert
 * wall-clock time, speed targets live under `bench/`).
 *
 * Bench files load this module with a dynamic `import()` of its `.ts` URL (Node runs `.ts`
 * directly but needs the real extension, which `tsc` rejects in a static import) and take its
 * types from `import type * as Harness from './lib/harness.js'`.
 */
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One benchmark case. */
export interface CaseOptions {
  /** Row label. */
  readonly name: string;
  /** Units of work one call of `run` performs (events, issues, bytes…); default 1. */
  readonly n?: number;
  /** Bytes one call of `run` consumes; when set, the row gets an `MB/s` figure (MB = 10^6 B). */
  readonly bytes?: number;
  /** Measured wall-clock budget, ms; default 1000. Sampling stops at the first sample past it. */
  readonly budgetMs?: number;
  /** Unmeasured warm-up budget (lets the JIT settle), ms; default 300. */
  readonly warmupMs?: number;
  /** Upper bound on samples (a Float64Array of this length is preallocated); default 1_000_000. */
  readonly maxSamples?: number;
  /** One sample. Its return value is kept until the next sample so the work cannot be optimized away. */
  readonly run: () => unknown;
}

/** Figures of one case. Durations are per sample (one `run` call = `n` units of work). */
export interface CaseResult {
  readonly name: string;
  readonly n: number;
  readonly samples: number;
  /** Units of work per second over all measured samples. */
  readonly opsPerSec: number;
  /** Milliseconds per unit of work (mean). */
  readonly msPerOp: number;
  /** Median duration of one sample, ms. */
  readonly p50Ms: number;
  /** 99th-percentile duration of one sample (nearest rank), ms. */
  readonly p99Ms: number;
  /** Megabytes (10^6 B) per second, when `bytes` was given. */
  readonly mbPerSec: number | null;
  /** Retained JS heap after the measured samples minus before them, both after a full GC, MB. */
  readonly heapDeltaMb: number;
}

/** A printable row: column name → value (numbers are formatted, null prints as `–`). */
export type Row = Readonly<Record<string, string | number | null>>;

/** The last sample's return value: a module-level store the engine cannot prove dead. */
let _sink: unknown = null;

let cachedGc: NodeJS.GCFunction | null = null;

/**
 * A full, synchronous, "last-resort" garbage collection (it also drops V8's internal caches, so
 * large short-lived strings do not linger into the next measurement). Uses `globalThis.gc`
 * (node `--expose-gc`); without the flag it turns the flag on at run time and fetches `gc` from
 * a fresh context, so `node bench/x.bench.ts` works too.
 */
export function collectGarbage(): void {
  if (cachedGc === null) {
    if (typeof globalThis.gc === 'function') {
      cachedGc = globalThis.gc;
    } else {
      setFlagsFromString('--expose-gc');
      cachedGc = runInNewContext('gc') as NodeJS.GCFunction;
    }
  }
  cachedGc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/** `process.memoryUsage().heapUsed` after a full GC, bytes. */
export function heapUsedAfterGc(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** Bytes → MB (10^6). */
export function mb(bytes: number): number {
  return bytes / 1e6;
}

/** The `q` quantile (0..1) of ascending `sorted` values (nearest rank); 0 when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/** Runs samples until the budget or `durations.length` is used up; returns how many ran. */
function sampleFor(run: () => unknown, budgetMs: number, durations: Float64Array): number {
  const start = performance.now();
  let samples = 0;
  let elapsed = 0;
  while (samples < durations.length && elapsed < budgetMs) {
    const t0 = performance.now();
    _sink = run();
    const t1 = performance.now();
    durations[samples++] = t1 - t0;
    elapsed = t1 - start;
  }
  return samples;
}

/**
 * Runs one case: warm-up, full GC, measured samples within the budget, full GC. Sample durations
 * go to a preallocated typed array (outside the JS heap) so they do not count in the heap delta.
 */
export function measure(options: CaseOptions): CaseResult {
  const n = options.n ?? 1;
  const durations = new Float64Array(options.maxSamples ?? 1_000_000);
  sampleFor(options.run, options.warmupMs ?? 300, durations);
  _sink = null;
  const heapBefore = heapUsedAfterGc();
  const samples = sampleFor(options.run, options.budgetMs ?? 1000, durations);
  _sink = null;
  const heapAfter = heapUsedAfterGc();
  const sorted = durations.subarray(0, samples).sort();
  const totalMs = sorted.reduce((sum, d) => sum + d, 0);
  const units = n * samples;
  return {
    name: options.name,
    n,
    samples,
    opsPerSec: totalMs > 0 ? (units / totalMs) * 1000 : 0,
    msPerOp: units > 0 ? totalMs / units : 0,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    mbPerSec: options.bytes === undefined || totalMs === 0 ? null : mb(options.bytes * samples) / (totalMs / 1000),
    heapDeltaMb: mb(heapAfter - heapBefore),
  };
}

/** The standard row of a {@link CaseResult}: µs per unit of work, heap Δ to the KB, `MB/s` null without `bytes`. */
export function toRow(result: CaseResult): Row {
  const row: Record<string, string | number | null> = {
    name: result.name,
    n: result.n,
    samples: result.samples,
    'ops/s': result.opsPerSec,
    'µs/op': result.msPerOp * 1000,
    'p50 ms': result.p50Ms,
    'p99 ms': result.p99Ms,
  };
  row['MB/s'] = result.mbPerSec;
  row['heap Δ MB'] = Math.round(result.heapDeltaMb * 1000) / 1000 || 0;
  return row;
}

const significant = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 });
const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function format(value: string | number | null): string {
  if (value === null) return '–';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value) && Math.abs(value) >= 1000) return grouped.format(value);
  if (Math.abs(value) >= 1000) return grouped.format(Math.round(value));
  if (Math.abs(value) < 0.001 && value !== 0) return value.toExponential(2);
  return significant.format(value);
}

/**
 * Prints `rows` as an aligned Markdown table under a `## title` line. Columns: the union of row
 * keys in first-seen order, minus columns that are null in every row.
 */
export function printTable(title: string, rows: readonly Row[]): void {
  const keys: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!keys.includes(key)) keys.push(key);
  const columns = keys.filter((key) => rows.some((row) => (row[key] ?? null) !== null));
  const cells = rows.map((row) => columns.map((column) => format(row[column] ?? null)));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => (line[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    `| ${values.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const out = [
    `\n## ${title}\n`,
    line(columns),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...cells.map(line),
  ];
  console.log(out.join('\n'));
}

/** One line naming the runtime and the machine's load (figures are noisy on a busy machine). */
export function printEnvironment(benchmark: string): void {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  const gcNote = typeof globalThis.gc === 'function' ? '--expose-gc' : 'gc exposed at run time';
  const load = (loadavg()[0] ?? 0).toFixed(2);
  console.log(`# ${benchmark} — node ${process.version}, ${cpus().length} × ${cpu}, load ${load}, ${gcNote}`);
}
