import { describe, expect, it } from 'vitest';
import { RELOAD_RETRY_DELAY_MS, reloadMayFix, step, type StepResult } from '../../src/scheduler/core.js';
import type { Effect, SchedulerEvent } from '../../src/scheduler/events.js';
import { CONTINUATION_DELAY_MS, failureBackoffMs, sortForDispatch, type SchedulerConfig } from '../../src/scheduler/policy.js';
import { initialState, type OrchestratorState } from '../../src/scheduler/state.js';
import { snapshotState } from '../../src/scheduler/snapshot.js';
import { makeIssue } from '../support/issues.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';

const config: SchedulerConfig = {
  activeStates: ['Todo', 'In Progress'],
  terminalStates: ['Done', 'Canceled'],
  requiredLabels: [],
  maxConcurrentAgents: 10,
  maxConcurrentAgentsByState: {},
  maxRetryBackoffMs: 300_000,
  stallTimeoutMs: 300_000,
};

function run(events: SchedulerEvent[], cfg = config, start = initialState(), t0 = 1_000_000): { state: OrchestratorState; effects: Effect[] } {
  let state = start;
  const effects: Effect[] = [];
  events.forEach((event, i) => {
    const r: StepResult = step(state, event, t0 + i, cfg);
    state = r.state;
    effects.push(...r.effects);
  });
  return { state, effects };
}

const ofType = <T extends Effect['type']>(effects: Effect[], type: T) =>
  effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);

describe('scheduler core: dispatch (§8.2, §8.3)', () => {
  it('§17.4 dispatch sort order is priority then oldest creation time', () => {
    const a = makeIssue({ identifier: 'A-1', priority: null, createdAt: new Date('2026-01-01') });
    const b = makeIssue({ identifier: 'A-2', priority: 2, createdAt: new Date('2026-03-01') });
    const c = makeIssue({ identifier: 'A-3', priority: 2, createdAt: new Date('2026-02-01') });
    const d = makeIssue({ identifier: 'A-4', priority: 0, createdAt: new Date('2025-01-01') });
    const e = makeIssue({ identifier: 'A-5', priority: 1, createdAt: null });
    const f = makeIssue({ identifier: 'A-0', priority: 1, createdAt: null });
    expect(sortForDispatch([a, b, c, d, e, f]).map((i) => i.identifier)).toEqual(['A-0', 'A-5', 'A-3', 'A-2', 'A-4', 'A-1']);
    const { effects } = run([{ type: 'candidates_fetched', issues: [a, b, c] }]);
    expect(ofType(effects, 'start_worker').map((s) => s.issue.identifier)).toEqual(['A-3', 'A-2', 'A-1']);
  });

  it('§17.4 dispatchable=false issues are not eligible', () => {
    const { state, effects } = run([{ type: 'candidates_fetched', issues: [makeIssue({ dispatchable: false })] }]);
    expect(ofType(effects, 'start_worker')).toHaveLength(0);
    expect(state.claimed.size).toBe(0);
  });

  it('§17.4 required-label filtering is case-insensitive and applies after normalization', () => {
    const cfg = { ...config, requiredLabels: ['  Agent-Ready '] };
    const yes = makeIssue({ labels: ['agent-ready', 'bug'] });
    const no = makeIssue({ labels: ['bug'] });
    const { effects } = run([{ type: 'candidates_fetched', issues: [yes, no] }], cfg);
    expect(ofType(effects, 'start_worker').map((s) => s.issue.id)).toEqual([yes.id]);
    const blank = run([{ type: 'candidates_fetched', issues: [yes] }], { ...config, requiredLabels: [' '] });
    expect(ofType(blank.effects, 'start_worker')).toHaveLength(0);
  });

  it('skips issues not in an active state, terminal states, and already claimed issues', () => {
    const done = makeIssue({ state: 'Done' });
    const review = makeIssue({ state: 'Human Review' });
    const both = makeIssue({ state: 'Todo' });
    const cfg = { ...config, terminalStates: ['Done', 'todo'] };
    expect(ofType(run([{ type: 'candidates_fetched', issues: [done, review, both] }], cfg).effects, 'start_worker')).toHaveLength(0);
    const first = makeIssue();
    const twice = run([
      { type: 'candidates_fetched', issues: [first] },
      { type: 'candidates_fetched', issues: [first] },
    ]);
    expect(ofType(twice.effects, 'start_worker')).toHaveLength(1);
  });

  it('respects the global and per-state concurrency limits (§8.3)', () => {
    const issues = [1, 2, 3, 4].map((n) => makeIssue({ identifier: `C-${n}`, state: n <= 3 ? 'Todo' : 'In Progress' }));
    const cfg = { ...config, maxConcurrentAgents: 3, maxConcurrentAgentsByState: { todo: 1 } };
    const { state } = run([{ type: 'candidates_fetched', issues }], cfg);
    expect([...state.running.keys()].sort()).toEqual(['id-C-1', 'id-C-4']);
    const global = run([{ type: 'candidates_fetched', issues }], { ...config, maxConcurrentAgents: 2 });
    expect(global.state.running.size).toBe(2);
  });
});

