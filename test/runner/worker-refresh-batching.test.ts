/**
 * Issue 7 item 3 through the real worker composition (`createWorkerStarter`, the scripted fake
 * app-server): workers that finish their turns at about the same time re-read their issues in one
 * tracker request instead of one each, and a worker stopped while its re-read is gathering ends at
 * once. The batcher's window runs on a manual clock that the test moves explicitly (or never), so
 * the outcome does not depend on how the processes are scheduled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EffectiveWorkflow } from '../../src/config/types.js';
import type { Issue } from '../../src/domain/issue.js';
import { silentLogger } from '../../src/logging/logger.js';
import { createWorkerStarter } from '../../src/service/worker-factory.js';
import { BatchedTrackerAdapter } from '../../src/tracker/batched.js';
import { REFRESH_GATHER_MS } from '../../src/tracker/refresh-batcher.js';
import type { TrackerAdapter } from '../../src/tracker/tracker.js';
import { loadWorkflow, TempDirs, writeWorkflow } from '../conformance/support.js';
import { ManualClock } from '../support/manual-clock.js';
import { MemoryTracker, memoryIssue } from '../support/memory-tracker.js';
import { Pulse } from '../support/wait.js';
import { fakeAgentWorkflow } from './helpers.js';

const dirs = new TempDirs();
afterEach(() => dirs.cleanup());

const N = 4;

async function setup(scenario: string) {
  const dir = await dirs.make('symphony-refresh-batching-');
  const file = await writeWorkflow(dir, fakeAgentWorkflow(dir, scenario));
  const workflow = await loadWorkflow(file, process.env);
  const issues = Array.from({ length: N }, (_, i) => memoryIssue({ identifier: `ABC-${i + 1}`, id: `issue-${i + 1}`, state: 'In Progress' }));
  return { workflow, issues, memory: new MemoryTracker({ issues }) };
}

function startAll(workflow: EffectiveWorkflow, issues: readonly Issue[], tracker: TrackerAdapter) {
  const start = createWorkerStarter({ logger: silentLogger(), env: process.env, currentWorkflow: () => workflow, clientVersion: '0.0.0-test' });
  return issues.map((issue) => {
    const handle = start(issue, null, workflow, tracker, { workspaceReady: () => undefined, agentEvent: () => undefined });
    const done = handle.done.then(
      (exit: unknown) => ({ ok: true as const, exit }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    return { handle, done };
  });
}

const idReads = (memory: MemoryTracker) => memory.calls.filter((call) => call.method === 'fetchIssuesByIds').map((call) => [...call.ids].sort());

describe('post-turn re-reads share one tracker request (issue 7 item 3)', () => {
  it(`without batching, ${N} workers cost ${N} requests`, async () => {
    const s = await setup('ok');
    const runs = startAll(s.workflow, s.issues, s.memory);
    for (const run of runs) expect(await run.done).toEqual({ ok: true, exit: 'turns_exhausted' });
    expect(idReads(s.memory)).toHaveLength(N);
  });

  it(`${N} workers finishing their turns at about the same time cost one request, sent once the last one asked`, async () => {
    const s = await setup('ok');
    const pulse = new Pulse();
    const clock = new ManualClock();
    const tracker = new BatchedTrackerAdapter(s.memory, { clock, onChange: pulse.notify });
    const runs = startAll(s.workflow, s.issues, tracker);
    // The manual clock never moves: the gather window cannot end, so only the last worker's
    // re-read (every registered worker then waiting) can send the batch.
    for (const run of runs) expect(await run.done).toEqual({ ok: true, exit: 'turns_exhausted' });
    expect(idReads(s.memory)).toEqual([s.issues.map((issue) => issue.id).sort()]);
  });

  it('re-reads gather until the window ends while another registered worker is still in its turn', async () => {
    const s = await setup('ok');
    const pulse = new Pulse();
    const clock = new ManualClock();
    const tracker = new BatchedTrackerAdapter(s.memory, { clock, onChange: pulse.notify });
    const busy = tracker.batcher.watch('issue-busy'); // a worker whose turn has not ended
    const runs = startAll(s.workflow, s.issues, tracker);
    await pulse.waitFor(() => tracker.batcher.queued === N, `${N} re-reads gathering`);
    expect(idReads(s.memory)).toEqual([]);
    clock.advance(REFRESH_GATHER_MS);
    for (const run of runs) expect(await run.done).toEqual({ ok: true, exit: 'turns_exhausted' });
    expect(idReads(s.memory)).toEqual([s.issues.map((issue) => issue.id).sort()]);
    busy();
  });

  it('a worker stopped while its re-read gathers ends at once (canceled), without waiting for the window', async () => {
    const s = await setup('ok');
    const pulse = new Pulse();
    const clock = new ManualClock();
    const tracker = new BatchedTrackerAdapter(s.memory, { clock, onChange: pulse.notify });
    const busy = tracker.batcher.watch('issue-busy');
    const [run] = startAll(s.workflow, s.issues.slice(0, 1), tracker);
    await pulse.waitFor(() => tracker.batcher.queued === 1, 'the re-read gathering');
    run!.handle.stop('shutdown');
    expect(await run!.done).toMatchObject({ ok: false, error: { code: 'canceled' } });
    expect(tracker.batcher.queued).toBe(0);
    expect(clock.pending()).toEqual([]);
    expect(idReads(s.memory)).toEqual([]);
    busy();
  });
});
