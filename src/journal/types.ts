/**
 * The records of the run journal (issue 9): what the daemon writes ahead of each effect so a
 * restart can recover claims, retry due times, blocked issues, live sessions and token totals.
 * Plain data, shared by the store (`store.ts`, SQLite) and recovery (`recover.ts`, pure).
 */

/** How an issue is claimed at the time of the write. */
export type JournalClaimKind = 'running' | 'retrying' | 'blocked';

/** A retry waiting out its delay (mirrors the scheduler's `RetryEntry`). */
export interface JournalRetry {
  readonly attempt: number;
  /** Epoch ms when due; kept across restarts (no restart storm). */
  readonly dueAtMs: number;
  readonly error: string | null;
  readonly errorCode: string | null;
  readonly kind: 'continuation' | 'failure';
  /** The scheduler's `RetryCause`. */
  readonly cause: string;
}

/** Why a blocked issue is held (mirrors the scheduler's `BlockedEntry`). */
export interface JournalBlocked {
  /** Tracker state when the run ended; a different state releases the claim. */
  readonly state: string;
  readonly reason: string;
  readonly sinceMs: number;
}

/** One claimed issue (one row per issue id). */
export interface JournalClaim {
  readonly issueId: string;
  readonly identifier: string;
  readonly issueUrl: string | null;
  readonly kind: JournalClaimKind;
  /** The runtime kind of the run (`codex`, `claude`, `acp`). */
  readonly runtime: string;
  /** The run's attempt (null for a first dispatch). */
  readonly attempt: number | null;
  readonly sessionId: string | null;
  /** The runtime's thread/session id a live run could be resumed on. */
  readonly threadId: string | null;
  readonly workspacePath: string | null;
  /** Epoch ms the live run started; null when not running. */
  readonly startedAtMs: number | null;
  /** Present exactly when `kind` is `retrying`. */
  readonly retry: JournalRetry | null;
  /** Present exactly when `kind` is `blocked`. */
  readonly blocked: JournalBlocked | null;
  /** Epoch ms of the write. */
  readonly updatedAtMs: number;
}

/** Absolute token totals of one issue over all its runs. */
export interface JournalTokens {
  readonly issueId: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/** One run (dispatch to exit); `endedAtMs` and `outcome` are null while it is live. */
export interface JournalRun {
  readonly issueId: string;
  readonly identifier: string;
  readonly attempt: number | null;
  readonly runtime: string;
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
  /** `completed` | `failed` | `stopped` | `blocked` (the core's `RunOutcome`), null while live. */
  readonly outcome: string | null;
  readonly reason: string | null;
  readonly turns: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  /** Hash of the WORKFLOW.md the run started with. */
  readonly workflowRevision: string;
}

/** Everything the journal holds, as read at startup. */
export interface JournalSnapshot {
  readonly claims: readonly JournalClaim[];
  readonly tokens: readonly JournalTokens[];
  readonly runs: readonly JournalRun[];
}