describe('scheduler core: reconciliation (§8.5)', () => {
  const issue = makeIssue({ identifier: 'R-1', state: 'Todo' });
  const started = run([{ type: 'candidates_fetched', issues: [issue] }]).state;

  it('§17.4 reconciliation with no running issues is a no-op', () => {
    const r = step(initialState(), { type: 'running_refreshed', requestedIds: [], issues: [] }, 0, config);
    expect(r.effects).toHaveLength(0);
    expect(r.state.running.size).toBe(0);
  });

  it('§17.4 active-state issue refresh updates the running entry state', () => {
    const moved = { ...issue, state: 'In Progress' };
    const r = step(started, { type: 'running_refreshed', requestedIds: [issue.id], issues: [moved] }, 5, config);
    expect(r.state.running.get(issue.id)?.issue.state).toBe('In Progress');
    expect(ofType([...r.effects], 'stop_worker')).toHaveLength(0);
  });

  it('§17.4 non-active state stops the running agent without workspace cleanup', () => {
    const r = run(
      [
        { type: 'running_refreshed', requestedIds: [issue.id], issues: [{ ...issue, state: 'Human Review' }] },
        { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'canceled' } },
      ],
      config,
      started,
    );
    expect(ofType(r.effects, 'stop_worker')).toEqual([{ type: 'stop_worker', issueId: issue.id, reason: 'inactive' }]);
    expect(ofType(r.effects, 'remove_workspace')).toHaveLength(0);
    expect(r.state.claimed.has(issue.id)).toBe(false);
    expect(r.state.retryAttempts.size).toBe(0);
  });

  it('§17.4 terminal state stops the running agent and cleans the workspace after it exits', () => {
    const r = run(
      [
        { type: 'workspace_ready', issueId: issue.id, workspacePath: '/ws/R-1' },
        { type: 'running_refreshed', requestedIds: [issue.id], issues: [{ ...issue, state: 'done' }] },
      ],
      config,
      started,
    );
    expect(ofType(r.effects, 'stop_worker')[0]?.reason).toBe('terminal');
    expect(ofType(r.effects, 'remove_workspace')).toHaveLength(0); // worker first, cleanup after
    const exited = step(r.state, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'canceled' } }, 99, config);
    expect(ofType([...exited.effects], 'remove_workspace')).toEqual([
      { type: 'remove_workspace', issueId: issue.id, identifier: 'R-1', workspacePath: '/ws/R-1' },
    ]);
    expect(exited.state.claimed.size).toBe(0);
  });

  it('stops a run whose issue vanished or became unroutable, keeping the workspace', () => {
    const gone = step(started, { type: 'running_refreshed', requestedIds: [issue.id], issues: [] }, 5, config);
    expect(ofType([...gone.effects], 'stop_worker')[0]?.reason).toBe('missing');
    const unroutable = step(started, { type: 'running_refreshed', requestedIds: [issue.id], issues: [{ ...issue, dispatchable: false }] }, 5, config);
    expect(ofType([...unroutable.effects], 'stop_worker')[0]?.reason).toBe('unroutable');
    const labels = step(started, { type: 'running_refreshed', requestedIds: [issue.id], issues: [issue] }, 5, { ...config, requiredLabels: ['x'] });
    expect(ofType([...labels.effects], 'stop_worker')[0]?.reason).toBe('unroutable');
  });

  it('keeps workers running when the refresh fails', () => {
    const r = step(started, { type: 'running_refresh_failed', error: 'tracker_status: 500' }, 5, config);
    expect(r.state.running.has(issue.id)).toBe(true);
    expect(ofType([...r.effects], 'stop_worker')).toHaveLength(0);
  });

  it('§17.4 stall detection kills stalled sessions and schedules a retry', () => {
    const cfg = { ...config, stallTimeoutMs: 1000 };
    const t0 = 1_000_000;
    const s1 = step(initialState(), { type: 'candidates_fetched', issues: [issue] }, t0, cfg).state;
    expect(ofType([...step(s1, { type: 'stall_check' }, t0 + 1000, cfg).effects], 'stop_worker')).toHaveLength(0);
    const stalled = step(s1, { type: 'stall_check' }, t0 + 1001, cfg);
    expect(ofType([...stalled.effects], 'stop_worker')[0]?.reason).toBe('stalled');
    const exited = step(stalled.state, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'canceled' } }, t0 + 1002, cfg);
    expect(exited.state.retryAttempts.get(issue.id)).toMatchObject({ attempt: 1, kind: 'failure' });
    expect(ofType([...exited.effects], 'arm_retry_timer')[0]?.delayMs).toBe(10_000);
    const disabled = step(s1, { type: 'stall_check' }, t0 + 10_000_000, { ...cfg, stallTimeoutMs: 0 });
    expect(disabled.effects).toHaveLength(0);
  });

  it('agent activity resets the stall clock', () => {
    const cfg = { ...config, stallTimeoutMs: 1000 };
    let s = step(initialState(), { type: 'candidates_fetched', issues: [issue] }, 0, cfg).state;
    const ev: AgentEvent = { event: 'notification', timestamp: new Date(0), codexAppServerPid: 1 };
    s = step(s, { type: 'agent_event', issueId: issue.id, event: ev }, 900, cfg).state;
    expect(ofType([...step(s, { type: 'stall_check' }, 1800, cfg).effects], 'stop_worker')).toHaveLength(0);
  });

  it('a run queued for a launch slot is not stalled; once it launches, the clock runs from that event', () => {
    const cfg = { ...config, stallTimeoutMs: 1000 };
    let s = step(initialState(), { type: 'candidates_fetched', issues: [issue] }, 0, cfg).state;
    const queued: AgentEvent = { event: 'launch_queued', timestamp: new Date(0), codexAppServerPid: null, message: '4 launches in flight, 3 waiting' };
    s = step(s, { type: 'agent_event', issueId: issue.id, event: queued }, 10, cfg).state;
    expect(ofType([...step(s, { type: 'stall_check' }, 60_000, cfg).effects], 'stop_worker')).toHaveLength(0);
    const launched: AgentEvent = { event: 'launch_started', timestamp: new Date(0), codexAppServerPid: null };
    s = step(s, { type: 'agent_event', issueId: issue.id, event: launched }, 60_000, cfg).state;
    expect(ofType([...step(s, { type: 'stall_check' }, 61_000, cfg).effects], 'stop_worker')).toHaveLength(0);
    expect(ofType([...step(s, { type: 'stall_check' }, 61_001, cfg).effects], 'stop_worker')[0]?.reason).toBe('stalled');
  });
});

