/**
 * Drives the real {@link Orchestrator} shell with fakes: a {@link MemoryTracker} whose reads can be
 * held, a workflow source whose config can be swapped (a reload) and whose `refresh()` can fail,
 * workers that are deferred promises the test settles, a recording `removeWorkspace`, a manual
 * clock and a capturing logger. Every change wakes {@link Harness.pulse}, so tests wait on
 * conditions instead of sleeping.
 */
import type { AcpConfig, AgentConfig, ClaudeConfig, CodexConfig, EffectiveWorkflow, ServiceConfig, TrackerConfig } from '../../src/config/types.js';
import { DEFAULT_ACP_CONFIG } from '../../src/config/acp.js';
import { DEFAULT_CLAUDE_CONFIG } from '../../src/config/claude.js';
import type { AnswerResult, OperatorAnswer } from '../../src/domain/operator.js';
import type { Issue } from '../../src/domain/issue.js';
import { SymphonyError } from '../../src/errors.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import { Orchestrator, type WorkerHandle, type WorkerReport, type WorkflowSource } from '../../src/scheduler/orchestrator.js';
import type { StateSnapshot } from '../../src/scheduler/snapshot.js';
import type { StopReason } from '../../src/scheduler/state.js';
import type { ReadOptions, TrackerAdapter } from '../../src/tracker/tracker.js';
import { captureLogger, type LogRecord } from './log-capture.js';
import { ManualClock, type ManualTimer } from './manual-clock.js';
import { MemoryTracker, type MemoryIssueInput, type MemoryTrackerOptions } from './memory-tracker.js';
import { deferred, Pulse, type Deferred } from './wait.js';

/** Partial overrides of the test config (nested sections merge). */
export interface ConfigPatch {
  readonly pollIntervalMs?: number;
  readonly tracker?: Partial<TrackerConfig>;
  readonly agent?: Partial<AgentConfig>;
  readonly codex?: Partial<CodexConfig>;
  readonly acp?: Partial<AcpConfig>;
  readonly claude?: Partial<ClaudeConfig>;
}

/** A complete workflow for the memory tracker: 30 s polls, 10 agents, Linear's default states. */
export function testWorkflow(patch: ConfigPatch = {}): EffectiveWorkflow {
  const config: ServiceConfig = {
    workflowPath: '/test/WORKFLOW.md',
    tracker: {
      kind: 'memory',
      settings: { store: 'harness' },
      provider: {},
      requiredLabels: [],
      activeStates: ['Todo', 'In Progress'],
      terminalStates: ['Done', 'Canceled'],
      ...patch.tracker,
    },
    pollIntervalMs: patch.pollIntervalMs ?? 30_000,
    workspaceRoot: '/test/workspaces',
    hooks: { afterCreate: null, beforeRun: null, afterRun: null, beforeRemove: null, timeoutMs: 60_000 },
    agent: { maxConcurrentAgents: 10, maxTurns: 20, maxRetryBackoffMs: 300_000, maxConcurrentAgentsByState: {}, operatorTimeoutMs: 1_800_000, stallTimeoutMs: 300_000, maxConcurrentLaunches: 4, runtime: 'codex', maxTokensPerIssue: null, maxRuntimeMsPerIssue: null, maxTokensPerDay: null, noProgressMaxRepeats: null, noProgressMaxTurns: null, ...patch.agent },
    codex: {
      command: 'codex app-server',
      approvalPolicy: 'never',
      threadSandbox: 'workspace-write',
      turnSandboxPolicy: null,
      turnTimeoutMs: 3_600_000,
      readTimeoutMs: 5_000,
      startupTimeoutMs: 60_000,
      ...patch.codex,
    },
    acp: { ...DEFAULT_ACP_CONFIG, ...patch.acp },
    claude: { ...DEFAULT_CLAUDE_CONFIG, ...patch.claude },
    server: { port: null, host: '127.0.0.1', authToken: null },
    journal: { enabled: true, path: null },
    secretEnvNames: [],
  };
  return { config, promptTemplate: 'Work on {{ issue.identifier }}.', warnings: [] };
}

/** The memory tracker with holdable reads; wakes the pulse whenever a read starts or ends. */
export class HarnessTracker extends MemoryTracker {
  #gate: Deferred<void> | null = null;
  /** Reads currently waiting on {@link hold}. */
  heldReads = 0;

  constructor(
    private readonly wake: () => void,
    options: MemoryTrackerOptions = {},
  ) {
    super(options);
  }

