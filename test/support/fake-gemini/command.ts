/**
 * Running the real Gemini CLI 0.61 (the pinned dev dependency) in ACP mode against the fake Gemini
 * API.
 *
 * Verified on this machine, offline: with `HOME` an empty directory, `GEMINI_API_KEY` any value and
 * `GOOGLE_GEMINI_BASE_URL` the fake, `gemini --acp` answers `initialize` after about 2.5–3.5 s,
 * accepts `authenticate {methodId: "gemini-api-key"}`, and talks only to the fake (one
 * `generateContent` router call and one `streamGenerateContent` per model step per prompt). It
 * writes `$HOME/.gemini/` (settings, chat history).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, shellQuote } from '../codex.js';

/** Absolute path of the pinned Gemini CLI entry point (a Node script). */
export const GEMINI_BIN = path.join(REPO_ROOT, 'node_modules', '@google', 'gemini-cli', 'bundle', 'gemini.js');

/** Node 24 from node_modules (the script's `#!/usr/bin/env node` could find the system Node 20). */
const NODE_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');

/** Options of {@link geminiCommand}. */
export interface GeminiCommandOptions {
  /** The fake Gemini API's `baseUrl`. */
  readonly baseUrl: string;
  /** Directory used as `HOME` (see {@link makeGeminiHome}). */
  readonly home: string;
  /** Extra environment assignments put before the command. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * The `acp.command` that runs the real Gemini CLI in ACP mode against the fake API:
 * `HOME='<home>' GEMINI_API_KEY='fake-key' GOOGLE_GEMINI_BASE_URL='<url>' '<node>' '<gemini.js>' --acp`.
 * Pair it with `acp.auth_method: gemini-api-key`.
 */
export function geminiCommand(options: GeminiCommandOptions): string {
  const env: Record<string, string> = { HOME: options.home, GEMINI_API_KEY: 'fake-gemini-key', GOOGLE_GEMINI_BASE_URL: options.baseUrl, ...options.env };
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${shellQuote(value)}`);
  return [...assignments, shellQuote(NODE_BIN), shellQuote(GEMINI_BIN), '--acp'].join(' ');
}

/** A temporary `HOME` for Gemini CLI. */
export interface GeminiHome {
  readonly path: string;
  /** Removes the directory. Idempotent. */
  cleanup(): Promise<void>;
}

/** Creates an empty `HOME` under the OS temp directory. */
export async function makeGeminiHome(): Promise<GeminiHome> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-gemini-home-'));
  return { path: dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
