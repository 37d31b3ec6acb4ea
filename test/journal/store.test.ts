import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SymphonyError, isSymphonyError } from '../../src/errors.js';
import { JOURNAL_SCHEMA_VERSION, openJournal, type Journal, type OpenJournalOptions } from '../../src/journal/store.js';
import type { JournalClaim } from '../../src/journal/types.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const dirs: string[] = [];
const journals: Journal[] = [];

afterEach(() => {
  for (const journal of journals.splice(0)) journal.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'symphony-journal-'));
  dirs.push(dir);
  return dir;
}

function journalPath(): string {
  return path.join(tempDir(), 'journal.sqlite');
}

function open(file: string, options?: OpenJournalOptions): Journal {
  const journal = openJournal(file, options);
  journals.push(journal);
  return journal;
}

/** The SymphonyError `fn` throws (fails the test when it throws nothing or something else). */
function thrown(fn: () => unknown): SymphonyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SymphonyError) return error;
    throw error;
  }
  throw new Error('expected a SymphonyError, nothing was thrown');
}

const running: JournalClaim = {
  issueId: 'issue-1',
  identifier: 'ABC-1',
  issueUrl: 'https://tracker.example/ABC-1',
  issueState: 'In Progress',
  kind: 'running',
  runtime: 'codex',
  attempt: null,
  sessionId: 'thread-1-turn-2',
  threadId: 'thread-1',
  workspacePath: '/srv/ws/ABC-1',
  startedAtMs: 1_700_000_000_000,
  waiting: null,
  retry: null,
  blocked: null,
  updatedAtMs: 1_700_000_000_000,
};

const retrying: JournalClaim = {
  ...running,
  issueId: 'issue-2',
  identifier: 'ABC-2',
  issueUrl: null,
  kind: 'retrying',
  attempt: 2,
  sessionId: null,
  threadId: null,
  workspacePath: null,
  startedAtMs: null,
  retry: { attempt: 3, dueAtMs: 1_700_000_060_000, error: 'turn failed', errorCode: 'turn_failed', kind: 'failure', cause: 'worker_failed' },
  updatedAtMs: 1_700_000_001_000,
};

const blocked: JournalClaim = {
  ...running,
  issueId: 'issue-3',
  identifier: 'ABC-3',
  kind: 'blocked',
  runtime: 'claude',
  startedAtMs: null,
  blocked: { state: 'In Progress', reason: 'needs operator input', sinceMs: 1_700_000_002_000, cause: 'no_progress' },
  updatedAtMs: 1_700_000_002_000,
};

function usage(issueId: string, totalTokens: number) {
  return { issueId, inputTokens: totalTokens - 1, outputTokens: 1, totalTokens, runtimeMs: totalTokens * 10, budgetTokens: totalTokens, budgetRuntimeMs: totalTokens * 10 };
}

const runStart = { issueId: 'issue-1', identifier: 'ABC-1', attempt: null, runtime: 'codex', startedAtMs: 1_000, workflowRevision: 'rev-a' };

