/**
 * The by-id refresh batcher (issue 7 item 3): coalescing within the gather window, at most 50 ids
 * per request, one batch in flight, joining reads not sent yet, error fan-out, urgent reads and
 * aborts. The adapter is a fake whose requests the test answers; issues come from a MemoryTracker;
 * time is a manual clock. Tests wait on the batcher's change events, never on time.
 */
import { describe, expect, it } from 'vitest';
import type { Issue } from '../../src/domain/issue.js';
import { SymphonyError } from '../../src/errors.js';
import { BatchedTrackerAdapter, batchedTrackerFor, refreshIssueOnce } from '../../src/tracker/batched.js';
import { IssueRefreshBatcher, nextBatchDueMs, REFRESH_GATHER_MS, REFRESH_MAX_IDS_PER_REQUEST } from '../../src/tracker/refresh-batcher.js';
import type { ReadOptions } from '../../src/tracker/tracker.js';
import { MemoryTracker } from '../support/memory-tracker.js';
import { testWorkflow } from '../support/orchestrator-harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { deferred, Pulse, type Deferred } from '../support/wait.js';

/** One request the batcher sent. */
interface SentRequest {
  readonly ids: readonly string[];
  readonly signal: AbortSignal | undefined;
  readonly answer: Deferred<Issue[]>;
}

/** `fetchIssuesByIds` whose requests stay open until the test answers them. */
class HeldIdReads {
  readonly requests: SentRequest[] = [];
  constructor(
    readonly store: MemoryTracker,
    private readonly wake: () => void,
  ) {}

  fetchIssuesByIds(ids: readonly string[], options: ReadOptions = {}): Promise<Issue[]> {
    const answer = deferred<Issue[]>();
    this.requests.push({ ids: [...ids], signal: options.signal, answer });
    this.wake();
    return answer.promise;
  }

  /** Answers request `index` from the store. */
  answer(index: number): void {
    const request = this.request(index);
    request.answer.resolve(this.store.issues().filter((issue) => request.ids.includes(issue.id)));
  }

  fail(index: number, error: unknown): void {
    this.request(index).answer.reject(error);
  }

  /** Requests sent and not answered yet. */
  get open(): number {
    return this.requests.filter((r) => !r.answer.settled).length;
  }

  request(index: number): SentRequest {
    const request = this.requests[index];
    if (request === undefined) throw new Error(`no request #${index} (sent ${this.requests.length})`);
    return request;
  }
}

const ids = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `issue-${from + i}`);

function setup(options: { gatherMs?: number; issues?: number } = {}) {
  const pulse = new Pulse();
  const clock = new ManualClock();
  clock.onChange(pulse.notify);
  const store = new MemoryTracker({ issues: ids(0, options.issues ?? 200).map((id) => ({ id, identifier: id.toUpperCase() })) });
  const adapter = new HeldIdReads(store, pulse.notify);
  const batcher = new IssueRefreshBatcher(adapter, { clock, onChange: pulse.notify, ...(options.gatherMs === undefined ? {} : { gatherMs: options.gatherMs }) });
  /** Settles a promise into a value the test can inspect without unhandled rejections. */
  const outcome = <T>(promise: Promise<T>) => {
    const state: { value?: T; error?: unknown; done: boolean } = { done: false };
    promise.then(
      (value) => {
        state.value = value;
        state.done = true;
        pulse.notify();
      },
      (error: unknown) => {
        state.error = error;
        state.done = true;
        pulse.notify();
      },
    );
    return state;
  };
  return { pulse, clock, store, adapter, batcher, outcome };
}

const idsOf = (issues: readonly Issue[] | undefined) => (issues ?? []).map((i) => i.id).sort();

describe('nextBatchDueMs (pure)', () => {
  const base = { gatherMs: 1000, maxIdsPerRequest: 50, everyWatcherWaiting: false };
  it('nothing queued → null; gathering → end of the window; urgent, every worker waiting or a full request → at once', () => {
    expect(nextBatchDueMs({ ...base, queued: 0, gatherStartMs: null, urgent: false })).toBeNull();
    expect(nextBatchDueMs({ ...base, queued: 3, gatherStartMs: 5000, urgent: false })).toBe(6000);
    expect(nextBatchDueMs({ ...base, queued: 3, gatherStartMs: 5000, urgent: true })).toBe(5000);
    expect(nextBatchDueMs({ ...base, queued: 50, gatherStartMs: 5000, urgent: false })).toBe(5000);
    expect(nextBatchDueMs({ ...base, everyWatcherWaiting: true, queued: 2, gatherStartMs: 5000, urgent: false })).toBe(5000);
    expect(nextBatchDueMs({ ...base, gatherMs: -5, queued: 1, gatherStartMs: 5000, urgent: false })).toBe(5000);
  });

  it('documented defaults', () => {
    expect(REFRESH_GATHER_MS).toBe(1000);
    expect(REFRESH_MAX_IDS_PER_REQUEST).toBe(50);
  });
});

