/**
 * §17.4 conformance for the snapshot API this implementation ships (`src/scheduler/snapshot.ts`,
 * `Orchestrator.snapshot()`, spec §13.3): every field the spec lists, derived from orchestrator
 * state driven through the pure core.
 */
import { describe, expect, it } from 'vitest';
import type { EffectiveWorkflow } from '../../src/config/types.js';
import { silentLogger } from '../../src/logging/logger.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import { step } from '../../src/scheduler/core.js';
import type { SchedulerEvent } from '../../src/scheduler/events.js';
import { Orchestrator } from '../../src/scheduler/orchestrator.js';
import type { SchedulerConfig } from '../../src/scheduler/policy.js';
import { snapshotState } from '../../src/scheduler/snapshot.js';
import { initialState, type OrchestratorState } from '../../src/scheduler/state.js';
import { MemoryTracker, memoryIssue } from '../support/memory-tracker.js';
import { TempDirs, loadWorkflow, writeWorkflow } from './support.js';

const config: SchedulerConfig = {
  activeStates: ['Todo', 'In Progress'],
  terminalStates: ['Done'],
  requiredLabels: [],
  maxConcurrentAgents: 10,
  maxConcurrentAgentsByState: {},
  maxRetryBackoffMs: 300_000,
  stallTimeoutMs: 300_000,
};
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function drive(events: readonly [number, SchedulerEvent][]): OrchestratorState {
  return events.reduce((state, [at, event]) => step(state, event, at, config).state, initialState());
}

const agent = (issueId: string, event: Partial<AgentEvent> & Pick<AgentEvent, 'event'>): SchedulerEvent => ({
  type: 'agent_event',
  issueId,
  event: { timestamp: new Date(0), codexAppServerPid: 4242, ...event },
});
const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });

describe('§17.4 snapshot API (conformance)', () => {
  it('§17.4 if a snapshot API is implemented, it returns running rows, retry rows, token totals, and rate limits', () => {
    const a = memoryIssue({ identifier: 'SYM-1', id: 'id-1', url: 'https://tracker.example/SYM-1', state: 'In Progress' });
    const b = memoryIssue({ identifier: 'SYM-2', id: 'id-2', url: 'https://tracker.example/SYM-2' });
    const state = drive([
      [T0, { type: 'candidates_fetched', issues: [a, b] }],
      [T0 + 1_000, { type: 'workspace_ready', issueId: 'id-1', workspacePath: '/ws/SYM-1' }],
      [T0 + 2_000, agent('id-1', { event: 'session_started', sessionId: 'th-tu1', threadId: 'th', turnId: 'tu1', message: 'turn 1 started' })],
      [T0 + 3_000, agent('id-1', { event: 'token_usage_updated', usage: usage(100, 10) })],
      [T0 + 4_000, agent('id-1', { event: 'token_usage_updated', usage: usage(100, 10) })],
      [T0 + 5_000, agent('id-1', { event: 'turn_started', sessionId: 'th-tu2', turnId: 'tu2' })],
      [T0 + 6_000, agent('id-1', { event: 'token_usage_updated', usage: usage(400, 40) })],
      [T0 + 7_000, agent('id-2', { event: 'token_usage_updated', usage: usage(50, 5) })],
      [T0 + 8_000, agent('id-2', { event: 'rate_limits_updated', rateLimits: { primary: { usedPercent: 12 } } })],
      [T0 + 9_000, agent('id-1', { event: 'rate_limits_updated', rateLimits: { primary: { usedPercent: 30 } } })],
      [T0 + 10_000, { type: 'worker_exited', issueId: 'id-2', outcome: { kind: 'failed', error: 'turn_failed: model error' } }],
    ]);
    const snapshot = snapshotState(state, T0 + 20_000);

    expect(snapshot.generated_at).toBe(iso(T0 + 20_000));
    expect(snapshot.counts).toEqual({ running: 1, retrying: 1, claimed: 2, waiting: 0, blocked: 0 });
    expect(snapshot.running).toEqual([
      {
        issue_id: 'id-1',
        issue_identifier: 'SYM-1',
        issue_url: 'https://tracker.example/SYM-1',
        state: 'In Progress',
        session_id: 'th-tu2',
        turn_count: 2,
        last_event: 'rate_limits_updated',
        last_message: 'turn 1 started',
        // Rate limits are bookkeeping: the last activity stays the turn start (issue 7 item 7).
        runtime: 'codex',
        last_activity: { kind: 'turn', phase: 'started', tool: null, command: null, detail: null, summary: 'turn started' },
        started_at: iso(T0),
        last_event_at: iso(T0 + 9_000),
        workspace_path: '/ws/SYM-1',
        waiting: false,
        retry_attempt: null,
        stopping: null,
        tokens: { input_tokens: 400, output_tokens: 40, total_tokens: 440 },
        // Extensions (issue 9): the issue's tokens over all its runs, and whether the run resumed a thread.
        issue_total_tokens: 440,
        resumed: false,
      },
    ]);
    expect(snapshot.retrying).toEqual([
      {
        issue_id: 'id-2',
        issue_identifier: 'SYM-2',
        issue_url: 'https://tracker.example/SYM-2',
        attempt: 1,
        due_at: iso(T0 + 10_000 + 10_000),
        kind: 'failure',
        error: 'worker exited: turn_failed: model error',
        cause: 'worker_failed',
        resumes: false,
      },
    ]);
    // Totals include the ended session (SYM-2: 10 s) and the live one (SYM-1: 20 s at snapshot time).
    expect(snapshot.codex_totals).toEqual({ input_tokens: 450, output_tokens: 45, total_tokens: 495, seconds_running: 30 });
    expect(snapshot.rate_limits).toEqual({ primary: { usedPercent: 30 } });
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it('§17.4 if a snapshot API is implemented, timeout/unavailable cases are surfaced: the in-process snapshot has neither (it is answered before start and after shutdown)', async () => {
    const dirs = new TempDirs();
    try {
      const file = await writeWorkflow(await dirs.make(), ['tracker:', '  kind: memory']);
      const workflow: EffectiveWorkflow = await loadWorkflow(file, {});
      const orchestrator = new Orchestrator({
        workflow: { current: () => workflow, refresh: () => Promise.resolve({ ok: true }) },
        trackerFor: () => new MemoryTracker(),
        startWorker: () => {
          throw new Error('no worker in this test');
        },
        removeWorkspace: () => Promise.resolve(),
        logger: silentLogger(),
      });
      const empty = {
        counts: { running: 0, retrying: 0, claimed: 0 },
        running: [],
        retrying: [],
        codex_totals: { input_tokens: 0, output_tokens: 0, total_tokens: 0, seconds_running: 0 },
        rate_limits: null,
      };
      expect(orchestrator.snapshot()).toMatchObject(empty);
      expect(await orchestrator.shutdown(1000)).toBe(true);
      expect(orchestrator.snapshot()).toMatchObject(empty);
    } finally {
      await dirs.cleanup();
    }
  });
});
