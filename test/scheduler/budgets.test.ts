/**
 * Budgets, no-progress detection, recovery and hand-offs in the pure core (issue 9 items 2 and 3).
 */
import { describe, expect, it } from 'vitest';
import { step } from '../../src/scheduler/core.js';
import type { Effect, SchedulerEvent } from '../../src/scheduler/events.js';
import { NO_BUDGETS, type BudgetLimits, type SchedulerConfig } from '../../src/scheduler/policy.js';
import { initialState, NO_USAGE, type OrchestratorState, type RetryEntry } from '../../src/scheduler/state.js';
import { snapshotState } from '../../src/scheduler/snapshot.js';
import type { AgentActivity, AgentEvent } from '../../src/domain/agent-event.js';
import { makeIssue } from '../support/issues.js';

const DAY = Date.UTC(2026, 11, 8, 10, 0, 0);

function configWith(budgets: Partial<BudgetLimits>): SchedulerConfig {
  return {
    activeStates: ['Todo', 'In Progress'],
    terminalStates: ['Done', 'Canceled'],
    requiredLabels: [],
    maxConcurrentAgents: 10,
    maxConcurrentAgentsByState: {},
    maxRetryBackoffMs: 300_000,
    stallTimeoutMs: 0,
    budgets: { ...NO_BUDGETS, ...budgets },
  };
}

/** Applies events one at a time at `t` (or the event's own time), collecting effects. */
class Sim {
  state: OrchestratorState;
  readonly effects: Effect[] = [];
  constructor(
    readonly config: SchedulerConfig,
    start: OrchestratorState = initialState(),
    public now = DAY,
  ) {
    this.state = start;
  }
  apply(event: SchedulerEvent, atMs = this.now): Effect[] {
    this.now = atMs;
    const result = step(this.state, event, atMs, this.config);
    this.state = result.state;
    this.effects.push(...result.effects);
    return [...result.effects];
  }
}

const ofType = <T extends Effect['type']>(effects: readonly Effect[], type: T) => effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);

function tokens(total: number): AgentEvent {
  return { event: 'token_usage_updated', timestamp: new Date(DAY), codexAppServerPid: 1, usage: { inputTokens: total, outputTokens: 0, totalTokens: total } };
}

function command(line: string): AgentEvent {
  const activity: AgentActivity = { kind: 'command', phase: 'started', tool: null, command: line, detail: null };
  return { event: 'notification', timestamp: new Date(DAY), codexAppServerPid: 1, activity };
}

const turnCompleted: AgentEvent = { event: 'turn_completed', timestamp: new Date(DAY), codexAppServerPid: 1 };

