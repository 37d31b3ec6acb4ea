/**
 * The pure scheduler core: `step(state, event, nowMs, config) → { state, effects }`.
 *
 * It owns every decision of spec §7 (claims), §8 (dispatch, concurrency, retries, reconciliation)
 * and §16 (reference algorithms); it performs no I/O and reads no clock. The effectful shell
 * ({@link import('./orchestrator.js')}) feeds it events one at a time and carries out the effects.
 * The working copy and its shared moves live in `draft.ts`; what a workflow reload does to waiting
 * retries in `reload.ts`.
 */
import { normalizeStateName, type Issue } from '../domain/issue.js';
import type { RunOutcome } from '../domain/run-outcome.js';
import type { SchedulerEvent, WorkerOutcome } from './events.js';
import {
  globalSlotsAvailable,
  hasRequiredFields,
  hasSlotFor,
  isActiveState,
  isTerminalState,
  issueRoutable,
  runtimeForIssue,
  sortForDispatch,
  type SchedulerConfig,
} from './policy.js';
import type { BlockedEntry, OrchestratorState, RunningEntry } from './state.js';
import { Draft, type StepResult } from './draft.js';
import { onWorkflowReloaded } from './reload.js';
import { applyAgentEvent } from './telemetry.js';
import {
  addDayTokens,
  addRunUsage,
  budgetRefusal,
  checkDayBudget,
  checkIssueBudgets,
  daySpent,
  onProgressChecked,
  resetIssueBudget,
  trackRepeats,
  wantsBaselineCheck,
  wantsProgressCheck,
} from './budgets.js';
import { onRecovered } from './recovery.js';
import type { AgentEvent } from '../domain/agent-event.js';

export type { StepResult } from './draft.js';
export { RELOAD_MAY_FIX, RELOAD_RETRY_DELAY_MS, reloadMayFix } from './reload.js';

/**
 * Worker failure codes that mean "a person must act": the run waited for an operator and nobody
 * answered. Retrying would only ask again, so the issue is blocked instead (extension, issue 3).
 */
const BLOCKING_CODES: ReadonlySet<string> = new Set(['operator_timeout', 'turn_input_required']);

/** Whether a candidate may be dispatched now (spec §8.2). */
export function shouldDispatch(issue: Issue, state: Pick<OrchestratorState, 'running' | 'claimed'>, config: SchedulerConfig): boolean {
  return (
    hasRequiredFields(issue) &&
    isActiveState(issue.state, config) &&
    issueRoutable(issue, config) &&
    // A runtime:<kind> label naming no runtime of this build: not dispatched (issue 8).
    runtimeForIssue(issue, config.defaultRuntime).ok &&
    !state.running.has(issue.id) &&
    !state.claimed.has(issue.id) &&
    hasSlotFor(issue.state, state.running, config)
  );
}

function onStallCheck(d: Draft): void {
  onBudgetCheck(d);
  const limit = d.config.stallTimeoutMs;
  if (limit <= 0) return;
  for (const entry of [...d.running.values()]) {
    // A run waiting for an operator is silent by design; agent.operator_timeout_ms bounds it instead.
    if (entry.stopping !== null || entry.waiting !== null) continue;
    // Queued for a launch slot (agent.max_concurrent_launches): not started, so not stalled; the
    // next event (`launch_started`, or the launch's own) restarts the clock.
    if (entry.lastCodexEvent === 'launch_queued') continue;
    const since = entry.lastCodexTimestampMs ?? entry.startedAtMs;
    if (d.nowMs - since > limit) d.stop(entry, 'stalled');
  }
}

/** Each tick: the runtime budgets of live runs (their time grows without events) and today's budget. */
function onBudgetCheck(d: Draft): void {
  for (const entry of [...d.running.values()]) checkIssueBudgets(d, entry);
  checkDayBudget(d);
}

