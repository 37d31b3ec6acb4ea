/**
 * The `acp.*` section of the typed config (the ACP runtime, `agent.runtime: acp`): raw section in,
 * {@link AcpConfig} out, problems recorded on the {@link Collector} as one line naming the key. Pure.
 */
import type { RuntimeKind } from '../runner/kinds.js';
import { describe, type Collector, type RawMap } from './collector.js';
import { DEFAULT_STARTUP_TIMEOUT_MS, type AcpApprovalPolicy, type AcpConfig } from './types.js';

/** Every `acp.approval_policy` value, the default first. */
export const ACP_APPROVAL_POLICIES: readonly AcpApprovalPolicy[] = ['ask', 'allow', 'deny'];

/** Default `acp.read_timeout_ms`: 30 s (agents connect their MCP servers while answering `session/new`). */
export const DEFAULT_ACP_READ_TIMEOUT_MS = 30_000;

/** Default `acp.turn_timeout_ms`: one hour of silence. */
export const DEFAULT_ACP_TURN_TIMEOUT_MS = 3_600_000;

/** The `acp.*` defaults (no command: the section is optional unless `agent.runtime` is `acp`). */
export const DEFAULT_ACP_CONFIG: AcpConfig = Object.freeze({
  command: null,
  authMethod: null,
  approvalPolicy: 'ask',
  startupTimeoutMs: DEFAULT_STARTUP_TIMEOUT_MS,
  readTimeoutMs: DEFAULT_ACP_READ_TIMEOUT_MS,
  turnTimeoutMs: DEFAULT_ACP_TURN_TIMEOUT_MS,
});

function policy(section: RawMap, ctx: Collector): AcpApprovalPolicy {
  const value = ctx.string(section, 'acp.approval_policy', 'ask', false) ?? 'ask';
  const normalized = value.trim().toLowerCase();
  const known = ACP_APPROVAL_POLICIES.find((candidate) => candidate === normalized);
  if (known !== undefined) return known;
  ctx.fail('acp.approval_policy', `must be one of ${ACP_APPROVAL_POLICIES.join(', ')} (got ${describe(value)})`);
  return 'ask';
}

/**
 * Builds `acp.*`. `acp.command` is required (and must not be blank) when `runtime` (the
 * configured `agent.runtime`) is `acp`; timeouts are positive timer values; `acp.approval_policy`
 * is one of {@link ACP_APPROVAL_POLICIES}. Never throws.
 *
 * @param section - the raw `acp` map (`{}` when absent).
 * @param runtime - the configured `agent.runtime`.
 */
export function buildAcp(section: RawMap, runtime: RuntimeKind, ctx: Collector): AcpConfig {
  const command = ctx.string(section, 'acp.command', null, false);
  if (command === null && runtime === 'acp' && (section.command === undefined || section.command === null)) {
    ctx.fail('acp.command', 'is required when agent.runtime is acp (e.g. "gemini --acp")');
  }
  const authMethod = ctx.string(section, 'acp.auth_method', null, true);
  const readTimeoutMs = ctx.int(section, 'acp.read_timeout_ms', DEFAULT_ACP_READ_TIMEOUT_MS, 'positive', true);
  return {
    command,
    authMethod: authMethod === null ? null : authMethod.trim(),
    approvalPolicy: policy(section, ctx),
    startupTimeoutMs: ctx.int(section, 'acp.startup_timeout_ms', Math.max(DEFAULT_STARTUP_TIMEOUT_MS, readTimeoutMs), 'positive', true),
    readTimeoutMs,
    turnTimeoutMs: ctx.int(section, 'acp.turn_timeout_ms', DEFAULT_ACP_TURN_TIMEOUT_MS, 'positive', true),
  };
}
