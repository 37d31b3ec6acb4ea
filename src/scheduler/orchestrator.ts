/**
 * The effectful shell around the pure scheduler core (spec §7, §8, §16): the one authority that
 * owns the poll timer, retry timers, tracker reads and worker handles. Every state change goes
 * through {@link Orchestrator.apply}, which runs `step` and performs the returned effects.
 */
import type { WorkflowSection } from '../config/store.js';
import type { ServiceConfig } from '../config/types.js';
import type { Issue } from '../domain/issue.js';
import { SHUTDOWN_DEADLINE_MS } from '../domain/shutdown.js';
import { toSymphonyError } from '../errors.js';
import type { OperatorAnswer } from '../domain/operator.js';
import type { ResumeRequest } from '../domain/resume.js';
import PQueue from 'p-queue';
import { systemClock, type Clock, type TimerHandle } from '../domain/clock.js';
import { step } from './core.js';
import type { Effect, SchedulerEvent } from './events.js';
import { SafeListeners } from './listeners.js';
import type { SchedulerConfig } from './policy.js';
import type { AnswerOutcome, OrchestratorChange, OrchestratorDeps, OrchestratorListener, WorkerHandle } from './ports.js';
import { snapshotState, type StateSnapshot } from './snapshot.js';
import { initialState, type OrchestratorState } from './state.js';

export type { AnswerOutcome, OrchestratorChange, OrchestratorDeps, OrchestratorListener, WorkerHandle, WorkerReport, WorkflowSource } from './ports.js';

/** Workspace removals run at once during startup cleanup (each may run a `before_remove` hook). */
export const STARTUP_CLEANUP_CONCURRENCY = 4;

/** The scheduler slice of a service config. */
export function schedulerConfigOf(config: ServiceConfig): SchedulerConfig {
  return {
    activeStates: config.tracker.activeStates,
    terminalStates: config.tracker.terminalStates,
    requiredLabels: config.tracker.requiredLabels,
    maxConcurrentAgents: config.agent.maxConcurrentAgents,
    maxConcurrentAgentsByState: config.agent.maxConcurrentAgentsByState,
    maxRetryBackoffMs: config.agent.maxRetryBackoffMs,
    stallTimeoutMs: config.agent.stallTimeoutMs,
    defaultRuntime: config.agent.runtime,
    budgets: {
      maxTokensPerIssue: config.agent.maxTokensPerIssue ?? null,
      maxRuntimeMsPerIssue: config.agent.maxRuntimeMsPerIssue ?? null,
      maxTokensPerDay: config.agent.maxTokensPerDay ?? null,
      noProgressMaxRepeats: config.agent.noProgressMaxRepeats ?? null,
      noProgressMaxTurns: config.agent.noProgressMaxTurns ?? null,
    },
  };
}

/** The orchestrator shell. Construct, then {@link start}; stop with {@link shutdown}. */
export class Orchestrator {
  private state: OrchestratorState = initialState();
  private readonly clock: Clock;
  private readonly workers = new Map<string, WorkerHandle>();
  private readonly retryTimers = new Map<string, TimerHandle>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly listeners: SafeListeners<OrchestratorChange>;
  private readonly tickListeners: SafeListeners<number>;
  private tickTimer: TimerHandle | null = null;
  private ticking = false;
  private tickRequested = false;
  /** The workflow error that pauses dispatch, as last logged; null while dispatch is active. */
  private pausedBy: string | null = null;
  private stopped = false;
  /** Set once startup cleanup is done and the first tick armed (spec §16.1). */
  private started = false;
  /** Workspace removals in progress, by issue identifier (a new run of the issue waits for them). */
  private readonly removals = new Map<string, Promise<void>>();
  /** Aborted at shutdown so tracker reads in flight do not hold the process. */
  private readonly reads = new AbortController();

  constructor(private readonly deps: OrchestratorDeps) {
    this.clock = deps.clock ?? systemClock;
    this.listeners = new SafeListeners((error) => deps.logger.warn({ err: String(error) }, 'status listener failed'));
    this.tickListeners = new SafeListeners((error) => deps.logger.warn({ err: String(error) }, 'tick listener failed'));
  }

  /** Current state (read-only view). */
  get current(): OrchestratorState {
    return this.state;
  }

  /** Runtime snapshot for status surfaces (spec §13.3). */
  snapshot(): StateSnapshot {
    return snapshotState(this.state, this.clock.now());
  }

