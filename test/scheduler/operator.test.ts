/**
 * Operator intervention in the pure core (issue 3): a run waiting for an operator is exempt from
 * stall detection and shows in the snapshot's `waiting`; a run that ended unanswered blocks its
 * issue (claimed, not retried) until the issue's tracker state changes.
 */
import { describe, expect, it } from 'vitest';
import { step } from '../../src/scheduler/core.js';
import type { Effect, SchedulerEvent } from '../../src/scheduler/events.js';
import type { SchedulerConfig } from '../../src/scheduler/policy.js';
import { initialState, type OrchestratorState } from '../../src/scheduler/state.js';
import { snapshotState } from '../../src/scheduler/snapshot.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import type { PendingOperatorRequest } from '../../src/domain/operator.js';
import { makeIssue } from '../support/issues.js';

const config: SchedulerConfig = {
  activeStates: ['Todo', 'In Progress'],
  terminalStates: ['Done', 'Canceled'],
  requiredLabels: [],
  maxConcurrentAgents: 10,
  maxConcurrentAgentsByState: {},
  maxRetryBackoffMs: 300_000,
  stallTimeoutMs: 60_000,
};

const T0 = 1_000_000;
const issue = makeIssue({ identifier: 'OP-1', state: 'In Progress' });

const request: PendingOperatorRequest = {
  kind: 'approval',
  method: 'item/commandExecution/requestApproval',
  summary: 'touch approved.txt',
  command: 'touch approved.txt',
  cwd: '/ws/OP-1',
  reason: 'needs to write outside the sandbox',
  decisions: ['accept', 'acceptForSession', 'decline', 'cancel'],
  questions: [],
  sinceMs: T0 + 1000,
  deadlineMs: T0 + 1000 + 1_800_000,
};

function agent(event: Partial<AgentEvent> & Pick<AgentEvent, 'event'>): SchedulerEvent {
  return { type: 'agent_event', issueId: issue.id, event: { timestamp: new Date(T0), codexAppServerPid: 42, ...event } };
}

/** Applies `events` at the given times; returns the final state and every effect. */
function play(events: readonly (readonly [number, SchedulerEvent])[], start: OrchestratorState = initialState()) {
  let state = start;
  const effects: Effect[] = [];
  for (const [at, event] of events) {
    const r = step(state, event, at, config);
    state = r.state;
    effects.push(...r.effects);
  }
  return { state, effects };
}

const dispatched = play([[T0, { type: 'candidates_fetched', issues: [issue] }]]).state;
const waiting = play([[T0 + 1000, agent({ event: 'operator_waiting', operatorRequest: request, message: 'approval requested' })]], dispatched).state;

