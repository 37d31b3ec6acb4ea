/**
 * A JSON-safe runtime snapshot (spec §13.3, shapes of §13.7.2 `GET /api/v1/state`), derived from
 * orchestrator state only. Runtime totals include live sessions at snapshot time.
 */
import type { ApprovalDecision, OperatorRequestKind, PendingOperatorRequest } from '../domain/operator.js';
import type { AgentActivity } from '../domain/agent-event.js';
import { describeActivity } from '../domain/words.js';
import type { BlockCause, OrchestratorState, RetryCause } from './state.js';
import { utcDay } from './budgets.js';

/** Token counters in the API's snake_case shape. */
export interface TokenCounts {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly total_tokens: number;
}

/**
 * The last activity of a run in the API (`last_activity`, extension; issue 7 item 7): the
 * structured {@link AgentActivity} plus `summary`, the same in words (what the dashboard and the
 * terminal view show).
 */
export interface ActivityRow {
  readonly kind: AgentActivity['kind'];
  readonly phase: AgentActivity['phase'];
  readonly tool: string | null;
  readonly command: string | null;
  readonly detail: string | null;
  readonly summary: string;
}

/** `activity` as an {@link ActivityRow}. Pure. */
export function activityRow(activity: AgentActivity): ActivityRow {
  return { kind: activity.kind, phase: activity.phase, tool: activity.tool, command: activity.command, detail: activity.detail, summary: describeActivity(activity) };
}

/** One running session row. */
export interface RunningRow {
  readonly issue_id: string;
  readonly issue_identifier: string;
  readonly issue_url: string | null;
  readonly state: string;
  readonly session_id: string | null;
  readonly turn_count: number;
  readonly last_event: string | null;
  readonly last_message: string | null;
  /** The runtime running it (`codex`, …; issue 8). Always set by the daemon. */
  readonly runtime?: string;
  /** What the agent was last seen doing (bookkeeping events excluded); null before any activity. */
  readonly last_activity: ActivityRow | null;
  readonly started_at: string;
  readonly last_event_at: string | null;
  readonly workspace_path: string | null;
  readonly retry_attempt: number | null;
  readonly stopping: string | null;
  readonly tokens: TokenCounts;
  /** Whether the run is waiting for an operator (details in {@link StateSnapshot.waiting}). */
  readonly waiting: boolean;
  /** The issue's tokens over all its runs, this one included (what `agent.max_tokens_per_issue` counts, issue 9). */
  readonly issue_total_tokens: number;
  /** Whether this run continues the thread of a run the daemon's restart interrupted (issue 9). */
  readonly resumed: boolean;
}

/** One user-input question of a waiting request (snake_case API shape). */
export interface WaitingQuestion {
  readonly id: string;
  readonly header: string;
  readonly question: string;
  readonly options: readonly { readonly label: string; readonly description: string }[];
  readonly is_other: boolean;
  readonly is_secret: boolean;
}

/** One agent request waiting for an operator (extension). */
export interface WaitingRow {
  readonly issue_id: string;
  readonly issue_identifier: string;
  readonly issue_url: string | null;
  readonly kind: OperatorRequestKind;
  readonly method: string;
  /** One line: the command, the change, or the first question. */
  readonly summary: string;
  readonly command: string | null;
  readonly cwd: string | null;
  readonly reason: string | null;
  /** Allowed decisions for an approval; empty for user input. */
  readonly decisions: readonly ApprovalDecision[];
  /** Questions for user input; empty for an approval. */
  readonly questions: readonly WaitingQuestion[];
  /**
   * The agent's own options for an approval (ACP: `{id, name, kind, decision}`, the decision that
   * selects each); empty when the runtime offers none. Optional for older sources.
   */
  readonly options?: readonly { readonly id: string; readonly name: string; readonly kind: string; readonly decision: ApprovalDecision | null }[];
  readonly since: string;
  /** When the run fails if still unanswered (`agent.operator_timeout_ms`). */
  readonly deadline: string;
}

/** One run that ended for want of an answer, kept claimed until the issue changes state (extension). */
export interface BlockedRow {
  readonly issue_id: string;
  readonly issue_identifier: string;
  readonly issue_url: string | null;
  /** Tracker state when blocked; any other state releases the claim. */
  readonly state: string;
  readonly reason: string;
  readonly since: string;
  readonly workspace_path: string | null;
  /** `operator` (nobody answered), `budget_exceeded`, `no_progress` (issue 9). */
  readonly cause: BlockCause;
}

/** One retry queue row. */
export interface RetryRow {
  readonly issue_id: string;
  readonly issue_identifier: string;
  readonly issue_url: string | null;
  readonly attempt: number;
  readonly due_at: string;
  readonly kind: 'continuation' | 'failure';
  readonly error: string | null;
  /** What scheduled it (`continuation`, `worker_failed`, `stalled`, `no_slots`, `refresh_failed`, `restart`). */
  readonly cause: RetryCause;
  /** Whether it resumes the thread of a run the daemon's restart interrupted (issue 9). */
  readonly resumes: boolean;
}

