/**
 * The pure scheduler core: `step(state, event, nowMs, config) → { state, effects }`.
 *
 * It owns every decision of spec §7 (claims), §8 (dispatch, concurrency, retries, reconciliation)
 * and §16 (reference algorithms); it performs no I/O and reads no clock. The effectful shell
 * ({@link import('./orchestrator.js')}) feeds it events one at a time and carries out the effects.
 */
import { normalizeStateName, type Issue } from '../domain/issue.js';
import type { RunOutcome } from '../domain/run-outcome.js';
import { DEFAULT_RUNTIME, type RuntimeKind } from '../runner/kinds.js';
import type { WorkflowSection } from '../config/store.js';
import type { Effect, SchedulerEvent, WorkerOutcome } from './events.js';
import {
  CONTINUATION_DELAY_MS,
  failureBackoffMs,
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
import type { BlockedEntry, CodexTotals, OrchestratorState, RetryCause, RetryEntry, RunningEntry, StopReason } from './state.js';
import { CowMap, CowSet } from './cow.js';
import { applyAgentEvent } from './telemetry.js';

/** The new state and the effects to perform, in order. */
export interface StepResult {
  readonly state: OrchestratorState;
  readonly effects: readonly Effect[];
}

/** A working copy of the state for one step; collections are copied on their first write. */
class Draft {
  readonly running: CowMap<string, RunningEntry>;
  readonly claimed: CowSet<string>;
  readonly retryAttempts: CowMap<string, RetryEntry>;
  readonly retryFetches: CowMap<string, RetryEntry>;
  readonly blocked: CowMap<string, BlockedEntry>;
  readonly completed: CowSet<string>;
  codexTotals: CodexTotals;
  codexRateLimits: unknown;
  shuttingDown: boolean;
  readonly effects: Effect[] = [];

  constructor(
    state: OrchestratorState,
    readonly nowMs: number,
    readonly config: SchedulerConfig,
  ) {
    this.running = new CowMap(state.running);
    this.claimed = new CowSet(state.claimed);
    this.retryAttempts = new CowMap(state.retryAttempts);
    this.retryFetches = new CowMap(state.retryFetches);
    this.blocked = new CowMap(state.blocked);
    this.completed = new CowSet(state.completed);
    this.codexTotals = state.codexTotals;
    this.codexRateLimits = state.codexRateLimits;
    this.shuttingDown = state.shuttingDown;
  }

  result(): StepResult {
    return {
      state: {
        running: this.running.view,
        claimed: this.claimed.view,
        retryAttempts: this.retryAttempts.view,
        retryFetches: this.retryFetches.view,
        blocked: this.blocked.view,
        completed: this.completed.view,
        codexTotals: this.codexTotals,
        codexRateLimits: this.codexRateLimits,
        shuttingDown: this.shuttingDown,
      },
      effects: this.effects,
    };
  }

  log(level: 'info' | 'warn' | 'error' | 'debug', message: string, fields: Record<string, unknown>): void {
    this.effects.push({ type: 'log', level, message, fields });
  }

  /** Claims and starts a worker (spec §16.4). */
  dispatch(issue: Issue, attempt: number | null): void {
    const runtime = runtimeForIssue(issue, this.config.defaultRuntime);
    this.running.set(issue.id, newRunningEntry(issue, attempt, this.nowMs, runtime.ok ? runtime.kind : (this.config.defaultRuntime ?? DEFAULT_RUNTIME)));
    this.claimed.add(issue.id);
    this.retryAttempts.delete(issue.id);
    this.retryFetches.delete(issue.id);
    this.effects.push({ type: 'start_worker', issue, attempt });
    this.log('info', 'dispatch started', {
      issue_id: issue.id,
      issue_identifier: issue.identifier,
      state: issue.state,
      attempt,
      outcome: 'dispatched',
    });
  }

  /** Queues a retry, replacing any existing one for the issue (spec §8.4). */
  scheduleRetry(
    issueId: string,
    identifier: string,
    attempt: number,
    cause: RetryCause,
    error: string | null,
    issueUrl: string | null,
    errorCode: string | null = null,
  ): void {
    const kind: RetryEntry['kind'] = cause === 'continuation' ? 'continuation' : 'failure';
    const delayMs = kind === 'continuation' ? CONTINUATION_DELAY_MS : failureBackoffMs(attempt, this.config.maxRetryBackoffMs);
    this.retryAttempts.set(issueId, { issueId, identifier, attempt, dueAtMs: this.nowMs + delayMs, error, errorCode, kind, cause, issueUrl });
    this.claimed.add(issueId);
    this.effects.push({ type: 'arm_retry_timer', issueId, delayMs });
    this.log(kind === 'continuation' ? 'info' : 'warn', 'retry scheduled', {
      issue_id: issueId,
      issue_identifier: identifier,
      attempt,
      delay_ms: delayMs,
      kind,
      cause,
      reason: error,
      outcome: 'retrying',
    });
  }

  release(issueId: string, identifier: string, reason: string): void {
    this.claimed.delete(issueId);
    this.retryAttempts.delete(issueId);
    this.retryFetches.delete(issueId);
    this.blocked.delete(issueId);
    this.log('info', 'claim released', { issue_id: issueId, issue_identifier: identifier, reason, outcome: 'released' });
  }

  /** Keeps the issue claimed, neither retried nor dispatched, until its tracker state changes. */
  block(entry: RunningEntry, reason: string): void {
    this.blocked.set(entry.issueId, {
      issueId: entry.issueId,
      identifier: entry.identifier,
      issueUrl: entry.issue.url,
      state: entry.issue.state,
      reason,
      sinceMs: this.nowMs,
      workspacePath: entry.workspacePath,
    });
    this.claimed.add(entry.issueId);
    this.log('warn', 'issue blocked waiting for an operator', {
      issue_id: entry.issueId,
      issue_identifier: entry.identifier,
      state: entry.issue.state,
      reason,
      outcome: 'blocked',
    });
  }

  stop(entry: RunningEntry, reason: StopReason): void {
    this.running.set(entry.issueId, { ...entry, stopping: reason });
    this.effects.push({ type: 'stop_worker', issueId: entry.issueId, reason });
    this.log(reason === 'stalled' ? 'warn' : 'info', 'stopping worker', {
      issue_id: entry.issueId,
      issue_identifier: entry.identifier,
      session_id: entry.sessionId,
      reason,
      outcome: 'stopping',
    });
  }
}

/**
 * Worker failure codes that mean "a person must act": the run waited for an operator and nobody
 * answered. Retrying would only ask again, so the issue is blocked instead (extension, issue 3).
 */
const BLOCKING_CODES: ReadonlySet<string> = new Set(['operator_timeout', 'turn_input_required']);

/**
 * Worker failure codes a workflow reload may fix, each with the sections whose change may fix it
 * (`any`: every valid reload, even one that only restored validity). A failure retry with one of
 * these codes is re-armed by `workflow_reloaded` when one of its sections changed.
 */
export const RELOAD_MAY_FIX: Readonly<Record<string, readonly WorkflowSection[] | 'any'>> = {
  template_parse_error: ['prompt'],
  template_render_error: ['prompt'],
  invalid_config: 'any',
  missing_workflow_file: 'any',
  workflow_parse_error: 'any',
  workflow_front_matter_not_a_map: 'any',
  unsupported_tracker_kind: ['tracker'],
  invalid_tracker_config: ['tracker'],
  missing_tracker_secret: ['tracker'],
  codex_not_found: ['codex'],
  agent_not_found: ['acp', 'claude'],
  hook_failed: ['hooks'],
  hook_timeout: ['hooks'],
};

/**
 * Delay of a retry re-armed by a workflow reload, ms: the continuation delay (1 s), so a burst of
 * saves settles and the re-armed retry runs with the newest workflow.
 */
export const RELOAD_RETRY_DELAY_MS = CONTINUATION_DELAY_MS;

/** True when a reload changing `changed` may fix a failure with `code` (see {@link RELOAD_MAY_FIX}). */
export function reloadMayFix(code: string, changed: readonly WorkflowSection[]): boolean {
  const sections = Object.hasOwn(RELOAD_MAY_FIX, code) ? RELOAD_MAY_FIX[code] : undefined;
  if (sections === undefined) return false;
  return sections === 'any' || sections.some((section) => changed.includes(section));
}

function newRunningEntry(issue: Issue, attempt: number | null, nowMs: number, runtime: RuntimeKind): RunningEntry {
  return {
    runtime,
    issueId: issue.id,
    identifier: issue.identifier,
    issue,
    workspacePath: null,
    sessionId: null,
    threadId: null,
    turnId: null,
    codexAppServerPid: null,
    lastCodexEvent: null,
    lastCodexTimestampMs: null,
    lastCodexMessage: null,
    lastActivity: null,
    codexInputTokens: 0,
    codexOutputTokens: 0,
    codexTotalTokens: 0,
    lastReportedInputTokens: 0,
    lastReportedOutputTokens: 0,
    lastReportedTotalTokens: 0,
    turnCount: 0,
    retryAttempt: attempt,
    startedAtMs: nowMs,
    stopping: null,
    waiting: null,
  };
}

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
  if (isTerminalState(issue.state, d.config)) {
    d.effects.push({ type: 'remove_workspace', issueId: blocked.issueId, identifier: blocked.identifier, workspacePath: blocked.workspacePath });
  }
}