function onRunningRefreshed(d: Draft, requestedIds: readonly string[], issues: readonly Issue[]): void {
  const byId = new Map(issues.map((issue) => [issue.id, issue]));
  for (const id of requestedIds) {
    const blocked = d.blocked.get(id);
    if (blocked) {
      recheckBlocked(d, blocked, byId.get(id) ?? null);
      continue;
    }
    const entry = d.running.get(id);
    if (!entry || entry.stopping !== null) continue;
    const issue = byId.get(id);
    if (!issue) d.stop(entry, 'missing');
    else if (isTerminalState(issue.state, d.config)) d.stop({ ...entry, issue }, 'terminal');
    else if (!isActiveState(issue.state, d.config)) d.stop({ ...entry, issue }, 'inactive');
    else if (!issueRoutable(issue, d.config)) d.stop({ ...entry, issue }, 'unroutable');
    else d.running.set(id, { ...entry, issue });
  }
}

/** A blocked issue is released once its state differs from the state it was blocked in (or it is gone). */
function recheckBlocked(d: Draft, blocked: BlockedEntry, issue: Issue | null): void {
  if (issue === null) return d.release(blocked.issueId, blocked.identifier, 'blocked issue no longer visible');
  if (normalizeStateName(issue.state) === normalizeStateName(blocked.state)) return;
  d.release(blocked.issueId, blocked.identifier, `blocked issue moved from ${blocked.state} to ${issue.state}`);
  // Someone looked at it and moved it: a fresh per-issue budget (issue 9).
  if (blocked.cause === 'budget_exceeded') resetIssueBudget(d, blocked.issueId);
  if (isTerminalState(issue.state, d.config)) {
    d.effects.push({ type: 'remove_workspace', issueId: blocked.issueId, identifier: blocked.identifier, workspacePath: blocked.workspacePath });
  }
}

function onCandidates(d: Draft, issues: readonly Issue[]): void {
  if (d.shuttingDown) return;
  // Today's token budget spent: nothing new starts until the next UTC day (logged once).
  checkDayBudget(d);
  if (daySpent(d)) return;
  for (const issue of sortForDispatch(issues)) {
    if (globalSlotsAvailable(d.running.view, d.config) === 0) break;
    if (!shouldDispatch(issue, { running: d.running.view, claimed: d.claimed.view }, d.config)) continue;
    // Its own budget already spent (a lowered limit, say): blocked without a run.
    const refusal = budgetRefusal(d, issue);
    if (refusal !== null) d.block({ issueId: issue.id, identifier: issue.identifier, issue, workspacePath: null }, refusal, 'budget_exceeded');
    else d.dispatch(issue, null);
  }
}

function onWorkerExited(d: Draft, issueId: string, outcome: WorkerOutcome): void {
  const entry = d.running.get(issueId);
  if (!entry) return;
  d.running.delete(issueId);
  addRunUsage(d, entry);
  d.codexTotals = {
    ...d.codexTotals,
    secondsRunning: d.codexTotals.secondsRunning + Math.max(0, d.nowMs - entry.startedAtMs) / 1000,
  };
  const fields = {
    issue_id: issueId,
    issue_identifier: entry.identifier,
    session_id: entry.sessionId,
    outcome: outcome.kind === 'normal' ? 'completed' : 'failed',
    reason: outcome.kind === 'failed' ? outcome.error : entry.stopping,
  };
  d.log(outcome.kind === 'normal' || entry.stopping !== null ? 'info' : 'warn', 'worker exited', fields);
  d.effects.push({
    type: 'run_ended',
    issueId,
    identifier: entry.identifier,
    outcome: runOutcome(d, entry, outcome),
    reason: entry.stopNote ?? entry.stopping ?? (outcome.kind === 'failed' ? outcome.error : null),
    durationMs: Math.max(0, d.nowMs - entry.startedAtMs),
    attempt: entry.retryAttempt,
    sessionId: entry.sessionId,
    runtime: entry.runtime,
  });
  const url = entry.issue.url;
  if (d.shuttingDown || entry.stopping === 'shutdown') {
    d.release(issueId, entry.identifier, 'shutdown');
    return;
  }
  switch (entry.stopping) {
    case 'terminal':
      d.effects.push({ type: 'issue_handed_off', issueId });
      d.release(issueId, entry.identifier, 'issue reached a terminal state');
      d.effects.push({ type: 'remove_workspace', issueId, identifier: entry.identifier, workspacePath: entry.workspacePath });
      return;
    case 'inactive':
      d.effects.push({ type: 'issue_handed_off', issueId });
      d.release(issueId, entry.identifier, 'issue inactive');
      return;
    case 'unroutable':
    case 'missing':
      d.release(issueId, entry.identifier, `issue ${entry.stopping}`);
      return;
    case 'budget_exceeded':
    case 'no_progress':
      d.block(entry, entry.stopNote ?? entry.stopping, entry.stopping);
      return;
    case 'stalled':
      d.scheduleRetry(issueId, entry.identifier, (entry.retryAttempt ?? 0) + 1, 'stalled', `stalled: no agent activity for more than ${d.config.stallTimeoutMs} ms`, url);
      return;
    case null:
      break;
  }
  if (outcome.kind === 'normal') {
    d.completed.add(issueId);
    d.scheduleRetry(issueId, entry.identifier, 1, 'continuation', null, url);
  } else if (outcome.code !== undefined && BLOCKING_CODES.has(outcome.code)) {
    d.block(entry, outcome.error);
  } else {
    d.scheduleRetry(issueId, entry.identifier, (entry.retryAttempt ?? 0) + 1, 'worker_failed', `worker exited: ${outcome.error}`, url, outcome.code ?? null);
  }
}

