/**
 * The agent runtime kinds this build supports (issue 8 item 1): the values `agent.runtime` and a
 * `runtime:<kind>` issue label accept. The registry (`registry.ts`) holds one profile per kind;
 * the config layer validates against this list without loading any runtime.
 */

/** Supported `agent.runtime` values. */
export const RUNTIME_KINDS = ['codex', 'acp', 'claude'] as const;

/** One supported runtime kind. */
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

/** The default `agent.runtime`: Codex, so a reference-style workflow runs unchanged. */
export const DEFAULT_RUNTIME: RuntimeKind = 'codex';

/** Prefix of the per-issue override label (`runtime:claude`); matched case-insensitively. */
export const RUNTIME_LABEL_PREFIX = 'runtime:';

/** Whether `kind` is a supported runtime kind. */
export function isRuntimeKind(kind: string): kind is RuntimeKind {
  return (RUNTIME_KINDS as readonly string[]).includes(kind);
}
