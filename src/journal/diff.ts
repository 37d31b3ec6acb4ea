/**
 * What one scheduler step changes in the run journal (issue 9 item 1): the claim rows to write or
 * delete, the usage and day rows to write, and the run rows to start, end or mark handed off.
 * Pure: `journalChanges(previous, next, effects, context)`; the writer (`writer.ts`) applies the
 * result in one transaction before the shell performs the step's effects.
 *
 * Cost is bounded by what changed: collections the step did not touch are skipped by reference,
 * and a running entry is rewritten only when a field a restart needs changed (its thread,
 * workspace, pending request, state), not on every agent event or turn.
 *
 * Once the daemon is shutting down, claims are frozen: the core releases every claim at shutdown,
 * but a restart must find them (retries keep their due times, live runs resume on their thread).
 */
import type { Effect, SchedulerEvent } from '../scheduler/events.js';
import { NO_USAGE, type BlockedEntry, type IssueUsage, type OrchestratorState, type RetryEntry, type RunningEntry } from '../scheduler/state.js';
import type { PendingOperatorRequest } from '../domain/operator.js';
import type { JournalClaim, JournalDay, JournalUsage } from './types.js';
import type { JournalRunEnd, JournalRunStart } from './journal.js';

/** What {@link journalChanges} needs beyond the two states. */
export interface JournalChangeContext {
  /** Epoch ms of the step. */
  readonly nowMs: number;
  /** sha256 of the WORKFLOW.md in force: the revision of runs started in this step. */
  readonly workflowRevision: string;
  /** The runtime an issue last ran on (retry rows carry it so a restart can tell whether it resumes). */
  readonly runtimeOf: (issueId: string) => string;
  /**
   * The one issue whose running entry the step can have changed in a field the journal keeps
   * (see {@link touchedIssue}); null or absent: any. Saves walking every running entry on each of
   * the many agent events.
   */
  readonly touched?: string | null;
}

/**
 * The issue an event can change the journaled fields of, when it is only one: an agent event,
 * a workspace report or a git check names its issue, and the core changes no other running entry's
 * thread, session, workspace, pending request, state or tokens for it (a budget it trips may stop
 * other runs, but `stopping` is not journaled until they exit). Null for every other event. Pure.
 */
export function touchedIssue(event: SchedulerEvent): string | null {
  switch (event.type) {
    case 'agent_event':
    case 'workspace_ready':
    case 'progress_checked':
      return event.issueId;
    default:
      return null;
  }
}

/** The running entries to compare: the touched one only, or all. */
function candidates(next: OrchestratorState, touched: string | null | undefined): Iterable<[string, RunningEntry]> {
  if (touched === null || touched === undefined) return next.running;
  const entry = next.running.get(touched);
  return entry === undefined ? [] : [[touched, entry]];
}

/** A run row to end: the issue's live run. */
export interface JournalRunEndChange {
  readonly issueId: string;
  readonly end: JournalRunEnd;
}

/** Everything one step writes. Empty arrays when nothing changed. */
export interface JournalChanges {
  readonly putClaims: readonly JournalClaim[];
  readonly deleteClaims: readonly string[];
  readonly putUsage: readonly JournalUsage[];
  readonly putDay: JournalDay | null;
  readonly startRuns: readonly JournalRunStart[];
  readonly endRuns: readonly JournalRunEndChange[];
  /** Issue ids whose last run is marked handed off at `nowMs`. */
  readonly handoffs: readonly string[];
}

/** Whether {@link journalChanges} found nothing to write. */
export function isEmpty(changes: JournalChanges): boolean {
  return (
    changes.putClaims.length === 0 &&
    changes.deleteClaims.length === 0 &&
    changes.putUsage.length === 0 &&
    changes.putDay === null &&
    changes.startRuns.length === 0 &&
    changes.endRuns.length === 0 &&
    changes.handoffs.length === 0
  );
}

/** One line naming a pending operator request (kept in `waiting` claim rows). */
export function waitingLine(request: PendingOperatorRequest): string {
  return `${request.kind}: ${request.summary}`;
}

/** The claim row of a live run. */
export function runningClaim(entry: RunningEntry, nowMs: number): JournalClaim {
  return {
    issueId: entry.issueId,
    identifier: entry.identifier,
    issueUrl: entry.issue.url,
    issueState: entry.issue.state,
    kind: entry.waiting === null ? 'running' : 'waiting',
    runtime: entry.runtime,
    attempt: entry.retryAttempt,
    sessionId: entry.sessionId,
    threadId: entry.threadId,
    workspacePath: entry.workspacePath,
    startedAtMs: entry.startedAtMs,
    waiting: entry.waiting === null ? null : waitingLine(entry.waiting),
    retry: null,
    blocked: null,
    updatedAtMs: nowMs,
  };
}