/** The typed outcome of a run, decided with the same rules as what follows it below. */
function runOutcome(d: Draft, entry: RunningEntry, outcome: WorkerOutcome): RunOutcome {
  if (!d.shuttingDown && (entry.stopping === 'budget_exceeded' || entry.stopping === 'no_progress')) return 'blocked';
  if (entry.stopping !== null) return 'stopped';
  if (outcome.kind === 'normal') return 'completed';
  const blocks = !d.shuttingDown && outcome.code !== undefined && BLOCKING_CODES.has(outcome.code);
  return blocks ? 'blocked' : 'failed';
}

function onRetryDue(d: Draft, issueId: string): void {
  const retry = d.retryAttempts.get(issueId);
  if (!retry) return;
  d.retryAttempts.delete(issueId);
  if (d.shuttingDown) {
    d.release(issueId, retry.identifier, 'shutdown');
    return;
  }
  d.retryFetches.set(issueId, retry);
  d.effects.push({ type: 'fetch_retry_issue', issueId });
}

function onRetryRefreshed(d: Draft, issueId: string, issue: Issue | null): void {
  const retry = d.retryFetches.get(issueId);
  if (!retry) return;
  d.retryFetches.delete(issueId);
  if (d.shuttingDown) return d.release(issueId, retry.identifier, 'shutdown');
  if (issue === null) return d.release(issueId, retry.identifier, 'issue no longer visible');
  if (isTerminalState(issue.state, d.config)) {
    d.effects.push({ type: 'issue_handed_off', issueId });
    d.release(issueId, issue.identifier, 'issue reached a terminal state');
    d.effects.push({ type: 'remove_workspace', issueId, identifier: issue.identifier, workspacePath: retry.resume?.workspacePath ?? null });
    return;
  }
  if (!hasRequiredFields(issue) || !isActiveState(issue.state, d.config)) {
    d.effects.push({ type: 'issue_handed_off', issueId });
    return d.release(issueId, issue.identifier, 'issue no longer active');
  }
  if (!issueRoutable(issue, d.config)) return d.release(issueId, issue.identifier, 'issue no longer routable');
  const runtime = runtimeForIssue(issue, d.config.defaultRuntime);
  if (!runtime.ok) return d.release(issueId, issue.identifier, runtime.reason);
  if (d.running.has(issueId)) return;
  const refusal = budgetRefusal(d, issue);
  if (refusal !== null) return d.block({ issueId, identifier: issue.identifier, issue, workspacePath: retry.resume?.workspacePath ?? null }, refusal, 'budget_exceeded');
  if (!hasSlotFor(issue.state, d.running.view, d.config)) {
    d.scheduleRetry(issueId, issue.identifier, retry.attempt + 1, 'no_slots', 'no available orchestrator slots', issue.url);
    // A resumable run stays resumable while it waits for a slot.
    const queued = d.retryAttempts.get(issueId);
    if (retry.resume !== undefined && queued !== undefined) d.retryAttempts.set(issueId, { ...queued, attempt: retry.attempt, resume: retry.resume });
    return;
  }
  d.dispatch(issue, retry.attempt, retry.resume ?? null);
}