describe('token budget per issue', () => {
  it('warns once at 80 %, stops the run at the limit and blocks the issue until it moves; moving grants a fresh budget', () => {
    const sim = new Sim(configWith({ maxTokensPerIssue: 1000 }));
    const issue = makeIssue({ identifier: 'B-1' });
    sim.apply({ type: 'candidates_fetched', issues: [issue] });
    sim.apply({ type: 'agent_event', issueId: issue.id, event: tokens(850) });
    sim.apply({ type: 'agent_event', issueId: issue.id, event: tokens(900) });
    const warnings = ofType(sim.effects, 'log').filter((l) => l.message === 'token budget 80% used');
    expect(warnings).toHaveLength(1);
    expect(ofType(sim.effects, 'stop_worker')).toEqual([]);

    const stop = sim.apply({ type: 'agent_event', issueId: issue.id, event: tokens(1000) });
    expect(ofType(stop, 'stop_worker')).toEqual([{ type: 'stop_worker', issueId: issue.id, reason: 'budget_exceeded' }]);
    const ended = sim.apply({ type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'run canceled', code: 'canceled' } }, DAY + 60_000);
    expect(ofType(ended, 'run_ended')[0]).toMatchObject({ outcome: 'blocked', reason: 'token budget exceeded: 1000 of agent.max_tokens_per_issue 1000 tokens used' });
    expect(ofType(ended, 'arm_retry_timer')).toEqual([]);
    expect(sim.state.blocked.get(issue.id)).toMatchObject({ cause: 'budget_exceeded', state: 'Todo', reason: expect.stringContaining('token budget exceeded') });
    expect(sim.state.usage.get(issue.id)).toMatchObject({ totalTokens: 1000, budgetTokens: 1000, runtimeMs: 60_000 });
    expect(snapshotState(sim.state, sim.now).blocked[0]).toMatchObject({ issue_identifier: 'B-1', reason: expect.stringContaining('budget') });

    // Same state: still blocked, not dispatched.
    sim.apply({ type: 'running_refreshed', requestedIds: [issue.id], issues: [issue] });
    expect(sim.state.blocked.has(issue.id)).toBe(true);
    expect(ofType(sim.apply({ type: 'candidates_fetched', issues: [issue] }), 'start_worker')).toEqual([]);

    // Someone moves it: released with a fresh budget; totals are kept.
    sim.apply({ type: 'running_refreshed', requestedIds: [issue.id], issues: [{ ...issue, state: 'In Progress' }] });
    expect(sim.state.claimed.has(issue.id)).toBe(false);
    expect(sim.state.usage.get(issue.id)).toMatchObject({ totalTokens: 1000, budgetTokens: 0 });
    expect(ofType(sim.apply({ type: 'candidates_fetched', issues: [{ ...issue, state: 'In Progress' }] }), 'start_worker')).toHaveLength(1);
  });

  it('earlier runs count (usage recovered from the journal): the live run stops once the sum reaches the limit', () => {
    const issue = makeIssue({ identifier: 'B-2' });
    const start: OrchestratorState = { ...initialState(), usage: new Map([[issue.id, { ...NO_USAGE, totalTokens: 900, budgetTokens: 900 }]]) };
    const sim = new Sim(configWith({ maxTokensPerIssue: 1000 }), start);
    sim.apply({ type: 'candidates_fetched', issues: [issue] });
    expect(ofType(sim.apply({ type: 'agent_event', issueId: issue.id, event: tokens(99) }), 'stop_worker')).toEqual([]);
    expect(ofType(sim.apply({ type: 'agent_event', issueId: issue.id, event: tokens(100) }), 'stop_worker')).toHaveLength(1);
  });

  it('an issue whose budget is already spent is blocked without a run', () => {
    const issue = makeIssue({ identifier: 'B-3' });
    const start: OrchestratorState = { ...initialState(), usage: new Map([[issue.id, { ...NO_USAGE, totalTokens: 5000, budgetTokens: 5000 }]]) };
    const sim = new Sim(configWith({ maxTokensPerIssue: 1000 }), start);
    expect(ofType(sim.apply({ type: 'candidates_fetched', issues: [issue] }), 'start_worker')).toEqual([]);
    expect(sim.state.blocked.get(issue.id)).toMatchObject({ cause: 'budget_exceeded' });
  });
});

