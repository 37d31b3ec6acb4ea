/**
 * Scheduling rules as pure functions: eligibility (spec §8.2), concurrency (§8.3), backoff (§8.4)
 * and dispatch order (§8.2).
 */
import { normalizeStateName, stateIn, type Issue } from '../domain/issue.js';
import { DEFAULT_RUNTIME, isRuntimeKind, RUNTIME_KINDS, RUNTIME_LABEL_PREFIX, type RuntimeKind } from '../runner/kinds.js';
import type { RunningEntry } from './state.js';

/** The slice of the effective config the scheduler core reads. Reloaded configs apply on the next event. */
export interface SchedulerConfig {
  readonly activeStates: readonly string[];
  readonly terminalStates: readonly string[];
  /** Every label must be present (case- and whitespace-insensitive); a blank one matches nothing. */
  readonly requiredLabels: readonly string[];
  /** Global concurrency limit (default 10). */
  readonly maxConcurrentAgents: number;
  /** Normalized state name → limit. */
  readonly maxConcurrentAgentsByState: Readonly<Record<string, number>>;
  /** Cap of the failure backoff, ms (default 300000). */
  readonly maxRetryBackoffMs: number;
  /** Inactivity before a run is stopped and retried, ms; ≤ 0 disables (default 300000). */
  readonly stallTimeoutMs: number;
  /** `agent.runtime`: the runtime of issues without a `runtime:<kind>` label. Default `codex`. */
  readonly defaultRuntime?: RuntimeKind;
  /** Budgets and no-progress limits (issue 9); absent: none. */
  readonly budgets?: BudgetLimits;
}

/**
 * Optional limits that stop a run and block its issue (issue 9 item 3); null means no limit.
 * Config keys `agent.max_tokens_per_issue`, `agent.max_runtime_ms_per_issue`,
 * `agent.max_tokens_per_day`, `agent.no_progress_max_repeats`, `agent.no_progress_max_turns`.
 */
export interface BudgetLimits {
  /** Tokens one issue may use over all its runs (the live run counts). */
  readonly maxTokensPerIssue: number | null;
  /** Dispatch-to-exit time one issue may use over all its runs, ms (the live run counts). */
  readonly maxRuntimeMsPerIssue: number | null;
  /** Tokens all issues together may use per UTC day. */
  readonly maxTokensPerDay: number | null;
  /** The same command started this many times in a row is no progress. */
  readonly noProgressMaxRepeats: number | null;
  /** This many turns in a row that leave the workspace's `git status` unchanged are no progress. */
  readonly noProgressMaxTurns: number | null;
}

/** No budget, no no-progress limit. */
export const NO_BUDGETS: BudgetLimits = Object.freeze({
  maxTokensPerIssue: null,
  maxRuntimeMsPerIssue: null,
  maxTokensPerDay: null,
  noProgressMaxRepeats: null,
  noProgressMaxTurns: null,
});

/** The runtime an issue runs on, or why it cannot be dispatched (issue 8 item 1). */
export type RuntimeChoice =
  | { readonly ok: true; readonly kind: RuntimeKind; readonly source: 'label' | 'default' }
  | { readonly ok: false; readonly reason: string };

/**
 * The issue's runtime: its `runtime:<kind>` label (case-insensitive; several labels must agree),
 * else `defaultKind`. A label naming no runtime of this build, or labels that disagree, make the
 * issue undispatchable with a one-line reason (shown in the API's `skipped` list). Pure.
 */
export function runtimeForIssue(issue: Pick<Issue, 'labels'>, defaultKind: RuntimeKind = DEFAULT_RUNTIME): RuntimeChoice {
  const named = new Set<string>();
  for (const label of issue.labels) {
    const text = label.trim().toLowerCase();
    if (text.startsWith(RUNTIME_LABEL_PREFIX)) named.add(text.slice(RUNTIME_LABEL_PREFIX.length).trim());
  }
  if (named.size === 0) return { ok: true, kind: defaultKind, source: 'default' };
  const kinds = [...named].sort();
  if (kinds.length > 1) return { ok: false, reason: `labels ${kinds.map((k) => RUNTIME_LABEL_PREFIX + k).join(', ')} name different runtimes; keep one` };
  const kind = kinds[0] ?? '';
  if (!isRuntimeKind(kind)) return { ok: false, reason: `label ${RUNTIME_LABEL_PREFIX}${kind} names no runtime of this build (supported: ${RUNTIME_KINDS.join(', ')})` };
  return { ok: true, kind, source: 'label' };
}

