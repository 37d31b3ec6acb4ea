/**
 * One worker run for one issue (spec §7.2, §10.7, §16.5): prepare the workspace, build the prompt,
 * launch the app-server, run turns on one thread while the issue stays active and routable (up to
 * `agent.max_turns`), then stop the session and run `after_run`. A run resumed after a daemon
 * restart (issue 9, {@link WorkerRun.resume}) reopens the interrupted run's thread and starts with a
 * "the daemon restarted" turn instead of the prompt.
 *
 * Everything effectful is injected through {@link WorkerDeps}, bound by the orchestrator shell to
 * the config snapshot taken at dispatch; the worker itself holds no global state.
 */
import path from 'node:path';
import type { Issue } from '../domain/issue.js';
import type { ResumeRequest } from '../domain/resume.js';
import { SymphonyError, toSymphonyError } from '../errors.js';
import { restartGuidance } from '../prompt/continuation.js';
import type { Logger } from '../logging/logger.js';
import type { AgentEventSink } from '../domain/agent-event.js';
import type { AnswerResult, OperatorAnswer } from '../domain/operator.js';

/**
 * What a worker needs of a live agent session, whatever the runtime (see `startAppServerSession`
 * for Codex). Runtime-specific ids (a Codex thread id) stay inside the runtime's session.
 */
export interface WorkerSession {
  /** Runs one turn; rejects with a SymphonyError on any non-successful end. */
  runTurn(input: { text: string; title: string }): Promise<{ turnId: string; sessionId: string }>;
  /**
   * Delivers an operator's answer to the oldest request waiting for one (operator intervention,
   * our extension of spec §10.5). `nothing_waiting` when none waits; `invalid_answer` when the
   * answer does not fit (the request keeps waiting). Never throws.
   */
  answer(answer: OperatorAnswer): AnswerResult;
  /**
   * Stops the whole process group; idempotent (the first call's options apply). Unless
   * `options.keepHistory`, what a later resume of the thread would need is removed as well
   * (Claude Code's kept transcript; Codex keeps its rollouts in `CODEX_HOME` itself).
   */
  stop(options?: SessionStopOptions): Promise<void>;
}

/** Options of {@link WorkerSession.stop}. */
export interface SessionStopOptions {
  /**
   * Keep the thread's history so a run resumed after a daemon restart can continue it (issue 9):
   * true when the daemon stops. Default false: the run ended for good.
   */
  readonly keepHistory?: boolean;
}

/** Effectful operations, bound to one config snapshot. */
export interface WorkerDeps {
  /**
   * Creates or reuses the workspace (runs `after_create` when created). Spec §9.2. `createdNow`
   * (when known) is true when this call created it: a resumed run then warns that the interrupted
   * run's files are gone.
   */
  ensureWorkspace(issue: Issue): Promise<{ path: string; createdNow?: boolean }>;
  /** `before_run`; failure is fatal to the attempt. */
  beforeRun(workspacePath: string, issue: Issue): Promise<void>;
  /** `after_run`; runs once the workspace exists, whatever the outcome (§5.3.4); never rejects. */
  afterRun(workspacePath: string, issue: Issue): Promise<void>;
  /** Renders the first-turn prompt; throws `template_parse_error` / `template_render_error`. */
  renderPrompt(issue: Issue, attempt: number | null): string;
  /** Guidance sent as the input of continuation turns (never the original prompt). */
  continuationText(issue: Issue, turnNumber: number, maxTurns: number): string;
  /**
   * The first turn's input of a resumed run (issue 9) in place of the rendered prompt: the daemon
   * restarted, same thread and workspace, check the workspace, and the lost operator request when
   * `resume.waiting` is set. Default: `restartGuidance` of `src/prompt/continuation.ts`.
   */
  restartText?(issue: Issue, resume: ResumeRequest): string;
  /**
   * Launches the agent in the workspace and opens its thread: a new one, or with `resume` (issue 9)
   * the thread of that id (the runtime's `resume` start option). `signal` aborts the startup.
   *
   * @throws SymphonyError `resume_failed` when the runtime cannot continue `resume.threadId`; the
   *   runtime's startup errors otherwise.
   */
  startSession(workspacePath: string, onEvent: AgentEventSink, signal: AbortSignal, resume: { readonly threadId: string } | null): Promise<WorkerSession>;
  /** Re-reads the issue by id; null when no longer visible; rejects on tracker errors. */
  refreshIssue(issueId: string): Promise<Issue | null>;
  /** Whether another turn may run: state active (not terminal) and issue routable, per current config. */
  mayContinue(issue: Issue): boolean;
  /** `agent.max_turns` at dispatch time. */
  readonly maxTurns: number;
}

