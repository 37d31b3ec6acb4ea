/**
 * Opening the run journal at startup (issue 9): where the file lives, the `.symphony/` directory
 * kept out of the workflow's git repository, `journal.enabled: false`, recovery of a previous
 * daemon's claims, and the corrupt-file choice (refuse, or `--reset-journal`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServiceConfig } from '../../src/config/build.js';
import type { ServiceConfig } from '../../src/config/types.js';
import { isSymphonyError } from '../../src/errors.js';
import { openJournal } from '../../src/journal/store.js';
import { silentLogger } from '../../src/logging/logger.js';
import { journalPathFor, setUpJournal, type JournalSetup } from '../../src/service/journal-setup.js';
import { TempDirs, stubProfiles } from '../config/support.js';

const NOW = Date.UTC(2026, 11, 8, 12, 0, 0);
const temps = new TempDirs();
const opened: JournalSetup[] = [];
afterEach(async () => {
  for (const setup of opened.splice(0)) setup.close();
  await temps.cleanup();
});

function configIn(dir: string, journal?: Record<string, unknown>): ServiceConfig {
  const raw = { tracker: { kind: 'stub', provider: { api_key: 'literal-key' } }, ...(journal === undefined ? {} : { journal }) };
  const built = buildServiceConfig(raw, { workflowPath: path.join(dir, 'WORKFLOW.md'), env: { HOME: '/home/op' }, profiles: stubProfiles });
  if (built.config === undefined) throw new Error(built.errors.map((e) => e.message).join('; '));
  return built.config;
}

function setUp(config: ServiceConfig, options: { logsRoot?: string | null; reset?: boolean } = {}): JournalSetup | null {
  const setup = setUpJournal(config, { logsRoot: options.logsRoot ?? null, journalPath: null, reset: options.reset ?? false, logger: silentLogger(), nowMs: NOW });
  if (setup !== null) opened.push(setup);
  return setup;
}

describe('journal location', () => {
  it('--journal wins, then journal.path, then --logs-root, then .symphony/ beside the workflow; relative and ~ paths expand', async () => {
    const dir = await temps.make();
    const none = { logsRoot: null, journalPath: null };
    expect(journalPathFor(configIn(dir), none)).toBe(path.join(dir, '.symphony', 'journal.db'));
    expect(journalPathFor(configIn(dir), { ...none, logsRoot: '/var/log/symphony' })).toBe('/var/log/symphony/journal.db');
    expect(journalPathFor(configIn(dir, { path: 'state/j.db' }), { ...none, logsRoot: '/var/log/symphony' })).toBe(path.join(dir, 'state', 'j.db'));
    expect(journalPathFor(configIn(dir, { path: '~/j.db' }), none)).toBe('/home/op/j.db');
    expect(journalPathFor(configIn(dir, { path: 'state/j.db' }), { logsRoot: '/var/log/symphony', journalPath: '/var/lib/symphony/journal.db' })).toBe('/var/lib/symphony/journal.db');
  });

  it('bad journal keys are one-line config errors naming the key', async () => {
    const dir = await temps.make();
    const built = buildServiceConfig(
      { tracker: { kind: 'stub', provider: { api_key: 'k' } }, journal: { enabled: 'yes', path: 42 } },
      { workflowPath: path.join(dir, 'WORKFLOW.md'), env: {}, profiles: stubProfiles },
    );
    expect(built.errors.map((e) => e.message)).toEqual(['journal.enabled must be true or false (got "yes")', 'journal.path must be a non-empty path string (got 42)']);
  });

  it('the default .symphony/ directory ignores itself, so the workflow repository stays clean', async () => {
    const dir = await temps.make();
    execFileSync('git', ['init', '-q', dir]);
    writeFileSync(path.join(dir, 'WORKFLOW.md'), '---\n---\n');
    execFileSync('git', ['-C', dir, 'add', 'WORKFLOW.md']);
    setUp(configIn(dir));
    expect(readdirSync(path.join(dir, '.symphony'))).toContain('journal.db');
    expect(readFileSync(path.join(dir, '.symphony', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    expect(execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=all']).toString()).toBe('A  WORKFLOW.md\n');
  });

  it('journal.enabled: false opens nothing', async () => {
    const dir = await temps.make();
    expect(setUp(configIn(dir, { enabled: false }))).toBeNull();
    expect(existsSync(path.join(dir, '.symphony'))).toBe(false);
  });
});

describe('startup', () => {
  it('recovers the previous daemon: its claims, and its open runs ended as interrupted', async () => {
    const dir = await temps.make();
    const config = configIn(dir);
    const previous = openJournal(journalPathFor(config, { logsRoot: null, journalPath: null }));
    previous.putClaim({
      issueId: 'i-1',
      identifier: 'MT-1',
      issueUrl: null,
      issueState: 'Todo',
      kind: 'retrying',
      runtime: 'codex',
      attempt: 2,
      sessionId: null,
      threadId: null,
      workspacePath: null,
      startedAtMs: null,
      waiting: null,
      retry: { attempt: 2, dueAtMs: NOW + 20_000, error: 'boom', errorCode: null, kind: 'failure', cause: 'worker_failed' },
      blocked: null,
      updatedAtMs: NOW - 1000,
    });
    previous.startRun({ issueId: 'i-2', identifier: 'MT-2', attempt: null, runtime: 'codex', startedAtMs: NOW - 5000, workflowRevision: 'r' });
    previous.close();
    const setup = setUp(config);
    expect(setup?.recovered.retryAttempts.get('i-1')).toMatchObject({ dueAtMs: NOW + 20_000, attempt: 2 });
    expect(setup?.journal.snapshot().runs).toEqual([expect.objectContaining({ outcome: 'interrupted', endedAtMs: NOW, reason: 'the daemon stopped during the run' })]);
  });

  it('a corrupt journal refuses to start with one line; --reset-journal keeps the old file and starts empty', async () => {
    const dir = await temps.make();
    const config = configIn(dir);
    const file = journalPathFor(config, { logsRoot: null, journalPath: null });
    setUp(config)?.close();
    opened.length = 0;
    writeFileSync(file, 'definitely not sqlite');
    let error: unknown;
    try {
      setUp(config);
    } catch (caught) {
      error = caught;
    }
    expect(isSymphonyError(error) && error.code).toBe('journal_corrupt');
    expect(isSymphonyError(error) && error.toLine()).toBe(`journal_corrupt: ${file}: file is not a database; move it away or start with --reset-journal`);
    const reset = setUp(config, { reset: true });
    expect(reset?.journal.opened.movedCorruptTo).toMatch(/journal\.db\.corrupt-/);
    expect(reset?.recovered.claimed.size).toBe(0);
  });
});