  /** Subscribes to state changes; returns an unsubscribe function. A throwing listener is ignored. */
  onChange(listener: OrchestratorListener): () => void {
    return this.listeners.add(listener);
  }

  /** Subscribes to poll-tick durations (ms, metrics); returns an unsubscribe function. */
  onTick(listener: (durationMs: number) => void): () => void {
    return this.tickListeners.add(listener);
  }

  /**
   * Delivers an operator's answer to the request the run of `identifier` (case-insensitive) waits
   * on. `issue_not_found` when the issue has no running worker; `nothing_waiting` when its run waits
   * for nothing (or ended: a blocked issue's request died with its run).
   */
  answer(identifier: string, answer: OperatorAnswer): AnswerOutcome {
    const wanted = identifier.toLowerCase();
    const entry = [...this.state.running.values()].find((e) => e.identifier.toLowerCase() === wanted);
    if (entry === undefined) {
      const blocked = [...this.state.blocked.values()].find((e) => e.identifier.toLowerCase() === wanted);
      if (blocked !== undefined) {
        return { ok: false, code: 'nothing_waiting', message: `${blocked.identifier}: the run ended unanswered (${blocked.reason}); move the issue to another state to release it` };
      }
      return { ok: false, code: 'issue_not_found', message: `${identifier}: no running agent for this issue` };
    }
    const worker = this.workers.get(entry.issueId);
    if (entry.waiting === null || worker === undefined || entry.stopping !== null) {
      return { ok: false, code: 'nothing_waiting', message: `${entry.identifier}: the agent is not waiting for an operator` };
    }
    const result = worker.answer(answer);
    this.deps.logger.info(
      { issue_id: entry.issueId, issue_identifier: entry.identifier, session_id: entry.sessionId, kind: entry.waiting.kind, outcome: result.ok ? 'answered' : result.code },
      'operator answer',
    );
    return result;
  }

  /**
   * Startup (spec §8.6, §16.1): terminal workspace cleanup (a failed fetch only warns), then an
   * immediate tick.
   */
  async start(): Promise<void> {
    if (this.deps.recovered !== undefined) this.apply({ type: 'recovered', recovered: this.deps.recovered });
    const workflow = this.deps.workflow.current();
    const config = workflow.config;
    try {
      const tracker = this.deps.trackerFor(config);
      const terminal = await tracker.fetchIssuesByStates(config.tracker.terminalStates, { signal: this.reads.signal });
      // Bounded: each removal may run a before_remove hook.
      const queue = new PQueue({ concurrency: STARTUP_CLEANUP_CONCURRENCY });
      await Promise.all(terminal.map((issue) => queue.add(() => this.removeWorkspace(config, { id: issue.id, identifier: issue.identifier }, null))));
      this.deps.logger.info({ count: terminal.length, outcome: 'completed' }, 'startup terminal workspace cleanup');
    } catch (error) {
      this.deps.logger.warn({ reason: toSymphonyError(error).toLine(), outcome: 'skipped' }, 'startup terminal workspace cleanup failed; continuing');
    }
    this.started = true;
    this.scheduleTick(0);
  }

  /**
   * Queues an immediate poll + reconciliation. Returns true when the request was folded into one
   * already pending behind a running tick (coalesced); false when it armed or re-armed a tick.
   */
  requestRefresh(): boolean {
    if (this.stopped) return true;
    if (!this.started) return true; // start() arms the first tick once startup cleanup is done (§16.1)
    if (this.ticking) {
      const coalesced = this.tickRequested;
      this.tickRequested = true;
      return coalesced;
    }
    this.scheduleTick(0);
    return false;
  }

  /**
   * Tells the orchestrator a valid reload replaced the workflow (spec §6.2; the service calls it
   * from the store's `reloaded` event): applies `workflow_reloaded`, which re-arms failure retries
   * whose error the reload may fix to come due in `RELOAD_RETRY_DELAY_MS` (1 s), then requests an
   * immediate tick (new poll interval, limits and states apply at once, see {@link requestRefresh}).
   *
   * @param changedSections - the sections the reload changed (empty when only validity came back).
   */
  workflowReloaded(changedSections: readonly WorkflowSection[]): void {
    if (this.stopped) return;
    this.apply({ type: 'workflow_reloaded', changedSections });
    this.requestRefresh();
  }

