/**
 * The launcher's warning filter (`bin/quiet-warnings.js`): Node 22 calls `node:sqlite` (the run
 * journal) experimental and would print a warning on every start; that one is dropped, every other
 * warning passes through unchanged.
 */
import { describe, expect, it } from 'vitest';

interface WarningModule {
  readonly SQLITE_WARNING_PREFIX: string;
  quietSqliteWarning: (proc: { emitWarning: (warning: unknown, ...rest: unknown[]) => void }) => void;
}

// Plain JavaScript without declarations, as the launcher loads it.
const { SQLITE_WARNING_PREFIX, quietSqliteWarning } = (await import(new URL('../../bin/quiet-warnings.js', import.meta.url).href)) as WarningModule;

describe('quietSqliteWarning', () => {
  it("drops node:sqlite's ExperimentalWarning (string or Error) and passes every other warning with its arguments", () => {
    const seen: unknown[][] = [];
    const proc = { emitWarning: (...args: unknown[]) => void seen.push(args) };
    quietSqliteWarning(proc);
    quietSqliteWarning(proc); // idempotent: one wrapper
    proc.emitWarning(`${SQLITE_WARNING_PREFIX} and might change at any time`, 'ExperimentalWarning');
    proc.emitWarning(new Error(`${SQLITE_WARNING_PREFIX} and might change at any time`));
    proc.emitWarning('Buffer() is deprecated', 'DeprecationWarning', 'DEP0005');
    const other = new Error('something else');
    proc.emitWarning(other);
    expect(seen).toEqual([['Buffer() is deprecated', 'DeprecationWarning', 'DEP0005'], [other]]);
  });
});
