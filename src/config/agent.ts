/**
 * The `agent.*` section of the typed config (spec §5.3.5): limits, timers, the runtime and the
 * issue-9 budgets; raw section in, {@link AgentConfig} out, problems recorded on the
 * {@link Collector} as one line naming the key. Pure.
 */
import { DEFAULT_RUNTIME, isRuntimeKind, RUNTIME_KINDS, type RuntimeKind } from '../runner/kinds.js';
import { describe, isMap, toInteger, type Collector, type RawMap } from './collector.js';
import { DEFAULT_MAX_CONCURRENT_LAUNCHES, DEFAULT_OPERATOR_TIMEOUT_MS, type AgentConfig } from './types.js';

/** Default of `agent.stall_timeout_ms` (spec §5.3.6 `codex.stall_timeout_ms`), ms: 5 minutes. */
export const DEFAULT_STALL_TIMEOUT_MS = 300_000;

/** `agent.runtime`: one of {@link RUNTIME_KINDS}; default `codex`. */
function runtimeKind(section: RawMap, ctx: Collector): RuntimeKind {
  const value = ctx.string(section, 'agent.runtime', DEFAULT_RUNTIME, true) ?? DEFAULT_RUNTIME;
  const kind = value.trim().toLowerCase();
  if (isRuntimeKind(kind)) return kind;
  ctx.fail('agent.runtime', `${describe(value)} is not supported (supported: ${RUNTIME_KINDS.join(', ')})`, 'unsupported_runtime_kind');
  return DEFAULT_RUNTIME;
}

/** `agent.*` (spec §5.3.5); `stall_timeout_ms` also from its alias `codex.stall_timeout_ms` (§5.3.6). */
export function buildAgent(section: RawMap, codexSection: RawMap, ctx: Collector): AgentConfig {
  return {
    maxConcurrentAgents: ctx.int(section, 'agent.max_concurrent_agents', 10, 'positive'),
    maxTurns: ctx.int(section, 'agent.max_turns', 20, 'positive'),
    maxRetryBackoffMs: ctx.int(section, 'agent.max_retry_backoff_ms', 300_000, 'positive', true),
    maxConcurrentAgentsByState: stateLimits(section.max_concurrent_agents_by_state, ctx),
    operatorTimeoutMs: ctx.int(section, 'agent.operator_timeout_ms', DEFAULT_OPERATOR_TIMEOUT_MS, 'positive', true),
    stallTimeoutMs: stallTimeout(section, codexSection, ctx),
    maxConcurrentLaunches: ctx.int(section, 'agent.max_concurrent_launches', DEFAULT_MAX_CONCURRENT_LAUNCHES, 'positive'),
    runtime: runtimeKind(section, ctx),
    maxTokensPerIssue: optionalPositive(section, 'agent.max_tokens_per_issue', ctx),
    maxRuntimeMsPerIssue: optionalPositive(section, 'agent.max_runtime_ms_per_issue', ctx),
    maxTokensPerDay: optionalPositive(section, 'agent.max_tokens_per_day', ctx),
    noProgressMaxRepeats: optionalPositive(section, 'agent.no_progress_max_repeats', ctx),
    noProgressMaxTurns: optionalPositive(section, 'agent.no_progress_max_turns', ctx),
  };
}

/** An optional positive integer: absent or null → null (no limit); anything else must be a positive integer. */
function optionalPositive(section: RawMap, keyPath: string, ctx: Collector): number | null {
  const leafKey = keyPath.slice(keyPath.lastIndexOf('.') + 1);
  if (section[leafKey] === undefined || section[leafKey] === null) return null;
  const errorsBefore = ctx.errors.length;
  const value = ctx.int(section, keyPath, 0, 'positive');
  return ctx.errors.length > errorsBefore ? null : value;
}

/**
 * `agent.stall_timeout_ms` (runtime-neutral, issue 7 item 7), or the spec's `codex.stall_timeout_ms`
 * as an alias when only that is set. Both set to different values: the agent key wins, with a warning.
 */
function stallTimeout(agentSection: RawMap, codexSection: RawMap, ctx: Collector): number {
  const viaCodex = ctx.int(codexSection, 'codex.stall_timeout_ms', DEFAULT_STALL_TIMEOUT_MS, 'any', true);
  const agentValue = agentSection.stall_timeout_ms;
  if (agentValue === undefined || agentValue === null) return viaCodex;
  const viaAgent = ctx.int(agentSection, 'agent.stall_timeout_ms', DEFAULT_STALL_TIMEOUT_MS, 'any', true);
  const codexValue = codexSection.stall_timeout_ms;
  if (codexValue !== undefined && codexValue !== null && viaCodex !== viaAgent) {
    ctx.warnings.push(`codex.stall_timeout_ms (${viaCodex}) is an alias of agent.stall_timeout_ms (${viaAgent}); agent.stall_timeout_ms wins`);
  }
  return viaAgent;
}

/** Per-state limits: keys trimmed + lowercased; blank keys and non-positive/non-integer values ignored with a warning. */
function stateLimits(value: unknown, ctx: Collector): Readonly<Record<string, number>> {
  const keyPath = 'agent.max_concurrent_agents_by_state';
  if (value === undefined || value === null) return {};
  if (!isMap(value)) {
    ctx.fail(keyPath, `must be a map of state name to positive integer (got ${describe(value)})`);
    return {};
  }
  const limits: Record<string, number> = {};
  for (const [rawState, rawLimit] of Object.entries(value)) {
    const state = rawState.trim().toLowerCase();
    const limit = toInteger(rawLimit);
    if (state === '' || limit === null || limit <= 0) {
      ctx.warnings.push(`${keyPath}.${rawState} ignored: needs a state name and a positive integer (got ${describe(rawLimit)})`);
      continue;
    }
    if (Object.hasOwn(limits, state)) ctx.warnings.push(`${keyPath}: "${state}" is listed more than once; the last value wins`);
    limits[state] = limit;
  }
  return limits;
}
