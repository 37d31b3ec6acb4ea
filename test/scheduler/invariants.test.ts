import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { step } from '../../src/scheduler/core.js';
import type { SchedulerEvent } from '../../src/scheduler/events.js';
import type { SchedulerConfig } from '../../src/scheduler/policy.js';
import { initialState, type OrchestratorState } from '../../src/scheduler/state.js';
import type { Issue } from '../../src/domain/issue.js';
import { makeIssue } from '../support/issues.js';

const config: SchedulerConfig = {
  activeStates: ['Todo', 'In Progress'],
  terminalStates: ['Done'],
  requiredLabels: [],
  maxConcurrentAgents: 3,
  maxConcurrentAgentsByState: { 'in progress': 1 },
  maxRetryBackoffMs: 60_000,
  stallTimeoutMs: 5_000,
};

const ids = ['I-1', 'I-2', 'I-3', 'I-4', 'I-5'];
const states = ['Todo', 'In Progress', 'Human Review', 'Done'];

const issueArb = fc.record({
  n: fc.integer({ min: 0, max: ids.length - 1 }),
  state: fc.constantFrom(...states),
  dispatchable: fc.boolean(),
  priority: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
});

const toIssue = (r: { n: number; state: string; dispatchable: boolean; priority: number | null }): Issue =>
  makeIssue({ identifier: ids[r.n]!, id: ids[r.n]!, state: r.state, dispatchable: r.dispatchable, priority: r.priority });

const eventArb: fc.Arbitrary<{ advanceMs: number; event: SchedulerEvent }> = fc.record({
  advanceMs: fc.integer({ min: 0, max: 20_000 }),
  event: fc.oneof(
    fc.array(issueArb, { maxLength: 6 }).map((rs): SchedulerEvent => ({ type: 'candidates_fetched', issues: rs.map(toIssue) })),
    fc.record({ n: fc.integer({ min: 0, max: 4 }), ok: fc.boolean(), code: fc.constantFrom(undefined, 'template_render_error', 'invalid_config', 'turn_failed') }).map(
      ({ n, ok, code }): SchedulerEvent => ({
        type: 'worker_exited',
        issueId: ids[n]!,
        outcome: ok ? { kind: 'normal' } : { kind: 'failed', error: 'x', ...(code === undefined ? {} : { code }) },
      }),
    ),
    fc.subarray(['prompt', 'tracker', 'polling'] as const).map((changedSections): SchedulerEvent => ({ type: 'workflow_reloaded', changedSections })),
    fc.integer({ min: 0, max: 4 }).map((n): SchedulerEvent => ({ type: 'retry_due', issueId: ids[n]! })),
    fc.record({ r: issueArb, gone: fc.boolean() }).map(
      ({ r, gone }): SchedulerEvent => ({ type: 'retry_refreshed', issueId: ids[r.n]!, issue: gone ? null : toIssue(r) }),
    ),
    fc.integer({ min: 0, max: 4 }).map((n): SchedulerEvent => ({ type: 'retry_refresh_failed', issueId: ids[n]!, error: 'e' })),
    fc.array(issueArb, { maxLength: 5 }).map((rs): SchedulerEvent => ({ type: 'running_refreshed', requestedIds: ids, issues: rs.map(toIssue) })),
    fc.constant<SchedulerEvent>({ type: 'stall_check' }),
    fc.constant<SchedulerEvent>({ type: 'running_refresh_failed', error: 'e' }),
  ),
});

function checkInvariants(state: OrchestratorState): void {
  for (const id of [...state.running.keys(), ...state.retryAttempts.keys(), ...state.retryFetches.keys()]) {
    expect(state.claimed.has(id)).toBe(true);
  }
  for (const id of state.running.keys()) {
    expect(state.retryAttempts.has(id) || state.retryFetches.has(id)).toBe(false);
  }
  for (const id of state.retryAttempts.keys()) expect(state.retryFetches.has(id)).toBe(false);
  expect(state.running.size).toBeLessThanOrEqual(config.maxConcurrentAgents);
  const inProgress = [...state.running.values()].filter((e) => e.issue.state.toLowerCase() === 'in progress' && e.stopping === null);
  expect(inProgress.length).toBeLessThanOrEqual(2); // per-state limit 1, plus reconciliation may move one in
}

describe('scheduler core invariants (property-based)', () => {
  it('claimed ⊇ running ∪ retrying; running ≤ limits; never two workers for one issue', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), fc.boolean(), (events, endWithShutdown) => {
        let state = initialState();
        let now = 1_000_000;
        const liveWorkers = new Set<string>();
        const all = endWithShutdown ? [...events, { advanceMs: 0, event: { type: 'shutdown' } as SchedulerEvent }] : events;
        for (const { advanceMs, event } of all) {
          now += advanceMs;
          // The shell only reports exits of workers it actually runs.
          if (event.type === 'worker_exited' && !liveWorkers.has(event.issueId)) continue;
          if (event.type === 'worker_exited') liveWorkers.delete(event.issueId);
          const result = step(state, event, now, config);
          for (const effect of result.effects) {
            if (effect.type === 'start_worker') {
              expect(liveWorkers.has(effect.issue.id)).toBe(false);
              liveWorkers.add(effect.issue.id);
            }
            // Every armed timer belongs to a queued retry due exactly then.
            if (effect.type === 'arm_retry_timer') expect(result.state.retryAttempts.get(effect.issueId)?.dueAtMs).toBe(now + effect.delayMs);
          }
          if (event.type === 'workflow_reloaded') {
            // A reload only ever brings retries forward.
            for (const [id, retry] of result.state.retryAttempts) expect(retry.dueAtMs).toBeLessThanOrEqual(state.retryAttempts.get(id)?.dueAtMs ?? Infinity);
          }
          state = result.state;
          checkInvariants(state);
          expect(new Set(state.running.keys())).toEqual(liveWorkers);
        }
        if (endWithShutdown) {
          expect(state.retryAttempts.size).toBe(0);
          for (const entry of state.running.values()) expect(entry.stopping).not.toBeNull();
        }
      }),
      { numRuns: 400 },
    );
  });
});
