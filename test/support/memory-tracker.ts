/**
 * TEST SUPPORT. An in-memory {@link TrackerAdapter} for scheduler, orchestrator and service tests
 * (spec §11 contract, STYLE "narrow adapters with an in-memory fake beside them"), and its profile
 * `tracker.kind: memory`. The store is mutable; every call is recorded.
 *
 * Not part of the build: the production registry (`src/tracker/registry.ts`) holds `linear` only,
 * so the real daemon and `symphony check` refuse `kind: memory` (`unsupported_tracker_kind`).
 * Tests reach the profile through `testTrackerProfiles` in `./tracker-registry.ts`.
 */
import type { Issue } from '../../src/domain/issue.js';
import { stateIn } from '../../src/domain/issue.js';
import { SymphonyError, type TrackerErrorCode } from '../../src/errors.js';
import type { TrackerProfile } from '../../src/tracker/profile.js';
import type { AgentToolSpec, ReadOptions, ToolContext, ToolResult, TrackerAdapter, TrackerProbeResult } from '../../src/tracker/tracker.js';

/** Issue fields for the store: `identifier` required; `id` defaults to it, `title` too, `state` to `Todo`. */
export type MemoryIssueInput = Partial<Issue> & { readonly identifier: string };

/** One recorded call. */
export type MemoryTrackerCall =
  | { readonly method: 'fetchIssuesByStates'; readonly stateNames: readonly string[] }
  | { readonly method: 'fetchIssuesByIds'; readonly ids: readonly string[] }
  | { readonly method: 'executeAgentTool'; readonly name: string; readonly args: unknown; readonly issueId: string };

/** Handles tool calls for tools configured through {@link MemoryTrackerOptions.tools}. */
export type MemoryToolHandler = (name: string, args: unknown, context: ToolContext) => ToolResult | Promise<ToolResult>;

/** Construction options for {@link MemoryTracker}. */
export interface MemoryTrackerOptions {
  readonly issues?: readonly MemoryIssueInput[];
  /** Tool specs to advertise. Default `[]`. */
  readonly tools?: readonly AgentToolSpec[];
  /** Runs advertised tools; without it they answer `success: true` with `{}`. */
  readonly toolHandler?: MemoryToolHandler;
  /** Returned by `secretEnvironmentNames()`. Default `[]`. */
  readonly secretEnvNames?: readonly string[];
}

/**
 * A complete, normalized Issue from partial input: nulls / `[]` for omitted optional fields,
 * `dispatchable` true unless given, labels trimmed + lowercased + de-duplicated, blanks dropped.
 */
export function memoryIssue(input: MemoryIssueInput): Issue {
  const labels = [...new Set((input.labels ?? []).map((l) => l.trim().toLowerCase()).filter((l) => l !== ''))];
  return Object.freeze({
    id: input.id ?? input.identifier,
    nativeRef: input.nativeRef ?? null,
    identifier: input.identifier,
    title: input.title ?? input.identifier,
    description: input.description ?? null,
    priority: input.priority ?? null,
    state: input.state ?? 'Todo',
    branchName: input.branchName ?? null,
    url: input.url ?? null,
    assigneeId: input.assigneeId ?? null,
    labels,
    blockedBy: input.blockedBy ?? [],
    dispatchable: input.dispatchable ?? true,
    createdAt: input.createdAt ?? null,
    updatedAt: input.updatedAt ?? null,
  });
}

/** The in-memory adapter. Reads return the store's issues in insertion order. */
export class MemoryTracker implements TrackerAdapter {
  readonly kind = 'memory';
  /** Every adapter call, in order (including ones that short-circuit or fail). */
  readonly calls: MemoryTrackerCall[] = [];
  /** Reads that reached the store (empty-list reads do not). */
  providerRequests = 0;
  readonly #issues = new Map<string, Issue>();
  readonly #failures: { code: TrackerErrorCode; message: string }[] = [];
  readonly #options: MemoryTrackerOptions;

  constructor(options: MemoryTrackerOptions = {}) {
    this.#options = options;
    this.setIssues(options.issues ?? []);
  }

  /** Replaces the whole store. */
  setIssues(issues: readonly MemoryIssueInput[]): void {
    this.#issues.clear();
    for (const issue of issues) this.upsertIssue(issue);
  }

  /** Inserts or replaces (by id) one issue; returns the stored, normalized issue. */
  upsertIssue(input: MemoryIssueInput): Issue {
    const issue = memoryIssue(input);
    this.#issues.set(issue.id, issue);
    return issue;
  }

  /** Removes an issue (it becomes invisible to reads); true when it existed. */
  removeIssue(id: string): boolean {
    return this.#issues.delete(id);
  }

