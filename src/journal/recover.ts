/**
 * Recovery on start (issue 9 item 2): the journal's snapshot turned into the scheduler state a
 * restarted daemon begins with. Pure: `recover(snapshot, nowMs, options)`.
 *
 * - A retry keeps its original due time (a restart never fires every retry at once).
 * - A blocked issue stays blocked (released only when its tracker state changes).
 * - A run that was live is resumed on the same thread in the same workspace when its runtime can
 *   resume (`options.canResume`) and the journal knows the thread and the workspace; otherwise
 *   it becomes a retry with cause `restart`, due at once, with the next attempt number.
 * - A claim whose record is incomplete (a `retrying` row without its retry, …) is never dropped:
 *   it becomes a `restart` retry too.
 * - Token totals carry over per issue.
 *
 * Every claimed issue ends up in exactly one of `retryAttempts`, `blocked` and `resume`.
 */
import type { TokenTotals } from '../domain/agent-event.js';
import { RETRY_CAUSES, type BlockedEntry, type RetryEntry } from '../scheduler/state.js';
import type { JournalClaim, JournalSnapshot } from './types.js';

/** A live run to resume on its thread (the shell dispatches it with a "the daemon restarted" turn). */
export interface ResumeTarget {
  readonly issueId: string;
  readonly identifier: string;
  readonly issueUrl: string | null;
  readonly runtime: string;
  readonly threadId: string;
  readonly workspacePath: string;
  /** The attempt the live run had (null for a first dispatch). */
  readonly attempt: number | null;
}

/** What a restarted daemon starts with. */
export interface RecoveredState {
  /** Every issue the journal held a claim for. */
  readonly claimed: ReadonlySet<string>;
  readonly retryAttempts: ReadonlyMap<string, RetryEntry>;
  readonly blocked: ReadonlyMap<string, BlockedEntry>;
  readonly resume: readonly ResumeTarget[];
  /** Absolute token totals per issue id. */
  readonly tokens: ReadonlyMap<string, TokenTotals>;
}

/** Options of {@link recover}. */
export interface RecoverOptions {
  /** Whether runs of `runtime` can continue on their thread after a restart (Codex `thread/resume`, Claude `resume`). */
  readonly canResume: (runtime: string) => boolean;
}

/** The reason a live run that cannot be resumed is retried with. */
export const RESTART_REASON = 'the daemon restarted while the run was live';

/** The retry of `claim` with cause `restart`, due at `nowMs`, on the next attempt. */
function restartRetry(claim: JournalClaim, nowMs: number, why: string): RetryEntry {
  return {
    issueId: claim.issueId,
    identifier: claim.identifier,
    attempt: (claim.attempt ?? 0) + 1,
    dueAtMs: nowMs,
    error: why,
    errorCode: null,
    kind: 'failure',
    cause: 'restart',
    issueUrl: claim.issueUrl,
  };
}

function retryOf(claim: JournalClaim): RetryEntry | null {
  const retry = claim.retry;
  if (retry === null) return null;
  return {
    issueId: claim.issueId,
    identifier: claim.identifier,
    attempt: retry.attempt,
    dueAtMs: retry.dueAtMs,
    error: retry.error,
    errorCode: retry.errorCode,
    kind: retry.kind,
    cause: isRetryCause(retry.cause) ? retry.cause : 'restart',
    issueUrl: claim.issueUrl,
  };
}

function isRetryCause(cause: string): cause is RetryEntry['cause'] {
  return (RETRY_CAUSES as readonly string[]).includes(cause);
}

/**
 * The state a daemon restarted at `nowMs` (epoch ms) begins with, from the journal's `snapshot`.
 * Pure; see the module comment for the rules. When the snapshot holds several rows for one issue
 * (it should not), the most recently updated wins.
 */
export function recover(snapshot: JournalSnapshot, nowMs: number, options: RecoverOptions): RecoveredState {
  const latest = new Map<string, JournalClaim>();
  for (const claim of snapshot.claims) {
    const seen = latest.get(claim.issueId);
    if (seen === undefined || claim.updatedAtMs >= seen.updatedAtMs) latest.set(claim.issueId, claim);
  }
  const retryAttempts = new Map<string, RetryEntry>();
  const blocked = new Map<string, BlockedEntry>();
  const resume: ResumeTarget[] = [];
  for (const claim of latest.values()) {
    if (claim.kind === 'retrying') {
      retryAttempts.set(claim.issueId, retryOf(claim) ?? restartRetry(claim, nowMs, 'the journal had no retry record for this claim'));
      continue;
    }
    if (claim.kind === 'blocked' && claim.blocked !== null) {
      blocked.set(claim.issueId, {
        issueId: claim.issueId,
        identifier: claim.identifier,
        issueUrl: claim.issueUrl,
        state: claim.blocked.state,
        reason: claim.blocked.reason,
        sinceMs: claim.blocked.sinceMs,
        workspacePath: claim.workspacePath,
      });
      continue;
    }
    if (claim.kind === 'running' && claim.threadId !== null && claim.workspacePath !== null && options.canResume(claim.runtime)) {
      resume.push({
        issueId: claim.issueId,
        identifier: claim.identifier,
        issueUrl: claim.issueUrl,
        runtime: claim.runtime,
        threadId: claim.threadId,
        workspacePath: claim.workspacePath,
        attempt: claim.attempt,
      });
      continue;
    }
    retryAttempts.set(claim.issueId, restartRetry(claim, nowMs, claim.kind === 'running' ? RESTART_REASON : 'the journal had no blocked record for this claim'));
  }
  const tokens = new Map<string, TokenTotals>();
  for (const row of snapshot.tokens) tokens.set(row.issueId, { inputTokens: row.inputTokens, outputTokens: row.outputTokens, totalTokens: row.totalTokens });
  return { claimed: new Set(latest.keys()), retryAttempts, blocked, resume: resume.sort((a, b) => a.identifier.localeCompare(b.identifier)), tokens };
}
