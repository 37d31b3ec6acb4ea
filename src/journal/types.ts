/**
 * The records of the run journal (issue 9): what the daemon writes ahead of each effect so a
 * restart can recover claims, retry due times, blocked issues, live sessions and token totals.
 * Plain data, shared by the store (`store.ts`, SQLite) and recovery (`recover.ts`, pure).
 */

/**
 * How an issue is claimed at the time of the write: a live run (`running`), a live run whose agent
 * waits for an operator's answer (`waiting`), a retry waiting out its delay, or a blocked issue.
 */
export type JournalClaimKind = 'running' | 'waiting' | 'retrying' | 'blocked';

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
  /** The scheduler's `BlockCause`: `operator`, `budget_exceeded`, `no_progress`. */
  readonly cause: string;
}

/** One claimed issue (one row per issue id). */
export interface JournalClaim {
  readonly issueId: string;
  readonly identifier: string;
  readonly issueUrl: string | null;
  /** The issue's tracker state when written (a `waiting` run that cannot resume is blocked in it). */
  readonly issueState: string | null;
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
  /** One line naming the operator request a `waiting` run waits on; null for every other kind. */
  readonly waiting: string | null;
  /** Present exactly when `kind` is `retrying`. */
  readonly retry: JournalRetry | null;
  /** Present exactly when `kind` is `blocked`. */
  readonly blocked: JournalBlocked | null;
  /** Epoch ms of the write. */
  readonly updatedAtMs: number;
}

/**
 * What one issue has used over all its runs (the per-issue budgets count it): absolute token
 * totals, live run included, and the runtime of its ended runs in ms.
 */
export interface JournalUsage {
  readonly issueId: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  /** Dispatch-to-exit time of the issue's ended runs, ms (a live run's own time is added by the reader). */
  readonly runtimeMs: number;
  /** The same two amounts counted since the issue's budget was last reset (the budgets compare these). */
  readonly budgetTokens: number;
  /** ms. */
  readonly budgetRuntimeMs: number;
}

/** Tokens used on one UTC day, all issues together (`agent.max_tokens_per_day` counts it). */
export interface JournalDay {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
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
  /**
   * `completed` | `failed` | `stopped` | `blocked` (the core's `RunOutcome`), or `interrupted`
   * (the daemon died during the run; written by recovery); null while live.
   */
  readonly outcome: string | null;
  readonly reason: string | null;
  readonly turns: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  /** Hash of the WORKFLOW.md the run started with. */
  readonly workflowRevision: string;
  /**
   * Epoch ms the issue was handed off after this run: its claim was released because it left the
   * active states (the agent moved it on); null otherwise.
   */
  readonly handedOffAtMs: number | null;
}

/** Everything the journal holds, as read at startup. */
export interface JournalSnapshot {
  readonly claims: readonly JournalClaim[];
  readonly usage: readonly JournalUsage[];
  readonly days: readonly JournalDay[];
  readonly runs: readonly JournalRun[];
}