describe('runtime and daily budgets', () => {
  it('the runtime budget is checked each tick (stall_check) against earlier runs plus the live one', () => {
    const issue = makeIssue({ identifier: 'R-1' });
    const start: OrchestratorState = { ...initialState(), usage: new Map([[issue.id, { ...NO_USAGE, runtimeMs: 50_000, budgetRuntimeMs: 50_000 }]]) };
    const sim = new Sim(configWith({ maxRuntimeMsPerIssue: 60_000 }), start);
    sim.apply({ type: 'candidates_fetched', issues: [issue] });
    expect(ofType(sim.apply({ type: 'stall_check' }, DAY + 9_000), 'stop_worker')).toEqual([]);
    expect(ofType(sim.effects, 'log').some((l) => l.message === 'runtime budget 80% used')).toBe(true);
    expect(ofType(sim.apply({ type: 'stall_check' }, DAY + 10_000), 'stop_worker')).toEqual([{ type: 'stop_worker', issueId: issue.id, reason: 'budget_exceeded' }]);
  });

  it('a spent daily budget stops every run and dispatches nothing until the next UTC day', () => {
    const sim = new Sim(configWith({ maxTokensPerDay: 1000 }));
    const a = makeIssue({ identifier: 'D-1' });
    const b = makeIssue({ identifier: 'D-2' });
    const c = makeIssue({ identifier: 'D-3' });
    sim.apply({ type: 'candidates_fetched', issues: [a, b] });
    sim.apply({ type: 'agent_event', issueId: a.id, event: tokens(600) });
    const stops = sim.apply({ type: 'agent_event', issueId: b.id, event: tokens(400) });
    expect(ofType(stops, 'stop_worker').map((s) => [s.issueId, s.reason])).toEqual([
      [a.id, 'budget_exceeded'],
      [b.id, 'budget_exceeded'],
    ]);
    expect(sim.state.dayUsage).toEqual({ day: '2026-12-08', totalTokens: 1000 });
    expect(ofType(sim.apply({ type: 'candidates_fetched', issues: [c] }), 'start_worker')).toEqual([]);
    const nextDay = Date.UTC(2026, 11, 9, 0, 0, 1);
    expect(ofType(sim.apply({ type: 'candidates_fetched', issues: [c] }, nextDay), 'start_worker')).toHaveLength(1);
  });
});

describe('no-progress detection', () => {
  it('the same command started N times in a row stops the run and blocks it with no_progress; a different command resets the count', () => {
    const sim = new Sim(configWith({ noProgressMaxRepeats: 3 }));
    const issue = makeIssue({ identifier: 'N-1' });
    sim.apply({ type: 'candidates_fetched', issues: [issue] });
    for (const line of ['ls', 'ls', 'cat a', 'ls', 'ls']) sim.apply({ type: 'agent_event', issueId: issue.id, event: command(line) });
    expect(ofType(sim.effects, 'stop_worker')).toEqual([]);
    const stop = sim.apply({ type: 'agent_event', issueId: issue.id, event: command('ls') });
    expect(ofType(stop, 'stop_worker')).toEqual([{ type: 'stop_worker', issueId: issue.id, reason: 'no_progress' }]);
    sim.apply({ type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'canceled', code: 'canceled' } });
    expect(sim.state.blocked.get(issue.id)).toMatchObject({ cause: 'no_progress', reason: expect.stringContaining('same command 3 times in a row') });
  });

  it('K turns in a row with the same git digest stop the run; the first digest is the baseline, a change resets the count', () => {
    const sim = new Sim(configWith({ noProgressMaxTurns: 2 }));
    const issue = makeIssue({ identifier: 'N-2' });
    sim.apply({ type: 'candidates_fetched', issues: [issue] });
    const ready = sim.apply({ type: 'workspace_ready', issueId: issue.id, workspacePath: '/ws/N-2' });
    expect(ofType(ready, 'check_progress')).toEqual([{ type: 'check_progress', issueId: issue.id, workspacePath: '/ws/N-2' }]);
    sim.apply({ type: 'progress_checked', issueId: issue.id, digest: 'a' });
    expect(ofType(sim.apply({ type: 'agent_event', issueId: issue.id, event: turnCompleted }), 'check_progress')).toHaveLength(1);
    sim.apply({ type: 'progress_checked', issueId: issue.id, digest: 'a' }); // 1 turn without progress
    sim.apply({ type: 'progress_checked', issueId: issue.id, digest: 'b' }); // changed: reset
    sim.apply({ type: 'progress_checked', issueId: issue.id, digest: 'b' }); // 1
    expect(ofType(sim.effects, 'stop_worker')).toEqual([]);
    sim.apply({ type: 'progress_checked', issueId: issue.id, digest: null }); // outside git / failed: ignored
    expect(ofType(sim.apply({ type: 'progress_checked', issueId: issue.id, digest: 'b' }), 'stop_worker')).toEqual([{ type: 'stop_worker', issueId: issue.id, reason: 'no_progress' }]);
  });

  it('without the limits no git check is asked for', () => {
    const sim = new Sim(configWith({}));
    const issue = makeIssue();
    sim.apply({ type: 'candidates_fetched', issues: [issue] });
    sim.apply({ type: 'workspace_ready', issueId: issue.id, workspacePath: '/ws/x' });
    sim.apply({ type: 'agent_event', issueId: issue.id, event: turnCompleted });
    expect(ofType(sim.effects, 'check_progress')).toEqual([]);
  });
});

