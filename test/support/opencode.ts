/**
 * The real OpenCode for the ACP tests (issue 8). It is not a dev dependency: the npm registry this
 * project installs from lacks the other platforms' optional OpenCode binaries, so a pinned entry
 * would make `npm ci` refuse the lock file. The suite installs the pinned version from the npm
 * registry into `node_modules/.cache/symphony-opencode` on first use instead (about 10 s, once per
 * checkout); `OPENCODE_BIN` overrides it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from './codex.js';

/** The OpenCode version the tests pin. */
export const OPENCODE_VERSION = '1.18.33';

const PREFIX = path.join(REPO_ROOT, 'node_modules', '.cache', 'symphony-opencode');
const BIN = path.join(PREFIX, 'node_modules', '.bin', 'opencode');

function installedVersion(): string | null {
  try {
    const manifest = JSON.parse(readFileSync(path.join(PREFIX, 'node_modules', 'opencode-ai', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : null;
  } catch {
    return null;
  }
}

/**
 * The path of the `opencode` binary, installing `opencode-ai@OPENCODE_VERSION` first when it is
 * not there yet. @throws Error naming npm's output when the install fails.
 */
export async function ensureOpenCode(): Promise<string> {
  const override = process.env.OPENCODE_BIN;
  if (override !== undefined && override !== '') return override;
  if (existsSync(BIN) && installedVersion() === OPENCODE_VERSION) return BIN;
  const result = await execa('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', PREFIX, `opencode-ai@${OPENCODE_VERSION}`], { reject: false, all: true });
  if (result.exitCode !== 0 || !existsSync(BIN)) throw new Error(`installing opencode-ai@${OPENCODE_VERSION} failed (exit ${String(result.exitCode)}): ${String(result.all).slice(-2000)}`);
  return BIN;
}
