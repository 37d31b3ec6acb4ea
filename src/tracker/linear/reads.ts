/**
 * The two required Linear reads (spec §11.1): paged state reads and batched id refreshes, both
 * scoped to one project, both atomic (any failure fails the whole call).
 */
import type { Issue } from '../../domain/issue.js';
import { SymphonyError } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { LinearGraphqlClient } from './client.js';
import { normalizeLinearIssue, type NormalizeContext } from './normalize.js';
import { ISSUES_BY_IDS_QUERY, ISSUES_BY_STATES_QUERY, LINEAR_PAGE_SIZE } from './queries.js';

/** What the reads need from the adapter. */
export interface ReadDeps {
  readonly client: LinearGraphqlClient;
  /** Project `slugId` scoping every read. */
  readonly projectSlug: string;
  readonly logger: Logger;
}

/**
 * Issues of the project whose state name is in `stateNames`, following `pageInfo` cursors
 * ({@link LINEAR_PAGE_SIZE} per page) and keeping Linear's order across pages. Malformed
 * records are omitted and logged with their id. `stateNames` must be non-empty (the adapter
 * short-circuits `[]`).
 *
 * @throws SymphonyError `tracker_pagination` when a page says `hasNextPage` without a new
 *   `endCursor`; `tracker_response` when a page has no `nodes` list; any request error.
 */
export async function readIssuesByStates(
  deps: ReadDeps,
  stateNames: readonly string[],
  context: NormalizeContext,
  signal?: AbortSignal,
): Promise<Issue[]> {
  const operation = 'SymphonyIssuesByStates';
  const issues: Issue[] = [];
  let after: string | null = null;
  const seenCursors = new Set<string>();
  for (let page = 1; ; page++) {
    const variables = { projectSlug: deps.projectSlug, states: stateFilter(stateNames), first: LINEAR_PAGE_SIZE, after };
    const data = await deps.client.query(ISSUES_BY_STATES_QUERY, variables, operation, signal);
    const connection = issueConnection(data, operation);
    for (const node of connection.nodes) {
      const result = normalizeLinearIssue(node, context);
      if (result.ok) issues.push(result.issue);
      else deps.logger.warn({ issue_id: result.id, reason: result.reason, operation }, 'omitting malformed Linear issue record');
    }
    const next = nextCursor(connection.pageInfo, after, page);
    if (next === null) return issues;
    if (seenCursors.has(next)) {
      throw new SymphonyError('tracker_pagination', `Linear issues page ${page} repeated an earlier endCursor`, { details: { page } });
    }
    seenCursors.add(next);
    after = next;
  }
}

/**
 * Current snapshots of `ids` (de-duplicated, batches of {@link LINEAR_PAGE_SIZE}) within the
 * project. Ids Linear does not return are omitted; nodes that were not requested are ignored.
 *
 * @throws SymphonyError `tracker_response` when a requested record is malformed (omission would
 *   read as "no longer visible"), or any request error.
 */
export async function readIssuesByIds(
  deps: ReadDeps,
  ids: readonly string[],
  context: NormalizeContext,
  signal?: AbortSignal,
): Promise<Issue[]> {
  const operation = 'SymphonyIssuesByIds';
  const wanted = [...new Set(ids)];
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (let start = 0; start < wanted.length; start += LINEAR_PAGE_SIZE) {
    const batch = wanted.slice(start, start + LINEAR_PAGE_SIZE);
    const variables = { ids: batch, projectSlug: deps.projectSlug, first: batch.length };
    const data = await deps.client.query(ISSUES_BY_IDS_QUERY, variables, operation, signal);
    for (const node of issueConnection(data, operation).nodes) {
      const result = normalizeLinearIssue(node, context);
      if (!result.ok) {
        throw new SymphonyError(
          'tracker_response',
          `Linear returned a malformed record for requested issue ${result.id ?? '(unknown id)'}: ${result.reason}`,
          { details: { issue_id: result.id, operation } },
        );
      }
      if (!batch.includes(result.issue.id) || seen.has(result.issue.id)) continue;
      seen.add(result.issue.id);
      issues.push(result.issue);
    }
  }
  return issues;
}

interface Connection {
  readonly nodes: readonly unknown[];
  readonly pageInfo: unknown;
}

function issueConnection(data: Readonly<Record<string, unknown>>, operation: string): Connection {
  const issues = data.issues;
  if (typeof issues === 'object' && issues !== null && Array.isArray((issues as Record<string, unknown>).nodes)) {
    const record = issues as Record<string, unknown>;
    return { nodes: record.nodes as unknown[], pageInfo: record.pageInfo };
  }
  throw new SymphonyError('tracker_response', `Linear answered ${operation} without an issues.nodes list`, { details: { operation } });
}

/**
 * The cursor of the next page, or null when this was the last page.
 *
 * @throws SymphonyError `tracker_pagination` for `hasNextPage` without a usable, new `endCursor`,
 *   or a `pageInfo` that is not an object with a boolean `hasNextPage`.
 */
export function nextCursor(pageInfo: unknown, previous: string | null, page: number): string | null {
  if (typeof pageInfo !== 'object' || pageInfo === null || typeof (pageInfo as Record<string, unknown>).hasNextPage !== 'boolean') {
    throw new SymphonyError('tracker_pagination', `Linear issues page ${page} has no usable pageInfo.hasNextPage`, { details: { page } });
  }
  const info = pageInfo as Record<string, unknown>;
  if (info.hasNextPage !== true) return null;
  const cursor = info.endCursor;
  if (typeof cursor !== 'string' || cursor === '') {
    throw new SymphonyError('tracker_pagination', `Linear issues page ${page} has hasNextPage=true but no endCursor`, { details: { page } });
  }
  if (cursor === previous) {
    throw new SymphonyError('tracker_pagination', `Linear issues page ${page} repeated the previous endCursor`, { details: { page } });
  }
  return cursor;
}

/** `WorkflowStateFilter` matching any of `stateNames`, ignoring case (spec §5.3.1). */
function stateFilter(stateNames: readonly string[]): { or: { name: { eqIgnoreCase: string } }[] } {
  return { or: stateNames.map((name) => ({ name: { eqIgnoreCase: name } })) };
}
