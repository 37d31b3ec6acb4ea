/**
 * The orchestrator shell's worker exits, retries (spec §8.4, §16.6) and shutdown, against the same
 * fakes as orchestrator.test.ts (memory tracker, deferred-promise workers, manual clock).
 */
import { describe, expect, it } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import { Harness } from '../support/orchestrator-harness.js';

const iso = (ms: number): string => new Date(ms).toISOString();
/** An hour-long poll interval: no poll tick interleaves with the retries under test. */
const QUIET = { pollIntervalMs: 3_600_000 } as const;

describe('orchestrator worker exits and retries (§8.4, §16.6)', () => {
  it('§17.4 normal worker exit schedules a short continuation retry (attempt 1) that re-reads the issue by id', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    await h.startAndTick();
    h.worker('SYM-1').finish();
    const retry = await h.waitForRetry('SYM-1');
    expect(retry).toMatchObject({ attempt: 1, kind: 'continuation', error: null, due_at: iso(h.clock.now() + 1000) });
    expect(h.orchestrator.current.running.size).toBe(0);
    expect(h.orchestrator.current.claimed.has('id-SYM-1')).toBe(true);
    h.updateIssue('SYM-1', { title: 'Updated while waiting' });
    h.clock.advance(999);
    expect(h.tracker.callsOf('fetchIssuesByIds')).toEqual([]);
    h.clock.advance(1);
    const next = await h.waitForWorker('SYM-1', 2);
    expect(h.tracker.callsOf('fetchIssuesByIds')).toEqual([{ method: 'fetchIssuesByIds', ids: ['id-SYM-1'] }]);
    expect(next.attempt).toBe(1);
    expect(next.issue.title).toBe('Updated while waiting');
    expect(h.snapshot().retrying).toEqual([]);
  });

  it('§17.4 abnormal worker exit increments retries with 10s-based exponential backoff; §17.4 retry queue entries include attempt, due time, identifier, and error', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    await h.startAndTick();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      h.worker('SYM-1').fail(new SymphonyError('turn_failed', `model error #${attempt}`));
      const row = await h.waitForRetry('SYM-1', attempt);
      expect(row).toMatchObject({ issue_id: 'id-SYM-1', issue_identifier: 'SYM-1', kind: 'failure', error: `worker exited: turn_failed: model error #${attempt}` });
      const delay = Date.parse(row.due_at) - h.clock.now();
      delays.push(delay);
      h.clock.advance(delay - 1);
      expect(h.workersOf('SYM-1')).toHaveLength(attempt);
      h.clock.advance(1);
      expect((await h.waitForWorker('SYM-1', attempt + 1)).attempt).toBe(attempt);
    }
    expect(delays).toEqual([10_000, 20_000, 40_000]);
  });

  it('§17.4 retry backoff cap uses configured agent.max_retry_backoff_ms', async () => {
    const h = new Harness({ config: { ...QUIET, agent: { maxRetryBackoffMs: 15_000 } } });
    h.addIssue('SYM-1');
    await h.startAndTick();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      h.worker('SYM-1').fail();
      const row = await h.waitForRetry('SYM-1', attempt);
      delays.push(Date.parse(row.due_at) - h.clock.now());
      h.clock.advance(delays.at(-1)!);
      await h.waitForWorker('SYM-1', attempt + 1);
    }
    expect(delays).toEqual([10_000, 15_000, 15_000]);
  });

  it('a due retry whose issue went terminal removes the workspace and releases the claim', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    await h.startAndTick();
    h.worker('SYM-1').fail();
    await h.waitForRetry('SYM-1', 1);
    h.updateIssue('SYM-1', { state: 'Done' });
    h.clock.advance(10_000);
    await h.pulse.waitFor(() => h.removals.length > 0, 'workspace removal');
    expect(h.removals).toEqual([{ identifier: 'SYM-1', workspacePath: null }]);
    expect(h.orchestrator.current.claimed.size).toBe(0);
    expect(h.snapshot().retrying).toEqual([]);
    expect(h.workersOf('SYM-1')).toHaveLength(1);
    expect(h.logged('claim released').at(-1)).toMatchObject({ issue_id: 'id-SYM-1', issue_identifier: 'SYM-1', reason: 'issue reached a terminal state' });
  });

  it('a due retry whose issue vanished or left the active states releases the claim without cleanup', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    h.addIssue('SYM-2');
    await h.startAndTick();
    h.worker('SYM-1').fail();
    h.worker('SYM-2').fail();
    await h.waitForRetry('SYM-1', 1);
    await h.waitForRetry('SYM-2', 1);
    h.tracker.removeIssue('id-SYM-1');
    h.updateIssue('SYM-2', { state: 'Human Review' });
    h.clock.advance(10_000);
    await h.pulse.waitFor(() => h.orchestrator.current.claimed.size === 0, 'both claims released');
    expect(h.removals).toEqual([]);
    expect(h.workers).toHaveLength(2);
    expect(h.snapshot().retrying).toEqual([]);
  });

  it('a failed retry re-read requeues with the next attempt', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    await h.startAndTick();
    h.worker('SYM-1').fail();
    await h.waitForRetry('SYM-1', 1);
    h.tracker.failNext('tracker_status', 'linear answered 502');
    h.clock.advance(10_000);
    const row = await h.waitForRetry('SYM-1', 2);
    expect(row.error).toBe('retry refresh failed: tracker_status: linear answered 502');
    expect(Date.parse(row.due_at) - h.clock.now()).toBe(20_000);
  });

  it('§17.4 slot exhaustion requeues retries with explicit error reason', async () => {
    const h = new Harness({ config: { ...QUIET, agent: { maxConcurrentAgents: 1 } } });
    h.addIssue('SYM-1', { priority: 1 });
    h.addIssue('SYM-2', { priority: 2 });
    await h.startAndTick();
    expect(h.workers.map((w) => w.issue.identifier)).toEqual(['SYM-1']);
    h.worker('SYM-1').fail();
    await h.waitForRetry('SYM-1', 1);
    h.orchestrator.requestRefresh(); // the freed slot goes to SYM-2
    await h.runTick();
    expect(h.workers.map((w) => w.issue.identifier)).toEqual(['SYM-1', 'SYM-2']);
    h.clock.advance(10_000);
    const row = await h.waitForRetry('SYM-1', 2);
    expect(row).toMatchObject({ kind: 'failure', error: 'no available orchestrator slots', due_at: iso(h.clock.now() + 20_000) });
    expect(h.workersOf('SYM-1')).toHaveLength(1);
  });

  it('startWorker throwing becomes a failure retry "failed to spawn agent"', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    h.spawnFailures = 1;
    await h.startAndTick();
    const row = await h.waitForRetry('SYM-1', 1);
    expect(row.error).toContain('failed to spawn agent');
    expect(row.error).toContain('spawn refused by test');
    expect(Date.parse(row.due_at) - h.clock.now()).toBe(10_000);
    expect(h.orchestrator.current.running.size).toBe(0);
    h.clock.advance(10_000);
    expect((await h.waitForWorker('SYM-1')).attempt).toBe(1);
  });
});

