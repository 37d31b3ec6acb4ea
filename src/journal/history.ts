/**
 * Run history over the journal's `runs` (issue 9 item 4; spec §15a, §18): what the HTTP API and
 * the dashboard read, and the per-workflow-revision summary. Pure: runs in, rows out; the service
 * reads the journal through a {@link RunHistorySource}.
 *
 * Verdicts (used by the success rate and the medians; see {@link runVerdict}):
 * - **success** — `completed`, or `stopped` because the issue left the active states while the
 *   agent worked (stop reason `terminal` or `inactive`: it was moved on, usually by the agent);
 * - **failure** — `failed`, `blocked` (it could not finish without a person), or `stopped` because
 *   it `stalled`;
 * - **neutral** — `interrupted` (the daemon died), `stopped` for `shutdown`, `unroutable`,
 *   `missing` or any other reason (nothing the workflow did), and any outcome this build does not
 *   know. Neutral runs count in `runs` and `endedRuns` but not in the rate or the medians;
 * - **live** — not ended yet.
 */
import type { StoredJournalRun } from './rows.js';

/**
 * What the HTTP server reads run history through (spec §18). The daemon implements it over the
 * journal; every method is synchronous and may throw (a journal I/O error), which the server
 * turns into a 500 (`/api/v1/runs`) or leaves the history fields out (state, issue).
 */
export interface RunHistorySource {
  /** Runs with `startedAtMs >= sinceMs` (epoch ms), newest first (highest `runId`), at most `limit`. */
  runsSince(sinceMs: number, limit: number): readonly StoredJournalRun[];
  /**
   * The runs of one issue by its tracker **issue id** (stable when the identifier changes), newest
   * first, at most `limit`.
   */
  runsOf(issueId: string, limit: number): readonly StoredJournalRun[];
  /**
   * The revision (sha256 hex of `WORKFLOW.md`) new runs start with now; absent or null when not
   * known. Lets the state and the dashboard mark the current revision.
   */
  currentRevision?(): string | null;
  /**
   * The runs of one issue by its identifier (case-insensitive), newest first, at most `limit`:
   * lets `GET /api/v1/<identifier>` answer for an issue the daemon no longer holds. Optional.
   */
  runsOfIdentifier?(identifier: string, limit: number): readonly StoredJournalRun[];
}

/** How a run counts in a {@link RevisionSummary} (see the module comment). */
export type RunVerdict = 'success' | 'failure' | 'neutral' | 'live';

/** Outcomes the journal writes: the core's `RunOutcome` plus `interrupted` (the daemon died). */
export const JOURNAL_OUTCOMES = ['completed', 'failed', 'stopped', 'blocked', 'interrupted'] as const;

/** One of {@link JOURNAL_OUTCOMES}. */
export type JournalOutcome = (typeof JOURNAL_OUTCOMES)[number];

/** Stop reasons meaning the issue left the active states during the run (a hand-off, not a failure). */
const MOVED_ON = /^(terminal|inactive)\b/;

/** Length of {@link RevisionSummary.shortRevision}: 12 hex digits. */
export const SHORT_REVISION_LENGTH = 12;

/** The verdict of one run (see the module comment). Pure. */
export function runVerdict(run: Pick<StoredJournalRun, 'outcome' | 'reason'>): RunVerdict {
  switch (run.outcome) {
    case null:
      return 'live';
    case 'completed':
      return 'success';
    case 'failed':
    case 'blocked':
      return 'failure';
    case 'stopped':
      if (run.reason !== null && MOVED_ON.test(run.reason)) return 'success';
      return run.reason !== null && /^stalled\b/.test(run.reason) ? 'failure' : 'neutral';
    default:
      return 'neutral';
  }
}