function onCandidates(d: Draft, issues: readonly Issue[]): void {
  if (d.shuttingDown) return;
  for (const issue of sortForDispatch(issues)) {
    if (globalSlotsAvailable(d.running.view, d.config) === 0) break;
    if (shouldDispatch(issue, { running: d.running.view, claimed: d.claimed.view }, d.config)) d.dispatch(issue, null);
  }
}

function onWorkerExited(d: Draft, issueId: string, outcome: WorkerOutcome): void {
  const entry = d.running.get(issueId);
  if (!entry) return;
  d.running.delete(issueId);
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
    reason: entry.stopping ?? (outcome.kind === 'failed' ? outcome.error : null),
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
      d.release(issueId, entry.identifier, 'issue reached a terminal state');
      d.effects.push({ type: 'remove_workspace', issueId, identifier: entry.identifier, workspacePath: entry.workspacePath });
      return;
    case 'inactive':
    case 'unroutable':
    case 'missing':
      d.release(issueId, entry.identifier, `issue ${entry.stopping}`);
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
    d.release(issueId, issue.identifier, 'issue reached a terminal state');
    d.effects.push({ type: 'remove_workspace', issueId, identifier: issue.identifier, workspacePath: null });
    return;
  }
  if (!hasRequiredFields(issue) || !isActiveState(issue.state, d.config)) {
    return d.release(issueId, issue.identifier, 'issue no longer active');
  }
  if (!issueRoutable(issue, d.config)) return d.release(issueId, issue.identifier, 'issue no longer routable');
  const runtime = runtimeForIssue(issue, d.config.defaultRuntime);
  if (!runtime.ok) return d.release(issueId, issue.identifier, runtime.reason);
  if (d.running.has(issueId)) return;
  if (!hasSlotFor(issue.state, d.running.view, d.config)) {
    d.scheduleRetry(issueId, issue.identifier, retry.attempt + 1, 'no_slots', 'no available orchestrator slots', issue.url);
    return;
  }
  d.dispatch(issue, retry.attempt);
}