  /** Every read from now on waits until the returned function is called. */
  hold(): () => void {
    const gate = deferred<void>();
    this.#gate = gate;
    return () => {
      if (this.#gate === gate) this.#gate = null;
      gate.resolve();
    };
  }

  override fetchIssuesByStates(stateNames: readonly string[], options?: ReadOptions): Promise<Issue[]> {
    return this.#gated(() => super.fetchIssuesByStates(stateNames, options));
  }

  override fetchIssuesByIds(ids: readonly string[], options?: ReadOptions): Promise<Issue[]> {
    return this.#gated(() => super.fetchIssuesByIds(ids, options));
  }

  /** Recorded calls of one method. */
  callsOf<M extends 'fetchIssuesByStates' | 'fetchIssuesByIds'>(method: M) {
    return this.calls.filter((call): call is Extract<typeof call, { method: M }> => call.method === method);
  }

  async #gated(read: () => Promise<Issue[]>): Promise<Issue[]> {
    const gate = this.#gate;
    if (gate) {
      this.heldReads++;
      this.wake();
      await gate.promise;
      this.heldReads--;
    }
    try {
      return await read();
    } finally {
      queueMicrotask(this.wake);
    }
  }
}

/** The workflow source: `current()` is swappable, `refresh()` answers {@link refreshResult}. */
export class FakeWorkflowSource implements WorkflowSource {
  #workflow: EffectiveWorkflow;
  /** Every poll interval this source ever served (tick timers are recognised by them). */
  readonly intervals = new Set<number>();
  /** What `refresh()` answers; an Error makes it reject. */
  refreshResult: { readonly ok: true } | { readonly ok: false; readonly error: SymphonyError } | Error = { ok: true };
  refreshCalls = 0;

  constructor(workflow: EffectiveWorkflow) {
    this.#workflow = workflow;
    this.intervals.add(workflow.config.pollIntervalMs);
  }

  current(): EffectiveWorkflow {
    return this.#workflow;
  }

  /** Replaces the effective workflow (what a successful reload does). */
  swap(workflow: EffectiveWorkflow): void {
    this.#workflow = workflow;
    this.intervals.add(workflow.config.pollIntervalMs);
  }

  refresh(): ReturnType<WorkflowSource['refresh']> {
    this.refreshCalls++;
    const result = this.refreshResult;
    return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
  }
}

/** A started fake worker; the test decides how and when it ends. */
export interface FakeWorker {
  readonly issue: Issue;
  readonly attempt: number | null;
  readonly workflow: EffectiveWorkflow;
  readonly tracker: TrackerAdapter;
  /** Stop reasons received, in order. */
  readonly stops: StopReason[];
  /** Operator answers delivered to this worker, in order. */
  readonly answers: OperatorAnswer[];
  /** What {@link WorkerHandle.answer} returns. Default `{ ok: true }`. */
  answerResult: AnswerResult;
  /** When true (default) a stop ends the worker like the real one: rejected with `canceled`. */
  endOnStop: boolean;
  readonly ended: boolean;
  /** Ends normally (the turn loop finished). */
  finish(): void;
  /** Ends with a failure. Default: a `turn_failed` SymphonyError. */
  fail(error?: unknown): void;
  workspaceReady(path: string): void;
  agentEvent(event: Partial<AgentEvent> & Pick<AgentEvent, 'event'>): void;
  /** The removal the worker was told to wait for, if one was running at dispatch. */
  readonly notBefore: Promise<void> | undefined;
}

export type { LogRecord } from './log-capture.js';

/** Options of {@link Harness}. */
export interface HarnessOptions {
  readonly issues?: readonly MemoryIssueInput[];
  readonly config?: ConfigPatch;
}

/** The orchestrator wired to fakes. */
export class Harness {
  readonly pulse = new Pulse();
  readonly clock = new ManualClock();
  readonly logs: LogRecord[] = [];
  readonly tracker: HarnessTracker;
  readonly workflow: FakeWorkflowSource;
  readonly workers: FakeWorker[] = [];
  readonly removals: { identifier: string; workspacePath: string | null }[] = [];
  /** Configs `trackerFor` was called with. */
  readonly trackerConfigs: ServiceConfig[] = [];
  readonly orchestrator: Orchestrator;
  /** The next N `startWorker` calls throw. */
  spawnFailures = 0;
  /** While set, `removeWorkspace` calls stay pending until it resolves. */
  holdRemovals: Promise<void> | null = null;

  constructor(options: HarnessOptions = {}) {
    this.tracker = new HarnessTracker(this.pulse.notify, { issues: options.issues ?? [] });
    this.workflow = new FakeWorkflowSource(testWorkflow(options.config));
    this.clock.onChange(this.pulse.notify);
    const logger = captureLogger(this.logs, this.pulse.notify);
    this.orchestrator = new Orchestrator({
      workflow: this.workflow,
      trackerFor: (config) => {
        this.trackerConfigs.push(config);
        return this.tracker;
      },
      startWorker: (issue, attempt, workflow, tracker, report) => this.#startWorker(issue, attempt, workflow, tracker, report),
      removeWorkspace: (_config, { identifier }, workspacePath) => {
        this.removals.push({ identifier, workspacePath });
        this.pulse.notify();
        return this.holdRemovals ?? Promise.resolve();
      },
      logger,
      clock: this.clock,
    });
    this.orchestrator.onChange(this.pulse.notify);
  }

