/**
 * The orchestrator's single authoritative runtime state (spec §4.1.8) and its entries
 * (§4.1.6 live session, §4.1.7 retry entry). Values are treated as immutable: the pure core
 * ({@link import('./core.js').step}) returns a new state for every change.
 *
 * Claim states (spec §7.1), as this model encodes them:
 * - Unclaimed: id in neither `claimed`, `running` nor `retryAttempts`.
 * - Running: id in `claimed` and `running`.
 * - RetryQueued: id in `claimed` and `retryAttempts`.
 * - Claimed, between states: id in `claimed` and `retryFetches` while a due retry re-reads the issue.
 * - Blocked (extension): id in `claimed` and `blocked` after a run ended waiting for an operator,
 *   or was stopped by a budget or for making no progress (issue 9).
 * Invariant: `claimed` ⊇ keys(running) ∪ keys(retryAttempts) ∪ keys(retryFetches) ∪ keys(blocked),
 * and the four maps are pairwise disjoint.
 */
import type { Issue } from '../domain/issue.js';
import type { AgentActivity } from '../domain/agent-event.js';
import type { RuntimeKind } from '../runner/kinds.js';
import type { PendingOperatorRequest } from '../domain/operator.js';
import type { ResumeRequest } from '../domain/resume.js';

/** Why a worker is being stopped by the orchestrator (not by its own failure). */
export type StopReason =
  | 'terminal' // tracker state is terminal: stop, then remove the workspace (§8.5)
  | 'inactive' // neither active nor terminal: stop, keep the workspace
  | 'unroutable' // active but no longer dispatchable / missing required labels
  | 'missing' // no longer visible in the tracker scope
  | 'stalled' // no agent activity for codex.stall_timeout_ms: stop and retry (§8.5 part A)
  | 'budget_exceeded' // a token or runtime budget is spent: stop, then block the issue (issue 9)
  | 'no_progress' // the agent loops (same command, or turns without a workspace change): stop, then block
  | 'shutdown'; // the daemon is stopping

/** One running worker (spec §16.4 running entry + §4.1.6 live session fields). */
export interface RunningEntry {
  readonly issueId: string;
  readonly identifier: string;
  /** Latest snapshot of the issue (refreshed by reconciliation). */
  readonly issue: Issue;
  /** Workspace path, once the worker reported it; recorded for terminal cleanup. */
  readonly workspacePath: string | null;
  /** `<thread_id>-<turn_id>` of the current turn. */
  readonly sessionId: string | null;
  readonly threadId: string | null;
  readonly turnId: string | null;
  readonly codexAppServerPid: number | null;
  readonly lastCodexEvent: string | null;
  /** Epoch ms of the last agent event; drives stall detection. */
  readonly lastCodexTimestampMs: number | null;
  readonly lastCodexMessage: string | null;
  /** The runtime the run uses (its `runtime:<kind>` label, else `agent.runtime`; issue 8). */
  readonly runtime: RuntimeKind;
  /** The last activity worth showing (events of kind `internal` leave it as it was); null before any. */
  readonly lastActivity: AgentActivity | null;
  readonly codexInputTokens: number;
  readonly codexOutputTokens: number;
  readonly codexTotalTokens: number;
  readonly lastReportedInputTokens: number;
  readonly lastReportedOutputTokens: number;
  readonly lastReportedTotalTokens: number;
  /** Turns started in this worker's lifetime. */
  readonly turnCount: number;
  /** The attempt this worker was dispatched with: null for a first run, ≥ 1 for retries/continuations. */
  readonly retryAttempt: number | null;
  /** Epoch ms when dispatched. */
  readonly startedAtMs: number;
  /** Set once the orchestrator asked this worker to stop; decides what happens at its exit. */
  readonly stopping: StopReason | null;
  /** The agent request waiting for an operator, if any; stall detection skips the entry meanwhile. */
  readonly waiting: PendingOperatorRequest | null;
  /** One line saying why the run is being stopped (the budget or loop that stopped it); null otherwise. */
  readonly stopNote: string | null;
  /** The last command the agent started, and how many times in a row it started it (no-progress detection). */
  readonly lastCommand: string | null;
  readonly commandRepeats: number;
  /** Digest of the workspace's `git status` at the last check; null before the first or outside git. */
  readonly progressDigest: string | null;
  /** Consecutive turn ends after which the workspace's git status was unchanged. */
  readonly turnsWithoutProgress: number;
  /** Set when this run continues a thread after a daemon restart (issue 9). */
  readonly resumed: boolean;
}

/** Why an issue is blocked: nobody answered the agent, a budget is spent, or the agent made no progress. */
export type BlockCause = 'operator' | 'budget_exceeded' | 'no_progress';

/** Every {@link BlockCause} (metric label values). */
export const BLOCK_CAUSES = ['operator', 'budget_exceeded', 'no_progress'] as const satisfies readonly BlockCause[];

/**
 * What one issue used over its ended runs (issue 9): token totals and dispatch-to-exit time. The
 * `budget*` counters are what `agent.max_tokens_per_issue` / `agent.max_runtime_ms_per_issue`
 * compare against: the same amounts, but counted from the last time a budget block was released
 * (moving a budget-blocked issue grants it a fresh budget). A live run's own usage is added on top.
 */
