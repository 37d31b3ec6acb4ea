/**
 * The hook tracker adapters report their HTTP requests through, so the daemon can time them
 * without the adapters knowing about metrics (issue 3 item 5).
 */

/**
 * Observes tracker requests: one call per HTTP request an adapter sends, after it ends (answer
 * read, or transport failure). Calls that never reach the network (a closed rate-limit window, an
 * already aborted signal) are not reported. Implementations must not throw; adapters ignore it
 * if they do.
 */
export interface TrackerRequestObserver {
  /**
   * @param operation - the GraphQL operation name (`SymphonyIssuesByStates`…, or the name an agent
   *   gave its `linear_graphql` document); callers bound the label cardinality themselves.
   * @param durationMs - from sending the request to the end of its answer's body, in ms.
   * @param errorCategory - the spec §11.4 `SymphonyError` code the answer classifies as
   *   (`tracker_request`, `tracker_status`, `tracker_response`, `tracker_rate_limited`), or null
   *   when the request succeeded.
   */
  request(operation: string, durationMs: number, errorCategory: string | null): void;
}
