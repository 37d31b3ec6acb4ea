/**
 * One worker run for one issue (spec §7.2, §10.7, §16.5): prepare the workspace, build the prompt,
 * launch the app-server, run turns on one thread while the issue stays active and routable (up to
 * `agent.max_turns`), then stop the session and run `after_run`.
 *
 * Everything effectful is injected through {@link WorkerDeps}, bound by the orchestrator shell to
 * the config snapshot taken at dispatch; the worker itself holds no global state.
 */
import type { Issue } from '../domain/issue.js';
import { SymphonyError, toSymphonyError } from '../errors.js';
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
  /** Stops the whole process group; idempotent. */
  stop(): Promise<void>;
}

/** Effectful operations, bound to one config snapshot. */
export interface WorkerDeps {
  /** Creates or reuses the workspace (runs `after_create` when created). Spec §9.2. */
  ensureWorkspace(issue: Issue): Promise<{ path: string }>;
  /** `before_run`; failure is fatal to the attempt. */
  beforeRun(workspacePath: string, issue: Issue): Promise<void>;
  /** `after_run`; runs once the workspace exists, whatever the outcome (§5.3.4); never rejects. */
  afterRun(workspacePath: string, issue: Issue): Promise<void>;
  /** Renders the first-turn prompt; throws `template_parse_error` / `template_render_error`. */
  renderPrompt(issue: Issue, attempt: number | null): string;
  /** Guidance sent as the input of continuation turns (never the original prompt). */
  continuationText(issue: Issue, turnNumber: number, maxTurns: number): string;
  /** Launches the app-server in the workspace and starts the thread; `signal` aborts the startup. */
  startSession(workspacePath: string, onEvent: AgentEventSink, signal: AbortSignal): Promise<WorkerSession>;
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
}

/** Why a worker ended normally. */
export type WorkerExit = 'turns_exhausted' | 'issue_not_active' | 'issue_missing';

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new SymphonyError('canceled', `run canceled: ${String(signal.reason ?? 'stopped by orchestrator')}`);
}

/**
 * Runs one worker attempt to its end.
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

  let session: WorkerSession | null = null;
  // Events are forwarded only while this run is live: a late one (a host-side tool call finishing
  // after the stop, say) would otherwise be folded into the next run of the same issue.
  let forwarding = true;
  const onEvent: AgentEventSink = (event) => {
    if (forwarding) run.onEvent(event);
  };
  const onAbort = (): void => {
    void session?.stop();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    throwIfAborted(signal);
    await deps.beforeRun(workspace.path, issue);
    throwIfAborted(signal);
    const prompt = deps.renderPrompt(issue, run.attempt);
    session = await deps.startSession(workspace.path, onEvent, signal);
    throwIfAborted(signal);
    for (let turn = 1; ; turn++) {
      const text = turn === 1 ? prompt : deps.continuationText(issue, turn, deps.maxTurns);
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
    if (session) await session.stop();
    forwarding = false;
    await deps.afterRun(workspace.path, issue);
  }
}
