/**
 * The reading side of the config builder (spec §6.1 value coercion, §6.3 errors): a collector
 * of one-line validation problems and warnings that reads typed values with defaults, plus the
 * small value helpers its messages use. Pure.
 */
import type { ErrorCode } from '../errors.js';
import { MAX_TIMER_MS } from './types.js';

/** A raw front-matter map. */
export type RawMap = Record<string, unknown>;

/** Integer rules of {@link Collector.int}. */
export type IntRule = 'positive' | 'any' | 'port';

/** One validation problem. `message` is one line that starts with the key path. */
export interface ConfigIssue {
  /** `invalid_config` for typed fields; §11.4 tracker codes for tracker problems. */
  readonly code: ErrorCode;
  /** Dotted key path, e.g. `polling.interval_ms`, `tracker.provider`. */
  readonly keyPath: string;
  readonly message: string;
}

/** Collects issues and reads typed values with defaults. Never throws. */
export class Collector {
  /** Problems found so far; the config is valid only when this stays empty. */
  readonly errors: ConfigIssue[] = [];
  /** Non-fatal remarks, one line each. */
  readonly warnings: string[] = [];

  /** Records a problem at `keyPath`; the message reads `<keyPath> <message>`. */
  fail(keyPath: string, message: string, code: ErrorCode = 'invalid_config'): void {
    this.errors.push({ code, keyPath, message: `${keyPath} ${message}` });
  }

  /** A top-level section; absent/null → `{}`; not a map → error and `{}`. */
  section(raw: Readonly<RawMap>, key: string): RawMap {
    const value = raw[key];
    if (value === undefined || value === null) return {};
    if (isMap(value)) return value;
    this.fail(key, `must be a map (got ${describe(value)})`);
    return {};
  }

  /**
   * An integer at `keyPath` (number or decimal string); absent/null → `fallback`. A value breaking
   * `rule`, or above {@link MAX_TIMER_MS} when `isTimer`, is an error and yields `fallback`.
   */
  int(section: RawMap, keyPath: string, fallback: number, rule: IntRule, isTimer = false): number {
    const value = section[leaf(keyPath)];
    if (value === undefined || value === null) return fallback;
    const n = toInteger(value);
    const expected = rule === 'positive' ? 'a positive integer' : rule === 'port' ? 'an integer from 0 to 65535' : 'an integer';
    if (n === null || (rule === 'positive' && n <= 0) || (rule === 'port' && (n < 0 || n > 65_535))) {
      this.fail(keyPath, `must be ${expected} (got ${describe(value)})`);
      return fallback;
    }
    if (isTimer && n > MAX_TIMER_MS) {
      this.fail(keyPath, `must be at most ${MAX_TIMER_MS} ms (got ${n})`);
      return fallback;
    }
    return n;
  }

  /** An optional string; absent/null → fallback; blank → fallback when `blankIsAbsent`, else error. */
  string(section: RawMap, keyPath: string, fallback: string | null, blankIsAbsent: boolean): string | null {
    const value = section[leaf(keyPath)];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') {
      this.fail(keyPath, `must be a string (got ${describe(value)})`);
      return fallback;
    }
    if (value.trim() === '') {
      if (!blankIsAbsent) this.fail(keyPath, 'must not be empty');
      return fallback;
    }
    return value;
  }

  /** A list of strings; absent/null → fallback. */
  stringList(section: RawMap, keyPath: string, fallback: readonly string[], allowBlank: boolean, code: ErrorCode): readonly string[] {
    const value = section[leaf(keyPath)];
    if (value === undefined || value === null) return fallback;
    if (!Array.isArray(value)) {
      this.fail(keyPath, `must be a list of strings (got ${describe(value)})`, code);
      return fallback;
    }
    const bad = value.findIndex((item) => typeof item !== 'string' || (!allowBlank && item.trim() === ''));
    if (bad !== -1) {
      this.fail(`${keyPath}[${bad}]`, `must be a ${allowBlank ? '' : 'non-empty '}string (got ${describe(value[bad])})`, code);
      return fallback;
    }
    return value as string[];
  }
}

export function isMap(value: unknown): value is RawMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Integer from a number or a decimal-integer string; null otherwise (or beyond safe range). */
export function toInteger(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** A short, one-line rendering of a bad value for messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 59)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (isMap(value)) return 'a map';
  return String(value);
}

/** The kind of a value without the value itself (for maps that may hold secrets). */
export function typeName(value: unknown): string {
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/** The last segment of a dotted key path (`polling.interval_ms` → `interval_ms`). */
function leaf(keyPath: string): string {
  return keyPath.slice(keyPath.lastIndexOf('.') + 1);
}