/** One agent event: telemetry, today's tokens, the budgets and no-progress limits. */
function onAgentEvent(d: Draft, issueId: string, event: AgentEvent): void {
  const entry = d.running.get(issueId);
  if (!entry) return;
  const update = applyAgentEvent(entry, d.codexTotals, event, d.nowMs);
  const addedTokens = update.totals.totalTokens - d.codexTotals.totalTokens;
  d.running.set(issueId, update.entry);
  d.codexTotals = update.totals;
  if (update.rateLimits !== undefined) d.codexRateLimits = update.rateLimits;
  const tracked = trackRepeats(d, update.entry, event);
  if (addedTokens > 0) {
    addDayTokens(d, addedTokens);
    checkIssueBudgets(d, tracked);
    checkDayBudget(d);
  }
  if (wantsProgressCheck(d, tracked, event) && tracked.stopping === null && tracked.workspacePath !== null) {
    d.effects.push({ type: 'check_progress', issueId, workspacePath: tracked.workspacePath });
  }
}

function onShutdown(d: Draft): void {
  d.shuttingDown = true;
  for (const entry of [...d.running.values()]) if (entry.stopping === null) d.stop(entry, 'shutdown');
  for (const retry of [...d.retryAttempts.values()]) {
    d.effects.push({ type: 'cancel_retry_timer', issueId: retry.issueId });
    d.release(retry.issueId, retry.identifier, 'shutdown');
  }
}

/**
 * Applies one event. Pure: the same inputs always give the same output.
 *
 * @param nowMs - the shell's clock (epoch ms) at the time of the event.
 * @param config - the scheduler slice of the current effective config.
 */
export function step(state: OrchestratorState, event: SchedulerEvent, nowMs: number, config: SchedulerConfig): StepResult {
  const d = new Draft(state, nowMs, config);
  switch (event.type) {
    case 'stall_check':
      onStallCheck(d);
      break;
    case 'running_refreshed':
      onRunningRefreshed(d, event.requestedIds, event.issues);
      break;
    case 'running_refresh_failed':
      d.log('warn', 'running issue refresh failed; keeping workers', { reason: event.error, outcome: 'skipped' });
      break;
    case 'candidates_fetched':
      onCandidates(d, event.issues);
      break;
    case 'workspace_ready': {
      const entry = d.running.get(event.issueId);
      if (!entry) break;
      d.running.set(event.issueId, { ...entry, workspacePath: event.workspacePath });
      if (wantsBaselineCheck(d)) d.effects.push({ type: 'check_progress', issueId: event.issueId, workspacePath: event.workspacePath });
      break;
    }
    case 'agent_event':
      onAgentEvent(d, event.issueId, event.event);
      break;
    case 'progress_checked':
      onProgressChecked(d, event.issueId, event.digest);
      break;
    case 'recovered':
      onRecovered(d, event.recovered);
      break;
    case 'worker_exited':
      onWorkerExited(d, event.issueId, event.outcome);
      break;
    case 'retry_due':
      onRetryDue(d, event.issueId);
      break;
    case 'retry_refreshed':
      onRetryRefreshed(d, event.issueId, event.issue);
      break;
    case 'retry_refresh_failed': {
      const retry = d.retryFetches.get(event.issueId);
      if (!retry) break;
      d.retryFetches.delete(event.issueId);
      if (d.shuttingDown) d.release(event.issueId, retry.identifier, 'shutdown');
      else d.scheduleRetry(event.issueId, retry.identifier, retry.attempt + 1, 'refresh_failed', `retry refresh failed: ${event.error}`, retry.issueUrl);
      break;
    }
    case 'workflow_reloaded':
      onWorkflowReloaded(d, event.changedSections);
      break;
    case 'shutdown':
      onShutdown(d);
      break;
  }
  return d.result();
}