/** Delay before the continuation retry after a normal worker exit (spec §8.4). */
export const CONTINUATION_DELAY_MS = 1000;

/** Base of the failure backoff (spec §8.4). */
export const FAILURE_BASE_DELAY_MS = 10_000;

/**
 * Failure-driven retry delay: `min(10000 · 2^(attempt−1), maxRetryBackoffMs)` (spec §8.4).
 *
 * @param attempt - 1-based retry attempt; values below 1 are treated as 1.
 */
export function failureBackoffMs(attempt: number, maxRetryBackoffMs: number): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2^31 · 10 s is far beyond any sane cap; clamp the exponent to stay in safe-integer range.
  const raw = FAILURE_BASE_DELAY_MS * 2 ** Math.min(exponent, 31);
  return Math.max(0, Math.min(raw, maxRetryBackoffMs));
}

/** True when every required label is on the issue (spec §5.3.1 `required_labels`). */
export function hasRequiredLabels(issue: Issue, requiredLabels: readonly string[]): boolean {
  if (requiredLabels.length === 0) return true;
  const have = new Set(issue.labels.map((label) => label.trim().toLowerCase()));
  return requiredLabels.every((label) => {
    const wanted = label.trim().toLowerCase();
    return wanted !== '' && have.has(wanted);
  });
}

/** `issue_routable` (spec §8.2): adapter says dispatchable and all required labels match. */
export function issueRoutable(issue: Issue, config: Pick<SchedulerConfig, 'requiredLabels'>): boolean {
  return issue.dispatchable && hasRequiredLabels(issue, config.requiredLabels);
}

/** Active and not terminal (a state listed in both counts as terminal). */
export function isActiveState(state: string, config: Pick<SchedulerConfig, 'activeStates' | 'terminalStates'>): boolean {
  return stateIn(state, config.activeStates) && !stateIn(state, config.terminalStates);
}

/** True when the state is one of the terminal states. */
export function isTerminalState(state: string, config: Pick<SchedulerConfig, 'terminalStates'>): boolean {
  return stateIn(state, config.terminalStates);
}

/** Has the fields dispatch needs (spec §8.2 first bullet). */
export function hasRequiredFields(issue: Issue): boolean {
  return [issue.id, issue.identifier, issue.title, issue.state].every((v) => typeof v === 'string' && v.trim() !== '');
}

/** `max(max_concurrent_agents − running, 0)` (spec §8.3). */
export function globalSlotsAvailable(running: ReadonlyMap<string, RunningEntry>, config: SchedulerConfig): number {
  return Math.max(config.maxConcurrentAgents - running.size, 0);
}

/** Free slots for issues in `state`: the per-state limit if configured, else the global one (spec §8.3). */
export function stateSlotsAvailable(
  state: string,
  running: ReadonlyMap<string, RunningEntry>,
  config: SchedulerConfig,
): number {
  const key = normalizeStateName(state);
  const limits = config.maxConcurrentAgentsByState;
  const limit = (Object.hasOwn(limits, key) ? limits[key] : undefined) ?? config.maxConcurrentAgents;
  let count = 0;
  for (const entry of running.values()) if (normalizeStateName(entry.issue.state) === key) count++;
  return Math.max(limit - count, 0);
}

/** True when both the global and the per-state limit leave room for one more `state` issue. */
export function hasSlotFor(state: string, running: ReadonlyMap<string, RunningEntry>, config: SchedulerConfig): boolean {
  return globalSlotsAvailable(running, config) > 0 && stateSlotsAvailable(state, running, config) > 0;
}

function priorityRank(priority: number | null): number {
  return priority !== null && Number.isInteger(priority) && priority >= 1 && priority <= 4 ? priority : 5;
}

/**
 * Dispatch order (spec §8.2): priority 1..4 ascending, then everything else; then `created_at`
 * oldest first (null last); then identifier. Returns a new array.
 */
export function sortForDispatch(issues: readonly Issue[]): Issue[] {
  return [...issues].sort((a, b) => {
    const byPriority = priorityRank(a.priority) - priorityRank(b.priority);
    if (byPriority !== 0) return byPriority;
    const at = a.createdAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const bt = b.createdAt?.getTime() ?? Number.POSITIVE_INFINITY;
    if (at !== bt) return at < bt ? -1 : 1;
    return a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0;
  });
}