/** Per-run parameters. */
export interface WorkerRun {
  readonly issue: Issue;
  /** null for a first run, ≥ 1 for retries and continuations (spec §12.3). */
  readonly attempt: number | null;
  /** Aborted by the orchestrator to stop the run (reconciliation, stall, shutdown). */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly onEvent: AgentEventSink;
  /** Called once the workspace exists, with its path (recorded for terminal cleanup). */
  readonly onWorkspaceReady: (workspacePath: string) => void;
  /** Resolves when a removal of this workspace still running at dispatch has ended. */
  readonly notBefore?: Promise<void>;
  /**
   * Continue the run that was live when the daemon last stopped (issue 9): its thread is reopened
   * and the first turn sends {@link WorkerDeps.restartText} instead of the rendered prompt (which
   * is not rendered at all). The workspace is still the one `ensureWorkspace` derives; a different
   * `resume.workspacePath` is logged as a warning and ignored. Omitted: an ordinary run.
   */
  readonly resume?: ResumeRequest;
}

/** Why a worker ended normally. */
export type WorkerExit = 'turns_exhausted' | 'issue_not_active' | 'issue_missing';

function defaultRestartText(issue: Issue, resume: ResumeRequest): string {
  return restartGuidance({ issue, waiting: resume.waiting });
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new SymphonyError('canceled', `run canceled: ${String(signal.reason ?? 'stopped by orchestrator')}`);
}

/** The abort reason with which the orchestrator stops runs because the daemon stops (`StopReason`). */
const SHUTDOWN_REASON = 'shutdown';

/**
 * Runs one worker attempt to its end. Its session is stopped keeping the thread's history only
 * when the orchestrator stops the run because the daemon stops (abort reason `shutdown`).
 *
 * @returns why the turn loop ended normally.
 * @throws SymphonyError — the workspace, hook, prompt, agent (§10.6) or tracker error that failed
 * the attempt, or `canceled` when `signal` was aborted. The orchestrator turns it into a retry.
 */
export async function runWorker(run: WorkerRun, deps: WorkerDeps): Promise<WorkerExit> {
  const { signal, logger } = run;
  let issue = run.issue;
  if (run.notBefore) await run.notBefore;
  throwIfAborted(signal);
  const workspace = await deps.ensureWorkspace(issue);
  run.onWorkspaceReady(workspace.path);
  const { resume } = run;
  if (resume !== undefined && path.resolve(resume.workspacePath) !== path.resolve(workspace.path)) {
    // Never a path the journal names: only the one derived from the identifier under the root.
    logger.warn({ workspace: workspace.path, resume_workspace: resume.workspacePath, thread_id: resume.threadId }, 'resumed run: the recorded workspace differs from the derived one; using the derived workspace');
  }
  if (resume !== undefined && workspace.createdNow === true) {
    logger.warn({ workspace: workspace.path, thread_id: resume.threadId }, 'resumed run: the workspace was gone and has been created afresh; the thread continues without the interrupted run\'s files');
  }

  let session: WorkerSession | null = null;
  // Events are forwarded only while this run is live: a late one (a host-side tool call finishing
  // after the stop, say) would otherwise be folded into the next run of the same issue.
  let forwarding = true;
  const onEvent: AgentEventSink = (event) => {
    if (forwarding) run.onEvent(event);
  };
  // A daemon that stops keeps the thread's history for the resume after its restart.
  const stopOptions = (): SessionStopOptions => ({ keepHistory: signal.aborted && signal.reason === SHUTDOWN_REASON });
  const onAbort = (): void => {
    void session?.stop(stopOptions());
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    throwIfAborted(signal);
    await deps.beforeRun(workspace.path, issue);
    throwIfAborted(signal);
    // A resumed thread already holds the prompt; its first turn says the daemon restarted instead.
    const firstText = resume === undefined ? deps.renderPrompt(issue, run.attempt) : deps.restartText ? deps.restartText(issue, resume) : defaultRestartText(issue, resume);
    session = await deps.startSession(workspace.path, onEvent, signal, resume === undefined ? null : { threadId: resume.threadId });
    if (resume !== undefined) logger.info({ thread_id: resume.threadId, waiting: resume.waiting }, 'resumed the run on its thread after a daemon restart');
    throwIfAborted(signal);
    for (let turn = 1; ; turn++) {
      const text = turn === 1 ? firstText : deps.continuationText(issue, turn, deps.maxTurns);
      const outcome = await session.runTurn({ text, title: `${issue.identifier}: ${issue.title}` });
      logger.info({ session_id: outcome.sessionId, turn, outcome: 'completed' }, 'turn completed');
      const refreshed = await deps.refreshIssue(issue.id);
      if (refreshed === null) return 'issue_missing';
      issue = refreshed;
      if (!deps.mayContinue(issue)) return 'issue_not_active';
      if (turn >= deps.maxTurns) return 'turns_exhausted';
      throwIfAborted(signal);
    }
  } catch (error) {
    if (signal.aborted) throw new SymphonyError('canceled', `run canceled: ${String(signal.reason ?? 'stopped')}`, { cause: error });
    throw toSymphonyError(error);
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (session) await session.stop(stopOptions());
    forwarding = false;
    await deps.afterRun(workspace.path, issue);
  }
}