export interface IssueUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  /** ms. */
  readonly runtimeMs: number;
  readonly budgetTokens: number;
  /** ms. */
  readonly budgetRuntimeMs: number;
}

/** Nothing used yet. */
export const NO_USAGE: IssueUsage = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0, runtimeMs: 0, budgetTokens: 0, budgetRuntimeMs: 0 });

/** Tokens used on the current UTC day, all issues together (`agent.max_tokens_per_day`). */
export interface DayUsage {
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  readonly totalTokens: number;
}

/**
 * A run that ended for want of an operator's answer (`operator_timeout`, or user input with no
 * operator channel). The issue stays claimed — not retried, not re-dispatched — until its tracker
 * state differs from `state` (or it leaves the candidate set).
 */
export interface BlockedEntry {
  readonly issueId: string;
  readonly identifier: string;
  readonly issueUrl: string | null;
  /** Tracker state when the run ended; a different state releases the claim. */
  readonly state: string;
  /** One-line reason (the request that went unanswered). */
  readonly reason: string;
  /** Epoch ms when blocked. */
  readonly sinceMs: number;
  /** Workspace path of the ended run, when known. */
  readonly workspacePath: string | null;
  /** What blocked it (issue 9 added the budget and no-progress causes). */
  readonly cause: BlockCause;
}

/**
 * Why a retry was scheduled: a continuation after a normal exit, a stalled run, a failed run, no
 * free slot when it came due, a failed re-read of the issue, or a run that was live when the
 * daemon stopped and cannot be resumed (`restart`, from the journal's recovery; issue 9).
 */
export type RetryCause = 'continuation' | 'stalled' | 'worker_failed' | 'no_slots' | 'refresh_failed' | 'restart';

/** Every {@link RetryCause} (the `cause` label values of the retry metrics). */
export const RETRY_CAUSES = ['continuation', 'stalled', 'worker_failed', 'no_slots', 'refresh_failed', 'restart'] as const satisfies readonly RetryCause[];

/** A scheduled retry (spec §4.1.7). The timer handle lives in the shell, keyed by issue id. */
export interface RetryEntry {
  readonly issueId: string;
  readonly identifier: string;
  /** 1-based. */
  readonly attempt: number;
  /** Epoch ms when due. */
  readonly dueAtMs: number;
  /** Why it was scheduled; null for a continuation after a normal exit. */
  readonly error: string | null;
  /**
   * The `SymphonyError` code of the worker failure that scheduled it (`template_render_error`,
   * `turn_failed`…), when the worker reported one; null for every other cause. A valid reload
   * re-arms a retry whose code it may have fixed (`workflow_reloaded`).
   */
  readonly errorCode: string | null;
  readonly kind: 'continuation' | 'failure';
  /** What led to it (status surfaces and metrics label retries by it). */
  readonly cause: RetryCause;
  /** Tracker URL for status surfaces, when known. */
  readonly issueUrl: string | null;
  /**
   * Set on a retry that continues a run that was live when the daemon last stopped (cause
   * `restart`): it is dispatched on the same thread with a "the daemon restarted" turn (issue 9).
   */
  readonly resume?: ResumeRequest;
}

/** Aggregate token and runtime totals (spec §13.5). */
export interface CodexTotals {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  /** Runtime of ended sessions, seconds; live sessions are added at snapshot time. */
  readonly secondsRunning: number;
}

/** The orchestrator runtime state (spec §4.1.8). */
export interface OrchestratorState {
  readonly running: ReadonlyMap<string, RunningEntry>;
  readonly claimed: ReadonlySet<string>;
  readonly retryAttempts: ReadonlyMap<string, RetryEntry>;
  /** Due retries whose issue re-read is in flight (claimed, neither running nor queued). */
  readonly retryFetches: ReadonlyMap<string, RetryEntry>;
  /** Runs that ended waiting for an operator; claimed until the issue's state changes. */
  readonly blocked: ReadonlyMap<string, BlockedEntry>;
  /** Issues whose worker exited normally at least once (bookkeeping only, never gates dispatch). */
  readonly completed: ReadonlySet<string>;
  readonly codexTotals: CodexTotals;
  /** Latest rate-limit payload from any agent event. */
  readonly codexRateLimits: unknown;
  /** Set once shutdown began: nothing new is dispatched or retried. */
  readonly shuttingDown: boolean;
  /** What each issue used over its ended runs, by issue id (recovered from the journal; issue 9). */
  readonly usage: ReadonlyMap<string, IssueUsage>;
  /** Tokens used today (UTC), all issues together. */
  readonly dayUsage: DayUsage;
  /** The 80 % budget warnings already logged: `<issue id>:tokens`, `<issue id>:runtime`, `day:<YYYY-MM-DD>`. */
  readonly budgetWarnings: ReadonlySet<string>;
}

/** The empty state at startup (spec §16.1). */
export function initialState(): OrchestratorState {
  return {
    running: new Map(),
    claimed: new Set(),
    retryAttempts: new Map(),
    retryFetches: new Map(),
    blocked: new Map(),
    completed: new Set(),
    codexTotals: { inputTokens: 0, outputTokens: 0, totalTokens: 0, secondsRunning: 0 },
    codexRateLimits: null,
    shuttingDown: false,
    usage: new Map(),
    dayUsage: { day: '', totalTokens: 0 },
    budgetWarnings: new Set(),
  };
}
