/**
 * Events the app-server client emits upstream to the orchestrator (spec §10.4). The orchestrator
 * uses them for liveness (stall detection), token totals and rate limits; it never branches on
 * humanized text.
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
}

/** Callback receiving events; must not throw (errors are caught and logged by the emitter). */
export type AgentEventSink = (event: AgentEvent) => void;
