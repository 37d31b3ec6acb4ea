/**
 * The run journal's writer (issue 9 item 1): the orchestrator's apply step calls
 * {@link JournalWriter.record} with each step's states and effects, after the pure core decided
 * and before the shell performs anything, so what the journal says was decided is never behind
 * what the daemon did. One SQLite transaction per step that changed something.
 *
 * Usage and day rows (token totals) follow every token update in memory but are written at most
 * every {@link USAGE_FLUSH_MS} (1 s), or with the next step that writes anything else (a claim, a
 * run), or at close: a token event is the most frequent change and its rows are the costliest
 * part of the journal (`bench/journal.bench.ts`). A crash may so lose the last second of token
 * counts, never a claim, retry or run.
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
import { classifyStep, journalChanges, touchedIssue, usageRow, type JournalChanges } from './diff.js';
import { NO_USAGE } from '../scheduler/state.js';
import type { Journal } from './journal.js';
import type { JournalDay, JournalUsage } from './types.js';
import type { SchedulerEvent } from '../scheduler/events.js';

/** Longest time token totals wait in memory before they are written, ms. */
export const USAGE_FLUSH_MS = 1000;

/** One applied step, as the orchestrator hands it over. */
export interface JournalStep {
  readonly previous: OrchestratorState;
  readonly state: OrchestratorState;
  readonly effects: readonly Effect[];
  /** Epoch ms of the step. */
  readonly nowMs: number;
  /** sha256 of the WORKFLOW.md in force (`EffectiveWorkflow.revision`); '' when unknown. */
  readonly workflowRevision: string;
  /** The applied event; lets the diff look at the one issue an agent event concerns. Absent: compare all. */
  readonly event?: SchedulerEvent;
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
  /** Usage and day rows not written yet (see the module comment), and when rows were last written. */
  private readonly pendingUsage = new Map<string, JournalUsage>();
  private pendingDay: JournalDay | null = null;
  private lastFlushMs = Number.NEGATIVE_INFINITY;

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

  /**
   * Writes the token totals still in memory and stops recording (steps after the daemon's
   * shutdown are not journaled); the journal itself is closed by its owner.
   */
  close(): void {
    if (this.closed) return;
    if (this.pendingUsage.size > 0 || this.pendingDay !== null) this.write(EMPTY_CHANGES, Number.POSITIVE_INFINITY);
    this.closed = true;
  }

  record(step: JournalStep): void {
    if (this.closed) return;
    const { state } = step;
    for (const effect of step.effects) {
      if (effect.type !== 'start_worker') continue;
      const runtime = state.running.get(effect.issue.id)?.runtime;
      if (runtime !== undefined) this.runtimes.set(effect.issue.id, runtime);
    }
    const touched = step.event === undefined ? null : touchedIssue(step.event);
    // Most steps are agent events that change nothing the journal keeps, or only token counts:
    // those skip the diff.
    const kind = classifyStep(step.previous, state, step.effects, touched);
    let changes = EMPTY_CHANGES;
    if (kind === 'tokens' && touched !== null) {
      const entry = state.running.get(touched);
      if (entry !== undefined) this.pendingUsage.set(touched, usageRow(touched, state.usage.get(touched) ?? NO_USAGE, entry));
      this.pendingDay = { day: state.dayUsage.day, totalTokens: state.dayUsage.totalTokens };
    } else if (kind === 'other') {
      changes = journalChanges(step.previous, state, step.effects, {
        nowMs: step.nowMs,
        workflowRevision: step.workflowRevision,
        runtimeOf: (issueId) => this.runtimes.get(issueId) ?? DEFAULT_RUNTIME,
        touched,
      });
      for (const usage of changes.putUsage) this.pendingUsage.set(usage.issueId, usage);
      if (changes.putDay !== null) this.pendingDay = changes.putDay;
    }
    // Token rows alone wait, at most USAGE_FLUSH_MS or until a later step (a tick comes every poll interval).
    if (!hasOwnWrites(changes) && !this.flushDue(step.nowMs)) return;
    this.write(changes, step.nowMs);
  }

  /** Whether token rows wait and the last write is at least {@link USAGE_FLUSH_MS} old. */
  private flushDue(nowMs: number): boolean {
    return (this.pendingUsage.size > 0 || this.pendingDay !== null) && nowMs - this.lastFlushMs >= USAGE_FLUSH_MS;
  }

  /** One transaction: `changes` without its usage and day rows, then every pending usage and day row. */
  private write(changes: JournalChanges, nowMs: number): void {
    try {
      const committed = this.journal.transaction(() => {
        const after = this.apply(changes, nowMs);
        for (const usage of this.pendingUsage.values()) this.journal.putUsage(usage);
        if (this.pendingDay !== null) this.journal.putDay(this.pendingDay);
        return after;
      });
      // The run ids change only once their rows are committed (a rolled-back start has no row).
      for (const update of committed) update();
      this.pendingUsage.clear();
      this.pendingDay = null;
      this.lastFlushMs = nowMs;
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

  /** Writes `changes` (inside the caller's transaction); returns the run-id updates to make once it commits. */
  private apply(changes: JournalChanges, nowMs: number): (() => void)[] {
    const after: (() => void)[] = [];
    for (const id of changes.deleteClaims) this.journal.deleteClaim(id);
    for (const claim of changes.putClaims) this.journal.putClaim(claim);
    for (const ended of changes.endRuns) {
      const runId = this.liveRuns.get(ended.issueId);
      if (runId === undefined) continue;
      this.journal.endRun(runId, ended.end);
      after.push(() => this.liveRuns.delete(ended.issueId));
    }
    for (const start of changes.startRuns) {
      const runId = this.journal.startRun(start);
      after.push(() => {
        this.liveRuns.set(start.issueId, runId);
        this.lastRuns.set(start.issueId, runId);
      });
    }
    for (const issueId of changes.handoffs) {
      const runId = this.lastRuns.get(issueId);
      if (runId !== undefined) this.journal.markHandoff(runId, nowMs);
    }
    return after;
  }
}

/** No writes of its own: a flush of the pending usage and day rows only. */
const EMPTY_CHANGES: JournalChanges = { putClaims: [], deleteClaims: [], putUsage: [], putDay: null, startRuns: [], endRuns: [], handoffs: [] };

/** Whether `changes` holds rows other than token rows (claims, runs, hand-offs): those are written at once. */
function hasOwnWrites(changes: JournalChanges): boolean {
  return changes.putClaims.length > 0 || changes.deleteClaims.length > 0 || changes.startRuns.length > 0 || changes.endRuns.length > 0 || changes.handoffs.length > 0;
}
