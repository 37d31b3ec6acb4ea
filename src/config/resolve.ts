/**
 * Environment indirection for config values (spec §6.1 step 4 and "Value coercion semantics").
 *
 * Only a WHOLE value of the form `$NAME` or `${NAME}` is a reference; `prefix-$NAME` is a literal.
 * Path expansion (`~`, relative paths) is applied only to fields documented as local paths, never
 * to URIs or shell commands (`codex.command`, hooks).
 */
import os from 'node:os';
import path from 'node:path';

const ENV_REF = /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})$/;

/**
 * The environment variable name a value refers to, or null when it is not a whole-value
 * `$NAME` / `${NAME}` reference (surrounding whitespace is not allowed).
 */
export function envRefName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = ENV_REF.exec(value);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/** Result of {@link resolveEnvRef}. */
export interface EnvResolution {
  /**
   * The literal value when it is not a reference; the variable's value when it is. `null` means
   * MISSING: the referenced variable is unset or empty (spec §5.3.1: an empty secret is missing).
   */
  readonly value: string | null;
  /** The referenced variable's name; null for a literal. */
  readonly envName: string | null;
}

/**
 * Resolves a whole-value `$NAME` / `${NAME}` reference against `env`; other strings pass through
 * unchanged (including the empty string). Never throws.
 *
 * Implements spec §6.1 step 4.
 */
export function resolveEnvRef(value: string, env: NodeJS.ProcessEnv): EnvResolution {
  const envName = envRefName(value);
  if (envName === null) return { value, envName: null };
  const resolved = env[envName];
  return { value: resolved === undefined || resolved === '' ? null : resolved, envName };
}

/** Inputs of {@link expandPath}. */
export interface ExpandPathOptions {
  /** Environment used for a whole-value `$VAR` and, by default, for `HOME`. */
  readonly env: NodeJS.ProcessEnv;
  /** Absolute directory relative paths resolve against: the directory containing `WORKFLOW.md`. */
  readonly baseDir: string;
  /** Home directory for `~`. Default: `env.HOME` when non-empty, else `os.homedir()`. */
  readonly homeDir?: string;
}

/** Result of {@link expandPath}: an absolute normalized path, or why there is none. */
export type PathExpansion =
  | { readonly ok: true; readonly path: string; readonly envName: string | null }
  | { readonly ok: false; readonly reason: string; readonly envName: string | null };

/**
 * Expands a local filesystem path value: a whole-value `$VAR` is replaced by the variable's value
 * first; then `~` / `~/...` becomes the home directory; then a relative path is resolved against
 * `baseDir`; the result is normalized and absolute. `~user` forms are not expanded.
 *
 * Returns `ok: false` (never throws) when the value is blank or its `$VAR` is unset/empty.
 *
 * Implements spec §5.3.3 and §6.1 (path coercion).
 */
export function expandPath(value: string, options: ExpandPathOptions): PathExpansion {
  const { value: resolved, envName } = resolveEnvRef(value, options.env);
  if (resolved === null) {
    return { ok: false, reason: `references $${envName ?? ''}, which is not set or is empty`, envName };
  }
  if (resolved.trim() === '') return { ok: false, reason: 'is empty', envName };
  let expanded = resolved;
  if (expanded === '~' || expanded.startsWith('~/')) {
    const home = options.homeDir ?? (options.env.HOME ? options.env.HOME : os.homedir());
    expanded = path.join(home, expanded.slice(1));
  }
  return { ok: true, path: path.resolve(options.baseDir, expanded), envName };
}
