/**
 * The `skipped` list of the status snapshot (issue 8): candidates of the last poll that are
 * active, complete and routable but not dispatched because their `runtime:<kind>` label names no
 * runtime of this build (or several labels disagree). The same rule as the scheduler core's
 * dispatch check (`runtimeForIssue`), so the list says exactly why. Pure.
 */
import type { Issue } from '../domain/issue.js';
import { hasRequiredFields, isActiveState, issueRoutable, runtimeForIssue, type SchedulerConfig } from '../scheduler/policy.js';
import type { SkippedIssue } from './types.js';

/**
 * The skipped rows of one poll's candidates at `nowMs` (epoch ms); a row already in `previous`
 * with the same reason keeps its `since`. Ordered by identifier.
 */
export function skippedCandidates(candidates: readonly Issue[], config: SchedulerConfig, previous: readonly SkippedIssue[], nowMs: number): SkippedIssue[] {
  const before = new Map(previous.map((row) => [row.issue_id, row]));
  const rows: SkippedIssue[] = [];
  for (const issue of candidates) {
    if (!hasRequiredFields(issue) || !isActiveState(issue.state, config) || !issueRoutable(issue, config)) continue;
    const runtime = runtimeForIssue(issue, config.defaultRuntime);
    if (runtime.ok) continue;
    const earlier = before.get(issue.id);
    rows.push({
      issue_id: issue.id,
      issue_identifier: issue.identifier,
      issue_url: issue.url,
      state: issue.state,
      reason: runtime.reason,
      since: earlier !== undefined && earlier.reason === runtime.reason ? earlier.since : new Date(nowMs).toISOString(),
    });
  }
  return rows.sort((a, b) => a.issue_identifier.localeCompare(b.issue_identifier));
}
