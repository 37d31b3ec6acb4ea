/**
 * The contract between the running daemon and its status surfaces (spec §13.3, §13.7): the HTTP
 * API and dashboard, the metrics endpoint and the terminal status view all read the daemon
 * through a {@link StatusSource} and never touch orchestrator internals.
 */
import type { OperatorAnswer } from '../domain/operator.js';
import type { RunOutcome } from '../domain/run-outcome.js';
import type { AnswerOutcome } from '../scheduler/ports.js';
import type { BlockedRow, RetryRow, RunningRow, StateSnapshot, WaitingRow } from '../scheduler/snapshot.js';

/** Workflow reload status for the dashboard (spec §6.2). */
export interface ConfigStatus {
  readonly workflow_path: string;
  /** When the daemon loaded the workflow at startup. */
  readonly loaded_at: string;
  /** The last successful reload, or null when the file never changed. */
  readonly last_reload: { readonly at: string; readonly changed: readonly string[] } | null;
  /** The last rejected edit (dispatch paused until the file was valid again; see {@link DispatchStatus}), or null. */
  readonly last_rejected: { readonly at: string; readonly reason: string } | null;
}

/**
 * Whether new work is dispatched (issue 7 item 5). While `WORKFLOW.md` on disk is invalid, dispatch
 * pauses (spec §6.3); running agents go on under the last good config and reconciliation goes on.
 */
export interface DispatchStatus {
  readonly state: 'active' | 'paused';
  /** When the file became invalid (the first rejected edit since it was last valid); null while active. */
  readonly paused_since: string | null;
  /** The current error of the file on disk, one line; null while active. */
  readonly reason: string | null;
  /** For people: `dispatch: active`, or `dispatch: paused — WORKFLOW.md invalid since <ISO time>: <error>`. */
  readonly summary: string;
}

/** `GET /api/v1/state`: the §13.7.2 shape plus `waiting`, `blocked`, limits, dispatch, config status and `recent_runs`. */
export interface StatusSnapshot extends StateSnapshot {
  readonly dispatch: DispatchStatus;
  /** `agent.max_concurrent_agents` now. */
  readonly max_concurrent_agents: number;
  /** `agent.max_turns` now (the dashboard shows turn n/max). */
  readonly max_turns: number;
  readonly config: ConfigStatus;
  /**
   * The last runs that ended, newest first, at most {@link RECENT_RUNS_LIMIT} (extension: the
   * "recently finished" list of the dashboard and the terminal view). Kept in memory by the
   * status hub since the daemon started; observability only. The daemon always sets it; other
   * sources (older daemons, test fakes) may leave it out, which reads as an empty list.
   */
  readonly recent_runs?: readonly RecentRun[];
  /**
   * Candidates that are otherwise eligible but are not dispatched because of how they are set up
   * (extension, issue 8: a `runtime:<kind>` label naming no runtime of this build, or labels that
   * disagree), from the last poll. Absent reads as empty.
   */
  readonly skipped?: readonly SkippedIssue[];
}

/** One candidate the daemon does not dispatch, and why (see {@link StatusSnapshot.skipped}). */
export interface SkippedIssue {
  readonly issue_id: string;
  readonly issue_identifier: string;
  readonly issue_url: string | null;
  readonly state: string;
  /** One line: what is wrong and how to fix it. */
  readonly reason: string;
  /** Since when (ISO time): the first poll that found it so. */
  readonly since: string;
}

/** How many ended runs {@link StatusSnapshot.recent_runs} keeps. */
export const RECENT_RUNS_LIMIT = 20;

/** One run (one worker, dispatch to exit) that ended, as listed in {@link StatusSnapshot.recent_runs}. */
export interface RecentRun {
  readonly issue_id: string;
  readonly issue_identifier: string;
  readonly issue_url: string | null;
  /** As the scheduler core decided it: `completed`, `failed`, `stopped` or `blocked` (see {@link RunOutcome}). */
  readonly outcome: RunOutcome;
  /** The failure, the stop reason (`stopped`) or why it blocked; null for a plain completion. */
  readonly reason: string | null;
  /** When the run ended (ISO time). */
  readonly ended_at: string;
  /** Dispatch to exit, ms. */
  readonly duration_ms: number;
  /** The retry attempt the run was (null for a first dispatch). */
  readonly attempt: number | null;
  readonly session_id: string | null;
}

