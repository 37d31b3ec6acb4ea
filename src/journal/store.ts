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
import { SQL } from './sql.js';
import type { Journal, JournalOpenInfo, JournalRunEnd, JournalRunStart, OpenJournalOptions, StoredJournalSnapshot } from './journal.js';
import type { JournalClaim, JournalDay, JournalUsage } from './types.js';

export type { StoredJournalRun } from './rows.js';
export type { Journal, JournalOpenInfo, JournalRunEnd, JournalRunStart, OpenJournalOptions, StoredJournalSnapshot } from './journal.js';
export { JOURNAL_SCHEMA_VERSION } from './schema.js';

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
