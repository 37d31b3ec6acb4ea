/**
 * The input of continuation turns (spec §7.1, §10.3, §12.3): when a turn ends normally and the
 * issue is still active, the worker starts another turn on the same thread. The thread already
 * holds the rendered workflow prompt, so continuation turns send this short guidance instead of
 * repeating it. A run resumed on its thread after a daemon restart (issue 9) starts with
 * {@link restartGuidance} instead.
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

/** Inputs of {@link restartGuidance}. */
export interface RestartInput {
  /** The issue as read at the resumed dispatch; only `identifier`, `title` and `state` are used. */
  readonly issue: { readonly identifier: string; readonly title: string; readonly state: string };
  /**
   * One line naming the operator request the interrupted turn was waiting on
   * (`ResumeRequest.waiting`, e.g. `approval: npm publish`, the request's kind and summary); null when it waited for none.
   */
  readonly waiting: string | null;
}

/**
 * Text sent as the user input of the first turn of a run resumed after a daemon restart (issue 9),
 * on the thread the interrupted run used, in place of the rendered workflow prompt (the thread
 * already holds it). Plain text, deterministic: says the daemon restarted during the previous
 * turn, that thread and workspace are the same, to check the workspace before going on, and, when
 * `waiting` is set, that the request waiting for an operator lost its answer and must be made again
 * if still needed. Later turns of the run get {@link continuationGuidance}.
 */
export function restartGuidance({ issue, waiting }: RestartInput): string {
  const lines = [
    `Continuing work on ${issue.identifier} (${issue.title}).`,
    '',
    'The Symphony daemon restarted while your previous turn was running, so that turn was interrupted before it finished.',
    `You are on the same thread, in the same workspace, and the issue is in the "${issue.state}" state.`,
    '',
    '- Your earlier instructions and conversation are still in this thread; do not start over.',
    '- Check the state of the workspace first (git status, the files you were changing, notes you left): the interrupted turn may have left work half done.',
    '- Then continue the task from where you left off, and move the issue to its next state when it is done.',
  ];
  if (waiting !== null) {
    lines.push(`- Your request "${waiting}" was waiting for an operator when the daemon restarted, and its answer was lost. If you still need it, make the request again.`);
  }
  lines.push('- If you are blocked and cannot continue, say so clearly and explain what you need.');
  return lines.join('\n');
}
