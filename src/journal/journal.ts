/**
 * The run journal's port (issue 9): what an open journal offers — its methods, the shapes they
 * take and return, and the options of opening one. `store.ts` implements it over SQLite.
 */
import type { JournalClaim, JournalDay, JournalRun, JournalSnapshot, JournalUsage } from './types.js';
import type { StoredJournalRun } from './rows.js';

/** What {@link Journal.snapshot} returns: the records, runs with their journal ids. */
export type StoredJournalSnapshot = Omit<JournalSnapshot, 'runs'> & { readonly runs: readonly StoredJournalRun[] };

/** Options of `openJournal` (`store.ts`). */
export interface OpenJournalOptions {
  /**
   * When the file is corrupt (see `openJournal` in `store.ts`), rename it — and its `-wal` / `-shm`
   * companions — to `<path>.corrupt-<timestamp>` and start an empty journal instead of throwing.
   * The old file is kept, never deleted. A healthy or locked journal is not affected.
   * The CLI's `--reset-journal`. Default `false`.
   */
  readonly reset?: boolean;
  /** Epoch milliseconds now; only names the renamed file on reset. Default `Date.now`. */
  readonly clock?: () => number;
}

/** What `openJournal` (`store.ts`) did to get an open journal. */
export interface JournalOpenInfo {
  /** `user_version` found in the file before migrating (0 for a new or reset file). */
  readonly foundSchemaVersion: number;
  /** Where a corrupt file was moved on `reset`; null when nothing was moved. */
  readonly movedCorruptTo: string | null;
}

/** The fields `endRun` sets when a run exits. */
export interface JournalRunEnd {
  /** Epoch ms the run ended. */
  readonly endedAtMs: number;
  /** `completed` | `failed` | `stopped` | `blocked` (the core's `RunOutcome`). */
  readonly outcome: string;
  /** Why it ended that way (error message, stop reason); null when there is nothing to say. */
  readonly reason: string | null;
  /** Agent turns the run took. */
  readonly turns: number;
  /** The run's own token counts (not the issue's totals; those are `putUsage`). */
  readonly tokens: { readonly inputTokens: number; readonly outputTokens: number; readonly totalTokens: number };
}

/** The fields `startRun` records when a run is dispatched; the rest start null or zero. */
export type JournalRunStart = Pick<JournalRun, 'issueId' | 'identifier' | 'attempt' | 'runtime' | 'startedAtMs' | 'workflowRevision'>;

/**
 * An open journal. Every method is synchronous and every write is one transaction (committed when
 * the method returns), unless called inside {@link Journal.transaction}, which groups them.
 * Errors are {@link SymphonyError}s: `journal_corrupt`, `journal_locked`, or `internal` (I/O,
 * disk full, a misuse such as an unknown run id), each one line naming the journal's path.
 */
export interface Journal {
  /** The journal file's path as given to `openJournal` (`store.ts`). */
  readonly path: string;
  /** What opening did (schema version found, corrupt file moved). */
  readonly opened: JournalOpenInfo;
  /**
   * Inserts or replaces the claim of `claim.issueId` (one row per issue).
   * @throws SymphonyError `internal` when `retry` / `blocked` do not match `kind`
   *   (`retry` exactly for `retrying`, `blocked` exactly for `blocked`).
   */
  putClaim(claim: JournalClaim): void;
  /** Removes the claim of `issueId`; a missing claim is not an error. Usage is kept. */
  deleteClaim(issueId: string): void;
  /** Inserts or replaces the absolute usage of `usage.issueId` (tokens and runtime; not a delta). */
  putUsage(usage: JournalUsage): void;
  /** Inserts or replaces the token total of one UTC day (not a delta). */
  putDay(day: JournalDay): void;
  /**
   * Records a dispatched run (`endedAtMs`, `outcome`, `reason` null; `turns` and tokens 0).
   * @returns the run's id, increasing and never reused, for {@link Journal.endRun}.
   */
  startRun(run: JournalRunStart): number;
  /**
   * Records how run `runId` ended; calling it again overwrites the end fields.
   * @throws SymphonyError `internal` when no run has that id.
   */
  endRun(runId: number, end: JournalRunEnd): void;
  /** Sets `handedOffAtMs` (epoch ms) of run `runId`; an unknown id is not an error. */
  markHandoff(runId: number, atMs: number): void;
  /**
   * Ends every run still open (`endedAtMs` null) with outcome `interrupted` and `reason`, at the
   * later of its start and `endedAtMs`. Recovery calls it once at startup: those runs died with the
   * previous daemon. @returns how many runs it ended.
   */
  interruptOpenRuns(endedAtMs: number, reason: string): number;
  /**
   * Deletes ended runs that ended before `beforeMs` (epoch ms) and days before `beforeDay`
   * (`YYYY-MM-DD`): the history's retention. Live runs are never deleted. @returns runs deleted.
   */
  pruneHistory(beforeMs: number, beforeDay: string): number;
  /**
   * Everything stored: claims and usage ordered by issue id, days by day, runs (with their
   * `runId`) in the order they were started. Read in one transaction, so it is consistent.
   * @throws SymphonyError `journal_corrupt` when a row does not have the shape this build writes.
   */
  snapshot(): StoredJournalSnapshot;
  /**
   * Runs with `startedAtMs >= sinceMs` (epoch ms), newest first (highest `runId`), at most `limit`
   * (default: all).
   */
  runsSince(sinceMs: number, limit?: number): StoredJournalRun[];
  /** The runs of one issue (by issue id), newest first, at most `limit` (default 50). */
  runsOf(issueId: string, limit?: number): StoredJournalRun[];
  /** The runs of one issue by its identifier (`PAY-42`, case-insensitive), newest first, at most `limit` (default 50). */
  runsOfIdentifier(identifier: string, limit?: number): StoredJournalRun[];
  /**
   * Runs `fn` inside one `BEGIN IMMEDIATE … COMMIT`; the writes it makes commit together or, when
   * it throws, not at all (the error is rethrown). Nested calls join the outer transaction.
   * `fn` must be synchronous.
   * @throws SymphonyError `internal` when `fn` returns a promise (the transaction is rolled back).
   */
  transaction<T>(fn: () => T): T;
  /** Closes the file and releases the lock. Idempotent; other methods throw once closed. */
  close(): void;
}