  /** The current store, in insertion order. */
  issues(): Issue[] {
    return [...this.#issues.values()];
  }

  /** The next `times` store-reaching reads reject with `SymphonyError(code)`. */
  failNext(code: TrackerErrorCode, message = `memory tracker: injected ${code}`, times = 1): void {
    for (let i = 0; i < times; i++) this.#failures.push({ code, message });
  }

  /** State read (spec §11.1): state names compared trimmed + lowercased. */
  fetchIssuesByStates(stateNames: readonly string[], options: ReadOptions = {}): Promise<Issue[]> {
    this.calls.push({ method: 'fetchIssuesByStates', stateNames: [...stateNames] });
    if (stateNames.length === 0) return Promise.resolve([]);
    return this.#read(options, () => this.issues().filter((issue) => stateIn(issue.state, stateNames)));
  }

  /** Id refresh (spec §11.1): unknown ids omitted, each id at most once. */
  fetchIssuesByIds(ids: readonly string[], options: ReadOptions = {}): Promise<Issue[]> {
    this.calls.push({ method: 'fetchIssuesByIds', ids: [...ids] });
    if (ids.length === 0) return Promise.resolve([]);
    const wanted = new Set(ids);
    return this.#read(options, () => this.issues().filter((issue) => wanted.has(issue.id)));
  }

  agentToolSpecs(): readonly AgentToolSpec[] {
    return this.#options.tools ?? [];
  }

  secretEnvironmentNames(): readonly string[] {
    return this.#options.secretEnvNames ?? [];
  }

  /** Runs a configured tool; unknown names answer `success: false` naming the tool. Never rejects. */
  async executeAgentTool(name: string, args: unknown, context: ToolContext): Promise<ToolResult> {
    this.calls.push({ method: 'executeAgentTool', name, args, issueId: context.issue.id });
    if (!this.agentToolSpecs().some((spec) => spec.name === name)) {
      return { success: false, text: `unsupported tool ${JSON.stringify(name)}` };
    }
    try {
      return this.#options.toolHandler ? await this.#options.toolHandler(name, args, context) : { success: true, text: '{}' };
    } catch (error) {
      return { success: false, text: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Connectivity probe (`symphony check`): no viewer, no scope. Consumes an injected failure
   * ({@link MemoryTracker.failNext}) like a read does, so tests can make it fail.
   */
  probe(options: ReadOptions = {}): Promise<TrackerProbeResult> {
    return this.#read(options, () => ({ viewer: null, scope: null }));
  }

  #read<T>(options: ReadOptions, select: () => T): Promise<T> {
    this.providerRequests += 1;
    if (options.signal?.aborted) return Promise.reject(new SymphonyError('tracker_request', 'memory tracker: read aborted'));
    const failure = this.#failures.shift();
    if (failure) return Promise.reject(new SymphonyError(failure.code, failure.message));
    return Promise.resolve(select());
  }
}

const stores = new Map<string, MemoryTracker>();

/** The process-wide memory tracker named `store` (created empty on first use). */
export function memoryTrackerFor(store = 'default'): MemoryTracker {
  let tracker = stores.get(store);
  if (tracker === undefined) {
    tracker = new MemoryTracker();
    stores.set(store, tracker);
  }
  return tracker;
}

/** Forgets every named memory tracker (test isolation). */
export function resetMemoryTrackers(): void {
  stores.clear();
}

/** Settings of the memory profile. */
export interface MemorySettings {
  /** Name passed to {@link memoryTrackerFor}; `tracker.provider.store`, default `default`. */
  readonly store: string;
}

/**
 * The profile for `tracker.kind: memory` (registered only in `testTrackerProfiles`). Provider key
 * `store` (optional non-empty string, default `default`) names the process-wide
 * {@link MemoryTracker} that `create` returns, so a test can seed it with `memoryTrackerFor(store)`.
 * No secrets; Linear's default states.
 */
export const memoryTrackerProfile: TrackerProfile<MemorySettings> = Object.freeze({
  kind: 'memory',
  defaultActiveStates: Object.freeze(['Todo', 'In Progress']),
  defaultTerminalStates: Object.freeze(['Closed', 'Cancelled', 'Canceled', 'Duplicate', 'Done']),
  flatProviderKeys: Object.freeze([]),
  validate(provider: Readonly<Record<string, unknown>>) {
    const store = provider.store ?? 'default';
    if (typeof store !== 'string' || store.trim() === '') {
      return { errors: [{ code: 'invalid_tracker_config' as const, message: 'tracker.provider.store must be a non-empty string' }], warnings: [] };
    }
    return { settings: { store }, errors: [], warnings: [] };
  },
  secretEnvironmentNames: (): readonly string[] => [],
  create: (settings: MemorySettings): TrackerAdapter => memoryTrackerFor(settings.store),
});
