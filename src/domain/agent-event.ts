/**
 * Events an agent runtime's client emits upstream to the orchestrator (spec §10.4), the same for
 * every runtime. The orchestrator uses them for liveness (stall detection), token totals and rate
 * limits; it never branches on humanized text. Each event carries a structured
 * {@link AgentActivity} that the status surfaces (API `last_activity`, dashboard, terminal view)
 * read, instead of parsing the `message`.
 */
import type { PendingOperatorRequest } from './operator.js';

/** Event names (spec §10.4 plus tool-call outcomes and telemetry updates of this implementation). */
export type AgentEventName =
  | 'launch_queued'
  | 'launch_started'
  | 'session_started'
  | 'startup_failed'
  | 'turn_started'
  | 'turn_completed'
  | 'turn_failed'
  | 'turn_cancelled'
  | 'turn_ended_with_error'
  | 'turn_input_required'
  | 'operator_waiting'
  | 'operator_answered'
  | 'operator_timeout'
  | 'approval_auto_approved'
  | 'approval_rejected'
  | 'tool_call_completed'
  | 'tool_call_failed'
  | 'unsupported_tool_call'
  | 'token_usage_updated'
  | 'rate_limits_updated'
  | 'notification'
  | 'other_message'
  | 'malformed';

/** Absolute thread token totals (spec §13.5: from `thread/tokenUsage/updated` `tokenUsage.total`). */
export interface TokenTotals {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
}

/**
 * What the agent is doing, by kind (runtime-neutral; issue 7 item 7):
 * `launch` (waiting for a launch slot, starting), `turn`, `message` (writing a reply), `reasoning`,
 * `command` (a shell command), `file_change`, `tool` (an MCP, dynamic or host-side tool call),
 * `web_search`, `plan`, `prompt` (reading the user message), `compaction` (context compaction),
 * `operator` (a request waiting for / answered by an operator), `approval` (answered by the
 * approval posture), `error`, `other` (agent activity of a kind we do not name), and `internal`
 * (bookkeeping such as token usage, rate limits, status notices: it keeps the run alive but is
 * not shown as its last activity).
 */
export type AgentActivityKind =
  | 'launch'
  | 'turn'
  | 'message'
  | 'reasoning'
  | 'command'
  | 'file_change'
  | 'tool'
  | 'web_search'
  | 'plan'
  | 'prompt'
  | 'compaction'
  | 'operator'
  | 'approval'
  | 'error'
  | 'other'
  | 'internal';

/** Where an activity stands. */
export type AgentActivityPhase = 'started' | 'progress' | 'completed' | 'failed' | 'waiting';

/** One structured activity (every field one line; strings ≤ 200 chars). */
export interface AgentActivity {
  readonly kind: AgentActivityKind;
  readonly phase: AgentActivityPhase;
  /** Tool name for `tool` (`linear_graphql`, `github/create_pr`), else null. */
  readonly tool: string | null;
  /** Command line for `command`, or the command an `operator`/`approval` request is about; else null. */
  readonly command: string | null;
  /** What else is worth a glance (an exit code, the changed paths, a search query, an error), else null. */
  readonly detail: string | null;
}

/**
 * The activity an event stands for when its emitter gave none: derived from the event name (and
 * the operator request it carries), never from `message` text. Pure.
 */
export function defaultActivity(event: Pick<AgentEvent, 'event' | 'message' | 'operatorRequest'>): AgentActivity {
  const make = (kind: AgentActivityKind, phase: AgentActivityPhase, detail: string | null = null, command: string | null = null): AgentActivity => ({ kind, phase, tool: null, command, detail });
  const message = event.message ?? null;
  const request = event.operatorRequest;
  switch (event.event) {
    case 'launch_queued':
      return make('launch', 'waiting', message);
    case 'launch_started':
      return make('launch', 'started');
    case 'startup_failed':
      return make('launch', 'failed', message);
    case 'session_started':
      return make('turn', 'started', 'session started');
    case 'turn_started':
      return make('turn', 'started', message);
    case 'turn_completed':
      return make('turn', 'completed');
    case 'turn_failed':
    case 'turn_cancelled':
    case 'turn_ended_with_error':
      return make('turn', 'failed', message);
    case 'turn_input_required':
      return make('operator', 'failed', message);
    case 'operator_waiting':
      return make('operator', 'waiting', request?.summary ?? null, request?.command ?? null);
    case 'operator_answered':
      return make('operator', 'completed', message, request?.command ?? null);
    case 'operator_timeout':
      return make('operator', 'failed', message, request?.command ?? null);
    case 'approval_auto_approved':
      return make('approval', 'completed', message);
    case 'approval_rejected':
      return make('approval', 'failed', message);
    case 'tool_call_completed':
      return make('tool', 'completed', message);
    case 'tool_call_failed':
    case 'unsupported_tool_call':
      return make('tool', 'failed', message);
    case 'malformed':
      return make('error', 'failed', message);
    case 'notification':
      return make('other', 'progress', message);
    case 'token_usage_updated':
    case 'rate_limits_updated':
    case 'other_message':
      return make('internal', 'progress', message);
  }
}

/** The event's activity: the emitter's, else {@link defaultActivity}. Pure. */
export function activityOf(event: AgentEvent): AgentActivity {
  return event.activity ?? defaultActivity(event);
}

/** One upstream event. */
export interface AgentEvent {
  readonly event: AgentEventName;
  /** When the client observed it (UTC). */
  readonly timestamp: Date;
  /** PID of the `bash -lc <codex.command>` group leader, when known. */
  readonly codexAppServerPid: number | null;
  /** `<thread_id>-<turn_id>` once a turn has started. */
  readonly sessionId?: string;
  readonly threadId?: string;
  readonly turnId?: string;
  /** Protocol method that produced the event (`item/started`, `turn/completed`…). */
  readonly method?: string;
  /** Absolute totals; present on `token_usage_updated`. */
  readonly usage?: TokenTotals;
  /** Latest rate-limit snapshot as Codex sent it; present on `rate_limits_updated`. */
  readonly rateLimits?: unknown;
  /**
   * The request concerned: on `operator_waiting` the one now waiting for an operator (the oldest
   * if several); on `operator_answered` / `operator_timeout` the one that was answered / timed out.
   */
  readonly operatorRequest?: PendingOperatorRequest;
  /** Short human summary (observability only, ≤ 500 chars). */
  readonly message?: string;
  /**
   * What the agent is doing, structured. Runtimes set it (the Codex client on every event it
   * emits); absent, {@link activityOf} derives it from the event name.
   */
  readonly activity?: AgentActivity;
}

/** Callback receiving events; must not throw (errors are caught and logged by the emitter). */
export type AgentEventSink = (event: AgentEvent) => void;
