/**
 * The journal's SQL schema as an ordered list of migrations (issue 9). Migration `i` takes the
 * database from `schema_version` (SQLite's `user_version`) `i` to `i + 1`; a fresh file starts at 0.
 * Never edit a shipped migration: append a new one.
 */

import type { DatabaseSync } from 'node:sqlite';

/** The SQL of each migration, in order; `JOURNAL_MIGRATIONS[0]` creates version 1. */
export const JOURNAL_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE claims (
    issue_id          TEXT PRIMARY KEY NOT NULL,
    identifier        TEXT NOT NULL,
    issue_url         TEXT,
    issue_state       TEXT,
    kind              TEXT NOT NULL CHECK (kind IN ('running', 'waiting', 'retrying', 'blocked')),
    runtime           TEXT NOT NULL,
    attempt           INTEGER,
    session_id        TEXT,
    thread_id         TEXT,
    workspace_path    TEXT,
    started_at_ms     INTEGER,
    waiting           TEXT,
    retry_attempt     INTEGER,
    retry_due_at_ms   INTEGER,
    retry_error       TEXT,
    retry_error_code  TEXT,
    retry_kind        TEXT CHECK (retry_kind IN ('continuation', 'failure')),
    retry_cause       TEXT,
    blocked_state     TEXT,
    blocked_reason    TEXT,
    blocked_since_ms  INTEGER,
    blocked_cause     TEXT,
    updated_at_ms     INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE usage (
    issue_id       TEXT PRIMARY KEY NOT NULL,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    total_tokens   INTEGER NOT NULL,
    runtime_ms     INTEGER NOT NULL,
    budget_tokens      INTEGER NOT NULL,
    budget_runtime_ms  INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE days (
    day            TEXT PRIMARY KEY NOT NULL,
    total_tokens   INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE runs (
    run_id             INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id           TEXT NOT NULL,
    identifier         TEXT NOT NULL,
    attempt            INTEGER,
    runtime            TEXT NOT NULL,
    started_at_ms      INTEGER NOT NULL,
    ended_at_ms        INTEGER,
    outcome            TEXT,
    reason             TEXT,
    turns              INTEGER NOT NULL DEFAULT 0,
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    total_tokens       INTEGER NOT NULL DEFAULT 0,
    workflow_revision  TEXT NOT NULL,
    handed_off_at_ms   INTEGER
  ) STRICT;

  CREATE INDEX runs_started_at_ms ON runs (started_at_ms);
  CREATE INDEX runs_issue_id ON runs (issue_id, run_id);
  CREATE INDEX runs_identifier ON runs (identifier COLLATE NOCASE, run_id);
  `,
];

/** The schema version this build writes: the number of migrations. */
export const JOURNAL_SCHEMA_VERSION = JOURNAL_MIGRATIONS.length;

/** Why {@link migrateJournal} refused a database. */
export class JournalSchemaError extends Error {
  override readonly name = 'JournalSchemaError';
}

/**
 * Brings `db` to {@link JOURNAL_SCHEMA_VERSION} inside one `BEGIN IMMEDIATE` transaction (all
 * pending migrations or none). Returns the version found before migrating.
 *
 * @throws JournalSchemaError when the file's version is newer than this build, or when it is at
 *   version 0 but already holds tables (some other SQLite database, not a journal).
 * @throws the SQLite error of a failed migration (after rolling back), or `database is locked`.
 */
export function migrateJournal(db: DatabaseSync): number {
  db.exec('BEGIN IMMEDIATE');
  try {
    const found = readUserVersion(db);
    if (found > JOURNAL_SCHEMA_VERSION) {
      throw new JournalSchemaError(`schema version ${found} is newer than this build supports (${JOURNAL_SCHEMA_VERSION})`);
    }
    if (found === 0 && hasSchemaObjects(db)) {
      throw new JournalSchemaError('not a symphony journal (it has tables but no schema version)');
    }
    for (let version = found; version < JOURNAL_SCHEMA_VERSION; version += 1) {
      db.exec(JOURNAL_MIGRATIONS[version] ?? '');
    }
    // PRAGMA takes no bound parameters; the value is an integer constant of this module.
    if (found !== JOURNAL_SCHEMA_VERSION) db.exec(`PRAGMA user_version = ${JOURNAL_SCHEMA_VERSION}`);
    db.exec('COMMIT');
    return found;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** The database's `user_version` (0 for a new file). */
export function readUserVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  return typeof row?.user_version === 'number' ? row.user_version : 0;
}

function hasSchemaObjects(db: DatabaseSync): boolean {
  return db.prepare('SELECT 1 FROM sqlite_schema LIMIT 1').get() !== undefined;
}