describe('recovered and hand-offs', () => {
  const retry = (issueId: string, over: Partial<RetryEntry>): RetryEntry => ({
    issueId,
    identifier: issueId.toUpperCase(),
    attempt: 2,
    dueAtMs: DAY + 20_000,
    error: 'worker exited: boom',
    errorCode: null,
    kind: 'failure',
    cause: 'worker_failed',
    issueUrl: null,
    ...over,
  });

  it('re-arms retries for their original due times, keeps blocked issues, and dispatches a resumable run on its thread', () => {
    const sim = new Sim(configWith({}));
    const live = makeIssue({ id: 'r-2', identifier: 'R-2', state: 'In Progress' });
    const effects = sim.apply({
      type: 'recovered',
      recovered: {
        retryAttempts: new Map([
          ['r-1', retry('r-1', {})],
          ['r-2', retry('r-2', { cause: 'restart', dueAtMs: DAY, attempt: 1, resume: { threadId: 'th-1', workspacePath: '/ws/R-2', waiting: null } })],
        ]),
        blocked: new Map([['b-1', { issueId: 'b-1', identifier: 'B-1', issueUrl: null, state: 'Todo', reason: 'x', sinceMs: DAY - 1, workspacePath: null, cause: 'operator' as const }]]),
        usage: new Map([['r-1', { ...NO_USAGE, totalTokens: 7 }]]),
        dayUsage: { day: '2026-12-08', totalTokens: 70 },
      },
    });
    expect(ofType(effects, 'arm_retry_timer')).toEqual([
      { type: 'arm_retry_timer', issueId: 'r-2', delayMs: 0, rearmed: false },
      { type: 'arm_retry_timer', issueId: 'r-1', delayMs: 20_000, rearmed: true },
    ]);
    expect([...sim.state.claimed].sort()).toEqual(['b-1', 'r-1', 'r-2']);
    expect(sim.state.dayUsage.totalTokens).toBe(70);
    // A candidate poll does not dispatch claimed issues.
    expect(ofType(sim.apply({ type: 'candidates_fetched', issues: [live, makeIssue({ id: 'b-1', identifier: 'B-1' })] }), 'start_worker')).toEqual([]);
    sim.apply({ type: 'retry_due', issueId: 'r-2' });
    const start = sim.apply({ type: 'retry_refreshed', issueId: 'r-2', issue: live });
    expect(ofType(start, 'start_worker')).toEqual([{ type: 'start_worker', issue: live, attempt: 1, resume: { threadId: 'th-1', workspacePath: '/ws/R-2', waiting: null } }]);
    expect(sim.state.running.get('r-2')).toMatchObject({ resumed: true, threadId: 'th-1', workspacePath: '/ws/R-2' });
  });

  it('a continuation that finds the issue moved out of the active states is a hand-off', () => {
    const sim = new Sim(configWith({}));
    const issue = makeIssue({ identifier: 'H-1' });
    sim.apply({ type: 'candidates_fetched', issues: [issue] });
    sim.apply({ type: 'worker_exited', issueId: issue.id, outcome: { kind: 'normal' } });
    sim.apply({ type: 'retry_due', issueId: issue.id });
    const effects = sim.apply({ type: 'retry_refreshed', issueId: issue.id, issue: { ...issue, state: 'Human Review' } });
    expect(ofType(effects, 'issue_handed_off')).toEqual([{ type: 'issue_handed_off', issueId: issue.id }]);
    expect(sim.state.claimed.has(issue.id)).toBe(false);
  });
});
