/**
 * The orchestrator shell (spec §7, §8, §16) against fakes: memory tracker, swappable workflow,
 * deferred-promise workers, manual clock. The pure core's decisions are covered in core.test.ts;
 * these tests check that the shell feeds it the right events at the right time and performs the
 * effects (timers, reads, stops, removals).
 */
import { describe, expect, it } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import { Harness, testWorkflow } from '../support/orchestrator-harness.js';

const iso = (ms: number): string => new Date(ms).toISOString();
/** An hour-long poll interval: no poll tick interleaves with the retries a test waits for. */
const QUIET = { pollIntervalMs: 3_600_000 } as const;

describe('orchestrator startup (§8.6, §16.1)', () => {
  it('startup terminal cleanup removes the workspaces of terminal issues, then ticks at once', async () => {
    const h = new Harness();
    h.addIssue('SYM-1', { state: 'Done' });
    h.addIssue('SYM-2', { state: 'Canceled' });
    h.addIssue('SYM-3', { state: 'Todo' });
    await h.orchestrator.start();
    expect(h.tracker.callsOf('fetchIssuesByStates')[0]?.stateNames).toEqual(['Done', 'Canceled']);
    expect(h.removals).toEqual([
      { identifier: 'SYM-1', workspacePath: null },
      { identifier: 'SYM-2', workspacePath: null },
    ]);
    expect(h.tickTimer()?.delayMs).toBe(0);
    await h.runTick();
    expect(h.workers.map((w) => w.issue.identifier)).toEqual(['SYM-3']);
  });

  it('a failing terminal-issue fetch only warns; startup continues and the first tick dispatches', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    h.tracker.failNext('tracker_status', 'linear answered 503');
    await h.orchestrator.start();
    expect(h.removals).toEqual([]);
    const [warning] = h.logged('startup terminal workspace cleanup failed; continuing');
    expect(warning).toMatchObject({ level: 'warn', reason: 'tracker_status: linear answered 503' });
    await h.runTick();
    expect(h.workers.map((w) => w.issue.identifier)).toEqual(['SYM-1']);
  });
});

