/**
 * Unknown front-matter keys (spec §5.3: unknown keys are ignored for forward compatibility): they
 * stay accepted, but each one gets a warning naming the file and its full dotted path, with a
 * "did you mean" for near misses, so a typo never passes silently. Keys of the reference
 * implementation this daemon does not support (`worker.*`, `observability.*`) say so. Pure.
 */
import type { TrackerProfile } from '../tracker/profile.js';
import { isMap, type RawMap } from './collector.js';
import { closestKey } from './did-you-mean.js';

/**
 * What is known under a key: a section of known keys (read further), `value` (a value whose
 * contents are not keys of ours: scalars, lists, maps of user data such as
 * `agent.max_concurrent_agents_by_state`, Codex-owned maps such as `codex.turn_sandbox_policy`),
 * or `provider` (`tracker.provider`, whose keys the tracker adapter owns).
 */
type KeyNode = { readonly [key: string]: KeyNode } | 'value' | 'provider';

/** Every key SPEC.md §5 and README's configuration reference document, flat legacy tracker keys aside. */
export const KNOWN_KEYS = {
  tracker: { kind: 'value', provider: 'provider', required_labels: 'value', active_states: 'value', terminal_states: 'value' },
  polling: { interval_ms: 'value' },
  workspace: { root: 'value' },
  hooks: { after_create: 'value', before_run: 'value', after_run: 'value', before_remove: 'value', timeout_ms: 'value' },
  agent: {
    max_concurrent_agents: 'value',
    max_turns: 'value',
    max_retry_backoff_ms: 'value',
    max_concurrent_agents_by_state: 'value',
    operator_timeout_ms: 'value',
    stall_timeout_ms: 'value',
    max_concurrent_launches: 'value',
    runtime: 'value',
    max_tokens_per_issue: 'value',
    max_runtime_ms_per_issue: 'value',
    max_tokens_per_day: 'value',
    no_progress_max_repeats: 'value',
    no_progress_max_turns: 'value',
  },
  codex: {
    command: 'value',
    approval_policy: 'value',
    thread_sandbox: 'value',
    turn_sandbox_policy: 'value',
    turn_timeout_ms: 'value',
    read_timeout_ms: 'value',
    startup_timeout_ms: 'value',
    stall_timeout_ms: 'value',
  },
  acp: { command: 'value', auth_method: 'value', approval_policy: 'value', startup_timeout_ms: 'value', read_timeout_ms: 'value', turn_timeout_ms: 'value' },
  claude: {
    model: 'value',
    approval_policy: 'value',
    permission_mode: 'value',
    allowed_tools: 'value',
    disallowed_tools: 'value',
    turn_timeout_ms: 'value',
    startup_timeout_ms: 'value',
    path_to_executable: 'value',
  },
  server: { port: 'value', host: 'value', auth_token: 'value' },
  journal: { enabled: 'value', path: 'value' },
} as const satisfies Readonly<Record<string, KeyNode>>;

/** Top-level sections of the reference implementation this daemon ignores, and why. */
const UNSUPPORTED_SECTIONS: Readonly<Record<string, string>> = {
  worker: 'remote workers are not supported (yet); every agent runs on this host',
  observability: 'observability.* is not supported; this daemon has server.* (dashboard and API), metrics (GET /metrics) and the terminal status view instead',
};

/** Inputs of {@link unknownKeyWarnings}. */
export interface UnknownKeyOptions {
  /** Absolute path of the workflow file, named in every warning. */
  readonly workflowPath: string;
  /**
   * The profile of the configured `tracker.kind`, when supported: its `flatProviderKeys` are known
   * under `tracker`, and its `providerKeys` (when it declares them) under `tracker.provider`.
   */
  readonly profile?: TrackerProfile | undefined;
}

/**
 * One warning per unknown key of the raw front matter, in document order, e.g.
 * `/srv/WORKFLOW.md: polling.intervl_ms is not a known key and is ignored (did you mean polling.interval_ms?)`.
 *
 * - Known keys: {@link KNOWN_KEYS}, plus the profile's flat legacy keys under `tracker`.
 * - `tracker.provider.*`: checked against the profile's `providerKeys` when it declares them
 *   (else the adapter's `validate` judges them); a flat `tracker.<key>` that is a provider key
 *   but not a flat one suggests `tracker.provider.<key>`.
 * - `worker.*` and `observability.*` (the reference implementation's) warn that they are not
 *   supported, one warning per key under them.
 * - Values that are user data (state-limit maps, Codex policies, hook scripts) are never read.
 *
 * Never throws; a section that is not a map is left to the builder's errors.
 *
 * Implements spec §5.3 (unknown keys ignored) with the warnings of issue 8 item 2.
 */
export function unknownKeyWarnings(raw: Readonly<RawMap>, options: UnknownKeyOptions): string[] {
  const warnings: string[] = [];
  const file = options.workflowPath;
  const profile = options.profile;
  const unknown = (keyPath: string, suggestion: string | null, what = 'a known key'): void => {
    warnings.push(`${file}: ${keyPath} is not ${what} and is ignored${suggestion === null ? '' : ` (did you mean ${suggestion}?)`}`);
  };

  const known: Record<string, KeyNode> = { ...KNOWN_KEYS };
  if (profile !== undefined) {
    known.tracker = { ...KNOWN_KEYS.tracker, ...Object.fromEntries(profile.flatProviderKeys.map((key) => [key, 'value' as const])) };
  }

  const walk = (map: RawMap, section: Readonly<Record<string, KeyNode>>, prefix: string): void => {
    const names = Object.keys(section);
    for (const [key, value] of Object.entries(map)) {
      const keyPath = `${prefix}${key}`;
      const node = Object.hasOwn(section, key) ? section[key] : undefined;
      const unsupported = prefix === '' && Object.hasOwn(UNSUPPORTED_SECTIONS, key) ? UNSUPPORTED_SECTIONS[key] : undefined;
      if (unsupported !== undefined) {
        const children = isMap(value) ? Object.keys(value) : [];
        for (const child of children.length > 0 ? children.map((name) => `${key}.${name}`) : [key]) warnings.push(`${file}: ${child} is ignored: ${unsupported}`);
      } else if (node === undefined) {
        const asProvider = prefix === 'tracker.' && (profile?.providerKeys ?? []).includes(key);
        const near = asProvider ? null : closestKey(key, names);
        unknown(keyPath, asProvider ? `tracker.provider.${key}` : near === null ? null : `${prefix}${near}`);
      } else if (node === 'provider') {
        if (isMap(value) && profile?.providerKeys !== undefined) checkProvider(value, profile.kind, profile.providerKeys, unknown);
      } else if (node !== 'value' && isMap(value)) {
        walk(value, node, `${keyPath}.`);
      }
    }
  };

  walk(raw, known, '');
  return warnings;
}

function checkProvider(
  provider: RawMap,
  kind: string,
  providerKeys: readonly string[],
  unknown: (keyPath: string, suggestion: string | null, what: string) => void,
): void {
  for (const key of Object.keys(provider)) {
    if (providerKeys.includes(key)) continue;
    const near = closestKey(key, providerKeys);
    unknown(`tracker.provider.${key}`, near === null ? null : `tracker.provider.${near}`, `a ${kind} provider key`);
  }
}
