/**
 * The status hub (issue 3): status events for every orchestrator change, per-issue details with
 * recent events and session logs, config status, operator answers routed to the run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import type { PendingOperatorRequest } from '../../src/domain/operator.js';
import { StatusHub, type WorkflowStatusSource } from '../../src/status/hub.js';
import type { StatusEvent } from '../../src/status/types.js';
import { SymphonyError } from '../../src/errors.js';
import { workspaceKey } from '../../src/workspace/key.js';
import { Harness } from '../support/orchestrator-harness.js';
import { RUNTIME_KINDS } from '../../src/runner/kinds.js';

/** The harness workflow source plus the store's reload events, driven by the test. */
function workflowSource(harness: Harness) {
  const reloaded = new Set<(p: { changedSections: readonly string[] }) => void>();
  const rejected = new Set<(p: { line: string }) => void>();
  const source = {
    path: '/srv/WORKFLOW.md',
    current: () => harness.workflow.current(),
    on: (event: 'reloaded' | 'rejected', listener: never) => {
      const set = (event === 'reloaded' ? reloaded : rejected) as Set<unknown>;
      set.add(listener);
      return () => set.delete(listener);
    },
  } as WorkflowStatusSource;
  return {
    source,
    reload: (changedSections: string[]) => reloaded.forEach((l) => l({ changedSections })),
    reject: (line: string) => rejected.forEach((l) => l({ line })),
  };
}