describe('scheduler core: retries (§8.4, §16.6)', () => {
  const issue = makeIssue({ identifier: 'Q-1' });
  const started = run([{ type: 'candidates_fetched', issues: [issue] }]).state;

  it('§17.4 normal worker exit schedules a short continuation retry (attempt 1)', () => {
    const r = step(started, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'normal' } }, 10, config);
    expect(r.state.retryAttempts.get(issue.id)).toMatchObject({ attempt: 1, kind: 'continuation', error: null, dueAtMs: 1010 });
    expect(ofType([...r.effects], 'arm_retry_timer')).toEqual([{ type: 'arm_retry_timer', issueId: issue.id, delayMs: 1000 }]);
    expect(r.state.completed.has(issue.id)).toBe(true);
    expect(r.state.claimed.has(issue.id)).toBe(true);
  });

  it('§17.4 abnormal worker exit increments retries with 10s-based exponential backoff', () => {
    expect([1, 2, 3, 4].map((n) => failureBackoffMs(n, 300_000))).toEqual([10_000, 20_000, 40_000, 80_000]);
    let state = started;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const exited = step(state, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'boom' } }, 0, config);
      delays.push(ofType([...exited.effects], 'arm_retry_timer')[0]!.delayMs);
      expect(exited.state.retryAttempts.get(issue.id)?.attempt).toBe(attempt);
      const due = step(exited.state, { type: 'retry_due', issueId: issue.id }, 0, config);
      state = step(due.state, { type: 'retry_refreshed', issueId: issue.id, issue }, 0, config).state;
      expect(state.running.get(issue.id)?.retryAttempt).toBe(attempt);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000]);
  });

  it('§17.4 retry backoff cap uses the configured agent.max_retry_backoff_ms', () => {
    expect(failureBackoffMs(10, 300_000)).toBe(300_000);
    expect(failureBackoffMs(3, 25_000)).toBe(25_000);
    expect(failureBackoffMs(1000, 300_000)).toBe(300_000);
  });

  it('§17.4 retry queue entries include attempt, due time, identifier and error', () => {
    const r = step(started, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'turn_failed: x' } }, 500, config);
    expect(r.state.retryAttempts.get(issue.id)).toEqual({
      issueId: issue.id,
      identifier: 'Q-1',
      attempt: 1,
      dueAtMs: 10_500,
      error: 'worker exited: turn_failed: x',
      errorCode: null,
      kind: 'failure',
      cause: 'worker_failed',
      issueUrl: issue.url,
    });
  });

  it('§17.4 slot exhaustion requeues retries with an explicit error reason', () => {
    const other = makeIssue({ identifier: 'Q-2' });
    const cfg = { ...config, maxConcurrentAgents: 1 };
    let s = step(started, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'normal' } }, 0, cfg).state;
    s = step(s, { type: 'candidates_fetched', issues: [other] }, 1, cfg).state;
    s = step(s, { type: 'retry_due', issueId: issue.id }, 2, cfg).state;
    const r = step(s, { type: 'retry_refreshed', issueId: issue.id, issue }, 3, cfg);
    expect(r.state.retryAttempts.get(issue.id)).toMatchObject({ attempt: 2, error: 'no available orchestrator slots' });
    expect(r.state.running.has(issue.id)).toBe(false);
  });

  it('a due retry releases the claim when the issue is gone, inactive or unroutable, and cleans terminal workspaces', () => {
    const queued = step(started, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'normal' } }, 0, config).state;
    const due = step(queued, { type: 'retry_due', issueId: issue.id }, 0, config);
    expect(ofType([...due.effects], 'fetch_retry_issue')).toHaveLength(1);
    expect(due.state.claimed.has(issue.id)).toBe(true);
    for (const [candidate, cleaned] of [
      [null, false],
      [{ ...issue, state: 'Human Review' }, false],
      [{ ...issue, dispatchable: false }, false],
      [{ ...issue, state: 'Done' }, true],
    ] as const) {
      const r = step(due.state, { type: 'retry_refreshed', issueId: issue.id, issue: candidate }, 0, config);
      expect(r.state.claimed.has(issue.id)).toBe(false);
      expect(ofType([...r.effects], 'remove_workspace')).toHaveLength(cleaned ? 1 : 0);
    }
    const failed = step(due.state, { type: 'retry_refresh_failed', issueId: issue.id, error: 'tracker_request' }, 0, config);
    expect(failed.state.retryAttempts.get(issue.id)).toMatchObject({ attempt: 2 });
  });

  it('shutdown stops workers, cancels retries and dispatches nothing more', () => {
    const other = makeIssue({ identifier: 'Q-3' });
    let s = step(started, { type: 'candidates_fetched', issues: [other] }, 0, config).state;
    s = step(s, { type: 'worker_exited', issueId: other.id, outcome: { kind: 'normal' } }, 0, config).state;
    const r = step(s, { type: 'shutdown' }, 0, config);
    expect(ofType([...r.effects], 'stop_worker')).toEqual([{ type: 'stop_worker', issueId: issue.id, reason: 'shutdown' }]);
    expect(ofType([...r.effects], 'cancel_retry_timer')).toHaveLength(1);
    const after = step(r.state, { type: 'candidates_fetched', issues: [makeIssue()] }, 0, config);
    expect(ofType([...after.effects], 'start_worker')).toHaveLength(0);
    const exited = step(r.state, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'canceled' } }, 0, config);
    expect(exited.state.claimed.size).toBe(0);
    expect(exited.state.retryAttempts.size).toBe(0);
  });
});

