/**
 * The working copy of the scheduler state for one `step` (`core.ts`): collections are copied on
 * their first write, and the shared moves of the core — dispatch, scheduling a retry, releasing
 * or blocking a claim, stopping a worker, logging — are its methods, each adding its effects.
 * Pure.
 */
import type { Issue } from '../domain/issue.js';
import { DEFAULT_RUNTIME, type RuntimeKind } from '../runner/kinds.js';
import { CowMap, CowSet } from './cow.js';
import type { Effect } from './events.js';
import { CONTINUATION_DELAY_MS, failureBackoffMs, runtimeForIssue, type SchedulerConfig } from './policy.js';
import type { ResumeRequest } from '../domain/resume.js';
import type { BlockCause, BlockedEntry, CodexTotals, DayUsage, IssueUsage, OrchestratorState, RetryCause, RetryEntry, RunningEntry, StopReason } from './state.js';

/** The new state and the effects to perform, in order. */
export interface StepResult {
  readonly state: OrchestratorState;
  readonly effects: readonly Effect[];
}

/** A working copy of the state for one step; collections are copied on their first write. */
export class Draft {
  readonly running: CowMap<string, RunningEntry>;
  readonly claimed: CowSet<string>;
  readonly retryAttempts: CowMap<string, RetryEntry>;
  readonly retryFetches: CowMap<string, RetryEntry>;
  readonly blocked: CowMap<string, BlockedEntry>;
  readonly completed: CowSet<string>;
  readonly usage: CowMap<string, IssueUsage>;
  readonly budgetWarnings: CowSet<string>;
  dayUsage: DayUsage;
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
    this.usage = new CowMap(state.usage);
    this.budgetWarnings = new CowSet(state.budgetWarnings);
    this.dayUsage = state.dayUsage;
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
        usage: this.usage.view,
        dayUsage: this.dayUsage,
        budgetWarnings: this.budgetWarnings.view,
      },
      effects: this.effects,
    };
  }

  log(level: 'info' | 'warn' | 'error' | 'debug', message: string, fields: Record<string, unknown>): void {
    this.effects.push({ type: 'log', level, message, fields });
  }

  /**
   * Claims and starts a worker (spec §16.4); with `resume`, on the thread of the run that was live
   * when the daemon last stopped (issue 9).
   */
  dispatch(issue: Issue, attempt: number | null, resume: ResumeRequest | null = null): void {
    const runtime = runtimeForIssue(issue, this.config.defaultRuntime);
    const entry = newRunningEntry(issue, attempt, this.nowMs, runtime.ok ? runtime.kind : (this.config.defaultRuntime ?? DEFAULT_RUNTIME));
    this.running.set(issue.id, resume === null ? entry : { ...entry, resumed: true, threadId: resume.threadId, workspacePath: resume.workspacePath });
    this.claimed.add(issue.id);
    this.retryAttempts.delete(issue.id);
    this.retryFetches.delete(issue.id);
    this.effects.push({ type: 'start_worker', issue, attempt, resume });
    this.log('info', resume === null ? 'dispatch started' : 'dispatch started: resuming the thread of the run the daemon restart interrupted', {
      issue_id: issue.id,
      issue_identifier: issue.identifier,
      state: issue.state,
      attempt,
      ...(resume === null ? {} : { thread_id: resume.threadId }),
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
  block(entry: Pick<RunningEntry, 'issueId' | 'identifier' | 'issue' | 'workspacePath'>, reason: string, cause: BlockCause = 'operator'): void {
    this.blocked.set(entry.issueId, {
      issueId: entry.issueId,
      identifier: entry.identifier,
      issueUrl: entry.issue.url,
      state: entry.issue.state,
      reason,
      sinceMs: this.nowMs,
      workspacePath: entry.workspacePath,
      cause,
    });
    this.claimed.add(entry.issueId);
    this.retryAttempts.delete(entry.issueId);
    this.retryFetches.delete(entry.issueId);
    const message = cause === 'operator' ? 'issue blocked waiting for an operator' : cause === 'budget_exceeded' ? 'issue blocked: budget exceeded' : 'issue blocked: no progress';
    this.log('warn', message, {
      issue_id: entry.issueId,
      issue_identifier: entry.identifier,
      state: entry.issue.state,
      reason,
      cause,
      outcome: 'blocked',
    });
  }

  /** Asks the worker to stop; `note` (one line) says why when the reason alone does not (budgets, loops). */
  stop(entry: RunningEntry, reason: StopReason, note: string | null = null): void {
    this.running.set(entry.issueId, { ...entry, stopping: reason, stopNote: note });
    this.effects.push({ type: 'stop_worker', issueId: entry.issueId, reason });
    const warn = reason === 'stalled' || reason === 'budget_exceeded' || reason === 'no_progress';
    this.log(warn ? 'warn' : 'info', 'stopping worker', {
      issue_id: entry.issueId,
      issue_identifier: entry.identifier,
      session_id: entry.sessionId,
      reason,
      ...(note === null ? {} : { detail: note }),
      outcome: 'stopping',
    });
  }
}

export function newRunningEntry(issue: Issue, attempt: number | null, nowMs: number, runtime: RuntimeKind): RunningEntry {
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
    stopNote: null,
    lastCommand: null,
    commandRepeats: 0,
    progressDigest: null,
    turnsWithoutProgress: 0,
    resumed: false,
  };
}
