// node:sqlite, which holds the run journal, is unflagged but still called experimental by Node 22:
// every start would print "ExperimentalWarning: SQLite is an experimental feature…" and a hint
// line on stderr (Node 24 prints nothing). That one warning is dropped; every other warning is
// passed on unchanged. Plain JavaScript without imports, loaded by bin/symphony.js before dist/.

/** The start of the message Node 22 emits when `node:sqlite` is loaded. */
export const SQLITE_WARNING_PREFIX = 'SQLite is an experimental feature';

/**
 * Wraps `proc.emitWarning` so that the `node:sqlite` ExperimentalWarning is not emitted; any other
 * warning (string or Error, any type) goes to the original. Idempotent per process object.
 *
 * @param {{ emitWarning: (warning: unknown, ...rest: unknown[]) => void }} proc - `process`, or a stand-in in tests.
 */
export function quietSqliteWarning(proc) {
  const original = proc.emitWarning;
  if (original.symphonyQuiet === true) return;
  const filtered = function (warning, ...rest) {
    const text = typeof warning === 'string' ? warning : warning instanceof Error ? warning.message : '';
    if (text.startsWith(SQLITE_WARNING_PREFIX)) return;
    return original.call(proc, warning, ...rest);
  };
  filtered.symphonyQuiet = true;
  proc.emitWarning = filtered;
}