describe('scheduler core: a valid reload re-arms retries it may fix (issue 10 item 7)', () => {
  const issue = makeIssue({ identifier: 'R-1' });
  const started = run([{ type: 'candidates_fetched', issues: [issue] }]).state;
  const failWith = (code: string | undefined, state = started, nowMs = 0) =>
    step(state, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: `${code ?? 'boom'}: x`, ...(code === undefined ? {} : { code }) } }, nowMs, config).state;
  const reload = (state: OrchestratorState, changedSections: ('prompt' | 'tracker' | 'polling' | 'codex' | 'hooks')[], nowMs: number) =>
    step(state, { type: 'workflow_reloaded', changedSections }, nowMs, config);

  it('records the worker failure code on the retry entry', () => {
    expect(failWith('template_render_error').retryAttempts.get(issue.id)).toMatchObject({ errorCode: 'template_render_error', cause: 'worker_failed', attempt: 1 });
    expect(failWith(undefined).retryAttempts.get(issue.id)?.errorCode).toBeNull();
  });

  it('a template-error retry is re-armed to come due after RELOAD_RETRY_DELAY_MS when the prompt changed, keeping its attempt', () => {
    expect(RELOAD_RETRY_DELAY_MS).toBe(CONTINUATION_DELAY_MS);
    // Third failure: a 40 s backoff, of which 5 s have passed.
    let s = started;
    for (let n = 1; n <= 3; n++) {
      s = failWith('template_render_error', s);
      if (n === 3) break;
      s = step(s, { type: 'retry_due', issueId: issue.id }, 0, config).state;
      s = step(s, { type: 'retry_refreshed', issueId: issue.id, issue }, 0, config).state;
    }
    const before = s.retryAttempts.get(issue.id)!;
    expect(before).toMatchObject({ attempt: 3, dueAtMs: 40_000 });
    const r = reload(s, ['prompt'], 5_000);
    expect(r.state.retryAttempts.get(issue.id)).toEqual({ ...before, dueAtMs: 5_000 + RELOAD_RETRY_DELAY_MS });
    expect(ofType([...r.effects], 'arm_retry_timer')).toEqual([{ type: 'arm_retry_timer', issueId: issue.id, delayMs: RELOAD_RETRY_DELAY_MS, rearmed: true }]);
    expect(ofType([...r.effects], 'log')[0]).toMatchObject({ level: 'info', fields: { issue_identifier: 'R-1', error_code: 'template_render_error', attempt: 3 } });
    // Due, it re-reads and dispatches with the same attempt number.
    s = step(r.state, { type: 'retry_due', issueId: issue.id }, 6_000, config).state;
    s = step(s, { type: 'retry_refreshed', issueId: issue.id, issue }, 6_001, config).state;
    expect(s.running.get(issue.id)?.retryAttempt).toBe(3);
  });

  it('only a change of a section that may fix the error re-arms it (invalid_config: any valid reload)', () => {
    const template = failWith('template_parse_error');
    expect(ofType([...reload(template, ['polling', 'tracker'], 100).effects], 'arm_retry_timer')).toEqual([]);
    expect(reload(template, ['polling'], 100).state).toEqual(template);
    const tracker = failWith('invalid_tracker_config');
    expect(ofType([...reload(tracker, ['prompt'], 100).effects], 'arm_retry_timer')).toEqual([]);
    expect(ofType([...reload(tracker, ['tracker'], 100).effects], 'arm_retry_timer')).toHaveLength(1);
    expect(ofType([...reload(failWith('codex_not_found'), ['codex'], 100).effects], 'arm_retry_timer')).toHaveLength(1);
    expect(ofType([...reload(failWith('hook_failed'), ['hooks'], 100).effects], 'arm_retry_timer')).toHaveLength(1);
    expect(ofType([...reload(failWith('invalid_config'), [], 100).effects], 'arm_retry_timer')).toHaveLength(1);
    expect(reloadMayFix('template_render_error', ['prompt'])).toBe(true);
    expect(reloadMayFix('turn_failed', ['prompt', 'codex', 'tracker', 'hooks'])).toBe(false);
  });

  it('leaves other failures, continuations, retries due sooner, re-reads in flight and a shutting-down core alone', () => {
    for (const state of [failWith('turn_failed'), failWith(undefined), step(started, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'normal' } }, 0, config).state]) {
      const r = reload(state, ['prompt', 'tracker', 'codex', 'hooks'], 100);
      expect(r.effects).toEqual([]);
      expect(r.state).toEqual(state);
    }
    const failed = failWith('template_render_error'); // due at 10 000
    expect(reload(failed, ['prompt'], 9_500).effects).toEqual([]);
    const fetching = step(failed, { type: 'retry_due', issueId: issue.id }, 10_000, config).state;
    expect(reload(fetching, ['prompt'], 10_001).effects).toEqual([]);
    const down = step(failed, { type: 'shutdown' }, 1, config).state;
    expect(reload(down, ['prompt'], 2).effects).toEqual([]);
  });

  it('re-arms every matching retry of several issues, each once', () => {
    const other = makeIssue({ identifier: 'R-2' });
    let s = step(started, { type: 'candidates_fetched', issues: [other] }, 0, config).state;
    s = step(s, { type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: 'x', code: 'template_render_error' } }, 0, config).state;
    s = step(s, { type: 'worker_exited', issueId: other.id, outcome: { kind: 'failed', error: 'x', code: 'turn_failed' } }, 0, config).state;
    const r = reload(s, ['prompt'], 10);
    expect(ofType([...r.effects], 'arm_retry_timer').map((e) => e.issueId)).toEqual([issue.id]);
    expect(r.state.retryAttempts.get(other.id)).toBe(s.retryAttempts.get(other.id));
    expect(ofType([...reload(r.state, ['prompt'], 20).effects], 'arm_retry_timer')).toEqual([]);
  });
});

