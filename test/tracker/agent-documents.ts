/**
 * Documents an agent would send through `linear_graphql` in a typical run (find the issue's team
 * states, move the issue, comment). Used by the tool tests and validated against the schema.
 */

/** Workflow states of a team by key, filtered by name. Variables: `teamKey`, `name`. */
export const STATES_BY_NAME = `
query TeamStates($teamKey: String!, $name: String!) {
  workflowStates(filter: { team: { key: { eq: $teamKey } }, name: { eq: $name } }) {
    nodes { id name type team { id key } }
  }
}`;

/** Move an issue. Variables: `id` (issue id or identifier), `stateId`. */
export const MOVE_ISSUE = `
mutation MoveIssue($id: String!, $stateId: String!) {
  issueUpdate(id: $id, input: { stateId: $stateId }) {
    success
    issue { id identifier state { name } }
  }
}`;

/** Comment on an issue. Variables: `issueId`, `body`. */
export const COMMENT = `
mutation Comment($issueId: String!, $body: String!) {
  commentCreate(input: { issueId: $issueId, body: $body }) {
    success
    comment { id body issue { identifier } user { id } }
  }
}`;

/** Read one issue with its team's states. Variables: `id`. */
export const ISSUE_WITH_TEAM_STATES = `
query IssueAndStates($id: String!) {
  issue(id: $id) {
    id identifier title
    state { id name }
    team { id key states { nodes { id name type } } }
    comments { nodes { body } }
  }
}`;

/** Every agent document above. */
export const AGENT_DOCUMENTS = { STATES_BY_NAME, MOVE_ISSUE, COMMENT, ISSUE_WITH_TEAM_STATES } as const;