/** One entry of an issue's recent events. */
export interface RecentEvent {
  readonly at: string;
  /** Agent event name (`notification`, `turn_completed`…) or a status event type (`dispatch`, `run_ended`…). */
  readonly event: string;
  /** Plain-words summary. */
  readonly message: string;
}

/** One session log file of an issue (item 4 of issue 3). */
export interface SessionLogLink {
  /** The file's session id (`<thread_id>-<turn_id>` of its first turn). */
  readonly label: string;
  /** Absolute path on the daemon's host. */
  readonly path: string;
  /** API path serving it: `/api/v1/<issue_identifier>/logs/<label>`. */
  readonly url: string;
  readonly bytes: number;
  /** Last modification time. */
  readonly modified_at: string;
}

/** `GET /api/v1/<issue_identifier>` (spec §13.7.2 shape plus `waiting` and `blocked`). */
export interface IssueDetail {
  readonly issue_identifier: string;
  readonly issue_id: string;
  readonly issue_url: string | null;
  readonly status: 'running' | 'waiting' | 'retrying' | 'blocked' | 'idle';
  readonly workspace: { readonly path: string } | null;
  readonly attempts: { readonly restart_count: number; readonly current_retry_attempt: number | null };
  readonly running: RunningRow | null;
  readonly retry: RetryRow | null;
  readonly waiting: WaitingRow | null;
  readonly blocked: BlockedRow | null;
  readonly logs: { readonly codex_session_logs: readonly SessionLogLink[] };
  /** Newest last; at most {@link RECENT_EVENTS_PER_ISSUE}. */
  readonly recent_events: readonly RecentEvent[];
  readonly last_error: string | null;
  readonly tracked: Readonly<Record<string, unknown>>;
}

/** How many recent events are kept per issue. */
export const RECENT_EVENTS_PER_ISSUE = 50;

/** Kinds of {@link StatusEvent}. */
export type StatusEventType =
  | 'dispatch'
  | 'agent_event'
  | 'retry_scheduled'
  | 'run_ended'
  | 'operator_waiting'
  | 'operator_answered'
  | 'blocked'
  | 'released'
  | 'config_reloaded'
  | 'config_rejected';

/** One orchestrator change, as streamed on `GET /api/v1/events` (server-sent events). */
export interface StatusEvent {
  /** Monotonic per daemon, from 1 (the SSE `id:`). */
  readonly id: number;
  readonly type: StatusEventType;
  readonly at: string;
  readonly issue_id: string | null;
  readonly issue_identifier: string | null;
  /** Plain-words summary. */
  readonly message: string;
  /** Type-specific details (agent event name, retry attempt and due time, exit reason…). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Result of {@link StatusSource.answer}: the run's own result, or the issue is not running. */
export type { AnswerOutcome };

/** What status surfaces may ask of the daemon. Every method is synchronous and never blocks. */
export interface StatusSource {
  /** Current state. @throws when the state cannot be read (surfaces report it, never crash). */
  snapshot(): StatusSnapshot;
  /** Details of an issue known to the current in-memory state, else null (HTTP 404). */
  issue(identifier: string): IssueDetail | null;
  /** Queues an immediate poll + reconciliation (spec §13.7.2 `POST /api/v1/refresh`). */
  refresh(): { readonly coalesced: boolean; readonly requested_at: string };
  /** Delivers an operator's answer to the request the issue's run is waiting on. */
  answer(identifier: string, answer: OperatorAnswer): AnswerOutcome;
  /** Absolute path of a session log of the issue by its label, or null when there is none. */
  sessionLogPath(identifier: string, label: string): string | null;
  /**
   * The session logs kept for an issue by identifier, whether the daemon holds it now or not (the
   * issue document of a past issue lists them, issue 9). Optional; absent: none listed.
   */
  sessionLogs?(identifier: string): readonly SessionLogLink[];
  /** Subscribes to changes; returns the unsubscribe function. Listeners must not throw. */
  subscribe(listener: (event: StatusEvent) => void): () => void;
}

/** A file the dashboard serves as is. */
export interface StaticAsset {
  /** URL path, e.g. `/assets/dashboard.js`. */
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

/** The dashboard's documents (spec §13.7.1): served by the HTTP server, built by `src/server/dashboard`. */
export interface DashboardPages {
  /** HTML of `/`. */
  readonly index: string;
  /** HTML of `/issues/<issue_identifier>` (one document; the script reads the identifier from the URL). */
  readonly issue: string;
  readonly assets: readonly StaticAsset[];
}