const request: PendingOperatorRequest = {
  kind: 'user_input',
  method: 'item/tool/requestUserInput',
  summary: 'Which database?',
  command: null,
  cwd: null,
  reason: null,
  decisions: [],
  questions: [{ id: 'db', header: 'Database', question: 'Which database?', options: [{ label: 'Postgres', description: '' }], isOther: false, isSecret: false }],
  sinceMs: 0,
  deadlineMs: 1_800_000,
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(logsRoot: string | null = null) {
  const harness = new Harness();
  const wf = workflowSource(harness);
  const hub = new StatusHub({ orchestrator: harness.orchestrator, workflow: wf.source, logsRoot, logger: silentLogger(), now: () => harness.clock.now() });
  const events: StatusEvent[] = [];
  hub.subscribe((event) => events.push(event));
  return { harness, wf, hub, events };
}

describe('status hub (issue 3)', () => {
  it('lists candidates kept out of dispatch by an unknown runtime label as skipped, with the reason (issue 8)', async () => {
    const { harness, hub } = setup();
    harness.addIssue('HUB-7', { labels: ['runtime:gpt-9'] });
    harness.addIssue('HUB-8');
    await harness.startAndTick();
    await harness.waitForWorker('HUB-8');
    expect(hub.snapshot().skipped).toEqual([
      expect.objectContaining({ issue_identifier: 'HUB-7', state: 'Todo', reason: `label runtime:gpt-9 names no runtime of this build (supported: ${RUNTIME_KINDS.join(', ')})` }),
    ]);
    expect(hub.snapshot().running.map((row) => [row.issue_identifier, row.runtime])).toEqual([['HUB-8', 'codex']]);
  });

  it('streams dispatch, agent events, run end and retry as numbered status events', async () => {
    const { harness, hub, events } = setup();
    harness.addIssue('HUB-1');
    await harness.startAndTick();
    const worker = await harness.waitForWorker('HUB-1');
    worker.workspaceReady('/ws/HUB-1');
    worker.agentEvent({ event: 'session_started', sessionId: 't-1', message: 'turn 1 started' });
    worker.fail(new SymphonyError('turn_failed', 'turn t failed'));
    await harness.waitForRetry('HUB-1', 1);
    expect(events.map((e) => e.type)).toEqual(['dispatch', 'agent_event', 'run_ended', 'retry_scheduled']);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(events[0]).toMatchObject({ issue_identifier: 'HUB-1', data: { attempt: null, state: 'Todo' } });
    expect(events[1]).toMatchObject({ message: 'session started', data: { event: 'session_started', session_id: 't-1', turn_count: 1 } });
    expect(events[2]).toMatchObject({ data: { outcome: 'failed', reason: expect.stringContaining('turn t failed') } });
    expect(events[3]).toMatchObject({ data: { attempt: 1, kind: 'failure', cause: 'worker_failed' } });

    const detail = hub.issue('hub-1');
    expect(detail).toMatchObject({ issue_identifier: 'HUB-1', status: 'retrying', workspace: { path: '/ws/HUB-1' }, retry: { attempt: 1 } });
    expect(detail?.recent_events.map((e) => e.event)).toEqual(['dispatch', 'session_started', 'run_ended', 'retry_scheduled']);
    expect(detail?.last_error).toContain('turn t failed');
    expect(hub.issue('NOPE-1')).toBeNull();
  });

  it('routes an operator answer to the waiting run; 409-style outcomes otherwise', async () => {
    const { harness, hub, events } = setup();
    harness.addIssue('HUB-2');
    await harness.startAndTick();
    const worker = await harness.waitForWorker('HUB-2');
    expect(hub.answer('HUB-2', { decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });
    expect(hub.answer('HUB-404', { decision: 'accept' })).toMatchObject({ ok: false, code: 'issue_not_found' });
    worker.agentEvent({ event: 'operator_waiting', operatorRequest: request, message: 'question' });
    expect(hub.snapshot().waiting).toHaveLength(1);
    expect(hub.issue('HUB-2')?.status).toBe('waiting');
    expect(events.at(-1)).toMatchObject({ type: 'operator_waiting', data: { kind: 'user_input', summary: 'Which database?' } });
    const answer = { answers: { db: ['Postgres'] } };
    expect(hub.answer('hub-2', answer)).toEqual({ ok: true });
    expect(worker.answers).toEqual([answer]);
    worker.agentEvent({ event: 'operator_answered', message: 'answers to 1 question' });
    expect(events.at(-1)).toMatchObject({ type: 'operator_answered', data: { kind: 'user_input' } });
    expect(hub.snapshot().counts.waiting).toBe(0);
  });

  it('shows dispatch paused while WORKFLOW.md is invalid, since the first rejected edit (issue 7 item 5)', () => {
    const { harness, hub, wf, events } = setup();
    expect(hub.snapshot().dispatch).toEqual({ state: 'active', paused_since: null, reason: null, summary: 'dispatch: active' });
    const since = new Date(harness.clock.now()).toISOString();
    wf.reject('workflow_parse_error: bad YAML at line 3');
    expect(hub.snapshot().dispatch).toEqual({
      state: 'paused',
      paused_since: since,
      reason: 'workflow_parse_error: bad YAML at line 3',
      summary: `dispatch: paused — WORKFLOW.md invalid since ${since}: workflow_parse_error: bad YAML at line 3`,
    });
    expect(events.at(-1)).toMatchObject({ type: 'config_rejected', message: expect.stringContaining('dispatch paused until WORKFLOW.md is valid'), data: { paused_since: since } });
    // A second bad edit keeps the first time and shows the new error.
    harness.clock.advance(60_000);
    wf.reject('invalid_config: agent.max_turns must be a positive integer');
    expect(hub.snapshot().dispatch).toMatchObject({ state: 'paused', paused_since: since, reason: 'invalid_config: agent.max_turns must be a positive integer' });
    wf.reload([]);
    expect(hub.snapshot().dispatch.state).toBe('active');
  });

  it('reports blocked issues and config reloads and rejections', async () => {
    const { harness, hub, events, wf } = setup();
    harness.addIssue('HUB-3');
    await harness.startAndTick();
    const worker = await harness.waitForWorker('HUB-3');
    worker.agentEvent({ event: 'operator_waiting', operatorRequest: request });
    worker.fail(new SymphonyError('operator_timeout', 'nobody answered'));
    await harness.pulse.waitFor(() => hub.snapshot().counts.blocked === 1, 'HUB-3 blocked');
    expect(events.slice(-2).map((e) => e.type)).toEqual(['run_ended', 'blocked']);
    expect(events.at(-2)).toMatchObject({ data: { outcome: 'blocked' } });
    expect(hub.issue('HUB-3')).toMatchObject({ status: 'blocked', blocked: { state: 'Todo' } });
    expect(hub.answer('HUB-3', { decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });

    wf.reload(['agent']);
    wf.reject('workflow_parse_error: bad YAML at line 3');
    const snapshot = hub.snapshot();
    expect(snapshot.config).toMatchObject({
      workflow_path: '/srv/WORKFLOW.md',
      last_reload: { changed: ['agent'] },
      last_rejected: { reason: 'workflow_parse_error: bad YAML at line 3' },
    });
    expect(snapshot).toMatchObject({ max_concurrent_agents: 10, max_turns: 20 });
    expect(events.slice(-2).map((e) => e.type)).toEqual(['config_reloaded', 'config_rejected']);

    // Moving the issue releases it.
    harness.updateIssue('HUB-3', { state: 'In Progress' });
    await harness.runTick();
    await harness.pulse.waitFor(() => events.some((e) => e.type === 'released'), 'HUB-3 released');
  });

  it('lists session logs of an issue and resolves them by label only', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'hub-logs-'));
    dirs.push(root);
    const { harness, hub } = setup(root);
    harness.addIssue('HUB-4');
    await harness.startAndTick();
    await harness.waitForWorker('HUB-4');
    const dir = path.join(root, 'sessions', workspaceKey('HUB-4'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'thread-1-turn-1.jsonl'), '{"dir":"recv"}\n');
    writeFileSync(path.join(root, 'secret.jsonl'), 'no');
    const logs = hub.issue('HUB-4')?.logs.codex_session_logs ?? [];
    expect(logs).toEqual([
      expect.objectContaining({ label: 'thread-1-turn-1', path: path.join(dir, 'thread-1-turn-1.jsonl'), url: '/api/v1/HUB-4/logs/thread-1-turn-1', bytes: 15 }),
    ]);
    expect(hub.sessionLogPath('HUB-4', 'thread-1-turn-1')).toBe(path.join(dir, 'thread-1-turn-1.jsonl'));
    expect(hub.sessionLogPath('HUB-4', '../../secret')).toBeNull();
    expect(hub.sessionLogPath('HUB-4', 'missing')).toBeNull();
  });
});
