/**
 * Resuming a run after a daemon restart (issue 9 item 2): the run that was live when the daemon
 * stopped continues on the same agent thread in the same workspace, with a first turn that says
 * the daemon restarted instead of the original prompt. Plain data, shared by the scheduler, the
 * journal's recovery and the runner.
 */

/** What a resumed run needs to continue where the dead daemon's run stopped. */
export interface ResumeRequest {
  /**
   * The runtime's thread/session id the live run used: a Codex thread id (`thread/resume`), a
   * Claude Code session id (the SDK's `resume` option).
   */
  readonly threadId: string;
  /** The workspace the live run used (the same path a fresh dispatch of the issue derives). */
  readonly workspacePath: string;
  /**
   * One line describing the operator request the live run was waiting on when the daemon stopped
   * (`approval: npm publish`: its kind and summary), null when it waited for nothing. The restart turn tells the
   * agent that request was lost, so it asks again if it still needs it.
   */
  readonly waiting: string | null;
}
