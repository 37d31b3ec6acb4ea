/**
 * Review finding on src/workspace/git-summary.ts: the daemon runs `git status` in an agent-written
 * workspace, outside the agent's sandbox, so repository configuration must not be able to make git
 * run commands.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { gitSummary } from '../../src/workspace/git-summary.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('review: workspace git summary (src/workspace/git-summary.ts)', () => {
  it('a workspace repository cannot make the daemon run a command through core.fsmonitor', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'symphony-review-git-'));
    dirs.push(dir);
    const workspace = path.join(dir, 'SYM-1');
    const marker = path.join(dir, 'fsmonitor-ran');
    await execa('git', ['init', '-q', workspace]);
    // What an agent (or anything else that can write the workspace's .git/config) could set.
    await execa('git', ['-C', workspace, 'config', 'core.fsmonitor', `touch '${marker}'; false`]);
    await writeFile(path.join(workspace, 'file.txt'), 'changed\n');

    const summary = await gitSummary(workspace, process.env);

    expect(summary?.changedFiles).toBe(1); // the summary itself still works
    expect(existsSync(marker)).toBe(false); // but no repository-chosen command ran on the host
  });
});
