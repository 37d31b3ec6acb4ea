/**
 * The orchestrator shell's ports (spec §7, §8, §16): what it reads the workflow from, the worker
 * handles and reports it exchanges with the runner, the effectful dependencies it is given, and
 * the change notifications it publishes. Types only.
 */
import type { EffectiveWorkflow, ServiceConfig } from '../config/types.js';
import type { Issue } from '../domain/issue.js';
import type { SymphonyError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { AgentEvent } from '../domain/agent-event.js';
import type { AnswerResult, OperatorAnswer } from '../domain/operator.js';
import type { TrackerAdapter } from '../tracker/tracker.js';
import type { Clock } from '../domain/clock.js';
import type { Effect, RecoveredClaims, SchedulerEvent } from './events.js';
import type { JournalSink } from '../journal/writer.js';
import type { OrchestratorState, StopReason } from './state.js';
import type { ResumeRequest } from '../domain/resume.js';

/** Where the orchestrator reads the effective workflow (the hot-reloading store). */
export interface WorkflowSource {
  /** Last known good workflow. */
  current(): EffectiveWorkflow;
  /** Defensive re-validation before dispatch (spec §6.2, §6.3): false while the file is invalid. */
  refresh(): Promise<{ readonly ok: true } | { readonly ok: false; readonly error: SymphonyError }>;
}

/** A started worker as the shell sees it. */
export interface WorkerHandle {
  /** Resolves when the worker ended; rejects with its failure. */
  readonly done: Promise<unknown>;
  /** Asks the worker to stop (aborts its signal). */
  stop(reason: StopReason): void;
  /** Delivers an operator's answer to the request the run waits on (issue 3, operator intervention). */
  answer(answer: OperatorAnswer): AnswerResult;
}

/** What a worker reports back, and what it must wait for. */
export interface WorkerReport {
  workspaceReady(path: string): void;
  agentEvent(event: AgentEvent): void;
  /**
   * Resolves when a removal of this issue's workspace that was still running at dispatch has
   * finished; the worker must not touch the workspace before. Absent when none was running.
   */
  readonly notBefore?: Promise<void>;
}

/** Hooks the shell calls to act on the outside world; injected so tests can substitute fakes. */
export interface OrchestratorDeps {
  readonly workflow: WorkflowSource;
  /** The adapter for this config (cached by the caller while the tracker config is unchanged). */
  trackerFor(config: ServiceConfig): TrackerAdapter;
  /**
   * Starts a worker for `issue`; `report` feeds its workspace path and agent events back.
   * `resume` (issue 9): continue the run that was live when the daemon last stopped on its thread
   * (the runtime's resume, then a "the daemon restarted" turn) instead of starting a new thread
   * with the rendered prompt; null for every ordinary dispatch.
   */
  startWorker(
    issue: Issue,
    attempt: number | null,
    workflow: EffectiveWorkflow,
    tracker: TrackerAdapter,
    report: WorkerReport,
    resume: ResumeRequest | null,
  ): WorkerHandle;
  /**
   * Removes an issue's workspace (runs `before_remove`); never rejects. `issue` carries both ids so
   * the hook environment and every log line name the issue (spec §13.1).
   */
  removeWorkspace(config: ServiceConfig, issue: { readonly id: string; readonly identifier: string }, workspacePath: string | null): Promise<void>;
  readonly logger: Logger;
  readonly clock?: Clock;
  /**
   * The run journal (issue 9): every applied step is recorded, after the core decided and before
   * the effects are performed. Absent: nothing is recorded (the spec's stateless daemon).
   */
  readonly journal?: JournalSink;
  /**
   * What the journal's recovery found at startup; applied as the `recovered` event at the start of
   * `start()`, before the startup cleanup and the first tick. Absent: an empty start.
   */
  readonly recovered?: RecoveredClaims;
  /**
   * The workspace's git digest for no-progress detection (`gitProgressDigest`); null outside git.
   * Never rejects. Absent: no-progress-by-turns is not checked.
   */
  readonly progressDigest?: (workspacePath: string) => Promise<string | null>;
}

/** One applied event: what happened, the effects it produced, and the state before and after. */
export interface OrchestratorChange {
  readonly event: SchedulerEvent;
  readonly effects: readonly Effect[];
  readonly previous: OrchestratorState;
  readonly state: OrchestratorState;
  /** Epoch ms of the step. */
  readonly nowMs: number;
}

/** Change notifications for status surfaces (never required for correctness, spec §13.4). */
export type OrchestratorListener = (change: OrchestratorChange) => void;

/** Result of delivering an operator's answer to an issue's run: the run's own result, or no such run. */
export type AnswerOutcome = AnswerResult | { readonly ok: false; readonly code: 'issue_not_found'; readonly message: string };