describe('scheduler core: telemetry and snapshot (§13.3, §13.5)', () => {
  const issue = makeIssue({ identifier: 'T-1' });
  const started = run([{ type: 'candidates_fetched', issues: [issue] }]).state;
  const ev = (partial: Partial<AgentEvent> & Pick<AgentEvent, 'event'>): SchedulerEvent => ({
    type: 'agent_event',
    issueId: issue.id,
    event: { timestamp: new Date(0), codexAppServerPid: 42, ...partial },
  });

  it('§17.6 token aggregation stays correct across repeated absolute updates', () => {
    const usage = (i: number, o: number) => ev({ event: 'token_usage_updated', usage: { inputTokens: i, outputTokens: o, totalTokens: i + o } });
    const r = run([usage(100, 10), usage(100, 10), usage(250, 30), usage(200, 20)], config, started);
    const entry = r.state.running.get(issue.id)!;
    expect([entry.codexInputTokens, entry.codexOutputTokens, entry.codexTotalTokens]).toEqual([250, 30, 280]);
    expect(r.state.codexTotals).toMatchObject({ inputTokens: 250, outputTokens: 30, totalTokens: 280 });
  });

  it('tracks session identity, turn count and latest rate limits', () => {
    const r = run(
      [
        ev({ event: 'session_started', sessionId: 'th-tu1', threadId: 'th', turnId: 'tu1' }),
        ev({ event: 'turn_started', sessionId: 'th-tu2', threadId: 'th', turnId: 'tu2' }),
        ev({ event: 'rate_limits_updated', rateLimits: { primary: { usedPercent: 5 } } }),
        ev({ event: 'rate_limits_updated', rateLimits: { primary: { usedPercent: 7 } } }),
      ],
      config,
      started,
    );
    const entry = r.state.running.get(issue.id)!;
    expect(entry).toMatchObject({ sessionId: 'th-tu2', turnCount: 2, codexAppServerPid: 42 });
    expect(r.state.codexRateLimits).toEqual({ primary: { usedPercent: 7 } });
  });

  it('§17.4 the snapshot returns running rows, retry rows, token totals and rate limits', () => {
    const other = makeIssue({ identifier: 'T-2' });
    let s = step(started, { type: 'candidates_fetched', issues: [other] }, 1_000_000, config).state;
    s = step(s, { type: 'worker_exited', issueId: other.id, outcome: { kind: 'failed', error: 'x' } }, 1_002_000, config).state;
    s = step(s, ev({ event: 'rate_limits_updated', rateLimits: { a: 1 } }), 1_002_000, config).state;
    const snap = snapshotState(s, 1_004_000);
    expect(snap.counts).toEqual({ running: 1, retrying: 1, claimed: 2, waiting: 0, blocked: 0 });
    expect(snap.running[0]).toMatchObject({ issue_identifier: 'T-1', issue_url: issue.url, turn_count: 0 });
    expect(snap.retrying[0]).toMatchObject({ issue_identifier: 'T-2', attempt: 1, error: 'worker exited: x' });
    expect(snap.codex_totals.seconds_running).toBeCloseTo(2 + 4, 0);
    expect(snap.rate_limits).toEqual({ a: 1 });
  });
});

