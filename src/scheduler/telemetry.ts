/**
 * Folding agent events into a running entry and the aggregate totals (spec §13.5): liveness,
 * session identity, turn count, token totals from absolute thread totals (deltas against the last
 * reported totals, so repeated updates never double-count), and the latest rate limits.
 */
import { activityOf, type AgentEvent } from '../domain/agent-event.js';
import type { CodexTotals, RunningEntry } from './state.js';

/** Result of {@link applyAgentEvent}. */
export interface TelemetryUpdate {
  readonly entry: RunningEntry;
  readonly totals: CodexTotals;
  /** New rate-limit payload, or `undefined` when the event carried none. */
  readonly rateLimits: unknown;
}

const nonNegative = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);

/**
 * Applies one agent event observed at `nowMs` (epoch ms, the orchestrator's clock).
 * Token usage must be absolute thread totals; smaller values than already reported are ignored.
 */
export function applyAgentEvent(entry: RunningEntry, totals: CodexTotals, event: AgentEvent, nowMs: number): TelemetryUpdate {
  let next: RunningEntry = {
    ...entry,
    lastCodexEvent: event.event,
    lastCodexTimestampMs: nowMs,
    lastCodexMessage: event.message ?? entry.lastCodexMessage,
    lastActivity: shownActivity(entry, event),
    sessionId: event.sessionId ?? entry.sessionId,
    threadId: event.threadId ?? entry.threadId,
    turnId: event.turnId ?? entry.turnId,
    codexAppServerPid: event.codexAppServerPid ?? entry.codexAppServerPid,
    turnCount: event.event === 'session_started' || event.event === 'turn_started' ? entry.turnCount + 1 : entry.turnCount,
    waiting: waitingAfter(entry, event),
  };
  let nextTotals = totals;
  if (event.event === 'token_usage_updated' && event.usage) {
    const dIn = nonNegative(event.usage.inputTokens - entry.lastReportedInputTokens);
    const dOut = nonNegative(event.usage.outputTokens - entry.lastReportedOutputTokens);
    const dTotal = nonNegative(event.usage.totalTokens - entry.lastReportedTotalTokens);
    next = {
      ...next,
      codexInputTokens: entry.codexInputTokens + dIn,
      codexOutputTokens: entry.codexOutputTokens + dOut,
      codexTotalTokens: entry.codexTotalTokens + dTotal,
      lastReportedInputTokens: entry.lastReportedInputTokens + dIn,
      lastReportedOutputTokens: entry.lastReportedOutputTokens + dOut,
      lastReportedTotalTokens: entry.lastReportedTotalTokens + dTotal,
    };
    nextTotals = {
      ...totals,
      inputTokens: totals.inputTokens + dIn,
      outputTokens: totals.outputTokens + dOut,
      totalTokens: totals.totalTokens + dTotal,
    };
  }
  const rateLimits = event.event === 'rate_limits_updated' ? event.rateLimits : undefined;
  return { entry: next, totals: nextTotals, rateLimits };
}

/** The run's last activity after `event`: bookkeeping (`internal`) does not replace what the agent was doing. */
function shownActivity(entry: RunningEntry, event: AgentEvent): RunningEntry['lastActivity'] {
  const activity = activityOf(event);
  return activity.kind === 'internal' ? entry.lastActivity : activity;
}

/** Events after which no request of the run is waiting for an operator any more. */
const CLEARS_WAITING: ReadonlySet<string> = new Set([
  'operator_answered',
  'operator_timeout',
  'session_started',
  'turn_started',
  'turn_completed',
  'turn_failed',
  'turn_cancelled',
  'turn_ended_with_error',
  'turn_input_required',
]);

/** The request the run waits on after `event`: set by `operator_waiting`, cleared by an answer or the turn's end. */
function waitingAfter(entry: RunningEntry, event: AgentEvent): RunningEntry['waiting'] {
  if (event.event === 'operator_waiting') return event.operatorRequest ?? entry.waiting;
  return CLEARS_WAITING.has(event.event) ? null : entry.waiting;
}