describe('openJournal: tables', () => {
  it('round-trips claims of every kind, ordered by issue id', () => {
    const journal = open(journalPath());
    journal.putClaim(blocked);
    journal.putClaim(running);
    journal.putClaim(retrying);
    expect(journal.snapshot().claims).toEqual([running, retrying, blocked]);
  });

  it('upserts a claim per issue id and deletes it (a missing claim is no error)', () => {
    const journal = open(journalPath());
    journal.putClaim(running);
    const nowRetrying: JournalClaim = { ...retrying, issueId: running.issueId, identifier: running.identifier };
    journal.putClaim(nowRetrying);
    expect(journal.snapshot().claims).toEqual([nowRetrying]);
    journal.deleteClaim(running.issueId);
    journal.deleteClaim('never-claimed');
    expect(journal.snapshot().claims).toEqual([]);
  });

  it('refuses a claim whose retry/blocked entries do not match its kind', () => {
    const journal = open(journalPath());
    const error = thrown(() => journal.putClaim({ ...running, kind: 'retrying' }));
    expect(error.code).toBe('internal');
    expect(error.message).toContain('ABC-1');
    expect(journal.snapshot().claims).toEqual([]);
  });

  it('round-trips usage and day totals and replaces them (absolute, not added)', () => {
    const journal = open(journalPath());
    journal.putUsage(usage('issue-1', 30));
    journal.putUsage(usage('issue-0', 3));
    journal.putUsage(usage('issue-1', 40));
    journal.putDay({ day: '2026-12-08', totalTokens: 5 });
    journal.putDay({ day: '2026-12-07', totalTokens: 9 });
    journal.putDay({ day: '2026-12-08', totalTokens: 50 });
    expect(journal.snapshot().usage).toEqual([usage('issue-0', 3), usage('issue-1', 40)]);
    expect(journal.snapshot().days).toEqual([
      { day: '2026-12-07', totalTokens: 9 },
      { day: '2026-12-08', totalTokens: 50 },
    ]);
  });

  it('round-trips a waiting claim and refuses one without its request', () => {
    const journal = open(journalPath());
    const waiting: JournalClaim = { ...running, kind: 'waiting', waiting: 'command approval: npm publish' };
    journal.putClaim(waiting);
    expect(journal.snapshot().claims).toEqual([waiting]);
    expect(thrown(() => journal.putClaim({ ...running, kind: 'waiting' })).code).toBe('internal');
  });

  it('lists runs newest first (since, per issue, with limits), marks hand-offs and interrupts open runs', () => {
    const journal = open(journalPath());
    const a = journal.startRun({ ...runStart, startedAtMs: 1_000 });
    const b = journal.startRun({ ...runStart, issueId: 'issue-2', identifier: 'ABC-2', startedAtMs: 2_000 });
    const c = journal.startRun({ ...runStart, startedAtMs: 3_000 });
    journal.endRun(a, { endedAtMs: 1_500, outcome: 'completed', reason: null, turns: 2, tokens: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } });
    journal.markHandoff(a, 1_600);
    journal.markHandoff(999, 1_600); // unknown: no error
    expect(journal.runsSince(2_000).map((run) => run.runId)).toEqual([c, b]);
    expect(journal.runsSince(0, 1).map((run) => run.runId)).toEqual([c]);
    expect(journal.runsOf('issue-1').map((run) => run.runId)).toEqual([c, a]);
    expect(journal.runsOf('issue-1')[1]?.handedOffAtMs).toBe(1_600);
    expect(journal.runsOfIdentifier('abc-1').map((run) => run.runId)).toEqual([c, a]);
    expect(journal.runsOfIdentifier('ABC-2', 1).map((run) => run.runId)).toEqual([b]);
    expect(journal.interruptOpenRuns(2_500, 'the daemon stopped')).toBe(2);
    const live = journal.startRun({ ...runStart, startedAtMs: 100 });
    journal.putDay({ day: '2026-01-01', totalTokens: 1 });
    journal.putDay({ day: '2026-03-01', totalTokens: 2 });
    // Retention: ended runs that ended before the cutoff go (run a ended at 1_500); a live one stays.
    expect(journal.pruneHistory(2_000, '2026-02-01')).toBe(1);
    expect(journal.snapshot().runs.map((run) => run.runId)).toEqual([b, c, live]);
    expect(journal.snapshot().days).toEqual([{ day: '2026-03-01', totalTokens: 2 }]);
    journal.endRun(live, { endedAtMs: 3_500, outcome: 'completed', reason: null, turns: 1, tokens: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } });
    const runs = journal.snapshot().runs;
    expect(runs.map((run) => [run.outcome, run.endedAtMs])).toEqual([
      ['interrupted', 2_500],
      ['interrupted', 3_000],
      ['completed', 3_500],
    ]);
  });

  it('inserts a run at start with a fresh id and updates it at the end', () => {
    const journal = open(journalPath());
    const first = journal.startRun(runStart);
    const second = journal.startRun({ ...runStart, issueId: 'issue-2', identifier: 'ABC-2', attempt: 1, startedAtMs: 2_000 });
    expect(second).toBeGreaterThan(first);
    journal.endRun(first, {
      endedAtMs: 1_500,
      outcome: 'completed',
      reason: null,
      turns: 3,
      tokens: { inputTokens: 100, outputTokens: 50, totalTokens: 150 },
    });
    expect(journal.snapshot().runs).toEqual([
      { runId: first, ...runStart, endedAtMs: 1_500, outcome: 'completed', reason: null, turns: 3, inputTokens: 100, outputTokens: 50, totalTokens: 150, handedOffAtMs: null },
      {
        runId: second,
        ...runStart,
        issueId: 'issue-2',
        identifier: 'ABC-2',
        attempt: 1,
        startedAtMs: 2_000,
        endedAtMs: null,
        outcome: null,
        reason: null,
        turns: 0,
        inputTokens: 0,
        outputTokens: 0,
        totalTokens: 0,
        handedOffAtMs: null,
      },
    ]);
  });

  it('endRun with an unknown id is an internal error naming the id', () => {
    const journal = open(journalPath());
    const error = thrown(() =>
      journal.endRun(42, { endedAtMs: 1, outcome: 'failed', reason: 'x', turns: 0, tokens: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } }),
    );
    expect(error.code).toBe('internal');
    expect(error.message).toContain('no run with id 42');
  });

  it('runsSince returns the runs started at or after the given time, newest first', () => {
    const journal = open(journalPath());
    journal.startRun({ ...runStart, startedAtMs: 1_000 });
    const b = journal.startRun({ ...runStart, startedAtMs: 2_000 });
    const c = journal.startRun({ ...runStart, startedAtMs: 3_000 });
    expect(journal.runsSince(2_000).map((run) => run.runId)).toEqual([c, b]);
    expect(journal.runsSince(3_001)).toEqual([]);
  });
});

