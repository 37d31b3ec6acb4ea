/**
 * The narrow tracker boundary (spec §11): a read kernel for scheduling plus optional
 * provider-native agent tools (spec §10.5, §11.5). Every adapter — the real Linear one and the
 * in-memory fake — implements {@link TrackerAdapter}; one contract suite runs against both.
 */
import type { Issue } from '../domain/issue.js';

/** A dynamic tool advertised to the coding agent on `thread/start` (Codex `DynamicToolSpec`). */
export interface AgentToolSpec {
  /** Tool name the model calls, e.g. `linear_graphql`. */
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the tool's arguments object. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/**
 * The outcome of one host-side tool call (spec §10.5 `ToolResult`). `text` is what the model
 * reads back; it never contains a credential.
 */
export interface ToolResult {
  readonly success: boolean;
  readonly text: string;
}

/** Internal execution context for a tool call: the current normalized issue, never a credential. */
export interface ToolContext {
  readonly issue: Issue;
}

/**
 * What {@link TrackerAdapter.probe} found out: who the credentials belong to and whether the
 * configured scope exists. Used by `symphony check`; never contains a credential.
 */
export interface TrackerProbeResult {
  /** The user the credentials act as; null when the tracker has no such notion. */
  readonly viewer: { readonly name: string | null; readonly email: string | null } | null;
  /** The configured scope (e.g. a Linear project): its configured key and display name. */
  readonly scope: { readonly kind: string; readonly key: string; readonly name: string } | null;
}

/** Options shared by adapter reads. */
export interface ReadOptions {
  /** Aborts the read; the promise then rejects with a `tracker_request` error. */
  readonly signal?: AbortSignal;
}

/**
 * A tracker adapter bound to one effective tracker configuration (spec §11.1, §11.2).
 *
 * Reads reject with a {@link import('../errors.js').SymphonyError} whose code is one of the §11.4
 * tracker categories; the scheduler only distinguishes success from failure.
 */
export interface TrackerAdapter {
  /** Exact `tracker.kind` value, e.g. `linear`. */
  readonly kind: string;

  /**
   * Issues in the configured scope whose state is one of `stateNames` (compared ignoring case and
   * surrounding blanks, spec §5.3.1), including non-dispatchable ones. `[]` resolves to `[]` without a provider request.
   * Malformed records are omitted and logged. Order: the provider's page order.
   */
  fetchIssuesByStates(stateNames: readonly string[], options?: ReadOptions): Promise<Issue[]>;

  /**
   * Current snapshots for `ids` (a set; order not significant). Ids no longer visible are
   * omitted; a malformed requested record fails the whole call. `[]` resolves to `[]` without a
   * provider request.
   */
  fetchIssuesByIds(ids: readonly string[], options?: ReadOptions): Promise<Issue[]>;

  /** Tools to advertise to the agent session; `[]` when the adapter ships none. */
  agentToolSpecs(): readonly AgentToolSpec[];

  /** Environment variable names holding this adapter's secrets; removed from agent environments. */
  secretEnvironmentNames(): readonly string[];

  /**
   * Executes one advertised tool host-side with the adapter's own credential. Never rejects:
   * unknown tools, bad arguments, auth and transport failures come back as `success: false`.
   */
  executeAgentTool(name: string, args: unknown, context: ToolContext): Promise<ToolResult>;

  /**
   * OPTIONAL connectivity probe for `symphony check`: reaches the tracker with the configured
   * credentials, reads the viewer and resolves the configured scope. Not used by scheduling.
   *
   * @throws SymphonyError with a §11.4 category: transport/auth/payload failures as for reads;
   *   `invalid_tracker_config` when the configured scope (project) does not exist or is not visible.
   */
  probe?(options?: ReadOptions): Promise<TrackerProbeResult>;
}
