import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitSummary } from '../../src/workspace/git-summary.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-git-'));
  dirs.push(dir);
  return dir;
}

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };
const git = (cwd: string, ...args: string[]) => execa('git', args, { cwd, env: gitEnv });

describe('workspace git summary', () => {
  it('reports branch, short head and the number of changed paths of a real repository', async () => {
    const dir = await tempDir();
    await git(dir, 'init', '-q', '-b', 'sym-7-fix');
    await writeFile(path.join(dir, 'a.txt'), 'a');
    await git(dir, 'add', 'a.txt');
    await git(dir, 'commit', '-q', '-m', 'first');
    const { stdout: head } = await git(dir, 'rev-parse', '--short', 'HEAD');
    await writeFile(path.join(dir, 'a.txt'), 'changed');
    await writeFile(path.join(dir, 'new.txt'), 'new');
    expect(await gitSummary(dir, gitEnv)).toEqual({ branch: 'sym-7-fix', head, changedFiles: 2 });
  });

  it('is null for a directory that is not a repository root, and for an unborn branch reports no head', async () => {
    const plain = await tempDir();
    expect(await gitSummary(plain, gitEnv)).toBeNull();
    const repo = await tempDir();
    await git(repo, 'init', '-q', '-b', 'main');
    await import('node:fs/promises').then((fs) => fs.mkdir(path.join(repo, 'sub')));
    expect(await gitSummary(path.join(repo, 'sub'), gitEnv)).toBeNull();
    expect(await gitSummary(repo, gitEnv)).toEqual({ branch: 'main', head: null, changedFiles: 0 });
    expect(await gitSummary(path.join(repo, 'missing'), gitEnv)).toBeNull();
  });
});