/**
 * A valid reload (issue 10 item 7): every failure retry still waiting whose error code the reload
 * may fix ({@link reloadMayFix}) is re-armed to come due in {@link RELOAD_RETRY_DELAY_MS}, keeping
 * its attempt number; one already due sooner keeps its time. Continuations, retries of other
 * causes and re-reads in flight are left alone.
 */
function onWorkflowReloaded(d: Draft, changed: readonly WorkflowSection[]): void {
  if (d.shuttingDown) return;
  const dueAtMs = d.nowMs + RELOAD_RETRY_DELAY_MS;
  for (const retry of [...d.retryAttempts.values()]) {
    if (retry.kind !== 'failure' || retry.errorCode === null || retry.dueAtMs <= dueAtMs) continue;
    if (!reloadMayFix(retry.errorCode, changed)) continue;
    d.retryAttempts.set(retry.issueId, { ...retry, dueAtMs });
    d.effects.push({ type: 'arm_retry_timer', issueId: retry.issueId, delayMs: RELOAD_RETRY_DELAY_MS, rearmed: true });
    d.log('info', 'retry re-armed: the workflow reload may fix its error', {
      issue_id: retry.issueId,
      issue_identifier: retry.identifier,
      attempt: retry.attempt,
      delay_ms: RELOAD_RETRY_DELAY_MS,
      error_code: retry.errorCode,
      changed_sections: [...changed],
      outcome: 'retrying',
    });
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
      if (entry) d.running.set(event.issueId, { ...entry, workspacePath: event.workspacePath });
      break;
    }
    case 'agent_event': {
      const entry = d.running.get(event.issueId);
      if (!entry) break;
      const update = applyAgentEvent(entry, d.codexTotals, event.event, nowMs);
      d.running.set(event.issueId, update.entry);
      d.codexTotals = update.totals;
      if (update.rateLimits !== undefined) d.codexRateLimits = update.rateLimits;
      break;
    }
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
