/**
 * The normalized issue model (spec §4.1.1) shared by the tracker adapters, the scheduler, the
 * prompt renderer and the agent tools. Field names are the spec's, spelled camelCase.
 */

/** A best-effort reference to an issue that blocks another (spec §4.1.1 `blocked_by`). */
export interface BlockerRef {
  readonly id: string | null;
  readonly identifier: string | null;
  readonly state: string | null;
}

/** One schedulable work item, normalized by a tracker adapter (spec §4.1.1, §11.3). */
export interface Issue {
  /** Stable, opaque dispatch identity (never interpreted by the scheduler). */
  readonly id: string;
  /** Non-secret provider identifiers for provider-native tools; JSON-safe, or null. */
  readonly nativeRef: Readonly<Record<string, unknown>> | null;
  /** Human-readable key such as `ABC-123`; unique in the tracker scope; names the workspace. */
  readonly identifier: string;
  readonly title: string;
  readonly description: string | null;
  /** Lower is more urgent; 1..4 sort first, everything else after (spec §8.2). */
  readonly priority: number | null;
  /** Provider spelling of the state name; compare with {@link normalizeStateName}. */
  readonly state: string;
  readonly branchName: string | null;
  readonly url: string | null;
  readonly assigneeId: string | null;
  /** Trimmed, lowercased, de-duplicated label names. */
  readonly labels: readonly string[];
  readonly blockedBy: readonly BlockerRef[];
  /** Adapter-derived eligibility (assignment, blockers…); the scheduler never re-derives it. */
  readonly dispatchable: boolean;
  readonly createdAt: Date | null;
  readonly updatedAt: Date | null;
}

/** Trim + lowercase, the spec's comparison form for state names and labels (§4.2). */
export function normalizeStateName(name: string): string {
  return name.trim().toLowerCase();
}

/** True when `state` matches one of `states` after normalization. */
export function stateIn(state: string, states: readonly string[]): boolean {
  const wanted = normalizeStateName(state);
  return states.some((s) => normalizeStateName(s) === wanted);
}

/**
 * The issue as the prompt template and the JSON API see it: the spec's snake_case field names,
 * timestamps as RFC 3339 strings (spec §12.2: keys are strings, nested arrays preserved).
 */
export function issueToTemplateObject(issue: Issue): Record<string, unknown> {
  return {
    id: issue.id,
    native_ref: issue.nativeRef,
    identifier: issue.identifier,
    title: issue.title,
    description: issue.description,
    priority: issue.priority,
    state: issue.state,
    branch_name: issue.branchName,
    url: issue.url,
    assignee_id: issue.assigneeId,
    labels: [...issue.labels],
    blocked_by: issue.blockedBy.map((b) => ({ id: b.id, identifier: b.identifier, state: b.state })),
    dispatchable: issue.dispatchable,
    created_at: issue.createdAt?.toISOString() ?? null,
    updated_at: issue.updatedAt?.toISOString() ?? null,
  };
}
