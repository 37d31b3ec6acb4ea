/**
 * Binds a worker to one config snapshot (spec §6.2: reloads apply to future runs; §10.5: tools
 * and tracker settings are bound to one session snapshot) and starts it. This is the composition
 * of the workspace manager, the prompt renderer, the app-server client and the tracker adapter.
 */
import type { EffectiveWorkflow } from '../config/types.js';
import type { Issue } from '../domain/issue.js';
import { logAgentEvent } from '../logging/agent-events.js';
import type { Logger } from '../logging/logger.js';
import { systemClock, type Clock } from '../domain/clock.js';
import { SymphonyError, toSymphonyError } from '../errors.js';
import { continuationGuidance, restartGuidance } from '../prompt/continuation.js';
import type { ResumeRequest } from '../domain/resume.js';
import { locatePromptError } from '../prompt/check.js';
import { parsePromptTemplate, renderPrompt } from '../prompt/render.js';
import { runtimeProfile } from '../runner/registry.js';
import { createLaunchLimiter, type LaunchLimiter } from '../runner/launch-limiter.js';
import type { AnswerResult } from '../domain/operator.js';
import { runWorker, type WorkerDeps, type WorkerSession } from '../runner/worker.js';
import type { WorkerHandle, WorkerReport } from '../scheduler/orchestrator.js';
import { isActiveState, issueRoutable, runtimeForIssue } from '../scheduler/policy.js';
import { refreshIssueOnce, watchRefreshes } from '../tracker/batched.js';
import type { TrackerAdapter } from '../tracker/tracker.js';
import { gitSummary } from '../workspace/git-summary.js';
import { workspaceKey } from '../workspace/key.js';
import { ensureWorkspace, runAfterRun, runBeforeRun, type WorkspaceContext } from '../workspace/manager.js';

/** Inputs of {@link createWorkerStarter}. */
export interface WorkerStarterOptions {
  readonly logger: Logger;
  /** Current workflow, read when a running worker decides whether to continue (reload-aware). */
  readonly currentWorkflow: () => EffectiveWorkflow;
  /** Base environment for agents and hooks. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Client version reported in `initialize`. */
  readonly clientVersion: string;
  /**
   * Whether an operator channel exists (the HTTP server is enabled): then approvals (unless
   * `approval_policy` is `never`) and user-input requests wait for an answer through
   * {@link WorkerHandle.answer} instead of being declined / failing the turn. Default false.
   */
  readonly operatorChannel?: boolean;
  /**
   * The logs root (`--logs-root`): each session's raw app-server stream is written to
   * `<logsRoot>/sessions/<workspace_key>/<session_id>.jsonl`. Null or omitted: no session logs.
   */
  readonly logsRoot?: string | null;
  /**
   * The bound on launches in flight, shared by every worker this starter makes. Default: a new
   * one; its size follows `agent.max_concurrent_launches` of the workflow each run starts with.
   */
  readonly launches?: LaunchLimiter;
  /** Time for the sessions' timers and event timestamps. Default: the system clock. */
  readonly clock?: Clock;
}

/**
 * Returns the `startWorker` function the orchestrator calls for each dispatch. Launches (spawn to
 * started thread) of all its workers share one {@link LaunchLimiter}: at most
 * `agent.max_concurrent_launches` at once, the rest wait in dispatch order (issue 7 item 2).
 *
 * With a `resume` (issue 9) the run reopens that thread (the runtime's `resume` start option) and
 * its first turn is `restartGuidance`; the workspace is still the one derived from the identifier
 * (a different recorded path is logged and ignored). A runtime without
 * `RuntimeProfile.canResume` makes the run fail with `resume_failed` before anything starts.
 */