/** The runs of one workflow revision, summarised (newest revision first in {@link summarizeRevisions}). */
export interface RevisionSummary {
  /** Full revision as stored (sha256 hex of `WORKFLOW.md`). */
  readonly revision: string;
  /** Its first {@link SHORT_REVISION_LENGTH} characters. */
  readonly shortRevision: string;
  /** Start of its earliest run, epoch ms. */
  readonly firstSeenMs: number;
  /** Start of its latest run, epoch ms (the sort key: newest first). */
  readonly lastSeenMs: number;
  /** Runs started with it, live ones included. */
  readonly runs: number;
  /** Runs that ended (any outcome). */
  readonly endedRuns: number;
  /** Ended runs by outcome; outcomes this build does not know are not listed here. */
  readonly outcomes: Readonly<Record<JournalOutcome, number>>;
  /** Runs with verdict `success`. */
  readonly succeeded: number;
  /** Runs with verdict `success` or `failure` (the rate's denominator). */
  readonly judgedRuns: number;
  /** `succeeded / judgedRuns`, from 0 to 1; null when no run was judged. */
  readonly successRate: number | null;
  /** Median of `turns` over the judged runs; null when there are none. */
  readonly medianTurns: number | null;
  /** Median of a run's own `totalTokens` over the judged runs; null when there are none. */
  readonly medianTotalTokens: number | null;
  /** Median of the hand-off times (ms) of the hand-offs attributed to it; null when none. */
  readonly medianTimeToHandoffMs: number | null;
  /** Hand-offs that happened on a run of this revision. */
  readonly handoffs: number;
}

/** Options of {@link summarizeRevisions}. */
export interface SummarizeOptions {
  /** At most this many revisions, the newest kept. Default: all. */
  readonly limit?: number;
}

/**
 * Summarises `runs` (any order; typically the journal's runs of a time window) per workflow
 * revision, newest first: by the start of the revision's latest run, then its earliest run, then
 * the revision string. Pure.
 *
 * Time to hand-off: each run with `handedOffAtMs` ends one hand-off of its issue. Its time is
 * `handedOffAtMs` minus the start of the issue's first run in `runs` after the issue's previous
 * hand-off in `runs` (so an issue sent back and handed off again is timed from its new start, not
 * from its first run ever), never negative. It counts for the revision of the run it happened on.
 * Runs that started before the window are not in `runs`, so a long-running issue is timed from its
 * first run inside the window.
 *
 * The median of an even count is the mean of the two middle values.
 */
export function summarizeRevisions(runs: readonly StoredJournalRun[], options: SummarizeOptions = {}): RevisionSummary[] {
  const handoffTimes = handoffTimesByRevision(runs);
  const byRevision = new Map<string, StoredJournalRun[]>();
  for (const run of runs) {
    const list = byRevision.get(run.workflowRevision);
    if (list === undefined) byRevision.set(run.workflowRevision, [run]);
    else list.push(run);
  }
  const summaries = [...byRevision].map(([revision, list]) => summarizeOne(revision, list, handoffTimes.get(revision) ?? []));
  summaries.sort((a, b) => b.lastSeenMs - a.lastSeenMs || b.firstSeenMs - a.firstSeenMs || (a.revision < b.revision ? -1 : a.revision > b.revision ? 1 : 0));
  return options.limit === undefined ? summaries : summaries.slice(0, Math.max(0, options.limit));
}

function summarizeOne(revision: string, runs: readonly StoredJournalRun[], handoffTimes: readonly number[]): RevisionSummary {
  const outcomes: Record<JournalOutcome, number> = { completed: 0, failed: 0, stopped: 0, blocked: 0, interrupted: 0 };
  const judged: StoredJournalRun[] = [];
  let succeeded = 0;
  let endedRuns = 0;
  let firstSeenMs = Infinity;
  let lastSeenMs = -Infinity;
  for (const run of runs) {
    firstSeenMs = Math.min(firstSeenMs, run.startedAtMs);
    lastSeenMs = Math.max(lastSeenMs, run.startedAtMs);
    if (run.outcome !== null) endedRuns += 1;
    if (isJournalOutcome(run.outcome)) outcomes[run.outcome] += 1;
    const verdict = runVerdict(run);
    if (verdict === 'success') succeeded += 1;
    if (verdict === 'success' || verdict === 'failure') judged.push(run);
  }
  return {
    revision,
    shortRevision: revision.slice(0, SHORT_REVISION_LENGTH),
    firstSeenMs,
    lastSeenMs,
    runs: runs.length,
    endedRuns,
    outcomes,
    succeeded,
    judgedRuns: judged.length,
    successRate: judged.length === 0 ? null : succeeded / judged.length,
    medianTurns: median(judged.map((run) => run.turns)),
    medianTotalTokens: median(judged.map((run) => run.totalTokens)),
    medianTimeToHandoffMs: median(handoffTimes),
    handoffs: handoffTimes.length,
  };
}

