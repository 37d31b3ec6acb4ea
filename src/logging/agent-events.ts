/**
 * The agent events an operator must see in the daemon's log, not only on the dashboard (spec
 * §13.1; operator intervention, our extension of §10.5): today `operator_waiting`, logged at warn
 * as `operator waiting` because the run is held until someone answers or
 * `agent.operator_timeout_ms` passes. The answer is logged where it is routed (the orchestrator's
 * `operator answer`); every other event reaches the log through its own lifecycle line.
 */
import type { AgentEvent } from '../domain/agent-event.js';
import { oneLine } from '../errors.js';
import type { Logger } from './logger.js';

/** Longest `summary` written to the log line, characters. */
const SUMMARY_CHARS = 200;

/**
 * The fields of the `operator waiting` line for `event`, or null when `event` is not an
 * `operator_waiting` event carrying its request. Pure.
 *
 * Shape: `{ session_id, kind: 'approval' | 'user_input', method, command?, summary, deadline }`;
 * `command` only when the request is about a command, `summary` on one line (at most 200
 * characters: the command, "file change" or the first question), `deadline` the ISO 8601 time at
 * which the run fails unless answered (null if out of range). The issue (`issue_id`, `issue_identifier`) comes from the
 * run's child logger.
 */
export function operatorWaitingFields(event: AgentEvent): Record<string, unknown> | null {
  const request = event.operatorRequest;
  if (event.event !== 'operator_waiting' || request === undefined) return null;
  return {
    session_id: event.sessionId ?? null,
    kind: request.kind,
    method: request.method,
    ...(request.command === null ? {} : { command: oneLine(request.command, SUMMARY_CHARS) }),
    summary: oneLine(request.summary, SUMMARY_CHARS),
    deadline: isoTime(request.deadlineMs),
  };
}

/** ISO 8601 for epoch ms, or null when out of the Date range (never throws). */
function isoTime(ms: number): string | null {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * Logs `event` on `logger` (the run's logger, bound to `issue_id` and `issue_identifier`) when
 * it is one an operator must see: `operator waiting` at warn (see {@link operatorWaitingFields}).
 * Other events are left alone. Never throws for a well-formed event.
 */
export function logAgentEvent(logger: Logger, event: AgentEvent): void {
  const waiting = operatorWaitingFields(event);
  if (waiting !== null) logger.warn(waiting, 'operator waiting');
}