describe('orchestrator poll tick (§8.1–§8.3, §16.2)', () => {
  it('§17.4 dispatch sort order is priority then oldest creation time, up to the global and per-state limits', async () => {
    const h = new Harness({ config: { agent: { maxConcurrentAgents: 4, maxConcurrentAgentsByState: { todo: 2 } } } });
    h.addIssue('SYM-A', { priority: 3, createdAt: new Date('2026-01-02') });
    h.addIssue('SYM-B', { priority: 1 });
    h.addIssue('SYM-C', { priority: 3, createdAt: new Date('2026-01-01') });
    h.addIssue('SYM-D', { priority: 1, dispatchable: false });
    h.addIssue('SYM-E', { priority: 2, state: 'In Progress' });
    h.addIssue('SYM-F', { priority: null });
    await h.startAndTick();
    // B (todo 1), E (in progress), C (todo 2); A and F wait for a Todo slot, D is not dispatchable.
    expect(h.workers.map((w) => [w.issue.identifier, w.attempt])).toEqual([
      ['SYM-B', null],
      ['SYM-E', null],
      ['SYM-C', null],
    ]);
    expect(h.tracker.callsOf('fetchIssuesByStates').at(-1)?.stateNames).toEqual(['Todo', 'In Progress']);
    await h.runTick();
    expect(h.workers).toHaveLength(3);
    h.worker('SYM-B').finish(); // frees a Todo slot; B stays claimed by its 1 s continuation retry
    await h.waitForRetry('SYM-B');
    h.orchestrator.requestRefresh();
    await h.runTick();
    expect(h.workers.map((w) => w.issue.identifier)).toEqual(['SYM-B', 'SYM-E', 'SYM-C', 'SYM-A']);
    h.clock.advance(1000); // B's continuation finds both Todo slots taken
    expect(await h.waitForRetry('SYM-B', 2)).toMatchObject({ error: 'no available orchestrator slots' });
  });

  it('the global limit caps dispatch; a full house skips the candidate fetch', async () => {
    const h = new Harness({ config: { agent: { maxConcurrentAgents: 2 } } });
    for (const id of ['SYM-1', 'SYM-2', 'SYM-3']) h.addIssue(id);
    await h.startAndTick();
    expect(h.workers.map((w) => w.issue.identifier)).toEqual(['SYM-1', 'SYM-2']);
    const candidateReads = h.tracker.callsOf('fetchIssuesByStates').length;
    await h.runTick();
    expect(h.tracker.callsOf('fetchIssuesByStates')).toHaveLength(candidateReads);
    expect(h.workers).toHaveLength(2);
  });

  it('§17.4 reconciliation with no running issues is a no-op', async () => {
    const h = new Harness();
    await h.startAndTick();
    await h.runTick();
    expect(h.tracker.callsOf('fetchIssuesByIds')).toEqual([]);
    expect(h.logged('stopping worker')).toEqual([]);
  });

  it('candidate fetch failure skips dispatch for the tick; the next tick runs and dispatches (§14.2)', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.orchestrator.start();
    h.tracker.failNext('tracker_request', 'connection refused');
    const next = await h.runTick();
    expect(h.workers).toEqual([]);
    expect(next.delayMs).toBe(30_000);
    expect(h.logged('candidate fetch failed; skipping dispatch this tick')[0]).toMatchObject({ level: 'error', reason: 'tracker_request: connection refused' });
    await h.runTick();
    expect(h.workers.map((w) => w.issue.identifier)).toEqual(['SYM-1']);
  });

  it('the poll interval of the current config arms the next tick (a reload changes the cadence)', async () => {
    const h = new Harness({ config: { pollIntervalMs: 30_000 } });
    await h.orchestrator.start();
    expect((await h.runTick()).delayMs).toBe(30_000);
    h.workflow.swap(testWorkflow({ pollIntervalMs: 5_000 }));
    const afterReload = await h.runTick();
    expect(afterReload.delayMs).toBe(5_000);
    expect(afterReload.dueAtMs - h.clock.now()).toBe(5_000);
    expect((await h.runTick()).delayMs).toBe(5_000);
  });

  it('requestRefresh() coalesces while a tick is running into exactly one immediate tick', async () => {
    const h = new Harness();
    await h.orchestrator.start();
    await h.runTick();
    // Idle: an immediate tick replaces the armed poll timer.
    expect(h.orchestrator.requestRefresh()).toBe(false);
    expect(h.clock.pending().map((t) => t.delayMs)).toEqual([0]);
    const release = h.tracker.hold();
    const fired = h.tickTimer()!;
    h.clock.advanceTo(fired.dueAtMs);
    await h.pulse.waitFor(() => h.tracker.heldReads === 1, 'the candidate read to be held');
    expect(h.orchestrator.requestRefresh()).toBe(false);
    expect(h.orchestrator.requestRefresh()).toBe(true);
    expect(h.orchestrator.requestRefresh()).toBe(true);
    expect(h.clock.pending()).toEqual([]); // nothing armed while ticking
    release();
    const immediate = await h.pulse.waitFor(() => h.tickTimer(fired.id), 'the coalesced tick');
    expect(immediate.delayMs).toBe(0);
    const reads = h.tracker.callsOf('fetchIssuesByStates').length;
    const after = await h.runTick();
    expect(h.tracker.callsOf('fetchIssuesByStates')).toHaveLength(reads + 1);
    expect(after.delayMs).toBe(30_000);
  });

  it('a workflow refresh() that rejects fails only that tick; the next one is armed', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.orchestrator.start();
    h.workflow.refreshResult = new Error('disk on fire');
    expect((await h.runTick()).delayMs).toBe(30_000);
    expect(h.logged('tick failed')[0]).toMatchObject({ level: 'error', reason: 'internal: disk on fire' });
    expect(h.workers).toEqual([]);
    h.workflow.refreshResult = { ok: true };
    await h.runTick();
    expect(h.workers).toHaveLength(1);
  });
});