/** The claim row of a queued retry (a `restart` retry keeps the thread it resumes). */
export function retryClaim(retry: RetryEntry, runtime: string, nowMs: number): JournalClaim {
  return {
    issueId: retry.issueId,
    identifier: retry.identifier,
    issueUrl: retry.issueUrl,
    issueState: null,
    kind: 'retrying',
    runtime,
    attempt: retry.attempt,
    sessionId: null,
    threadId: retry.resume?.threadId ?? null,
    workspacePath: retry.resume?.workspacePath ?? null,
    startedAtMs: null,
    waiting: null,
    retry: { attempt: retry.attempt, dueAtMs: retry.dueAtMs, error: retry.error, errorCode: retry.errorCode, kind: retry.kind, cause: retry.cause },
    blocked: null,
    updatedAtMs: nowMs,
  };
}

/** The claim row of a blocked issue. */
export function blockedClaim(entry: BlockedEntry, runtime: string, nowMs: number): JournalClaim {
  return {
    issueId: entry.issueId,
    identifier: entry.identifier,
    issueUrl: entry.issueUrl,
    issueState: entry.state,
    kind: 'blocked',
    runtime,
    attempt: null,
    sessionId: null,
    threadId: null,
    workspacePath: entry.workspacePath,
    startedAtMs: null,
    waiting: null,
    retry: null,
    blocked: { state: entry.state, reason: entry.reason, sinceMs: entry.sinceMs, cause: entry.cause },
    updatedAtMs: nowMs,
  };
}

/**
 * Whether a restart would need `next` written again. The session id (`<thread>-<turn>`) changes
 * every turn but a restart needs only the thread, so a new turn alone writes nothing; the row's
 * `session_id` is the one of its last write.
 */
function claimFieldsChanged(previous: RunningEntry | undefined, next: RunningEntry): boolean {
  return (
    previous === undefined ||
    previous.threadId !== next.threadId ||
    previous.workspacePath !== next.workspacePath ||
    previous.waiting !== next.waiting ||
    previous.retryAttempt !== next.retryAttempt ||
    previous.startedAtMs !== next.startedAtMs ||
    previous.issue.state !== next.issue.state ||
    previous.runtime !== next.runtime
  );
}

function tokensChanged(previous: RunningEntry | undefined, next: RunningEntry): boolean {
  return previous === undefined || previous.codexTotalTokens !== next.codexTotalTokens || previous.codexInputTokens !== next.codexInputTokens || previous.codexOutputTokens !== next.codexOutputTokens;
}

/** The usage row of an issue: its ended runs plus, while it runs, the live run's tokens. */
export function usageRow(issueId: string, usage: IssueUsage, live: RunningEntry | undefined): JournalUsage {
  const add = live ?? { codexInputTokens: 0, codexOutputTokens: 0, codexTotalTokens: 0 };
  return {
    issueId,
    inputTokens: usage.inputTokens + add.codexInputTokens,
    outputTokens: usage.outputTokens + add.codexOutputTokens,
    totalTokens: usage.totalTokens + add.codexTotalTokens,
    runtimeMs: usage.runtimeMs,
    budgetTokens: usage.budgetTokens + add.codexTotalTokens,
    budgetRuntimeMs: usage.budgetRuntimeMs,
  };
}

function claimChanges(previous: OrchestratorState, next: OrchestratorState, context: JournalChangeContext): Pick<JournalChanges, 'putClaims' | 'deleteClaims'> {
  const putClaims: JournalClaim[] = [];
  const deleteClaims: string[] = [];
  if (next.shuttingDown) return { putClaims, deleteClaims };
  const { nowMs } = context;
  if (next.running !== previous.running) {
    for (const [id, entry] of candidates(next, context.touched)) {
      if (claimFieldsChanged(previous.running.get(id), entry)) putClaims.push(runningClaim(entry, nowMs));
    }
  }
  if (next.retryAttempts !== previous.retryAttempts) {
    for (const [id, retry] of next.retryAttempts) {
      if (previous.retryAttempts.get(id) !== retry) putClaims.push(retryClaim(retry, context.runtimeOf(id), nowMs));
    }
  }
  if (next.retryFetches !== previous.retryFetches) {
    // A due retry whose re-read is in flight keeps its `retrying` row; only one that was not queued before needs writing.
    for (const [id, retry] of next.retryFetches) {
      if (previous.retryFetches.get(id) !== retry && previous.retryAttempts.get(id) !== retry) putClaims.push(retryClaim(retry, context.runtimeOf(id), nowMs));
    }
  }
  if (next.blocked !== previous.blocked) {
    for (const [id, entry] of next.blocked) {
      if (previous.blocked.get(id) !== entry) putClaims.push(blockedClaim(entry, context.runtimeOf(id), nowMs));
    }
  }
  if (next.claimed !== previous.claimed) {
    for (const id of previous.claimed) if (!next.claimed.has(id)) deleteClaims.push(id);
  }
  return { putClaims, deleteClaims };
}