describe('IssueRefreshBatcher', () => {
  it('coalesces reads asked within the gather window into one request, sent when the window ends', async () => {
    const s = setup();
    const a = s.outcome(s.batcher.fetch(['issue-1']));
    s.clock.advance(400);
    const b = s.outcome(s.batcher.fetch(['issue-2', 'issue-1']));
    const c = s.outcome(s.batcher.fetch(['issue-3', 'gone']));
    expect(s.batcher.queued).toBe(4);
    s.clock.advance(599);
    expect(s.adapter.requests).toHaveLength(0);
    s.clock.advance(1);
    expect(s.adapter.requests.map((r) => r.ids)).toEqual([['issue-1', 'issue-2', 'issue-3', 'gone']]);
    s.adapter.answer(0);
    await s.pulse.waitFor(() => a.done && b.done && c.done, 'all three callers answered');
    expect(idsOf(a.value)).toEqual(['issue-1']);
    expect(idsOf(b.value)).toEqual(['issue-1', 'issue-2']);
    expect(idsOf(c.value)).toEqual(['issue-3']); // an id no longer visible is omitted
    expect(s.clock.pending()).toEqual([]);
    expect(await s.batcher.fetch([])).toEqual([]);
    expect(s.adapter.requests).toHaveLength(1);
  });

  it('sends at most 50 ids per request, one request after another; 50 queued ids go without waiting for the window', async () => {
    const s = setup();
    const singles = ids(0, 50).map((id) => s.outcome(s.batcher.fetch([id])));
    expect(s.adapter.requests.map((r) => r.ids.length)).toEqual([50]); // a full request does not wait
    const big = s.outcome(s.batcher.fetch(ids(50, 120), { urgent: true }));
    expect(s.adapter.requests).toHaveLength(1); // the urgent batch waits for the one in flight
    s.adapter.answer(0);
    await s.pulse.waitFor(() => singles.every((o) => o.done), 'the 50 single-id callers answered');
    for (let i = 1; i <= 3; i++) {
      await s.pulse.waitFor(() => s.adapter.requests.length === i + 1, `request ${i + 1}`);
      expect(s.adapter.open).toBe(1); // one request at a time
      s.adapter.answer(i);
    }
    expect(s.adapter.requests.map((r) => r.ids.length)).toEqual([50, 50, 50, 20]);
    await s.pulse.waitFor(() => big.done, 'the 120-id caller answered');
    expect(big.value).toHaveLength(120);
    expect(s.batcher.sending).toBe(false);
  });

  it('keeps one batch in flight: reads asked meanwhile wait for it, then go in the next batch once their window ended', async () => {
    const s = setup();
    const first = s.outcome(s.batcher.fetch(['issue-1']));
    s.clock.advance(REFRESH_GATHER_MS);
    expect(s.adapter.requests).toHaveLength(1);
    const second = s.outcome(s.batcher.fetch(['issue-2']));
    const third = s.outcome(s.batcher.fetch(['issue-3']));
    s.clock.advance(5000); // the window of issue-2 ended long ago, but a batch is in flight
    expect(s.adapter.requests).toHaveLength(1);
    expect(s.clock.pending()).toEqual([]);
    s.adapter.answer(0);
    await s.pulse.waitFor(() => first.done && s.adapter.requests.length === 2, 'the next batch, sent as soon as the first one ended');
    expect(s.adapter.request(1).ids).toEqual(['issue-2', 'issue-3']);
    s.adapter.answer(1);
    await s.pulse.waitFor(() => second.done && third.done, 'the waiting callers answered');
    expect(idsOf(third.value)).toEqual(['issue-3']);
  });

  it('an id asked again joins its read when that has not been sent yet, never one already sent', async () => {
    const s = setup();
    const big = s.outcome(s.batcher.fetch(ids(0, 120), { urgent: true }));
    expect(s.adapter.requests).toHaveLength(1); // issue-0..49 sent; 50..119 wait in the same batch
    const joins = s.outcome(s.batcher.fetch(['issue-110'])); // in the third request, not sent yet
    const fresh = s.outcome(s.batcher.fetch(['issue-10'])); // its request left before this caller asked
    expect(s.batcher.queued).toBe(1);
    for (let i = 0; i < 3; i++) {
      await s.pulse.waitFor(() => s.adapter.requests.length === i + 1, `request ${i + 1}`);
      s.adapter.answer(i);
    }
    await s.pulse.waitFor(() => big.done && joins.done, 'the batch answered');
    expect(idsOf(joins.value)).toEqual(['issue-110']);
    expect(s.adapter.requests.map((r) => r.ids.length)).toEqual([50, 50, 20]);
    expect(fresh.done).toBe(false);
    s.clock.advance(REFRESH_GATHER_MS);
    expect(s.adapter.request(3).ids).toEqual(['issue-10']);
    s.adapter.answer(3);
    await s.pulse.waitFor(() => fresh.done, 'the fresh read');
    expect(idsOf(fresh.value)).toEqual(['issue-10']);
  });

  it('a failed request rejects exactly the callers with an id in it; the other requests of the batch still answer', async () => {
    const s = setup();
    const filler = s.outcome(s.batcher.fetch(ids(100, 48)));
    const early = s.outcome(s.batcher.fetch(['issue-0']));
    const spanning = s.outcome(s.batcher.fetch(['issue-1', 'issue-60'])); // 51 queued: sent at once, issue-60 second
    const late = s.outcome(s.batcher.fetch(['issue-60'])); // joins the second request, not sent yet
    expect(s.adapter.requests.map((r) => r.ids.length)).toEqual([50]);
    s.adapter.fail(0, new SymphonyError('tracker_status', 'Linear answered HTTP 502'));
    await s.pulse.waitFor(() => s.adapter.requests.length === 2, 'the second request of the batch');
    expect(s.adapter.request(1).ids).toEqual(['issue-60']);
    s.adapter.answer(1);
    await s.pulse.waitFor(() => filler.done && early.done && spanning.done && late.done, 'every caller settled');
    for (const failed of [filler, early, spanning]) expect(failed.error).toMatchObject({ code: 'tracker_status', message: 'Linear answered HTTP 502' });
    expect(idsOf(late.value)).toEqual(['issue-60']);
    // The next batch is unaffected.
    const after = s.outcome(s.batcher.fetch(['issue-0'], { urgent: true }));
    s.adapter.answer(2);
    await s.pulse.waitFor(() => after.done, 'a later read');
    expect(idsOf(after.value)).toEqual(['issue-0']);
  });

  it('an urgent read (reconciliation) goes at once and takes the gathered reads along: one request for both', async () => {
    const s = setup();
    const worker = s.outcome(s.batcher.fetch(['issue-7']));
    s.clock.advance(300);
    const reconcile = s.outcome(s.batcher.fetch(['issue-7', 'issue-8', 'issue-9'], { urgent: true }));
    expect(s.adapter.requests.map((r) => r.ids)).toEqual([['issue-7', 'issue-8', 'issue-9']]);
    expect(s.clock.pending()).toEqual([]); // the worker's window timer is gone
    s.adapter.answer(0);
    await s.pulse.waitFor(() => worker.done && reconcile.done, 'both answered');
    expect(idsOf(worker.value)).toEqual(['issue-7']);
    expect(idsOf(reconcile.value)).toEqual(['issue-7', 'issue-8', 'issue-9']);
  });

  it('an abort rejects that caller at once; ids nobody waits for are dropped, and a request nobody waits for is aborted', async () => {
    const s = setup();
    const stop = new AbortController();
    const alone = s.outcome(s.batcher.fetch(['issue-1'], { signal: stop.signal }));
    const shared = new AbortController();
    const leaving = s.outcome(s.batcher.fetch(['issue-2'], { signal: shared.signal }));
    const staying = s.outcome(s.batcher.fetch(['issue-2']));
    stop.abort('shutting down');
    shared.abort('worker stopped');
    await s.pulse.waitFor(() => alone.done && leaving.done, 'the aborted callers rejected');
    expect(alone.error).toMatchObject({ code: 'tracker_request', message: expect.stringContaining('shutting down') });
    expect(leaving.error).toMatchObject({ code: 'tracker_request' });
    expect(s.batcher.queued).toBe(1);
    s.clock.advance(REFRESH_GATHER_MS);
    expect(s.adapter.request(0).ids).toEqual(['issue-2']);

    // The only caller of a request in flight leaves: the request is aborted, the next batch goes.
    const inFlight = new AbortController();
    const gone = s.outcome(s.batcher.fetch(['issue-3'], { signal: inFlight.signal, urgent: true }));
    s.adapter.answer(0);
    await s.pulse.waitFor(() => staying.done && s.adapter.requests.length === 2, 'the second batch');
    inFlight.abort('stop');
    await s.pulse.waitFor(() => gone.done, 'the in-flight caller rejected');
    expect(s.adapter.request(1).signal?.aborted).toBe(true);
    s.adapter.fail(1, new SymphonyError('tracker_request', 'aborted'));
    await s.pulse.waitFor(() => !s.batcher.sending, 'the aborted batch ended');

    // Everybody gone while gathering: no timer left, nothing sent.
    const last = new AbortController();
    const dropped = s.outcome(s.batcher.fetch(['issue-4'], { signal: last.signal }));
    expect(s.clock.pending()).toHaveLength(1);
    last.abort('shutdown');
    await s.pulse.waitFor(() => dropped.done, 'the gathering caller rejected');
    expect(s.clock.pending()).toEqual([]);
    expect(s.batcher.queued).toBe(0);
    s.clock.advance(10 * REFRESH_GATHER_MS);
    expect(s.adapter.requests).toHaveLength(2);
    // An already aborted signal rejects without queueing.
    await expect(s.batcher.fetch(['issue-5'], { signal: last.signal })).rejects.toMatchObject({ code: 'tracker_request' });
    expect(s.batcher.queued).toBe(0);
  });

  it('a gathered read goes at once when every registered worker is waiting: a lone agent waits no window', async () => {
    const s = setup();
    const unwatchA = s.batcher.watch('issue-1');
    const lone = s.outcome(s.batcher.fetch(['issue-1']));
    expect(s.adapter.requests.map((r) => r.ids)).toEqual([['issue-1']]);
    s.adapter.answer(0);
    await s.pulse.waitFor(() => lone.done, 'the lone re-read');

    // Two workers: the first waits for the second, which sends the batch when it asks.
    const unwatchB = s.batcher.watch('issue-2');
    const a = s.outcome(s.batcher.fetch(['issue-1']));
    expect(s.adapter.requests).toHaveLength(1);
    expect(s.clock.pending()).toHaveLength(1);
    s.clock.advance(200);
    const b = s.outcome(s.batcher.fetch(['issue-2']));
    expect(s.adapter.request(1).ids).toEqual(['issue-1', 'issue-2']);
    expect(s.clock.pending()).toEqual([]);
    s.adapter.answer(1);
    await s.pulse.waitFor(() => a.done && b.done, 'both re-reads');

    // A worker that ends no longer holds the others back.
    const c = s.outcome(s.batcher.fetch(['issue-1']));
    expect(s.adapter.requests).toHaveLength(2);
    unwatchB();
    unwatchB(); // idempotent
    expect(s.adapter.request(2).ids).toEqual(['issue-1']);
    s.adapter.answer(2);
    await s.pulse.waitFor(() => c.done, 'the re-read after the other worker ended');

    // Unregistered: back to the window.
    unwatchA();
    void s.batcher.fetch(['issue-1']);
    expect(s.adapter.requests).toHaveLength(3);
    s.clock.advance(REFRESH_GATHER_MS);
    expect(s.adapter.requests).toHaveLength(4);
  });

  it('gatherMs 0 sends every read as soon as no batch is in flight', () => {
    const s = setup({ gatherMs: 0 });
    void s.batcher.fetch(['issue-1']);
    expect(s.adapter.requests).toHaveLength(1);
    void s.batcher.fetch(['issue-2']);
    expect(s.adapter.requests).toHaveLength(1);
    s.adapter.answer(0);
  });
});

