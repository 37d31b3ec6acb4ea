/**
 * The "recently finished" list of the status snapshot (`recent_runs`) and the last activity the
 * terminal view shows, from the real orchestrator through the status hub: runs that end are listed
 * newest first with their typed outcome, and bookkeeping agent events (a Codex status notice such
 * as `remoteControl/status/changed`) never become what the view says an agent is doing.
 */
import { describe, expect, it } from 'vitest';
import { renderStatusView } from '../../src/cli/status-view.js';
import { SymphonyError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging/logger.js';
import { StatusHub, type WorkflowStatusSource } from '../../src/status/hub.js';
import { recentRunOf, withRecentRun } from '../../src/status/recent-runs.js';
import { RECENT_RUNS_LIMIT } from '../../src/status/types.js';
import { Harness } from '../support/orchestrator-harness.js';

/** A workflow source with no reloads: the hub only reads the current workflow from it. */
function quietWorkflow(harness: Harness): WorkflowStatusSource {
  return { path: '/srv/WORKFLOW.md', current: () => harness.workflow.current(), on: () => () => undefined };
}

function setup(): { harness: Harness; hub: StatusHub } {
  const harness = new Harness();
  const hub = new StatusHub({ orchestrator: harness.orchestrator, workflow: quietWorkflow(harness), logsRoot: null, logger: silentLogger(), now: () => harness.clock.now() });
  return { harness, hub };
}

describe('recent_runs in the status snapshot', () => {
  it('lists runs that ended, newest first, with outcome, reason, duration and tracker link', async () => {
    const { harness, hub } = setup();
    expect(hub.snapshot().recent_runs).toEqual([]);
    harness.addIssue('RR-1', { url: 'https://tracker.example/RR-1' });
    harness.addIssue('RR-2');
    await harness.startAndTick();
    const first = await harness.waitForWorker('RR-1');
    const second = await harness.waitForWorker('RR-2');
    harness.clock.advance(65_000);
    first.finish();
    await harness.pulse.waitFor(() => hub.snapshot().recent_runs?.length === 1, 'RR-1 in recent_runs');
    harness.clock.advance(5_000);
    second.fail(new SymphonyError('turn_failed', 'the model returned an error'));
    await harness.pulse.waitFor(() => hub.snapshot().recent_runs?.length === 2, 'RR-2 in recent_runs');

    const runs = hub.snapshot().recent_runs ?? [];
    expect(runs.map((run) => [run.issue_identifier, run.outcome])).toEqual([
      ['RR-2', 'failed'],
      ['RR-1', 'completed'],
    ]);
    expect(runs[0]).toMatchObject({ issue_id: 'id-RR-2', reason: expect.stringContaining('the model returned an error'), duration_ms: 70_000, attempt: null });
    expect(runs[1]).toMatchObject({ issue_url: 'https://tracker.example/RR-1', reason: null, duration_ms: 65_000, ended_at: new Date(harness.clock.now() - 5_000).toISOString() });
    // The terminal view lists them.
    const view = renderStatusView(hub.snapshot(), { nowMs: harness.clock.now(), columns: 140, rows: 40, color: false, throughput: 0 });
    expect(view).toMatch(/RR-2\s+failed\s+0s ago\s+1m 10s\s+.*the model returned an error/);
    expect(view).toMatch(/RR-1\s+completed\s+5s ago\s+1m 05s/);
  });

  it('keeps at most RECENT_RUNS_LIMIT rows, dropping the oldest', () => {
    const effect = (n: number) => ({ type: 'run_ended' as const, issueId: `id-${n}`, identifier: `RR-${n}`, outcome: 'completed' as const, reason: null, durationMs: n, attempt: null, sessionId: null, runtime: 'codex' as const });
    let runs = withRecentRun([], recentRunOf(effect(0), null, 0));
    for (let n = 1; n < RECENT_RUNS_LIMIT + 5; n++) runs = withRecentRun(runs, recentRunOf(effect(n), null, n * 1000));
    expect(runs).toHaveLength(RECENT_RUNS_LIMIT);
    expect(runs[0]?.issue_identifier).toBe(`RR-${RECENT_RUNS_LIMIT + 4}`);
    expect(runs.at(-1)?.issue_identifier).toBe('RR-5');
    expect(withRecentRun(runs, recentRunOf(effect(99), null, 0), 3).map((run) => run.issue_identifier)).toEqual(['RR-99', `RR-${RECENT_RUNS_LIMIT + 4}`, `RR-${RECENT_RUNS_LIMIT + 3}`]);
  });
});

describe('last activity under bookkeeping events', () => {
  it('a status notice after a command leaves "running `npm test`" as the last event in the view', async () => {
    const { harness, hub } = setup();
    harness.addIssue('RR-3');
    await harness.startAndTick();
    const worker = await harness.waitForWorker('RR-3');
    worker.agentEvent({ event: 'notification', message: 'item/started: commandExecution', activity: { kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null } });
    worker.agentEvent({ event: 'notification', message: 'remoteControl status changed', activity: { kind: 'internal', phase: 'progress', tool: null, command: null, detail: 'remoteControl/status/changed' } });
    worker.agentEvent({ event: 'token_usage_updated', usage: { inputTokens: 10, outputTokens: 2, totalTokens: 12 } });

    const row = hub.snapshot().running.find((r) => r.issue_identifier === 'RR-3');
    expect(row?.last_message).toBe('remoteControl status changed');
    expect(row?.last_activity).toMatchObject({ kind: 'command', summary: 'running `npm test`' });
    const view = renderStatusView(hub.snapshot(), { nowMs: harness.clock.now(), columns: 160, rows: 40, color: false, throughput: 0 });
    expect(view).toMatch(/RR-3 .* running `npm test`/);
    expect(view).not.toMatch(/remoteControl|status changed|token usage/);
  });
});