function usageChanges(previous: OrchestratorState, next: OrchestratorState, touched: string | null | undefined): JournalUsage[] {
  const rows = new Map<string, JournalUsage>();
  if (next.usage !== previous.usage) {
    for (const [id, usage] of next.usage) {
      if (previous.usage.get(id) !== usage) rows.set(id, usageRow(id, usage, next.running.get(id)));
    }
  }
  if (next.running !== previous.running) {
    for (const [id, entry] of candidates(next, touched)) {
      const before = previous.running.get(id);
      if (before !== undefined && before !== entry && tokensChanged(before, entry)) rows.set(id, usageRow(id, next.usage.get(id) ?? NO_USAGE, entry));
    }
  }
  return [...rows.values()];
}

/** Effects the journal records (the rest — logs, timers, stops — change nothing it keeps). */
const RECORDED_EFFECTS: ReadonlySet<Effect['type']> = new Set(['start_worker', 'run_ended', 'issue_handed_off']);

/** What a step changes in the journal, when a cheap look can tell: nothing, or only `touched`'s token rows. */
export type StepKind = 'none' | 'tokens' | 'other';

/**
 * A cheap classification before {@link journalChanges}: `none` when only `touched`'s running
 * entry changed, in fields the journal does not keep (the common agent event: a notification, an
 * activity); `tokens` when it changed only in its token counts (and today's total with them);
 * `other` — look closer — for anything else, or any effect the journal records. Pure.
 */
export function classifyStep(previous: OrchestratorState, next: OrchestratorState, effects: readonly Effect[], touched: string | null): StepKind {
  if (touched === null) return 'other';
  if (next.claimed !== previous.claimed || next.retryAttempts !== previous.retryAttempts || next.retryFetches !== previous.retryFetches) return 'other';
  if (next.blocked !== previous.blocked || next.usage !== previous.usage) return 'other';
  for (const effect of effects) if (RECORDED_EFFECTS.has(effect.type)) return 'other';
  const before = previous.running.get(touched);
  const after = next.running.get(touched);
  if (before === after) return next.dayUsage === previous.dayUsage ? 'none' : 'other';
  if (before === undefined || after === undefined || claimFieldsChanged(before, after)) return 'other';
  if (tokensChanged(before, after)) return 'tokens';
  return next.dayUsage === previous.dayUsage ? 'none' : 'other';
}

/**
 * The journal writes of one step from `previous` to `next` with its `effects`. Pure.
 * Runs: a `start_worker` effect starts a run row, `run_ended` ends the issue's live one (turns and
 * tokens from the entry as it was before the step removed it), `issue_handed_off` marks the last.
 */
export function journalChanges(previous: OrchestratorState, next: OrchestratorState, effects: readonly Effect[], context: JournalChangeContext): JournalChanges {
  const startRuns: JournalRunStart[] = [];
  const endRuns: JournalRunEndChange[] = [];
  const handoffs: string[] = [];
  for (const effect of effects) {
    if (effect.type === 'start_worker') {
      const entry = next.running.get(effect.issue.id);
      startRuns.push({
        issueId: effect.issue.id,
        identifier: effect.issue.identifier,
        attempt: effect.attempt,
        runtime: entry?.runtime ?? context.runtimeOf(effect.issue.id),
        startedAtMs: entry?.startedAtMs ?? context.nowMs,
        workflowRevision: context.workflowRevision,
      });
    } else if (effect.type === 'run_ended') {
      const entry = previous.running.get(effect.issueId);
      endRuns.push({
        issueId: effect.issueId,
        end: {
          endedAtMs: context.nowMs,
          outcome: effect.outcome,
          reason: effect.reason,
          turns: entry?.turnCount ?? 0,
          tokens: { inputTokens: entry?.codexInputTokens ?? 0, outputTokens: entry?.codexOutputTokens ?? 0, totalTokens: entry?.codexTotalTokens ?? 0 },
        },
      });
    } else if (effect.type === 'issue_handed_off') {
      handoffs.push(effect.issueId);
    }
  }
  return {
    ...claimChanges(previous, next, context),
    putUsage: usageChanges(previous, next, context.touched),
    putDay: next.dayUsage !== previous.dayUsage && next.dayUsage.day !== '' ? { day: next.dayUsage.day, totalTokens: next.dayUsage.totalTokens } : null,
    startRuns,
    endRuns,
    handoffs,
  };
}
