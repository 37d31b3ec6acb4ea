/**
 * The run journal's store (issue 9): one embedded SQLite file, written through Node's built-in
 * `node:sqlite`, that survives daemon restarts. It keeps one claim row per issue, absolute token
 * totals per issue and one row per run. Recovery (what to do with the rows) lives in `recover.ts`;
 * this module only stores and reads.
 *
 * The file is opened in WAL mode with `synchronous=NORMAL` (a committed write survives a process
 * crash; a power loss may drop the last few commits but never corrupts the file) and with an
 * exclusive lock held for as long as the journal is open, so a second daemon pointed at the same
 * file fails at startup with `journal_locked` instead of interleaving its writes.
 */

import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { SymphonyError } from '../errors.js';
import { journalCorrupt, toJournalError } from './failure.js';
import { JournalRowError, claimFromRow, claimParams, dayFromRow, runFromRow, usageFromRow, usageParams, type StoredJournalRun } from './rows.js';
import { migrateJournal } from './schema.js';
import type { JournalClaim, JournalDay, JournalRun, JournalSnapshot, JournalUsage } from './types.js';

export type { StoredJournalRun } from './rows.js';
export { JOURNAL_SCHEMA_VERSION } from './schema.js';

/** What {@link Journal.snapshot} returns: the records, runs with their journal ids. */
export type StoredJournalSnapshot = Omit<JournalSnapshot, 'runs'> & { readonly runs: readonly StoredJournalRun[] };

/** Options of {@link openJournal}. */
export interface OpenJournalOptions {
  /**
   * When the file is corrupt (see {@link openJournal}), rename it — and its `-wal` / `-shm`
   * companions — to `<path>.corrupt-<timestamp>` and start an empty journal instead of throwing.
   * The old file is kept, never deleted. A healthy or locked journal is not affected.
   * The CLI's `--reset-journal`. Default `false`.
   */
  readonly reset?: boolean;
  /** Epoch milliseconds now; only names the renamed file on reset. Default `Date.now`. */
  readonly clock?: () => number;
}

/** What {@link openJournal} did to get an open journal. */
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
  /** The journal file's path as given to {@link openJournal}. */
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

/**
 * Opens (creating when missing, with its parent directory) the journal at `path` and migrates it
 * to this build's schema version.
 *
 * The file is corrupt when it is not a SQLite database, fails `PRAGMA integrity_check`, holds
 * tables but no schema version (another application's database), or has a schema version newer
 * than this build. Then, without `reset`, this throws; with `reset` the file is moved away and an
 * empty journal is opened (see {@link OpenJournalOptions.reset}).
 *
 * @throws SymphonyError `journal_corrupt`: `<path>: <reason>; move it away or start with --reset-journal`.
 * @throws SymphonyError `journal_locked`: `<path> is used by another symphony process` (another
 *   connection, in this process or another one, has the journal open).
 * @throws SymphonyError `internal` for other failures (permissions, I/O), naming the path.
 */
export function openJournal(path: string, options: OpenJournalOptions = {}): Journal {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw toJournalError(path, error);
  }
  try {
    return SqliteJournal.open(path, null);
  } catch (error) {
    const failure = toJournalError(path, error);
    if (!options.reset || failure.code !== 'journal_corrupt') throw failure;
  }
  const movedTo = moveCorruptAside(path, (options.clock ?? Date.now)());
  try {
    return SqliteJournal.open(path, movedTo);
  } catch (error) {
    throw toJournalError(path, error);
  }
}

/**
 * Renames `path` (and its `-wal` / `-shm` files, when present) to `<path>.corrupt-<timestamp>`
 * (`<timestamp>` is the UTC ISO time with `:` and `.` as `-`; `-1`, `-2`… is appended when taken).
 * Returns the new path of the main file.
 */
function moveCorruptAside(path: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  let target = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(target); n += 1) target = `${path}.corrupt-${stamp}-${n}`;
  try {
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
    }
    renameSync(path, target);
  } catch (error) {
    throw toJournalError(path, error);
  }
  return target;
}

