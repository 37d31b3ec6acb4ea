/**
 * Inputs and outputs of the pure scheduler core. The shell turns timers, tracker answers and
 * worker outcomes into {@link SchedulerEvent}s and carries out the returned {@link Effect}s.
 */
import type { Issue } from '../domain/issue.js';
import type { AgentEvent } from '../domain/agent-event.js';
import type { RunOutcome } from '../domain/run-outcome.js';
import type { RuntimeKind } from '../runner/kinds.js';
import type { WorkflowSection } from '../config/store.js';
import type { ResumeRequest } from '../domain/resume.js';
import type { BlockedEntry, DayUsage, IssueUsage, RetryEntry, StopReason } from './state.js';

/** Something that happened; the core decides what follows. */
export type SchedulerEvent =
  /** Part A of reconciliation (spec §8.5): stop runs with no agent activity for too long. */
  | { readonly type: 'stall_check' }
  /** Part B of reconciliation: fresh snapshots for the running ids, or the refresh failed. */
  | { readonly type: 'running_refreshed'; readonly requestedIds: readonly string[]; readonly issues: readonly Issue[] }
  | { readonly type: 'running_refresh_failed'; readonly error: string }
  /** Candidates for this tick (already fetched with the active states). */
  | { readonly type: 'candidates_fetched'; readonly issues: readonly Issue[] }
  /** The worker reported where its workspace is (recorded for terminal cleanup). */
  | { readonly type: 'workspace_ready'; readonly issueId: string; readonly workspacePath: string }
  | { readonly type: 'agent_event'; readonly issueId: string; readonly event: AgentEvent }
  /** The worker ended: normally (turn loop finished) or with an error line. */
  | { readonly type: 'worker_exited'; readonly issueId: string; readonly outcome: WorkerOutcome }
  /** A retry timer fired. */
  | { readonly type: 'retry_due'; readonly issueId: string }
  /** The due retry's re-read: the issue, null when not visible, or a failure. */
  | { readonly type: 'retry_refreshed'; readonly issueId: string; readonly issue: Issue | null }
  | { readonly type: 'retry_refresh_failed'; readonly issueId: string; readonly error: string }
  /**
   * A valid workflow reload replaced the effective workflow (spec §6.2); `changedSections` as the
   * store reports them (empty when only validity was restored). Failure retries whose error the
   * reload may have fixed are re-armed to come due soon (see `RELOAD_MAY_FIX` in `core.ts`).
   */
  | { readonly type: 'workflow_reloaded'; readonly changedSections: readonly WorkflowSection[] }
  /**
   * The journal's recovery at startup (issue 9 item 2), applied once before the first tick: the
   * claims, retries (original due times; resumable live runs as `restart` retries carrying
   * `resume`), blocked issues and usage of the previous daemon.
   */
  | { readonly type: 'recovered'; readonly recovered: RecoveredClaims }
  /**
   * The workspace's `git status` after a turn (or at workspace ready, the baseline): a digest, or
   * null outside a git work tree / when the check failed (no-progress detection, issue 9).
   */
  | { readonly type: 'progress_checked'; readonly issueId: string; readonly digest: string | null }
  /** Stop everything; dispatch nothing more. */
  | { readonly type: 'shutdown' };

/** What the `recovered` event carries (the journal's `recover` result, in scheduler terms). */
export interface RecoveredClaims {
  readonly retryAttempts: ReadonlyMap<string, RetryEntry>;
  readonly blocked: ReadonlyMap<string, BlockedEntry>;
  readonly usage: ReadonlyMap<string, IssueUsage>;
  readonly dayUsage: DayUsage | null;
}

/** How a worker ended. */
export type WorkerOutcome =
  | { readonly kind: 'normal' }
  /** `code` is the SymphonyError code (`operator_timeout` and `turn_input_required` block the issue). */
  | { readonly kind: 'failed'; readonly error: string; readonly code?: string };

/** What the shell must do. Effects are performed in order. */
export type Effect =
  /** `resume`: continue the thread of a run that was live when the daemon stopped (issue 9). */
  | { readonly type: 'start_worker'; readonly issue: Issue; readonly attempt: number | null; readonly resume: ResumeRequest | null }
  | { readonly type: 'stop_worker'; readonly issueId: string; readonly reason: StopReason }
  /** (Re)arm the retry timer for `issueId` to fire after `delayMs` (cancelling any previous one). */
  /** `rearmed`: an existing retry brought forward by a reload (not a new retry; metrics do not count it). */
  | { readonly type: 'arm_retry_timer'; readonly issueId: string; readonly delayMs: number; readonly rearmed?: boolean }
  | { readonly type: 'cancel_retry_timer'; readonly issueId: string }
  /** Re-read one issue by id for a due retry (spec §16.6 `on_retry_timer`). */
  | { readonly type: 'fetch_retry_issue'; readonly issueId: string }
  /** Remove the issue's workspace (recorded path when known, else derived from the identifier). */
  | {
      readonly type: 'remove_workspace';
      readonly issueId: string;
      readonly identifier: string;
      readonly workspacePath: string | null;
    }
  /**
   * A run ended (issue 7 item 7): the typed outcome for listeners (status events, metrics). Nothing
   * to perform; the shell skips it. `reason` is the failure, or the stop reason for `stopped`.
   */
  | {
      readonly type: 'run_ended';
      readonly issueId: string;
      readonly identifier: string;
      readonly outcome: RunOutcome;
      readonly reason: string | null;
      /** Dispatch to exit, ms. */
      readonly durationMs: number;
      readonly attempt: number | null;
      readonly sessionId: string | null;
      /** The runtime that ran it (issue 8). */
      readonly runtime: RuntimeKind;
    }
  /** Read the workspace's `git status` and apply `progress_checked` (no-progress detection, issue 9). */
  | { readonly type: 'check_progress'; readonly issueId: string; readonly workspacePath: string }
  /**
   * The issue left the active states after a run (the agent handed it off): the journal marks its
   * last run. A report, like `run_ended`; nothing to perform.
   */
  | { readonly type: 'issue_handed_off'; readonly issueId: string }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error' | 'debug'; readonly message: string; readonly fields: Readonly<Record<string, unknown>> };