describe('BatchedTrackerAdapter', () => {
  it('delegates, sends fetchIssuesByIds urgently through its batcher, and is built once per adapter instance', async () => {
    const clock = new ManualClock();
    const first = new MemoryTracker({ issues: [{ id: 'a', identifier: 'A-1' }], secretEnvNames: ['KEY'] });
    const second = new MemoryTracker();
    let current = first;
    const trackerFor = batchedTrackerFor(() => current, { clock });
    const config = testWorkflow().config;
    const wrapped = trackerFor(config);
    expect(wrapped).toBeInstanceOf(BatchedTrackerAdapter);
    expect(trackerFor(config)).toBe(wrapped);
    expect(wrapped.kind).toBe('memory');
    expect(wrapped.secretEnvironmentNames()).toEqual(['KEY']);
    expect(await wrapped.probe?.()).toEqual({ viewer: null, scope: null });
    expect(idsOf(await wrapped.fetchIssuesByStates(['Todo']))).toEqual(['a']);
    expect(idsOf(await wrapped.fetchIssuesByIds(['a', 'b']))).toEqual(['a']); // urgent: no clock advance needed
    current = second;
    expect(trackerFor(config)).not.toBe(wrapped);

    // A worker's re-read gathers; without a batcher it is one plain read.
    const read = refreshIssueOnce(wrapped, 'a');
    expect(first.calls.filter((c) => c.method === 'fetchIssuesByIds')).toHaveLength(1);
    clock.advance(REFRESH_GATHER_MS);
    expect((await read)?.identifier).toBe('A-1');
    expect(await refreshIssueOnce(first, 'missing')).toBeNull();
    expect(first.calls.filter((c) => c.method === 'fetchIssuesByIds').map((c) => c.ids)).toEqual([['a', 'b'], ['a'], ['missing']]);
  });
});
