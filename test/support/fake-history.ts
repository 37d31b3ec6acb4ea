/**
 * An in-memory {@link RunHistorySource} for the HTTP API and dashboard tests, with the journal
 * store's read semantics (runs started at or after `since`, newest run id first, `limit`), the
 * calls it received, and a switch to make every read throw. Plus {@link journalRun}, a builder.
 */
import type { RunHistorySource } from '../../src/journal/history.js';
import type { StoredJournalRun } from '../../src/journal/rows.js';

/** A completed, handed-off-nowhere 3-turn codex run of `MT-1` (id `id-MT-1`) unless overridden. */
export function journalRun(overrides: Partial<StoredJournalRun> & Pick<StoredJournalRun, 'runId'>): StoredJournalRun {
  const identifier = overrides.identifier ?? 'MT-1';
  const startedAtMs = overrides.startedAtMs ?? Date.UTC(2026, 0, 2, 3, 0);
  return {
    issueId: `id-${identifier}`,
    identifier,
    attempt: null,
    runtime: 'codex',
    startedAtMs,
    endedAtMs: startedAtMs + 300_000,
    outcome: 'completed',
    reason: null,
    turns: 3,
    inputTokens: 1_000,
    outputTokens: 200,
    totalTokens: 1_200,
    workflowRevision: 'f'.repeat(64),
    handedOffAtMs: null,
    ...overrides,
  };
}

/** The fake history. */
export class FakeHistory implements RunHistorySource {
  /** Every call, in order. */
  readonly calls: { method: 'runsSince' | 'runsOf' | 'runsOfIdentifier'; arg: string | number; limit: number }[] = [];
  /** When set, every read throws it. */
  error: Error | null = null;
  /** What `currentRevision()` answers. */
  current: string | null = null;

  constructor(public runs: StoredJournalRun[] = []) {}

  runsSince(sinceMs: number, limit: number): readonly StoredJournalRun[] {
    this.calls.push({ method: 'runsSince', arg: sinceMs, limit });
    return this.#newest((run) => run.startedAtMs >= sinceMs, limit);
  }

  runsOf(issueId: string, limit: number): readonly StoredJournalRun[] {
    this.calls.push({ method: 'runsOf', arg: issueId, limit });
    return this.#newest((run) => run.issueId === issueId, limit);
  }

  runsOfIdentifier(identifier: string, limit: number): readonly StoredJournalRun[] {
    this.calls.push({ method: 'runsOfIdentifier', arg: identifier, limit });
    return this.#newest((run) => run.identifier.toLowerCase() === identifier.toLowerCase(), limit);
  }

  currentRevision(): string | null {
    if (this.error !== null) throw this.error;
    return this.current;
  }

  #newest(keep: (run: StoredJournalRun) => boolean, limit: number): StoredJournalRun[] {
    if (this.error !== null) throw this.error;
    return this.runs
      .filter(keep)
      .sort((a, b) => b.runId - a.runId)
      .slice(0, limit);
  }
}
