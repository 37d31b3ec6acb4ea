/**
 * Review findings on the orchestrator shell (src/scheduler/orchestrator.ts) and the scheduling
 * policy (src/scheduler/policy.ts), driven through the shared harness and the pure core.
 */
import { describe, expect, it } from 'vitest';
import { shouldDispatch } from '../../src/scheduler/core.js';
import type { SchedulerEvent } from '../../src/scheduler/events.js';
import type { SchedulerConfig } from '../../src/scheduler/policy.js';
import { memoryIssue } from '../support/memory-tracker.js';
import { Harness } from '../support/orchestrator-harness.js';

describe('review: orchestrator shell (src/scheduler/orchestrator.ts)', () => {
  it('§16.1 a refresh requested while startup cleanup is still running does not start a poll tick before the cleanup ends', async () => {
    const h = new Harness();
    h.addIssue('SYM-1', { state: 'Done' });
    h.addIssue('SYM-2', { state: 'Todo' });
    const events: SchedulerEvent['type'][] = [];
    h.orchestrator.onChange(({ event }) => events.push(event.type));
    const release = h.tracker.hold();
    const started = h.orchestrator.start(); // the terminal-state read is held
    await h.pulse.waitFor(() => h.tracker.heldReads === 1, 'the startup terminal read');

    // E.g. the workflow store's `reloaded` event (an edit while the daemon starts) asks for a refresh.
    h.orchestrator.requestRefresh();
    h.clock.advance(0);
    // §16.1: startup cleanup, then the first tick. Nothing of a tick may have run yet.
    expect(events).toEqual([]);

    release();
    await started;
    expect(h.removals.map((r) => r.identifier)).toEqual(['SYM-1']);
  });
});

describe('review: scheduling policy (src/scheduler/policy.ts)', () => {
  const config: SchedulerConfig = {
    activeStates: ['Todo', 'Constructor'],
    terminalStates: ['Done'],
    requiredLabels: [],
    maxConcurrentAgents: 10,
    maxConcurrentAgentsByState: {},
    maxRetryBackoffMs: 300_000,
    stallTimeoutMs: 300_000,
  };
  const empty = { running: new Map(), claimed: new Set<string>() };

  it('§8.3 a state without a per-state limit falls back to the global limit, whatever its name', () => {
    expect(shouldDispatch(memoryIssue({ identifier: 'SYM-1', state: 'Todo' }), empty, config)).toBe(true);
    // `{}`["constructor"] is Object: the per-state lookup reads the prototype chain.
    expect(shouldDispatch(memoryIssue({ identifier: 'SYM-2', state: 'Constructor' }), empty, config)).toBe(true);
  });
});
