/**
 * The `claude.*` section of the typed config (the Claude Code runtime, `agent.runtime: claude`):
 * raw section in, {@link ClaudeConfig} out, problems recorded on the {@link Collector} as one line
 * naming the key. Pure.
 */
import { describe, type Collector, type RawMap } from './collector.js';
import { DEFAULT_STARTUP_TIMEOUT_MS, type ClaudeApprovalPolicy, type ClaudeConfig, type ClaudePermissionMode } from './types.js';

/** Every `claude.approval_policy` value, the default first. */
export const CLAUDE_APPROVAL_POLICIES: readonly ClaudeApprovalPolicy[] = ['ask', 'allow', 'deny'];

/** Every `claude.permission_mode` value (Claude Code's `PermissionMode`), the default first. */
export const CLAUDE_PERMISSION_MODES: readonly ClaudePermissionMode[] = ['default', 'acceptEdits', 'plan', 'dontAsk', 'auto', 'bypassPermissions'];

/** Default `claude.turn_timeout_ms`: one hour of silence. */
export const DEFAULT_CLAUDE_TURN_TIMEOUT_MS = 3_600_000;

/** The `claude.*` defaults (the section is optional). */
export const DEFAULT_CLAUDE_CONFIG: ClaudeConfig = Object.freeze({
  model: null,
  approvalPolicy: 'ask',
  permissionMode: 'default',
  allowedTools: Object.freeze([]),
  disallowedTools: Object.freeze([]),
  turnTimeoutMs: DEFAULT_CLAUDE_TURN_TIMEOUT_MS,
  startupTimeoutMs: DEFAULT_STARTUP_TIMEOUT_MS,
  pathToExecutable: null,
});

/** One of `allowed` at `keyPath` (case-sensitive, trimmed); absent → `fallback`; else an error naming the choices. */
function oneOf<T extends string>(section: RawMap, keyPath: string, allowed: readonly T[], fallback: T, ctx: Collector): T {
  const value = ctx.string(section, keyPath, fallback, false) ?? fallback;
  const known = allowed.find((candidate) => candidate === value.trim());
  if (known !== undefined) return known;
  ctx.fail(keyPath, `must be one of ${allowed.join(', ')} (got ${describe(value)})`);
  return fallback;
}

/**
 * Builds `claude.*`: `model` and `path_to_executable` optional non-blank strings;
 * `approval_policy` one of {@link CLAUDE_APPROVAL_POLICIES} (default `ask`); `permission_mode` one
 * of {@link CLAUDE_PERMISSION_MODES} (default `default`, whatever the approval policy: the policy
 * answers every prompt that mode lets through, see `src/runner/claude/permissions.ts`);
 * `allowed_tools` / `disallowed_tools` lists of non-empty strings; timeouts positive timer values.
 * `permission_mode: bypassPermissions` is accepted with a warning (no prompt is ever asked). Never throws.
 *
 * @param section - the raw `claude` map (`{}` when absent).
 */
export function buildClaude(section: RawMap, ctx: Collector): ClaudeConfig {
  const model = ctx.string(section, 'claude.model', null, true);
  const pathToExecutable = ctx.string(section, 'claude.path_to_executable', null, true);
  const permissionMode = oneOf(section, 'claude.permission_mode', CLAUDE_PERMISSION_MODES, 'default', ctx);
  if (permissionMode === 'bypassPermissions') {
    ctx.warnings.push('the workflow chose a permissive posture: claude.permission_mode bypassPermissions (Claude Code never asks; claude.approval_policy is not consulted)');
  }
  return {
    model: model === null ? null : model.trim(),
    approvalPolicy: oneOf(section, 'claude.approval_policy', CLAUDE_APPROVAL_POLICIES, 'ask', ctx),
    permissionMode,
    allowedTools: ctx.stringList(section, 'claude.allowed_tools', [], false, 'invalid_config'),
    disallowedTools: ctx.stringList(section, 'claude.disallowed_tools', [], false, 'invalid_config'),
    turnTimeoutMs: ctx.int(section, 'claude.turn_timeout_ms', DEFAULT_CLAUDE_TURN_TIMEOUT_MS, 'positive', true),
    startupTimeoutMs: ctx.int(section, 'claude.startup_timeout_ms', DEFAULT_STARTUP_TIMEOUT_MS, 'positive', true),
    pathToExecutable: pathToExecutable === null ? null : pathToExecutable.trim(),
  };
}