describe('orchestrator shutdown', () => {
  it('shutdown() stops every worker, cancels retry timers, dispatches nothing more and resolves true once workers end', async () => {
    const h = new Harness();
    for (const id of ['SYM-1', 'SYM-2', 'SYM-3']) h.addIssue(id);
    await h.startAndTick();
    h.worker('SYM-3').fail();
    await h.waitForRetry('SYM-3', 1);
    const [one, two] = [h.worker('SYM-1'), h.worker('SYM-2')];
    one.endOnStop = false;
    two.endOnStop = false;
    let result: boolean | undefined;
    const stopping = h.orchestrator.shutdown(8000).then((r) => (result = r));
    expect(one.stops).toEqual(['shutdown']);
    expect(two.stops).toEqual(['shutdown']);
    expect(h.clock.pending().map((t) => t.delayMs)).toEqual([8000]); // only the deadline: no poll, no retry
    expect(h.snapshot().retrying).toEqual([]);
    one.finish();
    await h.pulse.waitFor(() => h.orchestrator.current.running.size === 1, 'the first worker to exit');
    expect(result).toBeUndefined();
    two.fail(new SymphonyError('canceled', 'run canceled: shutdown'));
    await stopping;
    expect(result).toBe(true);
    expect(h.orchestrator.current.claimed.size).toBe(0);
    expect(h.snapshot().retrying).toEqual([]);
    expect(h.clock.pending()).toEqual([]);
    const reads = h.tracker.calls.length;
    h.addIssue('SYM-4');
    expect(h.orchestrator.requestRefresh()).toBe(true);
    h.clock.advance(3_600_000);
    expect(h.tracker.calls).toHaveLength(reads);
    expect(h.workers).toHaveLength(3);
  });

  it('shutdown() resolves false when a worker never ends before the deadline', async () => {
    const h = new Harness();
    h.addIssue('SYM-1');
    await h.startAndTick();
    const worker = h.worker('SYM-1');
    worker.endOnStop = false;
    const stopping = h.orchestrator.shutdown(5000);
    expect(worker.stops).toEqual(['shutdown']);
    h.clock.advance(5000);
    expect(await stopping).toBe(false);
    worker.finish();
  });

  it('shutdown() during a held candidate read waits for the tick and dispatches nothing', async () => {
    const h = new Harness();
    await h.orchestrator.start();
    h.addIssue('SYM-1');
    const release = h.tracker.hold();
    h.clock.advanceTo(h.tickTimer()!.dueAtMs);
    await h.pulse.waitFor(() => h.tracker.heldReads === 1, 'the candidate read to be held');
    const stopping = h.orchestrator.shutdown(8000);
    release();
    expect(await stopping).toBe(true);
    expect(h.workers).toEqual([]);
    expect(h.clock.pending()).toEqual([]);
  });

  it('shutdown() during an in-flight retry re-read releases the claim instead of dispatching', async () => {
    const h = new Harness({ config: QUIET });
    h.addIssue('SYM-1');
    await h.startAndTick();
    h.worker('SYM-1').fail();
    await h.waitForRetry('SYM-1', 1);
    const release = h.tracker.hold();
    h.clock.advance(10_000);
    await h.pulse.waitFor(() => h.tracker.heldReads === 1, 'the retry re-read to be held');
    const stopping = h.orchestrator.shutdown(8000);
    release();
    expect(await stopping).toBe(true);
    expect(h.workers).toHaveLength(1);
    expect(h.orchestrator.current.claimed.size).toBe(0);
  });
});
