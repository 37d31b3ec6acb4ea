/**
 * Budgets and no-progress detection (issue 9 item 3), as moves on the step's working copy. Pure.
 *
 * - `agent.max_tokens_per_issue` and `agent.max_runtime_ms_per_issue` compare an issue's usage
 *   over its ended runs (`OrchestratorState.usage`, recovered from the journal, so a restart
 *   forgets nothing) plus the live run's own tokens and time.
 * - `agent.max_tokens_per_day` compares the tokens of the current UTC day, all issues together.
 * - No progress: the same command started `agent.no_progress_max_repeats` times in a row, or
 *   `agent.no_progress_max_turns` turn ends in a row after which the workspace's git digest did
 *   not change.
 *
 * A spent limit stops the run (`budget_exceeded` / `no_progress`) and, when it exits, blocks the
 * issue until someone moves it; each limit warns once at 80 %. Moving a budget-blocked issue
 * grants it a fresh per-issue budget (its `budget*` counters restart from zero).
 */
import type { Issue } from '../domain/issue.js';
import type { AgentEvent } from '../domain/agent-event.js';
import { activityOf } from '../domain/agent-event.js';
import type { Draft } from './draft.js';
import { NO_BUDGETS, type BudgetLimits } from './policy.js';
import { NO_USAGE, type IssueUsage, type RunningEntry } from './state.js';

/** Share of a limit at which the warning is logged. */
export const BUDGET_WARNING_RATIO = 0.8;

/** `YYYY-MM-DD` of `nowMs` (epoch ms) in UTC. */
export function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

function limitsOf(d: Draft): BudgetLimits {
  return d.config.budgets ?? NO_BUDGETS;
}

/** What the issue used over its ended runs (zero when it never ran). */
export function usageOf(d: Pick<Draft, 'usage'>, issueId: string): IssueUsage {
  return d.usage.get(issueId) ?? NO_USAGE;
}

/** Adds `tokens` to today's total, starting a new day when the UTC date changed. */
export function addDayTokens(d: Draft, tokens: number): void {
  const today = utcDay(d.nowMs);
  const base = d.dayUsage.day === today ? d.dayUsage.totalTokens : 0;
  if (tokens <= 0 && d.dayUsage.day === today) return;
  d.dayUsage = { day: today, totalTokens: base + Math.max(0, tokens) };
}

/** Today's tokens (0 when the recorded day is an earlier one). */
export function dayTokens(d: Pick<Draft, 'dayUsage' | 'nowMs'>): number {
  return d.dayUsage.day === utcDay(d.nowMs) ? d.dayUsage.totalTokens : 0;
}

/** Whether `agent.max_tokens_per_day` is spent for today. */
export function daySpent(d: Draft): boolean {
  const max = limitsOf(d).maxTokensPerDay;
  return max !== null && dayTokens(d) >= max;
}

/** Folds an ended run into the issue's usage (tokens and dispatch-to-exit time). */
export function addRunUsage(d: Draft, entry: RunningEntry): void {
  const before = usageOf(d, entry.issueId);
  const runtimeMs = Math.max(0, d.nowMs - entry.startedAtMs);
  d.usage.set(entry.issueId, {
    inputTokens: before.inputTokens + entry.codexInputTokens,
    outputTokens: before.outputTokens + entry.codexOutputTokens,
    totalTokens: before.totalTokens + entry.codexTotalTokens,
    runtimeMs: before.runtimeMs + runtimeMs,
    budgetTokens: before.budgetTokens + entry.codexTotalTokens,
    budgetRuntimeMs: before.budgetRuntimeMs + runtimeMs,
  });
}

/** A fresh per-issue budget (after someone moved a budget-blocked issue); totals are kept. */
export function resetIssueBudget(d: Draft, issueId: string): void {
  const usage = d.usage.get(issueId);
  if (usage !== undefined && (usage.budgetTokens > 0 || usage.budgetRuntimeMs > 0)) d.usage.set(issueId, { ...usage, budgetTokens: 0, budgetRuntimeMs: 0 });
  d.budgetWarnings.delete(`${issueId}:tokens`);
  d.budgetWarnings.delete(`${issueId}:runtime`);
}

/** Tokens and ms the issue has used against its budget, the live run included. */
export function budgetUsed(d: Draft, entry: RunningEntry | null, issueId: string): { readonly tokens: number; readonly runtimeMs: number } {
  const usage = usageOf(d, issueId);
  if (entry === null) return { tokens: usage.budgetTokens, runtimeMs: usage.budgetRuntimeMs };
  return { tokens: usage.budgetTokens + entry.codexTotalTokens, runtimeMs: usage.budgetRuntimeMs + Math.max(0, d.nowMs - entry.startedAtMs) };
}

/**
 * Why the issue may not run now for want of budget (one line), or null. For an issue about to be
 * dispatched (no live run): its per-issue budget spent, or today's.
 */
export function budgetRefusal(d: Draft, issue: Pick<Issue, 'id'>): string | null {
  const limits = limitsOf(d);
  const used = budgetUsed(d, null, issue.id);
  if (limits.maxTokensPerIssue !== null && used.tokens >= limits.maxTokensPerIssue) return tokensLine(used.tokens, limits.maxTokensPerIssue);
  if (limits.maxRuntimeMsPerIssue !== null && used.runtimeMs >= limits.maxRuntimeMsPerIssue) return runtimeLine(used.runtimeMs, limits.maxRuntimeMsPerIssue);
  if (daySpent(d)) return dayLine(dayTokens(d), limits.maxTokensPerDay ?? 0);
  return null;
}

function tokensLine(used: number, max: number): string {
  return `token budget exceeded: ${used} of agent.max_tokens_per_issue ${max} tokens used`;
}

