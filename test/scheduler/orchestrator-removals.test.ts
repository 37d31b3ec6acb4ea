/**
 * Workspace removal against a new run of the same issue: a removal still running (its
 * `before_remove` hook, then `rm -rf`) must finish before a new worker may touch the workspace.
 */
import { describe, expect, it } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import { Harness } from '../support/orchestrator-harness.js';
import { deferred } from '../support/wait.js';

describe('orchestrator: workspace removal and a new dispatch of the same issue', () => {
  it('a run dispatched while its issue workspace is still being removed waits for the removal', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.startAndTick();
    const first = h.worker('SYM-1');
    first.workspaceReady('/test/workspaces/SYM-1');
    const removal = deferred<void>();
    h.holdRemovals = removal.promise;
    h.updateIssue('SYM-1', { state: 'Done' });
    await h.runTick();
    first.fail(new SymphonyError('canceled', 'run canceled: terminal'));
    await h.pulse.waitFor(() => h.removals.length > 0, 'workspace removal');
    expect(first.notBefore).toBeUndefined();

    // The issue is reopened while before_remove still runs: the new worker starts, but must wait.
    h.updateIssue('SYM-1', { state: 'Todo' });
    await h.runTick();
    const second = await h.waitForWorker('SYM-1', 2);
    expect(second.notBefore).toBeDefined();
    let released = false;
    const waited = second.notBefore!.then(() => {
      released = true;
    });
    await Promise.resolve();
    expect(released).toBe(false);
    removal.resolve();
    await waited;
    expect(released).toBe(true);
  });

  it('startup cleanup runs removals at most four at a time', async () => {
    const h = new Harness();
    for (const n of [1, 2, 3, 4, 5, 6]) h.addIssue(`SYM-${n}`, { state: 'Done' });
    const removal = deferred<void>();
    h.holdRemovals = removal.promise;
    const started = h.orchestrator.start();
    await h.pulse.waitFor(() => h.removals.length === 4, 'four removals started');
    await Promise.resolve();
    expect(h.removals).toHaveLength(4);
    removal.resolve();
    await started;
    expect(h.removals.map((r) => r.identifier).sort()).toEqual(['SYM-1', 'SYM-2', 'SYM-3', 'SYM-4', 'SYM-5', 'SYM-6']);
  });
});