/** Hand-off times (ms) by the revision of the run each hand-off happened on. */
function handoffTimesByRevision(runs: readonly StoredJournalRun[]): Map<string, number[]> {
  const byIssue = new Map<string, StoredJournalRun[]>();
  for (const run of runs) {
    const list = byIssue.get(run.issueId);
    if (list === undefined) byIssue.set(run.issueId, [run]);
    else list.push(run);
  }
  const times = new Map<string, number[]>();
  for (const list of byIssue.values()) {
    list.sort((a, b) => a.startedAtMs - b.startedAtMs || a.runId - b.runId);
    let startMs: number | null = null;
    for (const run of list) {
      startMs ??= run.startedAtMs;
      if (run.handedOffAtMs === null) continue;
      const value = Math.max(0, run.handedOffAtMs - startMs);
      const forRevision = times.get(run.workflowRevision);
      if (forRevision === undefined) times.set(run.workflowRevision, [value]);
      else forRevision.push(value);
      startMs = null;
    }
  }
  return times;
}

/** The median of `values`; null for none; the mean of the two middle values for an even count. Pure. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

function isJournalOutcome(value: string | null): value is JournalOutcome {
  return (JOURNAL_OUTCOMES as readonly (string | null)[]).includes(value);
}

/** One run as the API shows it (`GET /api/v1/runs`, `GET /api/v1/<issue_identifier>` `runs[]`; spec §18). */
export interface RunRow {
  /** The journal's run id (increasing, never reused). */
  readonly run_id: number;
  readonly issue_id: string;
  readonly issue_identifier: string;
  /** The retry attempt (null for a first dispatch). */
  readonly attempt: number | null;
  /** `codex`, `claude`, `acp`. */
  readonly runtime: string;
  /** ISO time. */
  readonly started_at: string;
  /** ISO time; null while live. */
  readonly ended_at: string | null;
  /** `ended_at − started_at`, ms; null while live. */
  readonly duration_ms: number | null;
  /** A {@link JournalOutcome}; null while live. */
  readonly outcome: string | null;
  readonly reason: string | null;
  readonly turns: number;
  /** The run's own tokens. */
  readonly tokens: { readonly input: number; readonly output: number; readonly total: number };
  /** Full revision (sha256 hex of `WORKFLOW.md` at the run's start). */
  readonly workflow_revision: string;
  /** ISO time the issue was handed off after this run; null otherwise. */
  readonly handed_off_at: string | null;
}

/** A journal run as a {@link RunRow}. Pure. */
export function runRow(run: StoredJournalRun): RunRow {
  return {
    run_id: run.runId,
    issue_id: run.issueId,
    issue_identifier: run.identifier,
    attempt: run.attempt,
    runtime: run.runtime,
    started_at: iso(run.startedAtMs),
    ended_at: run.endedAtMs === null ? null : iso(run.endedAtMs),
    duration_ms: run.endedAtMs === null ? null : Math.max(0, run.endedAtMs - run.startedAtMs),
    outcome: run.outcome,
    reason: run.reason,
    turns: run.turns,
    tokens: { input: run.inputTokens, output: run.outputTokens, total: run.totalTokens },
    workflow_revision: run.workflowRevision,
    handed_off_at: run.handedOffAtMs === null ? null : iso(run.handedOffAtMs),
  };
}

/** One revision as the API shows it (`GET /api/v1/state` `revisions[]`; spec §18): {@link RevisionSummary} in snake_case, times as ISO. */
export interface RevisionRow {
  readonly revision: string;
  readonly revision_short: string;
  readonly first_seen_at: string;
  readonly last_seen_at: string;
  readonly runs: number;
  readonly ended_runs: number;
  readonly outcomes: Readonly<Record<JournalOutcome, number>>;
  readonly succeeded: number;
  readonly judged_runs: number;
  /** 0 to 1; null when no run was judged. */
  readonly success_rate: number | null;
  readonly median_turns: number | null;
  readonly median_total_tokens: number | null;
  readonly median_time_to_handoff_ms: number | null;
  readonly handoffs: number;
}

/** A {@link RevisionSummary} as a {@link RevisionRow}. Pure. */
export function revisionRow(summary: RevisionSummary): RevisionRow {
  return {
    revision: summary.revision,
    revision_short: summary.shortRevision,
    first_seen_at: iso(summary.firstSeenMs),
    last_seen_at: iso(summary.lastSeenMs),
    runs: summary.runs,
    ended_runs: summary.endedRuns,
    outcomes: summary.outcomes,
    succeeded: summary.succeeded,
    judged_runs: summary.judgedRuns,
    success_rate: summary.successRate,
    median_turns: summary.medianTurns,
    median_total_tokens: summary.medianTotalTokens,
    median_time_to_handoff_ms: summary.medianTimeToHandoffMs,
    handoffs: summary.handoffs,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
