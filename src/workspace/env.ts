/**
 * The environment a workspace hook runs with (spec §9.4, §15.3). Pure.
 */

/** Who a hook runs for: the issue's identifier and, when known, its id. `Issue` satisfies it. */
export interface HookIssueRef {
  /** Human-readable identifier such as `ABC-123`; null when only a workspace path is known. */
  readonly identifier: string | null;
  /** Tracker issue id; null or absent when unknown. */
  readonly id?: string | null;
}

/** Variables this implementation adds to every hook's environment (extension, not in the spec). */
export const HOOK_ENV_NAMES = ['SYMPHONY_ISSUE_IDENTIFIER', 'SYMPHONY_ISSUE_ID', 'SYMPHONY_WORKSPACE'] as const;

/**
 * Builds a hook's complete environment: `baseEnv` (normally the daemon's `process.env`) minus
 * every name in `secretEnvNames` (tracker credentials and every `$VAR` the workflow referenced;
 * they must reach neither agents nor hooks, spec §15.3), plus this implementation's extension:
 *
 * - `SYMPHONY_WORKSPACE`: absolute workspace path (also the hook's cwd);
 * - `SYMPHONY_ISSUE_IDENTIFIER`: the issue identifier, when known;
 * - `SYMPHONY_ISSUE_ID`: the tracker issue id, when known.
 *
 * Inherited values of those three names are always dropped first, so a stale value never leaks.
 * Undefined values in `baseEnv` are omitted. Returns a new object; inputs are not modified.
 */
export function hookEnvironment(
  baseEnv: NodeJS.ProcessEnv,
  secretEnvNames: readonly string[],
  issue: HookIssueRef,
  workspacePath: string,
): NodeJS.ProcessEnv {
  const dropped = new Set<string>([...secretEnvNames, ...HOOK_ENV_NAMES]);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(baseEnv)) {
    if (value !== undefined && !dropped.has(name)) env[name] = value;
  }
  env.SYMPHONY_WORKSPACE = workspacePath;
  if (issue.identifier !== null) env.SYMPHONY_ISSUE_IDENTIFIER = issue.identifier;
  if (issue.id !== undefined && issue.id !== null) env.SYMPHONY_ISSUE_ID = issue.id;
  return env;
}
