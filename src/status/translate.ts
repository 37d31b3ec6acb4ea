/**
 * Turning one orchestrator change into the status events surfaces stream (spec §13.3, issue 3
 * `GET /api/v1/events`). Pure: a change in, events out (without ids; the hub numbers them).
 */
import { activityOf, type AgentEvent } from '../domain/agent-event.js';
import type { OrchestratorChange } from '../scheduler/orchestrator.js';
import type { StatusEvent } from './types.js';
import { describeActivity, describeAgentEvent } from '../domain/words.js';

/** A status event before the hub gives it an id. */
export type UnnumberedEvent = Omit<StatusEvent, 'id'>;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The status events of one applied scheduler step, in a stable order. */
export function statusEventsOf(change: OrchestratorChange): UnnumberedEvent[] {
  const { event, previous, state, nowMs } = change;
  const at = iso(nowMs);
  const out: UnnumberedEvent[] = [];
  const push = (type: StatusEvent['type'], issueId: string | null, identifier: string | null, message: string, data: Record<string, unknown>): void => {
    out.push({ type, at, issue_id: issueId, issue_identifier: identifier, message, data });
  };

  if (event.type === 'agent_event') {
    const entry = previous.running.get(event.issueId);
    if (entry !== undefined) pushAgentEvent(push, event.issueId, entry.identifier, event.event, state.running.get(event.issueId)?.turnCount ?? entry.turnCount, entry.waiting?.kind ?? null);
  }
  for (const effect of change.effects) {
    if (effect.type === 'run_ended') {
      // The core's typed outcome (issue 7 item 7), in words.
      const { outcome, reason } = effect;
      const words = outcome === 'stopped' ? `run stopped (${reason ?? ''})` : `run ${outcome}${reason === null ? '' : `: ${reason}`}`;
      push('run_ended', effect.issueId, effect.identifier, words, { outcome, reason, duration_ms: effect.durationMs, attempt: effect.attempt, session_id: effect.sessionId, runtime: effect.runtime });
    } else if (effect.type === 'start_worker') {
      const { issue, attempt } = effect;
      push('dispatch', issue.id, issue.identifier, attempt === null ? `dispatched (${issue.state})` : `dispatched again, attempt ${attempt} (${issue.state})`, { attempt, state: issue.state, runtime: state.running.get(issue.id)?.runtime ?? null });
    } else if (effect.type === 'arm_retry_timer') {
      const retry = state.retryAttempts.get(effect.issueId);
      if (retry === undefined) continue;
      const rearmed = effect.rearmed === true;
      const words = rearmed ? `retry ${retry.attempt} brought forward: the workflow reload may fix its error` : retry.kind === 'continuation' ? 'continuation queued' : `retry ${retry.attempt} queued (${retry.cause})`;
      push('retry_scheduled', retry.issueId, retry.identifier, words, {
        rearmed,
        attempt: retry.attempt,
        kind: retry.kind,
        cause: retry.cause,
        due_at: iso(retry.dueAtMs),
        delay_ms: effect.delayMs,
        error: retry.error,
      });
    }
  }
  if (state.blocked !== previous.blocked) {
    for (const [id, entry] of state.blocked) {
      if (!previous.blocked.has(id)) push('blocked', id, entry.identifier, `blocked until the issue changes state: ${entry.reason}`, { reason: entry.reason });
    }
    for (const [id, entry] of previous.blocked) {
      if (!state.blocked.has(id)) push('released', id, entry.identifier, 'released: the issue changed state', { reason: 'state changed' });
    }
  }
  return out;
}

type Push = (type: StatusEvent['type'], issueId: string | null, identifier: string | null, message: string, data: Record<string, unknown>) => void;

function pushAgentEvent(push: Push, issueId: string, identifier: string, event: AgentEvent, turnCount: number, waitingKind: string | null): void {
  if (event.event === 'operator_waiting' && event.operatorRequest !== undefined) {
    const request = event.operatorRequest;
    const what = request.kind === 'approval' ? `approval requested: ${request.summary}` : `question for the operator: ${request.summary}`;
    push('operator_waiting', issueId, identifier, what, { kind: request.kind, method: request.method, summary: request.summary });
    return;
  }
  if (event.event === 'operator_answered') {
    push('operator_answered', issueId, identifier, describeAgentEvent(event), { kind: waitingKind, answer: event.message ?? '' });
    return;
  }
  const activity = activityOf(event);
  push('agent_event', issueId, identifier, describeActivity(activity), {
    event: event.event,
    session_id: event.sessionId ?? null,
    turn_count: turnCount,
    activity: { kind: activity.kind, phase: activity.phase, tool: activity.tool, command: activity.command, detail: activity.detail },
  });
}
