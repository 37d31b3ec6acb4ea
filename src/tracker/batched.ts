/**
 * A {@link TrackerAdapter} whose by-id reads share one {@link IssueRefreshBatcher} (issue 7 item 3;
 * spec §8.5 reconciliation, §7.2 per-turn re-read, §11.1). The service wraps every adapter its
 * tracker cache builds, so reconciliation, retry re-reads and the workers bound to that adapter
 * instance all go through the same batcher: a worker's post-turn re-read gathered in the window
 * rides along with the next reconciliation read instead of costing a request of its own.
 */
import type { ServiceConfig } from '../config/types.js';
import type { Issue } from '../domain/issue.js';
import { IssueRefreshBatcher, type RefreshBatcherOptions } from './refresh-batcher.js';
import type { AgentToolSpec, ReadOptions, ToolContext, ToolResult, TrackerAdapter, TrackerProbeResult } from './tracker.js';

/**
 * Delegates everything to `inner`, except `fetchIssuesByIds`, which goes through {@link batcher}
 * as an urgent read (sent as soon as no batch is in flight, taking the gathered ids along), so
 * callers that only know the adapter interface wait no gather window. Workers reach the batcher
 * itself to gather ({@link refreshIssueOnce}).
 */
export class BatchedTrackerAdapter implements TrackerAdapter {
  readonly kind: string;
  /** The batcher of this adapter instance. */
  readonly batcher: IssueRefreshBatcher;
  readonly probe?: (options?: ReadOptions) => Promise<TrackerProbeResult>;
  readonly #inner: TrackerAdapter;

  /** @param options - batcher options (clock, gather window, ids per request); defaults as in {@link IssueRefreshBatcher}. */
  constructor(inner: TrackerAdapter, options: RefreshBatcherOptions = {}) {
    this.#inner = inner;
    this.kind = inner.kind;
    this.batcher = new IssueRefreshBatcher(inner, options);
    if (inner.probe) this.probe = (probeOptions) => inner.probe!(probeOptions);
  }

  fetchIssuesByStates(stateNames: readonly string[], options?: ReadOptions): Promise<Issue[]> {
    return this.#inner.fetchIssuesByStates(stateNames, options);
  }

  fetchIssuesByIds(ids: readonly string[], options: ReadOptions = {}): Promise<Issue[]> {
    return this.batcher.fetch(ids, { ...options, urgent: true });
  }

  agentToolSpecs(): readonly AgentToolSpec[] {
    return this.#inner.agentToolSpecs();
  }

  secretEnvironmentNames(): readonly string[] {
    return this.#inner.secretEnvironmentNames();
  }

  executeAgentTool(name: string, args: unknown, context: ToolContext): Promise<ToolResult> {
    return this.#inner.executeAgentTool(name, args, context);
  }
}

/**
 * Wraps a `trackerFor(config)` function (the service's tracker cache) so each adapter instance it
 * returns is wrapped once, in a {@link BatchedTrackerAdapter}; the same adapter always gets the
 * same wrapper (and batcher), a rebuilt one a new wrapper. Never throws itself; `trackerFor`'s
 * errors pass through.
 */
export function batchedTrackerFor(trackerFor: (config: ServiceConfig) => TrackerAdapter, options: RefreshBatcherOptions = {}): (config: ServiceConfig) => TrackerAdapter {
  const wrappers = new WeakMap<TrackerAdapter, BatchedTrackerAdapter>();
  return (config) => {
    const adapter = trackerFor(config);
    let wrapper = wrappers.get(adapter);
    if (wrapper === undefined) {
      wrapper = new BatchedTrackerAdapter(adapter, options);
      wrappers.set(adapter, wrapper);
    }
    return wrapper;
  };
}

/**
 * Registers a running worker's issue with `tracker`'s batcher ({@link IssueRefreshBatcher.watch}),
 * so a gathered re-read goes at once when every registered worker is waiting. A no-op for an
 * adapter without a batcher.
 *
 * @returns the function that unregisters it (idempotent); call it when the run ends.
 */
export function watchRefreshes(tracker: TrackerAdapter, id: string): () => void {
  return tracker instanceof BatchedTrackerAdapter ? tracker.batcher.watch(id) : () => undefined;
}

/**
 * A worker's re-read of its issue after a turn (spec §7.2): gathered with the other reads of the
 * same adapter instance when `tracker` is a {@link BatchedTrackerAdapter}, else one
 * `fetchIssuesByIds([id])` request.
 *
 * @returns the issue, or null when it is no longer visible.
 * @throws (rejects) the adapter's SymphonyError; `tracker_request` at once when `signal` aborts.
 */
export async function refreshIssueOnce(tracker: TrackerAdapter, id: string, signal?: AbortSignal): Promise<Issue | null> {
  const options = signal ? { signal } : {};
  const issues = tracker instanceof BatchedTrackerAdapter ? await tracker.batcher.fetch([id], options) : await tracker.fetchIssuesByIds([id], options);
  return issues.find((issue) => issue.id === id) ?? null;
}