/** The whole snapshot. */
export interface StateSnapshot {
  readonly generated_at: string;
  readonly counts: {
    readonly running: number;
    readonly retrying: number;
    readonly claimed: number;
    readonly waiting: number;
    readonly blocked: number;
  };
  readonly running: readonly RunningRow[];
  readonly retrying: readonly RetryRow[];
  readonly waiting: readonly WaitingRow[];
  readonly blocked: readonly BlockedRow[];
  readonly codex_totals: TokenCounts & { readonly seconds_running: number };
  readonly rate_limits: unknown;
  /** Tokens used today (UTC) by all issues, what `agent.max_tokens_per_day` counts (issue 9). */
  readonly tokens_today: { readonly day: string; readonly total_tokens: number };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Builds the snapshot at `nowMs` (epoch ms). Pure. */
export function snapshotState(state: OrchestratorState, nowMs: number): StateSnapshot {
  let liveSeconds = 0;
  const running: RunningRow[] = [...state.running.values()]
    .sort((a, b) => a.identifier.localeCompare(b.identifier))
    .map((entry) => {
      liveSeconds += Math.max(0, nowMs - entry.startedAtMs) / 1000;
      return {
        issue_id: entry.issueId,
        issue_identifier: entry.identifier,
        issue_url: entry.issue.url,
        state: entry.issue.state,
        session_id: entry.sessionId,
        turn_count: entry.turnCount,
        last_event: entry.lastCodexEvent,
        last_message: entry.lastCodexMessage,
        runtime: entry.runtime,
        last_activity: entry.lastActivity === null ? null : activityRow(entry.lastActivity),
        started_at: iso(entry.startedAtMs),
        last_event_at: entry.lastCodexTimestampMs === null ? null : iso(entry.lastCodexTimestampMs),
        workspace_path: entry.workspacePath,
        retry_attempt: entry.retryAttempt,
        stopping: entry.stopping,
        tokens: {
          input_tokens: entry.codexInputTokens,
          output_tokens: entry.codexOutputTokens,
          total_tokens: entry.codexTotalTokens,
        },
        waiting: entry.waiting !== null,
        issue_total_tokens: (state.usage.get(entry.issueId)?.totalTokens ?? 0) + entry.codexTotalTokens,
        resumed: entry.resumed,
      };
    });
  const waiting: WaitingRow[] = [...state.running.values()]
    .filter((entry) => entry.waiting !== null)
    .map((entry) => waitingRow(entry.issueId, entry.identifier, entry.issue.url, entry.waiting as PendingOperatorRequest))
    .sort((a, b) => a.since.localeCompare(b.since));
  const blocked: BlockedRow[] = [...state.blocked.values()]
    .sort((a, b) => a.sinceMs - b.sinceMs)
    .map((entry) => ({
      issue_id: entry.issueId,
      issue_identifier: entry.identifier,
      issue_url: entry.issueUrl,
      state: entry.state,
      reason: entry.reason,
      since: iso(entry.sinceMs),
      workspace_path: entry.workspacePath,
      cause: entry.cause,
    }));
  const retrying: RetryRow[] = [...state.retryAttempts.values(), ...state.retryFetches.values()]
    .sort((a, b) => a.dueAtMs - b.dueAtMs)
    .map((retry) => ({
      issue_id: retry.issueId,
      issue_identifier: retry.identifier,
      issue_url: retry.issueUrl,
      attempt: retry.attempt,
      due_at: iso(retry.dueAtMs),
      kind: retry.kind,
      error: retry.error,
      cause: retry.cause,
      resumes: retry.resume !== undefined,
    }));
  return {
    generated_at: iso(nowMs),
    counts: { running: running.length, retrying: retrying.length, claimed: state.claimed.size, waiting: waiting.length, blocked: blocked.length },
    running,
    retrying,
    waiting,
    blocked,
    codex_totals: {
      input_tokens: state.codexTotals.inputTokens,
      output_tokens: state.codexTotals.outputTokens,
      total_tokens: state.codexTotals.totalTokens,
      seconds_running: Math.round((state.codexTotals.secondsRunning + liveSeconds) * 10) / 10,
    },
    rate_limits: state.codexRateLimits,
    tokens_today: { day: utcDay(nowMs), total_tokens: state.dayUsage.day === utcDay(nowMs) ? state.dayUsage.totalTokens : 0 },
  };
}

/** The API row of one waiting request. Pure. */
export function waitingRow(issueId: string, identifier: string, url: string | null, request: PendingOperatorRequest): WaitingRow {
  return {
    issue_id: issueId,
    issue_identifier: identifier,
    issue_url: url,
    kind: request.kind,
    method: request.method,
    summary: request.summary,
    command: request.command,
    cwd: request.cwd,
    reason: request.reason,
    decisions: request.decisions,
    questions: request.questions.map((q) => ({ id: q.id, header: q.header, question: q.question, options: q.options, is_other: q.isOther, is_secret: q.isSecret })),
    options: (request.options ?? []).map((option) => ({ id: option.id, name: option.name, kind: option.kind, decision: option.decision })),
    since: iso(request.sinceMs),
    deadline: iso(request.deadlineMs),
  };
}
