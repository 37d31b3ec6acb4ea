/**
 * The agent runtimes this build supports, by `agent.runtime` kind (issue 8 item 1): one
 * {@link RuntimeProfile} per entry of {@link RUNTIME_KINDS}.
 */
import { codexRuntime } from './app-server/profile.js';
import { acpRuntime } from './acp/profile.js';
import { claudeRuntime } from './claude/profile.js';
import { RUNTIME_KINDS, type RuntimeKind } from './kinds.js';
import type { RuntimeProfile } from './runtime.js';

/** Every supported runtime, by kind (same keys as {@link RUNTIME_KINDS}). */
export const runtimeProfiles: ReadonlyMap<RuntimeKind, RuntimeProfile> = new Map<RuntimeKind, RuntimeProfile>([['codex', codexRuntime], ['acp', acpRuntime], ['claude', claudeRuntime]]);

/** The profile of `kind`. @throws Error when the registry and {@link RUNTIME_KINDS} disagree (a build bug). */
export function runtimeProfile(kind: RuntimeKind): RuntimeProfile {
  const profile = runtimeProfiles.get(kind);
  if (profile === undefined) throw new Error(`runtime ${kind} is listed in RUNTIME_KINDS (${RUNTIME_KINDS.join(', ')}) but not registered`);
  return profile;
}

/**
 * Whether runs of runtime `kind` can continue on their thread after a daemon restart
 * ({@link RuntimeProfile.canResume}; issue 9): true for `codex` and `claude`. An unknown kind
 * (a journal written by another build) is false.
 */
export function runtimeCanResume(kind: string): boolean {
  return runtimeProfiles.get(kind as RuntimeKind)?.canResume === true;
}