describe('operator intervention in the scheduler core (issue 3)', () => {
  it('records the waiting request on the running entry and in the snapshot', () => {
    expect(waiting.running.get(issue.id)?.waiting).toEqual(request);
    const snapshot = snapshotState(waiting, T0 + 2000);
    expect(snapshot.counts).toMatchObject({ running: 1, waiting: 1, blocked: 0 });
    expect(snapshot.running[0]?.waiting).toBe(true);
    expect(snapshot.waiting).toEqual([
      {
        issue_id: issue.id,
        issue_identifier: 'OP-1',
        issue_url: issue.url,
        kind: 'approval',
        method: 'item/commandExecution/requestApproval',
        summary: 'touch approved.txt',
        command: 'touch approved.txt',
        cwd: '/ws/OP-1',
        reason: 'needs to write outside the sandbox',
        decisions: ['accept', 'acceptForSession', 'decline', 'cancel'],
        questions: [],
        options: [],
        since: new Date(T0 + 1000).toISOString(),
        deadline: new Date(T0 + 1000 + 1_800_000).toISOString(),
      },
    ]);
  });

  it('the stall timer does not stop a run that waits for an operator', () => {
    const { state, effects } = play([[T0 + 1000 + 10 * config.stallTimeoutMs, { type: 'stall_check' }]], waiting);
    expect(effects.filter((e) => e.type === 'stop_worker')).toEqual([]);
    expect(state.running.get(issue.id)?.stopping).toBeNull();
  });

  it('an answer clears the wait and the stall clock restarts from it', () => {
    const answeredAt = T0 + 500_000;
    const answered = play([[answeredAt, agent({ event: 'operator_answered', message: 'accept' })]], waiting).state;
    expect(answered.running.get(issue.id)?.waiting).toBeNull();
    expect(snapshotState(answered, answeredAt).waiting).toEqual([]);
    expect(play([[answeredAt + config.stallTimeoutMs - 1, { type: 'stall_check' }]], answered).effects.filter((e) => e.type === 'stop_worker')).toEqual([]);
    const stalled = play([[answeredAt + config.stallTimeoutMs + 1, { type: 'stall_check' }]], answered).effects;
    expect(stalled.filter((e) => e.type === 'stop_worker')).toEqual([{ type: 'stop_worker', issueId: issue.id, reason: 'stalled' }]);
  });

  it('the end of the turn also clears the wait', () => {
    const failed = play([[T0 + 2000, agent({ event: 'turn_failed', message: 'x' })]], waiting).state;
    expect(failed.running.get(issue.id)?.waiting).toBeNull();
  });

  it.each(['operator_timeout', 'turn_input_required'])('a run ending with %s blocks the issue: claimed, not retried', (code) => {
    const { state, effects } = play(
      [[T0 + 1_801_000, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: `${code}: nobody answered`, code } }]],
      waiting,
    );
    expect(effects.filter((e) => e.type === 'arm_retry_timer')).toEqual([]);
    expect(state.retryAttempts.size).toBe(0);
    expect(state.claimed.has(issue.id)).toBe(true);
    expect(state.blocked.get(issue.id)).toMatchObject({ identifier: 'OP-1', state: 'In Progress', reason: `${code}: nobody answered`, sinceMs: T0 + 1_801_000 });
    const snapshot = snapshotState(state, T0 + 1_802_000);
    expect(snapshot.counts).toMatchObject({ running: 0, retrying: 0, waiting: 0, blocked: 1, claimed: 1 });
    expect(snapshot.blocked[0]).toMatchObject({ issue_identifier: 'OP-1', state: 'In Progress' });
    // Still in the active state: candidates do not re-dispatch it.
    const again = play([[T0 + 1_900_000, { type: 'candidates_fetched', issues: [issue] }]], state);
    expect(again.effects.filter((e) => e.type === 'start_worker')).toEqual([]);
    // Reconciliation with the same state keeps it blocked.
    const same = play([[T0 + 1_900_001, { type: 'running_refreshed', requestedIds: [issue.id], issues: [issue] }]], state);
    expect(same.state.blocked.has(issue.id)).toBe(true);
  });

  const blocked = play(
    [[T0 + 1_801_000, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'operator_timeout: x', code: 'operator_timeout' } }]],
    waiting,
  ).state;

  it('a blocked issue moved to another active state is released and dispatched again', () => {
    const moved = { ...issue, state: 'Todo' };
    const { state } = play([[T0 + 2_000_000, { type: 'running_refreshed', requestedIds: [issue.id], issues: [moved] }]], blocked);
    expect(state.blocked.size).toBe(0);
    expect(state.claimed.has(issue.id)).toBe(false);
    const next = play([[T0 + 2_000_001, { type: 'candidates_fetched', issues: [moved] }]], state);
    expect(next.effects.filter((e) => e.type === 'start_worker')).toHaveLength(1);
  });

  it('a blocked issue moved to a terminal state is released and its workspace removed', () => {
    const done = { ...issue, state: 'Done' };
    const { state, effects } = play([[T0 + 2_000_000, { type: 'running_refreshed', requestedIds: [issue.id], issues: [done] }]], blocked);
    expect(state.claimed.has(issue.id)).toBe(false);
    expect(effects.filter((e) => e.type === 'remove_workspace')).toEqual([
      { type: 'remove_workspace', issueId: issue.id, identifier: 'OP-1', workspacePath: null },
    ]);
  });

  it('a blocked issue that is no longer visible is released', () => {
    const { state } = play([[T0 + 2_000_000, { type: 'running_refreshed', requestedIds: [issue.id], issues: [] }]], blocked);
    expect(state.claimed.size).toBe(0);
    expect(state.blocked.size).toBe(0);
  });

  it('other failures still retry with backoff', () => {
    const { state } = play([[T0 + 5000, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'turn_failed: x', code: 'turn_failed' } }]], waiting);
    expect(state.blocked.size).toBe(0);
    expect(state.retryAttempts.get(issue.id)).toMatchObject({ kind: 'failure', cause: 'worker_failed', attempt: 1 });
  });
});