describe('orchestrator reconciliation (§8.5, §16.3)', () => {
  it('§17.4 terminal state stops running agent and cleans workspace (the path the worker reported, after it exited)', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.startAndTick();
    const worker = h.worker('SYM-1');
    worker.workspaceReady('/test/workspaces/SYM-1');
    worker.endOnStop = false;
    h.updateIssue('SYM-1', { state: 'Done' });
    await h.runTick();
    expect(h.tracker.callsOf('fetchIssuesByIds')).toEqual([{ method: 'fetchIssuesByIds', ids: ['id-SYM-1'] }]);
    // Reconciliation runs before dispatch (spec §7.4): the id refresh precedes the candidate read.
    expect(h.tracker.calls.slice(-2).map((c) => c.method)).toEqual(['fetchIssuesByIds', 'fetchIssuesByStates']);
    expect(worker.stops).toEqual(['terminal']);
    expect(h.snapshot().running[0]).toMatchObject({ issue_identifier: 'SYM-1', stopping: 'terminal', workspace_path: '/test/workspaces/SYM-1' });
    expect(h.removals).toEqual([]); // never while the agent may still write there
    worker.fail(new SymphonyError('canceled', 'run canceled: terminal'));
    await h.pulse.waitFor(() => h.removals.length > 0, 'workspace removal');
    expect(h.removals).toEqual([{ identifier: 'SYM-1', workspacePath: '/test/workspaces/SYM-1' }]);
    expect(h.orchestrator.current.claimed.size).toBe(0);
    expect(h.snapshot().retrying).toEqual([]);
  });

  it('§17.4 non-active state stops running agent without workspace cleanup, and releases the claim', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.startAndTick();
    const worker = h.worker('SYM-1');
    h.updateIssue('SYM-1', { state: 'Human Review' });
    await h.runTick();
    expect(worker.stops).toEqual(['inactive']);
    await h.pulse.waitFor(() => h.orchestrator.current.running.size === 0, 'the worker to exit');
    expect(h.removals).toEqual([]);
    expect(h.orchestrator.current.claimed.size).toBe(0);
    expect(h.snapshot().retrying).toEqual([]);
    // Released, not remembered: back in an active state it is dispatched again.
    h.updateIssue('SYM-1', { state: 'Todo' });
    await h.runTick();
    expect(h.workersOf('SYM-1')).toHaveLength(2);
  });

  it('§17.4 active-state issue refresh updates running entry state', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.startAndTick();
    h.updateIssue('SYM-1', { state: 'In Progress', title: 'Renamed' });
    await h.runTick();
    expect(h.worker('SYM-1').stops).toEqual([]);
    expect(h.snapshot().running[0]).toMatchObject({ state: 'In Progress', stopping: null });
    expect(h.orchestrator.current.running.get('id-SYM-1')?.issue.title).toBe('Renamed');
  });

  it('a failed state refresh keeps workers running; dispatch still happens; the next tick reconciles (§14.2)', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.startAndTick();
    h.updateIssue('SYM-1', { state: 'Done' });
    h.addIssue('SYM-2');
    h.tracker.failNext('tracker_request', 'socket hang up');
    await h.runTick();
    expect(h.worker('SYM-1').stops).toEqual([]);
    expect(h.logged('running issue refresh failed; keeping workers')[0]).toMatchObject({ level: 'warn', reason: 'tracker_request: socket hang up' });
    expect(h.workers.map((w) => w.issue.identifier)).toEqual(['SYM-1', 'SYM-2']);
    await h.runTick();
    expect(h.worker('SYM-1').stops).toEqual(['terminal']);
  });

  it('an invalid workflow (refresh ok:false) skips dispatch but still reconciles, and is operator-visible (§6.3, §17.6)', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.startAndTick();
    h.updateIssue('SYM-1', { state: 'Done' });
    h.addIssue('SYM-2');
    const candidateReads = h.tracker.callsOf('fetchIssuesByStates').length;
    h.workflow.refreshResult = { ok: false, error: new SymphonyError('workflow_parse_error', '/test/WORKFLOW.md: invalid YAML at line 3') };
    await h.runTick();
    expect(h.worker('SYM-1').stops).toEqual(['terminal']);
    expect(h.workersOf('SYM-2')).toEqual([]);
    expect(h.tracker.callsOf('fetchIssuesByStates')).toHaveLength(candidateReads);
    const paused = 'dispatch paused: the workflow file is invalid; running agents go on';
    expect(h.logged(paused)[0]).toMatchObject({
      level: 'error',
      outcome: 'paused',
      reason: 'workflow_parse_error: /test/WORKFLOW.md: invalid YAML at line 3',
    });
    // Logged once per distinct error (issue 7 item 5), not on every tick.
    await h.runTick();
    await h.runTick();
    expect(h.logged(paused)).toHaveLength(1);
    h.workflow.refreshResult = { ok: false, error: new SymphonyError('invalid_config', '/test/WORKFLOW.md: agent.max_turns must be a positive integer') };
    await h.runTick();
    expect(h.logged(paused).map((l) => l.reason)).toEqual([
      'workflow_parse_error: /test/WORKFLOW.md: invalid YAML at line 3',
      'invalid_config: /test/WORKFLOW.md: agent.max_turns must be a positive integer',
    ]);
    expect(h.workersOf('SYM-2')).toEqual([]);
    h.workflow.refreshResult = { ok: true };
    await h.runTick();
    expect(h.workersOf('SYM-2')).toHaveLength(1);
    expect(h.logged('dispatch resumed: the workflow file is valid again')).toHaveLength(1);
    await h.runTick();
    expect(h.logged('dispatch resumed: the workflow file is valid again')).toHaveLength(1);
  });

  it('§17.4 stall detection kills stalled sessions and schedules retry (agent events postpone it)', async () => {
    const h = new Harness({ config: { pollIntervalMs: 30_000, agent: { stallTimeoutMs: 45_000 } } });
    h.addIssue('SYM-1');
    await h.startAndTick(); // t = 0: dispatched
    const worker = h.worker('SYM-1');
    await h.runTick(); // t = 30 s: 30 s since start, not stalled
    worker.agentEvent({ event: 'notification', message: 'still thinking' });
    await h.runTick(); // t = 60 s: 30 s since the last event, not stalled
    expect(worker.stops).toEqual([]);
    await h.runTick(); // t = 90 s: 60 s of silence > 45 s
    expect(worker.stops).toEqual(['stalled']);
    const retry = await h.waitForRetry('SYM-1', 1);
    expect(retry).toMatchObject({ kind: 'failure', due_at: iso(h.clock.now() + 10_000) });
    expect(retry.error).toContain('stalled');
  });
});

