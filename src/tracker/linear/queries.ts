/**
 * The hand-written GraphQL documents the Linear adapter sends (spec §11.1). Each read selects, in
 * one request, every field normalization needs (spec §11.3), so no lazy per-issue relation
 * requests are ever made. Every document here is validated against Linear's published schema by
 * `test/tracker/graphql-documents.test.ts`.
 */

/** Issues per page for state reads and per batch for id reads. */
export const LINEAR_PAGE_SIZE = 50;

/**
 * Labels and inverse relations fetched per issue. Blockers beyond the first 50 inverse relations
 * are not seen (`blocked_by` is best-effort, spec §11.3).
 */
export const LINEAR_NESTED_PAGE_SIZE = 50;

const ISSUE_FIELDS = `
fragment SymphonyIssueFields on Issue {
  id
  identifier
  title
  description
  priority
  branchName
  url
  createdAt
  updatedAt
  state { name }
  assignee { id }
  team { id key }
  labels(first: ${LINEAR_NESTED_PAGE_SIZE}) { nodes { name } }
  inverseRelations(first: ${LINEAR_NESTED_PAGE_SIZE}) {
    nodes { type issue { id identifier state { name } } }
  }
}`;

/**
 * Candidate / terminal read: issues of one project (`slugId` eq) whose state name is one of the list,
 * one page per request. Variables: `projectSlug: String!`, `states: WorkflowStateFilter!` (an `or` of `name: {eqIgnoreCase}` per configured state, so state names match case-insensitively as spec §5.3.1 asks),
 * `first: Int!`, `after: String`.
 */
export const ISSUES_BY_STATES_QUERY = `
query SymphonyIssuesByStates($projectSlug: String!, $states: WorkflowStateFilter!, $first: Int!, $after: String) {
  issues(
    filter: { project: { slugId: { eq: $projectSlug } }, state: $states }
    first: $first
    after: $after
  ) {
    nodes { ...SymphonyIssueFields }
    pageInfo { hasNextPage endCursor }
  }
}
${ISSUE_FIELDS}
`;

/**
 * Refresh read: issues of one project whose id is in the batch (≤ {@link LINEAR_PAGE_SIZE} ids).
 * Variables: `ids: [ID!]!`, `projectSlug: String!`, `first: Int!`.
 */
export const ISSUES_BY_IDS_QUERY = `
query SymphonyIssuesByIds($ids: [ID!]!, $projectSlug: String!, $first: Int!) {
  issues(filter: { id: { in: $ids }, project: { slugId: { eq: $projectSlug } } }, first: $first) {
    nodes { ...SymphonyIssueFields }
  }
}
${ISSUE_FIELDS}
`;

/** The API key's own user, for `assignee: me`. No variables. */
export const VIEWER_QUERY = `
query SymphonyViewer {
  viewer { id }
}
`;

/** Every document above by operation name (the schema-validation test iterates this). */
export const LINEAR_DOCUMENTS: Readonly<Record<string, string>> = {
  SymphonyIssuesByStates: ISSUES_BY_STATES_QUERY,
  SymphonyIssuesByIds: ISSUES_BY_IDS_QUERY,
  SymphonyViewer: VIEWER_QUERY,
};
