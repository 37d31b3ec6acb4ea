/**
 * A read-only look at a run journal for `symphony check` (issue 9): does it exist, is it a healthy
 * journal of a schema this build reads, is a daemon using it. Never writes, never migrates, never
 * takes the daemon's lock for longer than the read.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { oneLine } from '../errors.js';
import { JOURNAL_SCHEMA_VERSION } from './schema.js';

/** What {@link inspectJournal} found: `ok`, `in_use` (a daemon holds it), `missing` (created at start) or `corrupt`. */
export type JournalInspection =
  | { readonly state: 'ok'; readonly schemaVersion: number; readonly claims: number; readonly runs: number }
  | { readonly state: 'in_use' }
  | { readonly state: 'missing'; readonly writable: boolean; readonly directory: string }
  | { readonly state: 'corrupt'; readonly reason: string };

/** The nearest existing ancestor of `dir` (itself when it exists). */
function existingAncestor(dir: string): string {
  let current = path.resolve(dir);
  while (!existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

function isWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads `file` read-only. A file another connection holds with the daemon's exclusive lock reads as
 * `in_use`. Never throws.
 */
export function inspectJournal(file: string): JournalInspection {
  if (!existsSync(file)) {
    const directory = existingAncestor(path.dirname(file));
    return { state: 'missing', writable: isWritable(directory), directory };
  }
  let db: DatabaseSync | null = null;
  try {
    db = new DatabaseSync(file, { readOnly: true, timeout: 0 });
    const version = Number(db.prepare('PRAGMA user_version').get()?.user_version ?? 0);
    const problem = db.prepare('PRAGMA quick_check').get()?.quick_check;
    if (problem !== 'ok') return { state: 'corrupt', reason: `integrity check failed: ${String(problem)}` };
    if (version > JOURNAL_SCHEMA_VERSION) return { state: 'corrupt', reason: `schema version ${version} is newer than this build supports (${JOURNAL_SCHEMA_VERSION})` };
    if (version === 0) {
      const tables = db.prepare('SELECT count(*) AS n FROM sqlite_schema').get()?.n;
      if (Number(tables) > 0) return { state: 'corrupt', reason: 'not a symphony journal (it has tables but no schema version)' };
      return { state: 'ok', schemaVersion: 0, claims: 0, runs: 0 };
    }
    const claims = Number(db.prepare('SELECT count(*) AS n FROM claims').get()?.n ?? 0);
    const runs = Number(db.prepare('SELECT count(*) AS n FROM runs').get()?.n ?? 0);
    return { state: 'ok', schemaVersion: version, claims, runs };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/database is locked|SQLITE_BUSY/i.test(message)) return { state: 'in_use' };
    return { state: 'corrupt', reason: oneLine(message, 200) };
  } finally {
    db?.close();
  }
}