  /**
   * Stops polling, stops every worker (their `after_run` hooks run) and waits for them, at most
   * `deadlineMs` (default `SHUTDOWN_DEADLINE_MS`, 8000). Returns true when everything ended in time.
   */
  async shutdown(deadlineMs = SHUTDOWN_DEADLINE_MS): Promise<boolean> {
    if (this.tickTimer) this.clock.clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.stopped = true;
    this.apply({ type: 'shutdown' });
    this.reads.abort(new Error('shutting down'));
    const all = Promise.allSettled([...this.pending]).then(() => true);
    let timer: TimerHandle | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(false), deadlineMs);
    });
    const finished = await Promise.race([all, deadline]);
    if (timer) this.clock.clearTimeout(timer);
    return finished;
  }

  /** Applies one event through the pure core and performs its effects. */
  apply(event: SchedulerEvent): void {
    const workflow = this.deps.workflow.current();
    const config = schedulerConfigOf(workflow.config);
    const nowMs = this.clock.now();
    const previous = this.state;
    const result = step(previous, event, nowMs, config);
    // Written ahead: the journal holds what was decided before anything is done about it (issue 9).
    this.deps.journal?.record({ previous, state: result.state, effects: result.effects, nowMs, workflowRevision: workflow.revision ?? '', event });
    this.state = result.state;
    for (const effect of result.effects) this.perform(effect);
    this.listeners.emit({ event, effects: result.effects, previous, state: result.state, nowMs });
  }

  private track<T>(promise: Promise<T>): void {
    const tracked = promise.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  private scheduleTick(delayMs: number): void {
    if (this.stopped) return;
    if (this.tickTimer) this.clock.clearTimeout(this.tickTimer);
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = null;
      this.track(this.tick());
    }, delayMs);
  }

  /** One poll-and-dispatch tick (spec §8.1, §16.2). Never rejects. */
  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) {
      this.tickRequested = true;
      return;
    }
    this.ticking = true;
    const log = this.deps.logger;
    const startedMs = this.clock.now();
    try {
      await this.reconcile();
      const validation = await this.deps.workflow.refresh();
      if (!validation.ok) {
        // Logged once per distinct error, not on every tick; the status surfaces show the pause.
        const reason = validation.error.toLine();
        if (reason !== this.pausedBy) log.error({ reason, outcome: 'paused' }, 'dispatch paused: the workflow file is invalid; running agents go on');
        this.pausedBy = reason;
        return;
      }
      if (this.pausedBy !== null) {
        log.info({ outcome: 'resumed' }, 'dispatch resumed: the workflow file is valid again');
        this.pausedBy = null;
      }
      if (this.stopped) return;
      const workflow = this.deps.workflow.current();
      const config = workflow.config;
      if (this.state.running.size >= config.agent.maxConcurrentAgents) return;
      try {
        const issues = await this.deps.trackerFor(config).fetchIssuesByStates(config.tracker.activeStates, { signal: this.reads.signal });
        if (!this.stopped) this.apply({ type: 'candidates_fetched', issues });
      } catch (error) {
        if (!this.stopped) log.error({ reason: toSymphonyError(error).toLine(), outcome: 'skipped' }, 'candidate fetch failed; skipping dispatch this tick');
      }
    } catch (error) {
      log.error({ reason: toSymphonyError(error).toLine() }, 'tick failed');
    } finally {
      this.ticking = false;
      this.tickListeners.emit(this.clock.now() - startedMs);
      const interval = this.deps.workflow.current().config.pollIntervalMs;
      this.scheduleTick(this.tickRequested ? 0 : interval);
      this.tickRequested = false;
    }
  }

  /**
   * Reconciliation (spec §8.5, §16.3): stall check, then refresh running issues — and blocked ones,
   * which are released once their state changes.
   */
  private async reconcile(): Promise<void> {
    this.apply({ type: 'stall_check' });
    const ids = [...this.state.running.values()].filter((e) => e.stopping === null).map((e) => e.issueId);
    ids.push(...this.state.blocked.keys());
    if (ids.length === 0) return;
    try {
      const issues = await this.deps.trackerFor(this.deps.workflow.current().config).fetchIssuesByIds(ids, { signal: this.reads.signal });
      this.apply({ type: 'running_refreshed', requestedIds: ids, issues });
    } catch (error) {
      this.apply({ type: 'running_refresh_failed', error: toSymphonyError(error).toLine() });
    }
  }

  private perform(effect: Effect): void {
    const log = this.deps.logger;
    switch (effect.type) {
      case 'log':
        log[effect.level](effect.fields, effect.message);
        return;
      case 'run_ended':
      case 'issue_handed_off':
        return; // reports for listeners and the journal; nothing to do
      case 'start_worker':
        this.startWorker(effect.issue, effect.attempt, effect.resume);
        return;
      case 'check_progress': {
        const digest = this.deps.progressDigest;
        if (digest === undefined) return;
        this.track(digest(effect.workspacePath).then((value) => {
          if (!this.stopped) this.apply({ type: 'progress_checked', issueId: effect.issueId, digest: value });
        }));
        return;
      }
      case 'stop_worker':
        this.workers.get(effect.issueId)?.stop(effect.reason);
        return;
      case 'arm_retry_timer': {
        const previous = this.retryTimers.get(effect.issueId);
        if (previous) this.clock.clearTimeout(previous);
        const handle = this.clock.setTimeout(() => {
          this.retryTimers.delete(effect.issueId);
          this.apply({ type: 'retry_due', issueId: effect.issueId });
        }, effect.delayMs);
        this.retryTimers.set(effect.issueId, handle);
        return;
      }
      case 'cancel_retry_timer': {
        const handle = this.retryTimers.get(effect.issueId);
        if (handle) this.clock.clearTimeout(handle);
        this.retryTimers.delete(effect.issueId);
        return;
      }
      case 'fetch_retry_issue': {
        const tracker = this.deps.trackerFor(this.deps.workflow.current().config);
        this.track(
          tracker.fetchIssuesByIds([effect.issueId], { signal: this.reads.signal }).then(
            (issues) => this.apply({ type: 'retry_refreshed', issueId: effect.issueId, issue: issues.find((i) => i.id === effect.issueId) ?? null }),
            (error: unknown) => this.apply({ type: 'retry_refresh_failed', issueId: effect.issueId, error: toSymphonyError(error).toLine() }),
          ),
        );
        return;
      }
      case 'remove_workspace':
        this.track(this.removeWorkspace(this.deps.workflow.current().config, { id: effect.issueId, identifier: effect.identifier }, effect.workspacePath));
        return;
    }
  }

  /** Runs a removal after any earlier one of the same issue, and records it until it ends. */
  private removeWorkspace(config: ServiceConfig, issue: { readonly id: string; readonly identifier: string }, workspacePath: string | null): Promise<void> {
    const previous = this.removals.get(issue.identifier) ?? Promise.resolve();
    const removal = previous.then(() => this.deps.removeWorkspace(config, issue, workspacePath)).catch(() => undefined);
    this.removals.set(issue.identifier, removal);
    void removal.then(() => {
      if (this.removals.get(issue.identifier) === removal) this.removals.delete(issue.identifier);
    });
    return removal;
  }

  private startWorker(issue: Issue, attempt: number | null, resume: ResumeRequest | null): void {
    const workflow = this.deps.workflow.current();
    let handle: WorkerHandle;
    try {
      const tracker = this.deps.trackerFor(workflow.config);
      const pendingRemoval = this.removals.get(issue.identifier);
      handle = this.deps.startWorker(issue, attempt, workflow, tracker, {
        workspaceReady: (path) => this.apply({ type: 'workspace_ready', issueId: issue.id, workspacePath: path }),
        agentEvent: (event) => this.apply({ type: 'agent_event', issueId: issue.id, event }),
        ...(pendingRemoval ? { notBefore: pendingRemoval } : {}),
      }, resume);
    } catch (error) {
      const failure = toSymphonyError(error);
      const line = `failed to spawn agent: ${failure.toLine()}`;
      queueMicrotask(() => this.apply({ type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: line, code: failure.code } }));
      return;
    }
    this.workers.set(issue.id, handle);
    this.track(
      handle.done.then(
        () => {
          this.workers.delete(issue.id);
          this.apply({ type: 'worker_exited', issueId: issue.id, outcome: { kind: 'normal' } });
        },
        (error: unknown) => {
          this.workers.delete(issue.id);
          const failure = toSymphonyError(error);
          this.apply({ type: 'worker_exited', issueId: issue.id, outcome: { kind: 'failed', error: failure.toLine(), code: failure.code } });
        },
      ),
    );
  }
}
