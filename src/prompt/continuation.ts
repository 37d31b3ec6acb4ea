/**
 * The input of continuation turns (spec §7.1, §10.3, §12.3): when a turn ends normally and the
 * issue is still active, the worker starts another turn on the same thread. The thread already
 * holds the rendered workflow prompt, so continuation turns send this short guidance instead of
 * repeating it.
 */

/** Inputs of {@link continuationGuidance}. */
export interface ContinuationInput {
  /** The refreshed issue; only `identifier`, `title` and `state` are used. `Issue` satisfies it. */
  readonly issue: { readonly identifier: string; readonly title: string; readonly state: string };
  /** 1-based number of the turn about to start (2 for the first continuation). */
  readonly turnNumber: number;
  /** `agent.max_turns` for this worker session. */
  readonly maxTurns: number;
}

/**
 * Text sent as the user input of a continuation turn on the same thread. Plain text, a few
 * lines, deterministic; says which issue, its current state, which turn out of how many, and asks
 * the agent to pick up where it stopped rather than start over.
 *
 * Implements spec §12.3 continuation semantics (implementation-defined wording).
 */
export function continuationGuidance({ issue, turnNumber, maxTurns }: ContinuationInput): string {
  const lastTurn = turnNumber >= maxTurns;
  return [
    `Continuing work on ${issue.identifier} (${issue.title}).`,
    '',
    `Your previous turn ended, and the issue is still in the "${issue.state}" state, so the work is not finished yet.`,
    `This is turn ${turnNumber} of at most ${maxTurns} in this session.${lastTurn ? ' It is the last one: leave the workspace and the issue in a state the next run can pick up.' : ''}`,
    '',
    '- Your earlier instructions and conversation are still in this thread; do not start over.',
    '- Look at the workspace first (files, git status, notes you left) to see where you stopped.',
    '- Carry on with the remaining work, and move the issue to its next state when it is done.',
    '- If you are blocked and cannot continue, say so clearly and explain what you need.',
  ].join('\n');
}