describe('openJournal: transactions', () => {
  it('commits the writes of transaction(fn) together and returns its value', () => {
    const journal = open(journalPath());
    const runId = journal.transaction(() => {
      journal.putClaim(running);
      journal.putUsage(usage('issue-1', 2));
      return journal.startRun(runStart);
    });
    const snapshot = journal.snapshot();
    expect([snapshot.claims.length, snapshot.usage.length, snapshot.runs[0]?.runId]).toEqual([1, 1, runId]);
  });

  it('rolls back every write of a transaction that throws, nested ones included', () => {
    const journal = open(journalPath());
    journal.putClaim(blocked);
    expect(() =>
      journal.transaction(() => {
        journal.putClaim(running);
        journal.deleteClaim(blocked.issueId);
        journal.transaction(() => journal.startRun(runStart));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(journal.snapshot()).toEqual({ claims: [blocked], usage: [], days: [], runs: [] });
    journal.putClaim(running);
    expect(journal.snapshot().claims).toHaveLength(2);
  });

  it('refuses an async callback and rolls it back', () => {
    const journal = open(journalPath());
    const error = thrown(() =>
      journal.transaction(() => {
        journal.putClaim(running);
        return Promise.resolve();
      }),
    );
    expect(error.code).toBe('internal');
    expect(error.message).toContain('synchronous');
    expect(journal.snapshot().claims).toEqual([]);
  });
});

describe('openJournal: file, durability, schema', () => {
  it('creates missing parent directories, uses WAL mode and sets the schema version', () => {
    const file = path.join(tempDir(), 'state', 'nested', 'journal.sqlite');
    const journal = open(file);
    expect(journal.opened).toEqual({ foundSchemaVersion: 0, movedCorruptTo: null });
    journal.putClaim(running);
    expect(existsSync(`${file}-wal`)).toBe(true);
    journal.close();

    const raw = new DatabaseSync(file);
    try {
      expect(raw.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(raw.prepare('PRAGMA user_version').get()).toEqual({ user_version: JOURNAL_SCHEMA_VERSION });
    } finally {
      raw.close();
    }
    expect(JOURNAL_SCHEMA_VERSION).toBeGreaterThanOrEqual(1);
  });

  it('a reopened journal sees everything written before close()', () => {
    const file = journalPath();
    const first = open(file);
    first.putClaim(running);
    first.putClaim(retrying);
    first.putUsage(usage('issue-1', 15));
    const runId = first.startRun(runStart);
    const before = first.snapshot();
    first.close();
    first.close(); // idempotent

    const second = open(file);
    expect(second.opened.foundSchemaVersion).toBe(JOURNAL_SCHEMA_VERSION);
    expect(second.snapshot()).toEqual(before);
    expect(second.snapshot().runs[0]?.runId).toBe(runId);
    expect(second.startRun(runStart)).toBeGreaterThan(runId);
  });

  it('a journal written by a process killed with SIGKILL (no close, no checkpoint) reopens with its writes', async () => {
    const file = journalPath();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(FIXTURES, 'write-and-crash.ts'), file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, stdout }).toEqual({ code: null, signal: 'SIGKILL', stdout: 'written\n' });

    const snapshot = open(file).snapshot();
    expect(snapshot.claims.map((claim) => claim.identifier)).toEqual(['CR-1']);
    expect(snapshot.usage).toEqual([{ issueId: 'issue-crash', inputTokens: 5, outputTokens: 6, totalTokens: 11, runtimeMs: 0, budgetTokens: 11, budgetRuntimeMs: 0 }]);
    expect(snapshot.runs.map((run) => run.endedAtMs)).toEqual([null]);
  });

  it('methods throw once closed', () => {
    const journal = open(journalPath());
    journal.close();
    expect(thrown(() => journal.snapshot()).message).toContain('used after close()');
  });
});

describe('openJournal: corrupt files', () => {
  const suffix = '; move it away or start with --reset-journal';

  it('a file that is not a SQLite database is journal_corrupt, one line naming the path', () => {
    const file = journalPath();
    writeFileSync(file, 'this is not a sqlite database, just some words that fill more than one header.\n'.repeat(4));
    const error = thrown(() => open(file));
    expect(error.code).toBe('journal_corrupt');
    expect(error.toLine()).toBe(`journal_corrupt: ${file}: file is not a database${suffix}`);
    expect(error.toLine()).not.toContain('\n');
    expect(readFileSync(file, 'utf8')).toContain('not a sqlite database'); // left alone
  });

  it('a database with damaged pages fails the integrity check: journal_corrupt', () => {
    const file = journalPath();
    const journal = open(file);
    journal.transaction(() => {
      for (let i = 0; i < 300; i += 1) journal.putClaim({ ...running, issueId: `issue-${i}`, identifier: `ABC-${i}` });
    });
    journal.close();
    const bytes = readFileSync(file);
    bytes.fill(0xab, 4096); // every page after the first (the default page size is 4096)
    writeFileSync(file, bytes);

    const error = thrown(() => open(file));
    expect(error.code).toBe('journal_corrupt');
    expect(error.message.startsWith(`${file}: `)).toBe(true);
    expect(error.message.endsWith(suffix)).toBe(true);
    expect(error.toLine()).not.toContain('\n');
  });

  it('another application’s SQLite database is journal_corrupt, not migrated over', () => {
    const file = journalPath();
    const raw = new DatabaseSync(file);
    raw.exec('CREATE TABLE something_else (x)');
    raw.close();
    expect(thrown(() => open(file)).toLine()).toBe(`journal_corrupt: ${file}: not a symphony journal (it has tables but no schema version)${suffix}`);
  });

  it('a journal from a newer build is journal_corrupt naming both versions', () => {
    const file = journalPath();
    open(file).close();
    const raw = new DatabaseSync(file);
    raw.exec(`PRAGMA user_version = ${JOURNAL_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(thrown(() => open(file)).message).toContain(
      `schema version ${JOURNAL_SCHEMA_VERSION + 1} is newer than this build supports (${JOURNAL_SCHEMA_VERSION})`,
    );
  });

  it('reset moves a corrupt file to <path>.corrupt-<timestamp> and starts empty', () => {
    const file = journalPath();
    const garbage = 'garbage, not a database at all, garbage garbage garbage garbage garbage garbage garbage';
    writeFileSync(file, garbage);
    const journal = open(file, { reset: true, clock: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
    const moved = `${file}.corrupt-2026-01-02T03-04-05-678Z`;
    expect(journal.opened).toEqual({ foundSchemaVersion: 0, movedCorruptTo: moved });
    expect(readFileSync(moved, 'utf8')).toBe(garbage);
    expect(journal.snapshot()).toEqual({ claims: [], usage: [], days: [], runs: [] });
    journal.putClaim(running);
    journal.close();

    // The same timestamp again: the earlier copy is kept, the new one gets a counter.
    writeFileSync(file, garbage);
    const again = open(file, { reset: true, clock: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
    expect(again.opened.movedCorruptTo).toBe(`${moved}-1`);
    expect(readdirSync(path.dirname(file)).filter((name) => name.includes('.corrupt-')).sort()).toEqual([
      path.basename(moved),
      `${path.basename(moved)}-1`,
    ]);
  });

  it('reset leaves a healthy journal and its data alone', () => {
    const file = journalPath();
    const first = open(file);
    first.putClaim(running);
    first.close();
    const journal = open(file, { reset: true });
    expect(journal.opened.movedCorruptTo).toBeNull();
    expect(journal.snapshot().claims).toEqual([running]);
  });
});

describe('openJournal: a second opener', () => {
  it('is journal_locked while this process has the journal open, even mid-transaction', () => {
    const file = journalPath();
    const first = open(file);
    first.transaction(() => {
      first.putClaim(running);
      const error = thrown(() => open(file));
      expect(error.toLine()).toBe(`journal_locked: ${file} is used by another symphony process`);
    });
    expect(thrown(() => open(file, { reset: true })).code).toBe('journal_locked'); // reset never moves a locked file
    first.close();
    expect(open(file).snapshot().claims).toEqual([running]);
  });

  it('is journal_locked while another process holds a write transaction', async () => {
    const file = journalPath();
    open(file).close();
    const child = spawn(process.execPath, [path.join(FIXTURES, 'hold-lock.mjs'), file], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      expect(chunk.toString()).toBe('ready\n');
      const error = thrown(() => open(file));
      expect(isSymphonyError(error, 'journal_locked')).toBe(true);
      expect(error.toLine()).toBe(`journal_locked: ${file} is used by another symphony process`);
    } finally {
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    }
    expect(open(file).snapshot().claims).toEqual([]);
  });
});
