/**
 * Running the real Codex 0.169 binary (the pinned dev dependency) against the fake model.
 *
 * Verified on this machine: with `CODEX_HOME` pointing at an empty directory and the `fake`
 * provider below, `codex app-server` talks only to the fake model on 127.0.0.1. The one other
 * network access observed (DNS lookups of github.com / api.github.com for the curated plugin
 * sync, which clones into `$CODEX_HOME/.tmp/plugins-clone-*`) stops with `features.plugins=false`.
 * Update checks and analytics are switched off as well for good measure. Provider retries are
 * disabled so scripted HTTP errors end the turn at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file lives in `test/support/`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of the pinned Codex launcher. */
export const CODEX_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'codex');

/** The model name Codex is configured with (any name works with the fake provider). */
export const FAKE_MODEL_NAME = 'gpt-5.5';

/** Single-quotes `value` for bash. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A TOML literal for a `-c key=value` override. */
function tomlValue(value: string | number | boolean): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Options of {@link codexCommand}. */
export interface CodexCommandOptions {
  /** The fake model's `baseUrl` (`http://127.0.0.1:PORT/v1`). */
  readonly modelBaseUrl: string;
  /** Directory used as `CODEX_HOME` (see {@link makeCodexHome}). */
  readonly codexHome: string;
  /** Extra `-c key=value` overrides (values become TOML strings, numbers or booleans). */
  readonly extraConfig?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The `codex.command` string that runs the real app-server against the fake model:
 * `CODEX_HOME='<home>' '<repo>/node_modules/.bin/codex' app-server -c … -c …`.
 */
export function codexCommand(options: CodexCommandOptions): string {
  const config: Record<string, string | number | boolean> = {
    model_provider: 'fake',
    model: FAKE_MODEL_NAME,
    'model_providers.fake.name': 'fake',
    'model_providers.fake.base_url': options.modelBaseUrl,
    'model_providers.fake.wire_api': 'responses',
    'model_providers.fake.request_max_retries': 0,
    'model_providers.fake.stream_max_retries': 0,
    'features.plugins': false,
    check_for_update_on_startup: false,
    'analytics.enabled': false,
    ...options.extraConfig,
  };
  const overrides = Object.entries(config).map(([key, value]) => `-c ${shellQuote(`${key}=${tomlValue(value)}`)}`);
  return [`CODEX_HOME=${shellQuote(options.codexHome)}`, shellQuote(CODEX_BIN), 'app-server', ...overrides].join(' ');
}

/** A temporary `CODEX_HOME`. */
export interface CodexHome {
  readonly path: string;
  /** Removes the directory. Idempotent. */
  cleanup(): Promise<void>;
}

/**
 * Creates an empty `CODEX_HOME` under the OS temp directory. (Codex then warns on stderr that it
 * will not create PATH helper aliases under `/tmp`; harmless.)
 */
export async function makeCodexHome(): Promise<CodexHome> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-codex-home-'));
  return { path: dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