describe('scheduler core: the typed run outcome (issue 7 item 7)', () => {
  const issue = makeIssue({ identifier: 'R-1' });
  const t0 = 1_000_000;
  const started = step(initialState(), { type: 'candidates_fetched', issues: [issue] }, t0, config).state;
  const ended = (state: OrchestratorState, outcome: Extract<SchedulerEvent, { type: 'worker_exited' }>['outcome']) =>
    ofType([...step(state, { type: 'worker_exited', issueId: issue.id, outcome }, t0 + 4_000, config).effects], 'run_ended');

  it('a normal exit is completed, with the duration and attempt', () => {
    expect(ended(started, { kind: 'normal' })).toEqual([
      { type: 'run_ended', issueId: issue.id, identifier: 'R-1', outcome: 'completed', reason: null, durationMs: 4_000, attempt: null, sessionId: null, runtime: 'codex' },
    ]);
  });

  it('a failure is failed with its error; an operator timeout is blocked', () => {
    expect(ended(started, { kind: 'failed', error: 'port_exit: gone', code: 'port_exit' })[0]).toMatchObject({ outcome: 'failed', reason: 'port_exit: gone' });
    expect(ended(started, { kind: 'failed', error: 'operator_timeout: nobody answered', code: 'operator_timeout' })[0]).toMatchObject({ outcome: 'blocked', reason: 'operator_timeout: nobody answered' });
  });

  it('a run the orchestrator stopped is stopped with the stop reason, however the worker ended', () => {
    const stopping = step(started, { type: 'stall_check' }, t0 + config.stallTimeoutMs + 1, config).state;
    expect(ended(stopping, { kind: 'failed', error: 'canceled: stopped', code: 'canceled' })[0]).toMatchObject({ outcome: 'stopped', reason: 'stalled' });
    const shutdown = step(started, { type: 'shutdown' }, t0 + 1, config).state;
    expect(ended(shutdown, { kind: 'normal' })[0]).toMatchObject({ outcome: 'stopped', reason: 'shutdown' });
  });

  it('the shell has nothing to perform for it: exactly one per exit, none for an unknown issue', () => {
    expect(ofType([...step(started, { type: 'worker_exited', issueId: 'nope', outcome: { kind: 'normal' } }, t0, config).effects], 'run_ended')).toEqual([]);
  });
});

describe('scheduler core: the last activity of a run (issue 7 item 7)', () => {
  it('keeps what the agent was doing across bookkeeping events and shows it as last_activity with words', () => {
    const issue = makeIssue({ identifier: 'L-1' });
    let s = step(initialState(), { type: 'candidates_fetched', issues: [issue] }, 0, config).state;
    expect(snapshotState(s, 0).running[0]?.last_activity).toBeNull();
    const command: AgentEvent = {
      event: 'notification',
      timestamp: new Date(0),
      codexAppServerPid: 1,
      method: 'item/started',
      activity: { kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null },
    };
    s = step(s, { type: 'agent_event', issueId: issue.id, event: command }, 10, config).state;
    const usage: AgentEvent = { event: 'token_usage_updated', timestamp: new Date(0), codexAppServerPid: 1, usage: { inputTokens: 5, outputTokens: 1, totalTokens: 6 } };
    s = step(s, { type: 'agent_event', issueId: issue.id, event: usage }, 20, config).state;
    const row = snapshotState(s, 30).running[0];
    expect(row?.last_event).toBe('token_usage_updated');
    expect(row?.last_activity).toEqual({ kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null, summary: 'running `npm test`' });
  });
});