describe('orchestrator observability (§13, §17.6)', () => {
  it('a throwing onChange listener is logged and breaks nothing', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    h.orchestrator.onChange(() => {
      throw new Error('listener boom');
    });
    await h.startAndTick();
    expect(h.workers).toHaveLength(1);
    h.worker('SYM-1').finish();
    await h.waitForRetry('SYM-1', 1);
    expect(h.logged('status listener failed')[0]).toMatchObject({ level: 'warn', err: 'Error: listener boom' });
  });

  it('§17.6 agent events update the snapshot; token/rate-limit aggregation remains correct across repeated agent updates', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    h.addIssue('SYM-2');
    await h.startAndTick();
    const [one, two] = [h.worker('SYM-1'), h.worker('SYM-2')];
    one.agentEvent({ event: 'session_started', sessionId: 'th1-tu1', threadId: 'th1', turnId: 'tu1', codexAppServerPid: 4242, message: 'turn 1 started' });
    const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });
    one.agentEvent({ event: 'token_usage_updated', usage: usage(100, 10) });
    one.agentEvent({ event: 'token_usage_updated', usage: usage(300, 20) });
    one.agentEvent({ event: 'token_usage_updated', usage: usage(300, 20) }); // repeated: no double count
    one.agentEvent({ event: 'turn_started', sessionId: 'th1-tu2', turnId: 'tu2' });
    one.agentEvent({ event: 'rate_limits_updated', rateLimits: { primary: { usedPercent: 42 } } });
    two.agentEvent({ event: 'token_usage_updated', usage: usage(50, 5) });
    const row = h.snapshot().running.find((r) => r.issue_identifier === 'SYM-1');
    expect(row).toMatchObject({
      session_id: 'th1-tu2',
      turn_count: 2,
      last_event: 'rate_limits_updated',
      last_message: 'turn 1 started',
      tokens: { input_tokens: 300, output_tokens: 20, total_tokens: 320 },
    });
    expect(h.snapshot().codex_totals).toMatchObject({ input_tokens: 350, output_tokens: 25, total_tokens: 375 });
    expect(h.snapshot().rate_limits).toEqual({ primary: { usedPercent: 42 } });
    h.clock.advance(4_000);
    one.finish();
    await h.waitForRetry('SYM-1', 1);
    const after = h.snapshot();
    expect(after.running.map((r) => r.issue_identifier)).toEqual(['SYM-2']);
    expect(after.codex_totals).toMatchObject({ input_tokens: 350, output_tokens: 25, total_tokens: 375, seconds_running: 8 });
  });

  it('§17.6 structured logging includes issue/session context fields', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.startAndTick();
    const worker = h.worker('SYM-1');
    worker.agentEvent({ event: 'session_started', sessionId: 'th1-tu1' });
    h.updateIssue('SYM-1', { state: 'Human Review' });
    await h.runTick();
    await h.pulse.waitFor(() => h.logged('worker exited').length > 0, 'the worker exit log');
    expect(h.logged('dispatch started')[0]).toMatchObject({ issue_id: 'id-SYM-1', issue_identifier: 'SYM-1', outcome: 'dispatched' });
    expect(h.logged('stopping worker')[0]).toMatchObject({ issue_id: 'id-SYM-1', issue_identifier: 'SYM-1', session_id: 'th1-tu1', reason: 'inactive' });
    expect(h.logged('worker exited')[0]).toMatchObject({ issue_id: 'id-SYM-1', issue_identifier: 'SYM-1', session_id: 'th1-tu1' });
  });
});
