/**
 * Turns what `node:sqlite` throws into the daemon's one-line {@link SymphonyError}s (issue 9).
 * Pure: the error and the journal path in, the error to throw out.
 */

import { SymphonyError, oneLine } from '../errors.js';
import { JournalSchemaError } from './schema.js';

/** SQLite primary result codes the journal tells apart (https://sqlite.org/rescode.html). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/**
 * The `journal_corrupt` error for `path`:
 * `<path>: <reason>; move it away or start with --reset-journal`.
 */
export function journalCorrupt(path: string, reason: string, cause?: unknown): SymphonyError {
  return new SymphonyError('journal_corrupt', `${path}: ${oneLine(reason)}; move it away or start with --reset-journal`, {
    cause,
    details: { path },
  });
}

/** The `journal_locked` error for `path`: `<path> is used by another symphony process`. */
export function journalLocked(path: string, cause?: unknown): SymphonyError {
  return new SymphonyError('journal_locked', `${path} is used by another symphony process`, { cause, details: { path } });
}

/**
 * Classifies an error thrown while opening, reading or writing the journal at `path`:
 *
 * - an existing {@link SymphonyError} is returned unchanged;
 * - {@link JournalSchemaError}, `SQLITE_CORRUPT` and `SQLITE_NOTADB` → `journal_corrupt`;
 * - `SQLITE_BUSY` and `SQLITE_LOCKED` → `journal_locked`;
 * - anything else (permissions, disk full, I/O) → `internal`, naming the path and SQLite's message.
 */
export function toJournalError(path: string, error: unknown): SymphonyError {
  if (error instanceof SymphonyError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof JournalSchemaError) return journalCorrupt(path, message, error);
  switch (sqlitePrimaryCode(error)) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return journalCorrupt(path, message, error);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return journalLocked(path, error);
    default:
      return new SymphonyError('internal', `journal ${path}: ${oneLine(message)}`, { cause: error, details: { path } });
  }
}

/** The primary SQLite result code of a `node:sqlite` error (`errcode` may be an extended code). */
function sqlitePrimaryCode(error: unknown): number | null {
  if (typeof error !== 'object' || error === null || !('errcode' in error)) return null;
  const { errcode } = error;
  return typeof errcode === 'number' ? errcode & 0xff : null;
}
