/**
 * Opening the run journal at startup (issue 9): where it lives, what recovery found, the writer
 * the orchestrator records through, and the history the HTTP server reads.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceConfig } from '../config/types.js';
import type { Logger } from '../logging/logger.js';
import { openJournal, type Journal } from '../journal/store.js';
import { recover, type RecoveredState } from '../journal/recover.js';
import { JournalWriter } from '../journal/writer.js';
import { runtimeCanResume } from '../runner/registry.js';

/** File name of the journal under `--logs-root`, and the directory beside the workflow otherwise. */
export const JOURNAL_FILE = 'journal.db';
export const JOURNAL_DIR = '.symphony';

/** Runs (and day totals) are kept this long, days; older ones are deleted at startup. */
export const HISTORY_RETENTION_DAYS = 90;

/** Why runs still open in the journal at startup ended (outcome `interrupted`). */
export const INTERRUPTED_REASON = 'the daemon stopped during the run';

/** Where the command line says the journal is: `--journal FILE` and `--logs-root DIR` (absolute; null when not given). */
export interface JournalLocation {
  readonly journalPath: string | null;
  readonly logsRoot: string | null;
}

/**
 * The journal's path: `--journal` when given; else `journal.path` when set; else
 * `<logsRoot>/journal.db` when `--logs-root` was given; else `<workflow dir>/.symphony/journal.db`.
 */
export function journalPathFor(config: ServiceConfig, where: JournalLocation): string {
  if (where.journalPath !== null) return where.journalPath;
  const { logsRoot } = where;
  if (config.journal.path !== null) return config.journal.path;
  if (logsRoot !== null) return path.join(logsRoot, JOURNAL_FILE);
  return path.join(path.dirname(config.workflowPath), JOURNAL_DIR, JOURNAL_FILE);
}

/**
 * Makes the default `.symphony/` directory beside the workflow with a `.gitignore` of `*` in it
 * (WORKFLOW.md lives in a repository: the journal must not show up as an untracked file). Best
 * effort: a failure here is left to the journal's own open, which names the path.
 */
function prepareDefaultDirectory(file: string, config: ServiceConfig, where: JournalLocation): void {
  if (where.journalPath !== null || config.journal.path !== null || where.logsRoot !== null) return;
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
    const ignore = path.join(dir, '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '# symphony run journal (created by the daemon)\n*\n', { flag: 'wx' });
  } catch {
    // openJournal reports a directory it cannot use with one line naming it.
  }
}

/** An open journal and what startup made of it. */
export interface JournalSetup {
  readonly journal: Journal;
  readonly recovered: RecoveredState;
  readonly writer: JournalWriter;
  /** Closes the file (and releases its lock). Idempotent. */
  close(): void;
}

/**
 * Opens the journal, recovers the previous daemon's claims, ends the runs it left open
 * (`interrupted`) and makes the writer. Null when `journal.enabled` is false.
 *
 * @param nowMs - epoch ms of the start (due times are compared with it).
 * @throws SymphonyError `journal_corrupt` (without `reset`), `journal_locked`, `internal` — each
 *   one line naming the file; nothing is left open.
 */
export function setUpJournal(config: ServiceConfig, options: JournalLocation & { readonly reset: boolean; readonly logger: Logger; readonly nowMs: number }): JournalSetup | null {
  if (!config.journal.enabled) {
    options.logger.info({ outcome: 'disabled' }, 'run journal disabled (journal.enabled: false): a restart forgets claims, retries and usage');
    return null;
  }
  const file = journalPathFor(config, options);
  prepareDefaultDirectory(file, config, options);
  const journal = openJournal(file, { reset: options.reset, clock: () => options.nowMs });
  try {
    if (journal.opened.movedCorruptTo !== null) {
      options.logger.warn({ journal: file, moved_to: journal.opened.movedCorruptTo, outcome: 'reset' }, 'run journal was corrupt: moved aside, starting with an empty journal (--reset-journal)');
    }
    const recovered = recover(journal.snapshot(), options.nowMs, { canResume: runtimeCanResume });
    const interrupted = journal.interruptOpenRuns(options.nowMs, INTERRUPTED_REASON);
    const cutoffMs = options.nowMs - HISTORY_RETENTION_DAYS * 86_400_000;
    const pruned = journal.pruneHistory(cutoffMs, new Date(cutoffMs).toISOString().slice(0, 10));
    const writer = new JournalWriter(journal, options.logger.child({ component: 'journal' }));
    options.logger.info(
      { journal: file, claims: recovered.claimed.size, interrupted_runs: interrupted, pruned_runs: pruned, schema_version_found: journal.opened.foundSchemaVersion, outcome: 'opened' },
      'run journal opened',
    );
    return {
      journal,
      recovered,
      writer,
      close: () => {
        writer.close();
        journal.close();
      },
    };
  } catch (error) {
    journal.close();
    throw error;
  }
}
