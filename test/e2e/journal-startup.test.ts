/**
 * The run journal at startup through the `symphony` CLI (issue 9, spec §15a): a corrupt journal
 * stops the daemon with one line until `--reset-journal` moves it aside (kept), and a second
 * daemon on the same workflow (same journal) is refused with `journal_locked`.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelStep } from '../support/fake-model/index.js';
import { isAlive, startDaemon, type Daemon } from '../support/daemon.js';
import { apiBase, getJson, journalPathOf } from '../support/journal-e2e.js';
import { setupE2E, type E2E } from './harness.js';

let env: E2E | null = null;
let other: Daemon | null = null;

afterEach(async () => {
  await other?.destroy();
  other = null;
  await env?.dispose();
  env = null;
});

const stderrLines = (daemon: Daemon): string[] => daemon.stderr.split('\n').filter((line) => line.trim() !== '');

describe('run journal at startup (issue 9)', () => {
  it('a corrupt journal: exit 1 with one line naming the file and --reset-journal; --reset-journal keeps it aside and starts', async () => {
    env = await setupE2E((): ModelStep => ({ type: 'message', text: 'unused' }), { pollMs: 600_000 });
    const file = journalPathOf(env);
    await mkdir(path.dirname(file), { recursive: true });
    const garbage = 'this is not a sqlite database\n'.repeat(200);
    await writeFile(file, garbage);

    const refused = env.start();
    expect((await refused.waitForExit(30_000)).exitCode).toBe(1);
    const lines = stderrLines(refused);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('journal_corrupt');
    expect(lines[0]).toContain(file);
    expect(lines[0]).toContain('--reset-journal');
    expect(await readFile(file, 'utf8')).toBe(garbage);

    const reset = env.start(['--reset-journal']);
    const moved = await reset.waitForLog((l) => l.msg === 'run journal was corrupt: moved aside, starting with an empty journal (--reset-journal)', 'the reset', 30_000);
    await reset.waitForLog((l) => l.msg === 'symphony started', 'the start', 30_000);
    const kept = (await readdir(path.dirname(file))).filter((name) => name.startsWith('journal.db.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(moved.moved_to).toBe(path.join(path.dirname(file), kept[0]!));
    expect(await readFile(path.join(path.dirname(file), kept[0]!), 'utf8')).toBe(garbage);
    reset.signal('SIGTERM');
    expect((await reset.waitForExit()).exitCode).toBe(0);
    expect(stderrLines(reset)).toEqual([]);

    // The new journal is a healthy one: a plain start now works.
    const again = env.start();
    await again.waitForLog((l) => l.msg === 'run journal opened', 'the journal to open', 30_000);
    again.signal('SIGTERM');
    expect((await again.waitForExit()).exitCode).toBe(0);
  });

  it('a second daemon on the same workflow fails at startup with journal_locked; the first keeps running', async () => {
    env = await setupE2E((): ModelStep => ({ type: 'message', text: 'unused' }), { pollMs: 600_000, serverPort: 0 });
    const first = env.start();
    const base = await apiBase(first);
    await first.waitForLog((l) => l.msg === 'symphony started', 'the first daemon', 30_000);

    other = startDaemon([env.workflowPath], { env: env.env, cwd: env.dir });
    expect((await other.waitForExit(30_000)).exitCode).toBe(1);
    const lines = stderrLines(other);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('journal_locked');
    expect(lines[0]).toContain(journalPathOf(env));
    expect(other.logs.some((l) => l.msg === 'http server listening')).toBe(false);

    expect(first.exit).toBeNull();
    expect(isAlive(first.pid)).toBe(true);
    const state = await fetch(`${base}/api/v1/state`);
    expect(state.status).toBe(200);
    // Still the journal's owner: its history answers.
    expect(await getJson(base, '/api/v1/runs')).toMatchObject({ runs: [] });
    first.signal('SIGTERM');
    expect((await first.waitForExit()).exitCode).toBe(0);
  });
});