export function createWorkerStarter(options: WorkerStarterOptions) {
  const env = options.env ?? process.env;
  const launches = options.launches ?? createLaunchLimiter(4);
  return (
    issue: Issue,
    attempt: number | null,
    workflow: EffectiveWorkflow,
    tracker: TrackerAdapter,
    report: WorkerReport,
    resume: ResumeRequest | null = null,
  ): WorkerHandle => {
    const config = workflow.config;
    const logger = options.logger.child({ issue_id: issue.id, issue_identifier: issue.identifier });
    const workspaceContext: WorkspaceContext = {
      root: config.workspaceRoot,
      hooks: config.hooks,
      // Workspace and hook lines name the issue themselves; the root logger avoids duplicate keys.
      logger: options.logger,
      secretEnvNames: config.secretEnvNames,
      env,
    };
    const secretEnvNames = [...new Set([...config.secretEnvNames, ...tracker.secretEnvironmentNames()])];
    let currentIssue = issue;
    // The live session, for routing operator answers; a stopped one answers nothing_waiting itself.
    let live: WorkerSession | null = null;
    const logsRoot = options.logsRoot ?? null;
    const controller = new AbortController();
    // While this run lives, the batcher waits for its re-read before sending a gathered batch early.
    const unwatch = watchRefreshes(tracker, issue.id);
    const deps: WorkerDeps = {
      maxTurns: config.agent.maxTurns,
      ensureWorkspace: (i) => ensureWorkspace(i, workspaceContext),
      beforeRun: (path, i) => runBeforeRun(path, i, workspaceContext),
      afterRun: async (path, i) => {
        await runAfterRun(path, i, workspaceContext);
        const git = await gitSummary(path, env);
        if (git) logger.info({ workspace: path, git_branch: git.branch, git_head: git.head, git_changed_files: git.changedFiles }, 'workspace git state');
      },
      renderPrompt: (i, a) => {
        try {
          return renderPrompt(parsePromptTemplate(workflow.promptTemplate, config.workflowPath), { issue: i, attempt: a });
        } catch (error) {
          // The WORKFLOW.md line, not the line in the body (issue 10 item 3).
          throw locatePromptError(toSymphonyError(error, 'template_render_error'), { workflowPath: config.workflowPath, line: workflow.promptLine ?? 1 }, i.identifier);
        }
      },
      continuationText: (i, turnNumber, maxTurns) => continuationGuidance({ issue: i, turnNumber, maxTurns }),
      restartText: (i, r) => restartGuidance({ issue: i, waiting: r.waiting }),
      startSession: async (workspacePath, onEvent, signal, resumeThread) => {
        // A reload that changes the bound applies to the launches still waiting.
        launches.concurrency = config.agent.maxConcurrentLaunches;
        // The issue's runtime: its runtime:<kind> label, else agent.runtime (issue 8).
        const choice = runtimeForIssue(issue, config.agent.runtime);
        if (!choice.ok) throw new SymphonyError('unsupported_runtime_kind', `${issue.identifier}: ${choice.reason}`);
        const profile = runtimeProfile(choice.kind);
        if (resumeThread !== null && profile.canResume !== true) {
          throw new SymphonyError('resume_failed', `${issue.identifier}: cannot resume thread ${resumeThread.threadId}: the ${choice.kind} runtime cannot continue a thread after a restart`, { details: { threadId: resumeThread.threadId } });
        }
        const launch = (): Promise<WorkerSession> =>
          profile.start({
            config,
            workspacePath,
            env,
            secretEnvNames,
            operatorChannel: options.operatorChannel === true,
            tools: tracker.agentToolSpecs(),
            executeTool: (name, args) => tracker.executeAgentTool(name, args, { issue: currentIssue }),
            onEvent,
            logger,
            signal,
            clientVersion: options.clientVersion,
            sessionLog: logsRoot === null ? null : { logsRoot, workspaceKey: workspaceKey(issue.identifier) },
            ...(options.clock === undefined ? {} : { clock: options.clock }),
            ...(resumeThread === null ? {} : { resume: resumeThread }),
          });
        // Both become agent events: the run shows what it waits for, and the core exempts a
        // queued run from stall detection (it is not silent, it has not started).
        const launchEvent = (event: 'launch_queued' | 'launch_started', message: string): void =>
          onEvent({ event, timestamp: new Date((options.clock ?? systemClock).now()), codexAppServerPid: null, message });
        live = await launches.run(launch, {
          signal,
          onQueued: ({ inFlight, waiting }) => {
            logger.info({ launches_in_flight: inFlight, launches_waiting: waiting, max_concurrent_launches: launches.concurrency }, 'launch queued: waiting for a launch slot');
            launchEvent('launch_queued', `${inFlight} launches in flight, ${waiting} waiting (agent.max_concurrent_launches ${launches.concurrency})`);
          },
          onStarted: () => {
            logger.info({ max_concurrent_launches: launches.concurrency }, 'launch slot acquired');
            launchEvent('launch_started', 'launch slot acquired');
          },
        });
        return live;
      },
      // Gathered with the other workers' re-reads and reconciliation (one request per window).
      refreshIssue: async (id) => {
        const fresh = await refreshIssueOnce(tracker, id, controller.signal);
        if (fresh) currentIssue = fresh;
        return fresh;
      },
      mayContinue: (i) => {
        const now = options.currentWorkflow().config;
        return isActiveState(i.state, now.tracker) && issueRoutable(i, now.tracker);
      },
    };
    const done = runWorker(
      {
        issue,
        attempt,
        signal: controller.signal,
        logger,
        onEvent: (event) => {
          // `operator waiting` (warn): the run is held until someone answers.
          logAgentEvent(logger, event);
          try {
            report.agentEvent(event);
          } catch (error) {
            logger.warn({ err: String(error) }, 'agent event handling failed');
          }
        },
        onWorkspaceReady: (path) => report.workspaceReady(path),
        ...(report.notBefore ? { notBefore: report.notBefore } : {}),
        ...(resume === null ? {} : { resume }),
      },
      deps,
    );
    void done.then(unwatch, unwatch);
    return {
      done,
      stop: (reason) => controller.abort(reason),
      answer: (answer): AnswerResult => {
        const result = live?.answer(answer) ?? { ok: false, code: 'nothing_waiting', message: 'no agent request is waiting for an operator' };
        return result.ok ? result : { ...result, message: `${issue.identifier}: ${result.message}` };
      },
    };
  };
}