function runtimeLine(usedMs: number, maxMs: number): string {
  return `runtime budget exceeded: ${usedMs} of agent.max_runtime_ms_per_issue ${maxMs} ms used`;
}

function dayLine(used: number, max: number): string {
  return `daily token budget exceeded: ${used} of agent.max_tokens_per_day ${max} tokens used today (UTC)`;
}

/** Logs the 80 % warning of `key` once. */
function warnOnce(d: Draft, key: string, message: string, fields: Record<string, unknown>): void {
  if (d.budgetWarnings.has(key)) return;
  d.budgetWarnings.add(key);
  d.log('warn', message, { ...fields, outcome: 'budget_warning' });
}

/**
 * Checks the live run's per-issue budgets (tokens and runtime): stops it when one is spent, warns
 * once at 80 %. Returns true when it stopped the run.
 */
export function checkIssueBudgets(d: Draft, entry: RunningEntry): boolean {
  if (entry.stopping !== null) return false;
  const limits = limitsOf(d);
  const used = budgetUsed(d, entry, entry.issueId);
  const fields = { issue_id: entry.issueId, issue_identifier: entry.identifier };
  if (limits.maxTokensPerIssue !== null) {
    if (used.tokens >= limits.maxTokensPerIssue) {
      d.stop(entry, 'budget_exceeded', tokensLine(used.tokens, limits.maxTokensPerIssue));
      return true;
    }
    if (used.tokens >= limits.maxTokensPerIssue * BUDGET_WARNING_RATIO) {
      warnOnce(d, `${entry.issueId}:tokens`, 'token budget 80% used', { ...fields, used_tokens: used.tokens, max_tokens_per_issue: limits.maxTokensPerIssue });
    }
  }
  if (limits.maxRuntimeMsPerIssue !== null) {
    if (used.runtimeMs >= limits.maxRuntimeMsPerIssue) {
      d.stop(entry, 'budget_exceeded', runtimeLine(used.runtimeMs, limits.maxRuntimeMsPerIssue));
      return true;
    }
    if (used.runtimeMs >= limits.maxRuntimeMsPerIssue * BUDGET_WARNING_RATIO) {
      warnOnce(d, `${entry.issueId}:runtime`, 'runtime budget 80% used', { ...fields, used_runtime_ms: used.runtimeMs, max_runtime_ms_per_issue: limits.maxRuntimeMsPerIssue });
    }
  }
  return false;
}

/** Checks today's budget: when spent, stops every live run (each is then blocked); warns once at 80 %. */
export function checkDayBudget(d: Draft): void {
  const max = limitsOf(d).maxTokensPerDay;
  if (max === null) return;
  const used = dayTokens(d);
  const day = utcDay(d.nowMs);
  if (used >= max) {
    for (const entry of [...d.running.values()]) if (entry.stopping === null) d.stop(entry, 'budget_exceeded', dayLine(used, max));
    warnOnce(d, `day-spent:${day}`, 'daily token budget spent: no dispatch until the next UTC day', { day, used_tokens: used, max_tokens_per_day: max });
  } else if (used >= max * BUDGET_WARNING_RATIO) {
    warnOnce(d, `day:${day}`, 'daily token budget 80% used', { day, used_tokens: used, max_tokens_per_day: max });
  }
}

/**
 * No-progress detection on one agent event: counts the same command started in a row and stops
 * the run at `agent.no_progress_max_repeats`. Returns the entry as updated.
 */
export function trackRepeats(d: Draft, entry: RunningEntry, event: AgentEvent): RunningEntry {
  const activity = activityOf(event);
  if (activity.kind !== 'command' || activity.phase !== 'started' || activity.command === null) return entry;
  const repeats = activity.command === entry.lastCommand ? entry.commandRepeats + 1 : 1;
  const next: RunningEntry = { ...entry, lastCommand: activity.command, commandRepeats: repeats };
  d.running.set(entry.issueId, next);
  const max = limitsOf(d).noProgressMaxRepeats;
  if (max !== null && repeats >= max && next.stopping === null) {
    d.stop(next, 'no_progress', `no progress: the agent started the same command ${repeats} times in a row (agent.no_progress_max_repeats ${max}): ${activity.command}`);
  }
  return d.running.get(entry.issueId) ?? next;
}

/** Whether a git check should follow this event (a turn ended and `agent.no_progress_max_turns` is set). */
export function wantsProgressCheck(d: Draft, entry: RunningEntry, event: AgentEvent): boolean {
  return limitsOf(d).noProgressMaxTurns !== null && entry.workspacePath !== null && event.event === 'turn_completed';
}

/** Whether a baseline git check should follow workspace readiness. */
export function wantsBaselineCheck(d: Draft): boolean {
  return limitsOf(d).noProgressMaxTurns !== null;
}

/**
 * Folds one git digest into the live run: the first is the baseline, an unchanged one counts a
 * turn without progress, a changed one resets the count. Stops the run at `agent.no_progress_max_turns`.
 */
export function onProgressChecked(d: Draft, issueId: string, digest: string | null): void {
  const entry = d.running.get(issueId);
  if (entry === undefined || entry.stopping !== null || digest === null) return;
  if (entry.progressDigest === null || entry.progressDigest !== digest) {
    d.running.set(issueId, { ...entry, progressDigest: digest, turnsWithoutProgress: 0 });
    return;
  }
  const turns = entry.turnsWithoutProgress + 1;
  const next: RunningEntry = { ...entry, turnsWithoutProgress: turns };
  d.running.set(issueId, next);
  const max = limitsOf(d).noProgressMaxTurns;
  if (max !== null && turns >= max) {
    d.stop(next, 'no_progress', `no progress: ${turns} turns in a row left the workspace's git status unchanged (agent.no_progress_max_turns ${max})`);
  }
}
