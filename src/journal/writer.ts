/**
 * The run journal's writer (issue 9 item 1): the orchestrator's apply step calls
 * {@link JournalWriter.record} with each step's states and effects, after the pure core decided
 * and before the shell performs anything, so what the journal says was decided is never behind
 * what the daemon did. One SQLite transaction per step that changed something.
 *
 * A failing write (disk full, I/O error) never stops the daemon: it is logged at error once per
 * distinct message (and once when writes succeed again), and the step goes on. The journal is then
 * behind until the next write of the same rows; a restart meanwhile recovers less.
 */
import type { Logger } from '../logging/logger.js';
import { toSymphonyError } from '../errors.js';
import type { Effect } from '../scheduler/events.js';
import type { OrchestratorState } from '../scheduler/state.js';
import { DEFAULT_RUNTIME } from '../runner/kinds.js';
import { isEmpty, journalChanges, type JournalChanges } from './diff.js';
import type { Journal } from './store.js';

/** One applied step, as the orchestrator hands it over. */
export interface JournalStep {
  readonly previous: OrchestratorState;
  readonly state: OrchestratorState;
  readonly effects: readonly Effect[];
  /** Epoch ms of the step. */
  readonly nowMs: number;
  /** sha256 of the WORKFLOW.md in force (`EffectiveWorkflow.revision`); '' when unknown. */
  readonly workflowRevision: string;
}

/** The port the orchestrator writes through (a fake in tests). */
export interface JournalSink {
  /** Writes what the step changed; never throws. */
  record(step: JournalStep): void;
}

/** Writes scheduler steps into a {@link Journal}. */
export class JournalWriter implements JournalSink {
  /** The live run's id per issue (for `endRun`). */
  private readonly liveRuns = new Map<string, number>();
  /** The last run's id per issue (for hand-off marks), live or ended. */
  private readonly lastRuns = new Map<string, number>();
  /** The runtime each issue last ran on (retry and blocked rows carry it). */
  private readonly runtimes = new Map<string, string>();
  private failing: string | null = null;
  private closed = false;

  /**
   * @param journal - an open journal; its runs and claims seed the run ids and runtimes (open runs
   *   must have been ended by recovery first: {@link Journal.interruptOpenRuns}).
   */
  constructor(
    private readonly journal: Journal,
    private readonly logger: Logger,
  ) {
    const snapshot = journal.snapshot();
    for (const run of snapshot.runs) {
      this.lastRuns.set(run.issueId, run.runId);
      this.runtimes.set(run.issueId, run.runtime);
    }
    for (const claim of snapshot.claims) this.runtimes.set(claim.issueId, claim.runtime);
  }

  /** Stops recording (steps after the daemon's shutdown are not journaled); the journal itself is closed by its owner. */
  close(): void {
    this.closed = true;
  }

  record(step: JournalStep): void {
    if (this.closed) return;
    const { previous, state } = step;
    for (const [id, entry] of state.running) if (previous.running.get(id)?.runtime !== entry.runtime) this.runtimes.set(id, entry.runtime);
    const changes = journalChanges(previous, state, step.effects, {
      nowMs: step.nowMs,
      workflowRevision: step.workflowRevision,
      runtimeOf: (issueId) => this.runtimes.get(issueId) ?? DEFAULT_RUNTIME,
    });
    if (isEmpty(changes)) return;
    try {
      this.journal.transaction(() => this.apply(changes, step.nowMs));
      if (this.failing !== null) {
        this.logger.info({ journal: this.journal.path, outcome: 'resumed' }, 'run journal writes succeed again');
        this.failing = null;
      }
    } catch (error) {
      const line = toSymphonyError(error).toLine();
      if (line !== this.failing) this.logger.error({ journal: this.journal.path, reason: line, outcome: 'failed' }, 'run journal write failed; the daemon goes on, a restart now would recover less');
      this.failing = line;
    }
  }

  private apply(changes: JournalChanges, nowMs: number): void {
    for (const id of changes.deleteClaims) this.journal.deleteClaim(id);
    for (const claim of changes.putClaims) this.journal.putClaim(claim);
    for (const usage of changes.putUsage) this.journal.putUsage(usage);
    if (changes.putDay !== null) this.journal.putDay(changes.putDay);
    for (const ended of changes.endRuns) {
      const runId = this.liveRuns.get(ended.issueId);
      if (runId === undefined) continue;
      this.journal.endRun(runId, ended.end);
      this.liveRuns.delete(ended.issueId);
    }
    for (const start of changes.startRuns) {
      const runId = this.journal.startRun(start);
      this.liveRuns.set(start.issueId, runId);
      this.lastRuns.set(start.issueId, runId);
    }
    for (const issueId of changes.handoffs) {
      const runId = this.lastRuns.get(issueId);
      if (runId !== undefined) this.journal.markHandoff(runId, nowMs);
    }
  }
}
