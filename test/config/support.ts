/**
 * Test helpers for the config layer: a stub tracker profile (the adapter-owned half of validation)
 * and per-test temp directories.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveEnvRef } from '../../src/config/resolve.js';
import type { ProviderIssue, TrackerProfile } from '../../src/tracker/profile.js';

/** Settings the stub adapter produces from its provider map. */
export interface StubSettings {
  readonly apiKey: string;
  /** Env var the key came from (`$VAR` or the `STUB_API_KEY` fallback); null for a literal. */
  readonly apiKeyEnv: string | null;
  readonly project: string | null;
  /** The whole provider map as received (to check unknown keys are preserved). */
  readonly received: Readonly<Record<string, unknown>>;
}

/**
 * Stub profile `stub`: `api_key` is a secret (literal, `$VAR`, or fallback env `STUB_API_KEY`);
 * `project` is an optional string; `api_key` and `project` may also appear flat under `tracker`.
 */
export const stubProfile: TrackerProfile<StubSettings> = {
  kind: 'stub',
  defaultActiveStates: ['Todo', 'In Progress'],
  defaultTerminalStates: ['Done', 'Canceled'],
  flatProviderKeys: ['api_key', 'project'],
  validate(provider, env) {
    const errors: ProviderIssue[] = [];
    const rawKey = provider.api_key;
    let apiKey: string | null = null;
    let apiKeyEnv: string | null = null;
    if (typeof rawKey === 'string') {
      const resolved = resolveEnvRef(rawKey, env);
      apiKey = resolved.value === '' ? null : resolved.value;
      apiKeyEnv = resolved.envName;
    } else if (rawKey === undefined) {
      apiKey = env.STUB_API_KEY ? env.STUB_API_KEY : null;
      apiKeyEnv = 'STUB_API_KEY';
    } else {
      errors.push({ code: 'invalid_tracker_config', message: 'tracker.provider.api_key must be a string' });
    }
    if (apiKey === null && errors.length === 0) {
      errors.push({ code: 'missing_tracker_secret', message: `tracker.provider.api_key is missing (${apiKeyEnv ? `$${apiKeyEnv} is not set` : 'empty'})` });
    }
    const project = provider.project;
    if (project !== undefined && typeof project !== 'string') {
      errors.push({ code: 'invalid_tracker_config', message: 'tracker.provider.project must be a string' });
    }
    if (errors.length > 0 || apiKey === null) return { errors, warnings: [] };
    return {
      settings: { apiKey, apiKeyEnv, project: typeof project === 'string' ? project : null, received: provider },
      errors: [],
      warnings: [],
    };
  },
  secretEnvironmentNames(settings) {
    return settings.apiKeyEnv === null ? ['STUB_API_KEY'] : ['STUB_API_KEY', settings.apiKeyEnv];
  },
  create() {
    throw new Error('stub profile creates no adapter');
  },
};

/** The profile map the config layer receives. */
export const stubProfiles: ReadonlyMap<string, TrackerProfile> = new Map<string, TrackerProfile>([
  ['stub', stubProfile],
]);

/** Creates temp directories and removes them all in {@link cleanup}. */
export class TempDirs {
  readonly #dirs: string[] = [];

  async make(prefix = 'symphony-config-'): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** A workflow file text from front matter lines and a body. */
export function workflowText(frontMatter: string, body = 'Work on {{ issue.identifier }}.'): string {
  return `---\n${frontMatter.trim()}\n---\n\n${body}\n`;
}

/** Minimal valid front matter for the stub tracker. */
export const MINIMAL_FRONT_MATTER = 'tracker:\n  kind: stub\n  provider:\n    api_key: literal-key';
