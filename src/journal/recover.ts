/**
 * Recovery on start (issue 9 item 2): the journal's snapshot turned into the scheduler state a
 * restarted daemon begins with. Pure: `recover(snapshot, nowMs, options)`.
 *
 * - A retry keeps its original due time (a restart never fires every retry at once).
 * - A blocked issue stays blocked (released only when its tracker state changes).
 * - A run that was live (`running` or `waiting`) is resumed on the same thread in the same
 *   workspace when its runtime can resume (`options.canResume`) and the journal knows the thread
 *   and the workspace: it becomes a retry with cause `restart`, due at once, on the same attempt,
 *   carrying `resume` (a `waiting` run's request goes with it, so the restart turn asks the agent
 *   to make it again). A `restart` retry that had not been dispatched yet stays resumable.
 * - A live run that cannot be resumed becomes a `restart` retry with the next attempt number,
 *   except a `waiting` one, which is blocked (cause `operator`) in the tracker state it had: the
 *   request it waited on died with the previous daemon, and retrying would ask it again unattended.
 * - A claim whose record is incomplete (a `retrying` row without its retry, …) is never dropped:
 *   it becomes a `restart` retry too.
 * - Usage (tokens, runtime, budget counters) carries over per issue, and today's token total.
 *
 * Every claimed issue ends up in exactly one of `retryAttempts` and `blocked`.
 */
import type { ResumeRequest } from '../domain/resume.js';
import type { RecoveredClaims } from '../scheduler/events.js';
import { BLOCK_CAUSES, RETRY_CAUSES, type BlockCause, type BlockedEntry, type IssueUsage, type RetryEntry } from '../scheduler/state.js';
import type { JournalClaim, JournalSnapshot } from './types.js';

/** What a restarted daemon starts with: the scheduler's `recovered` event plus the claimed ids. */
export interface RecoveredState extends RecoveredClaims {
  /** Every issue the journal held a claim for. */
  readonly claimed: ReadonlySet<string>;
}

/** Options of {@link recover}. */
export interface RecoverOptions {
  /** Whether runs of `runtime` can continue on their thread after a restart (Codex `thread/resume`, Claude `resume`). */
  readonly canResume: (runtime: string) => boolean;
}

/** The reason a live run that cannot be resumed is retried with. */
export const RESTART_REASON = 'the daemon restarted while the run was live';

/** The reason a resumable live run's `restart` retry carries. */
export const RESUME_REASON = 'the daemon restarted while the run was live; resuming its thread';

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

/** The thread to resume `claim` on, when its runtime can and the journal has what it needs. */
function resumeOf(claim: JournalClaim, options: RecoverOptions): ResumeRequest | null {
  if (claim.threadId === null || claim.workspacePath === null || !options.canResume(claim.runtime)) return null;
  return { threadId: claim.threadId, workspacePath: claim.workspacePath, waiting: claim.waiting };
}

function retryOf(claim: JournalClaim, options: RecoverOptions): RetryEntry | null {
  const retry = claim.retry;
  if (retry === null) return null;
  const cause = isRetryCause(retry.cause) ? retry.cause : 'restart';
  const entry: RetryEntry = {
    issueId: claim.issueId,
    identifier: claim.identifier,
    attempt: retry.attempt,
    dueAtMs: retry.dueAtMs,
    error: retry.error,
    errorCode: retry.errorCode,
    kind: retry.kind,
    cause,
    issueUrl: claim.issueUrl,
  };
  const resume = cause === 'restart' ? resumeOf(claim, options) : null;
  return resume === null ? entry : { ...entry, resume };
}

function isRetryCause(cause: string): cause is RetryEntry['cause'] {
  return (RETRY_CAUSES as readonly string[]).includes(cause);
}

function blockCause(cause: string): BlockCause {
  return (BLOCK_CAUSES as readonly string[]).includes(cause) ? (cause as BlockCause) : 'operator';
}

function blockedOf(claim: JournalClaim, state: string, reason: string, sinceMs: number, cause: BlockCause): BlockedEntry {
  return { issueId: claim.issueId, identifier: claim.identifier, issueUrl: claim.issueUrl, state, reason, sinceMs, workspacePath: claim.workspacePath, cause };
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
  for (const claim of latest.values()) {
    switch (claim.kind) {
      case 'retrying':
        retryAttempts.set(claim.issueId, retryOf(claim, options) ?? restartRetry(claim, nowMs, 'the journal had no retry record for this claim'));
        continue;
      case 'blocked':
        if (claim.blocked !== null) {
          blocked.set(claim.issueId, blockedOf(claim, claim.blocked.state, claim.blocked.reason, claim.blocked.sinceMs, blockCause(claim.blocked.cause)));
        } else {
          retryAttempts.set(claim.issueId, restartRetry(claim, nowMs, 'the journal had no blocked record for this claim'));
        }
        continue;
      case 'running':
      case 'waiting': {
        const resume = resumeOf(claim, options);
        if (resume !== null) {
          retryAttempts.set(claim.issueId, { ...restartRetry(claim, nowMs, RESUME_REASON), attempt: claim.attempt ?? 1, resume });
        } else if (claim.kind === 'waiting' && claim.issueState !== null) {
          const reason = `the daemon restarted while the run waited for an operator (${claim.waiting ?? 'a request'}); the request was lost`;
          blocked.set(claim.issueId, blockedOf(claim, claim.issueState, reason, nowMs, 'operator'));
        } else {
          retryAttempts.set(claim.issueId, restartRetry(claim, nowMs, RESTART_REASON));
        }
        continue;
      }
    }
  }
  const usage = new Map<string, IssueUsage>();
  for (const row of snapshot.usage) {
    usage.set(row.issueId, {
      inputTokens: row.inputTokens,
      outputTokens: row.outputTokens,
      totalTokens: row.totalTokens,
      runtimeMs: row.runtimeMs,
      budgetTokens: row.budgetTokens,
      budgetRuntimeMs: row.budgetRuntimeMs,
    });
  }
  const lastDay = [...snapshot.days].sort((a, b) => a.day.localeCompare(b.day)).at(-1) ?? null;
  return {
    claimed: new Set(latest.keys()),
    retryAttempts,
    blocked,
    usage,
    dayUsage: lastDay === null ? null : { day: lastDay.day, totalTokens: lastDay.totalTokens },
  };
}