  /** Adds an issue with id `id-<identifier>` (state `Todo` unless given). */
  addIssue(identifier: string, fields: Partial<MemoryIssueInput> = {}): Issue {
    return this.tracker.upsertIssue({ id: `id-${identifier}`, ...fields, identifier });
  }

  /** Changes stored fields of an issue added with {@link addIssue}. */
  updateIssue(identifier: string, fields: Partial<MemoryIssueInput>): Issue {
    const current = this.tracker.issues().find((issue) => issue.identifier === identifier);
    if (!current) throw new Error(`no issue ${identifier} in the memory tracker`);
    return this.tracker.upsertIssue({ ...current, ...fields, identifier });
  }

  /** The armed poll timer (the newest timer whose delay is 0 or a configured poll interval). */
  tickTimer(afterId = 0): ManualTimer | undefined {
    return this.clock
      .pending()
      .filter((t) => t.id > afterId && (t.delayMs === 0 || this.workflow.intervals.has(t.delayMs)))
      .sort((a, b) => a.id - b.id)
      .at(-1);
  }

  /** Fires the armed poll tick (and any timer due before it) and waits until the next one is armed. */
  async runTick(): Promise<ManualTimer> {
    const timer = this.tickTimer();
    if (!timer) throw new Error('no poll tick is armed');
    this.clock.advanceTo(timer.dueAtMs);
    return this.pulse.waitFor(() => this.tickTimer(timer.id), 'the next poll tick to be armed');
  }

  /** `start()` then the first tick. */
  async startAndTick(): Promise<void> {
    await this.orchestrator.start();
    await this.runTick();
  }

  /** Workers started for `identifier`, oldest first. */
  workersOf(identifier: string): FakeWorker[] {
    return this.workers.filter((w) => w.issue.identifier === identifier);
  }

  /** The latest worker of `identifier`; throws when there is none. */
  worker(identifier: string): FakeWorker {
    const worker = this.workersOf(identifier).at(-1);
    if (!worker) throw new Error(`no worker was started for ${identifier}`);
    return worker;
  }

  /** Waits until `count` workers have been started for `identifier`; returns the latest. */
  waitForWorker(identifier: string, count = 1): Promise<FakeWorker> {
    return this.pulse.waitFor(() => this.workersOf(identifier).length >= count && this.worker(identifier), `worker #${count} of ${identifier}`);
  }

  /** Log lines with message `msg`. */
  logged(msg: string): LogRecord[] {
    return this.logs.filter((record) => record.msg === msg);
  }

  snapshot(): StateSnapshot {
    return this.orchestrator.snapshot();
  }

  /** The retry row of `identifier`, if queued. */
  retryRow(identifier: string): StateSnapshot['retrying'][number] | undefined {
    return this.snapshot().retrying.find((row) => row.issue_identifier === identifier);
  }

  /** Waits for the retry row of `identifier` (optionally of a given attempt). */
  waitForRetry(identifier: string, attempt?: number): Promise<StateSnapshot['retrying'][number]> {
    return this.pulse.waitFor(() => {
      const row = this.retryRow(identifier);
      return row !== undefined && (attempt === undefined || row.attempt === attempt) && row;
    }, `retry${attempt === undefined ? '' : ` attempt ${attempt}`} of ${identifier}`);
  }

  #startWorker(
    issue: Issue,
    attempt: number | null,
    workflow: EffectiveWorkflow,
    tracker: TrackerAdapter,
    report: WorkerReport,
  ): WorkerHandle {
    if (this.spawnFailures > 0) {
      this.spawnFailures--;
      throw new Error('spawn refused by test');
    }
    const done = deferred<unknown>();
    const clock = this.clock;
    const wake = this.pulse.notify;
    const worker: FakeWorker = {
      issue,
      attempt,
      workflow,
      tracker,
      stops: [],
      answers: [],
      answerResult: { ok: true },
      endOnStop: true,
      get ended() {
        return done.settled;
      },
      finish: () => done.resolve('issue_not_active'),
      fail: (error = new SymphonyError('turn_failed', `turn failed for ${issue.identifier}`)) => done.reject(error),
      workspaceReady: (path) => report.workspaceReady(path),
      agentEvent: (event) => report.agentEvent({ timestamp: new Date(clock.now()), codexAppServerPid: null, ...event }),
      notBefore: report.notBefore,
    };
    this.workers.push(worker);
    wake();
    return {
      done: done.promise,
      answer: (answer) => {
        worker.answers.push(answer);
        wake();
        return worker.answerResult;
      },
      stop: (reason) => {
        worker.stops.push(reason);
        if (worker.endOnStop && !done.settled) done.reject(new SymphonyError('canceled', `run canceled: ${reason}`));
        wake();
      },
    };
  }
}