/** The SQL of every statement the store reuses. */
const SQL = {
  putClaim: `INSERT INTO claims (issue_id, identifier, issue_url, issue_state, kind, runtime, attempt, session_id, thread_id,
      workspace_path, started_at_ms, waiting, retry_attempt, retry_due_at_ms, retry_error, retry_error_code, retry_kind,
      retry_cause, blocked_state, blocked_reason, blocked_since_ms, blocked_cause, updated_at_ms)
    VALUES (:issue_id, :identifier, :issue_url, :issue_state, :kind, :runtime, :attempt, :session_id, :thread_id,
      :workspace_path, :started_at_ms, :waiting, :retry_attempt, :retry_due_at_ms, :retry_error, :retry_error_code, :retry_kind,
      :retry_cause, :blocked_state, :blocked_reason, :blocked_since_ms, :blocked_cause, :updated_at_ms)
    ON CONFLICT (issue_id) DO UPDATE SET identifier = excluded.identifier, issue_url = excluded.issue_url,
      issue_state = excluded.issue_state, waiting = excluded.waiting, blocked_cause = excluded.blocked_cause,
      kind = excluded.kind, runtime = excluded.runtime, attempt = excluded.attempt, session_id = excluded.session_id,
      thread_id = excluded.thread_id, workspace_path = excluded.workspace_path, started_at_ms = excluded.started_at_ms,
      retry_attempt = excluded.retry_attempt, retry_due_at_ms = excluded.retry_due_at_ms,
      retry_error = excluded.retry_error, retry_error_code = excluded.retry_error_code,
      retry_kind = excluded.retry_kind, retry_cause = excluded.retry_cause, blocked_state = excluded.blocked_state,
      blocked_reason = excluded.blocked_reason, blocked_since_ms = excluded.blocked_since_ms,
      updated_at_ms = excluded.updated_at_ms`,
  deleteClaim: 'DELETE FROM claims WHERE issue_id = ?',
  putUsage: `INSERT INTO usage (issue_id, input_tokens, output_tokens, total_tokens, runtime_ms, budget_tokens, budget_runtime_ms)
    VALUES (:issue_id, :input_tokens, :output_tokens, :total_tokens, :runtime_ms, :budget_tokens, :budget_runtime_ms)
    ON CONFLICT (issue_id) DO UPDATE SET input_tokens = excluded.input_tokens,
      output_tokens = excluded.output_tokens, total_tokens = excluded.total_tokens, runtime_ms = excluded.runtime_ms,
      budget_tokens = excluded.budget_tokens, budget_runtime_ms = excluded.budget_runtime_ms`,
  putDay: `INSERT INTO days (day, total_tokens) VALUES (?, ?)
    ON CONFLICT (day) DO UPDATE SET total_tokens = excluded.total_tokens`,
  startRun: `INSERT INTO runs (issue_id, identifier, attempt, runtime, started_at_ms, workflow_revision)
    VALUES (:issue_id, :identifier, :attempt, :runtime, :started_at_ms, :workflow_revision)`,
  endRun: `UPDATE runs SET ended_at_ms = :ended_at_ms, outcome = :outcome, reason = :reason, turns = :turns,
      input_tokens = :input_tokens, output_tokens = :output_tokens, total_tokens = :total_tokens
    WHERE run_id = :run_id`,
  markHandoff: 'UPDATE runs SET handed_off_at_ms = ? WHERE run_id = ?',
  interruptOpenRuns: `UPDATE runs SET ended_at_ms = MAX(started_at_ms, :ended_at_ms), outcome = 'interrupted', reason = :reason
    WHERE ended_at_ms IS NULL`,
  pruneRuns: 'DELETE FROM runs WHERE ended_at_ms IS NOT NULL AND ended_at_ms < ?',
  pruneDays: 'DELETE FROM days WHERE day < ?',
  claims: 'SELECT * FROM claims ORDER BY issue_id',
  usage: 'SELECT * FROM usage ORDER BY issue_id',
  days: 'SELECT * FROM days ORDER BY day',
  runs: 'SELECT * FROM runs ORDER BY run_id',
  runsSince: 'SELECT * FROM runs WHERE started_at_ms >= ? ORDER BY run_id DESC LIMIT ?',
  runsOf: 'SELECT * FROM runs WHERE issue_id = ? ORDER BY run_id DESC LIMIT ?',
  runsOfIdentifier: 'SELECT * FROM runs WHERE identifier = ? COLLATE NOCASE ORDER BY run_id DESC LIMIT ?',
} as const;

type Statements = { readonly [K in keyof typeof SQL]: StatementSync };

class SqliteJournal implements Journal {
  private readonly statements: Statements;

  private constructor(
    private readonly db: DatabaseSync,
    readonly path: string,
    readonly opened: JournalOpenInfo,
  ) {
    const entries = Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)] as const);
    this.statements = Object.fromEntries(entries) as Statements;
  }

  /** Opens, checks and migrates `path`; closes the connection again when any step throws. */
  static open(path: string, movedCorruptTo: string | null): SqliteJournal {
    // timeout 0: a lock held by another connection is reported at once, never waited for.
    const db = new DatabaseSync(path, { timeout: 0 });
    try {
      // Exclusive + WAL: the lock is taken by the first read below and held until close().
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      const mode = db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode;
      if (mode !== 'wal') throw new SymphonyError('internal', `journal ${path}: could not enable WAL mode (got ${String(mode)})`);
      db.exec('PRAGMA synchronous = NORMAL');
      checkIntegrity(db, path);
      const found = migrateJournal(db);
      return new SqliteJournal(db, path, { foundSchemaVersion: found, movedCorruptTo });
    } catch (error) {
      db.close();
      throw error;
    }
  }

  putClaim(claim: JournalClaim): void {
    checkClaimShape(this.path, claim);
    this.write(() => this.statements.putClaim.run(claimParams(claim)));
  }

  deleteClaim(issueId: string): void {
    this.write(() => this.statements.deleteClaim.run(issueId));
  }

  putUsage(usage: JournalUsage): void {
    this.write(() => this.statements.putUsage.run(usageParams(usage)));
  }

  putDay(day: JournalDay): void {
    this.write(() => this.statements.putDay.run(day.day, day.totalTokens));
  }

  markHandoff(runId: number, atMs: number): void {
    this.write(() => this.statements.markHandoff.run(atMs, runId));
  }

  pruneHistory(beforeMs: number, beforeDay: string): number {
    return this.write(() => {
      this.statements.pruneDays.run(beforeDay);
      return Number(this.statements.pruneRuns.run(beforeMs).changes);
    });
  }

  interruptOpenRuns(endedAtMs: number, reason: string): number {
    return this.write(() => Number(this.statements.interruptOpenRuns.run({ ended_at_ms: endedAtMs, reason }).changes));
  }

  startRun(run: JournalRunStart): number {
    return this.write(() => {
      const result = this.statements.startRun.run({
        issue_id: run.issueId,
        identifier: run.identifier,
        attempt: run.attempt,
        runtime: run.runtime,
        started_at_ms: run.startedAtMs,
        workflow_revision: run.workflowRevision,
      });
      return Number(result.lastInsertRowid);
    });
  }

  endRun(runId: number, end: JournalRunEnd): void {
    this.write(() => {
      const result = this.statements.endRun.run({
        run_id: runId,
        ended_at_ms: end.endedAtMs,
        outcome: end.outcome,
        reason: end.reason,
        turns: end.turns,
        input_tokens: end.tokens.inputTokens,
        output_tokens: end.tokens.outputTokens,
        total_tokens: end.tokens.totalTokens,
      });
      if (Number(result.changes) === 0) {
        throw new SymphonyError('internal', `journal ${this.path}: endRun: no run with id ${runId}`);
      }
    });
  }

  snapshot(): StoredJournalSnapshot {
    return this.read(() => ({
      claims: this.statements.claims.all().map(claimFromRow),
      usage: this.statements.usage.all().map(usageFromRow),
      days: this.statements.days.all().map(dayFromRow),
      runs: this.statements.runs.all().map(runFromRow),
    }));
  }

  runsSince(sinceMs: number, limit = -1): StoredJournalRun[] {
    // SQLite: a negative LIMIT means no limit.
    return this.read(() => this.statements.runsSince.all(sinceMs, limit).map(runFromRow));
  }

  runsOf(issueId: string, limit = 50): StoredJournalRun[] {
    return this.read(() => this.statements.runsOf.all(issueId, limit).map(runFromRow));
  }

  runsOfIdentifier(identifier: string, limit = 50): StoredJournalRun[] {
    return this.read(() => this.statements.runsOfIdentifier.all(identifier, limit).map(runFromRow));
  }

  transaction<T>(fn: () => T): T {
    try {
      return this.inTransaction(fn);
    } catch (error) {
      throw toJournalError(this.path, error);
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** One write: its own transaction, or part of the caller's {@link transaction}. */
  private write<T>(fn: () => T): T {
    return this.transaction(fn);
  }

  /** A consistent read; rows of the wrong shape are reported as `journal_corrupt`. */
  private read<T>(fn: () => T): T {
    try {
      return this.inTransaction(fn);
    } catch (error) {
      if (error instanceof JournalRowError) throw journalCorrupt(this.path, error.message, error);
      throw toJournalError(this.path, error);
    }
  }

  private inTransaction<T>(fn: () => T): T {
    if (!this.db.isOpen) throw new SymphonyError('internal', `journal ${this.path}: used after close()`);
    if (this.db.isTransaction) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      if (isThenable(result)) {
        throw new SymphonyError('internal', `journal ${this.path}: transaction callback must be synchronous`);
      }
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** @throws SymphonyError `journal_corrupt` when `PRAGMA integrity_check` reports anything but `ok`. */
function checkIntegrity(db: DatabaseSync, path: string): void {
  const problems = db
    .prepare('PRAGMA integrity_check')
    .all()
    .map((row) => String(row.integrity_check))
    .filter((line) => line !== 'ok');
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw journalCorrupt(path, `integrity check failed: ${problems[0]}${more}`);
  }
}

/** @throws SymphonyError `internal` when `retry` / `blocked` do not match the claim's `kind`. */
function checkClaimShape(path: string, claim: JournalClaim): void {
  const retryOk = (claim.kind === 'retrying') === (claim.retry !== null);
  const blockedOk = (claim.kind === 'blocked') === (claim.blocked !== null);
  const waitingOk = (claim.kind === 'waiting') === (claim.waiting !== null);
  if (!retryOk || !blockedOk || !waitingOk) {
    throw new SymphonyError(
      'internal',
      `journal ${path}: claim ${claim.identifier} of kind ${claim.kind} must have ` +
        `${claim.kind === 'retrying' ? 'a' : 'no'} retry, ${claim.kind === 'blocked' ? 'a' : 'no'} blocked entry ` +
        `and ${claim.kind === 'waiting' ? 'a' : 'no'} waiting request`,
    );
  }
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
