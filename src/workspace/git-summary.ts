/**
 * A short description of a workspace's git state, logged after each run so an operator can see
 * what an agent left behind (branch, commit, uncommitted files) without opening the workspace.
 * Observability only (spec §13.6 spirit): nothing decides anything from it. Built on simple-git,
 * which is loaded at the first summary (after a run), not at daemon startup.
 */

/** What {@link gitSummary} reports. */
export interface GitSummary {
  /** Current branch, or null when detached or unborn. */
  readonly branch: string | null;
  /** Abbreviated HEAD commit, or null in a repository without commits. */
  readonly head: string | null;
  /** Number of paths `git status` reports (modified, added, deleted, untracked). */
  readonly changedFiles: number;
}

/**
 * Summarizes the repository whose root is `workspacePath`.
 *
 * @param env - the daemon's environment; only `PATH`, `HOME` and locale variables are passed to git
 *   (no secrets, and nothing simple-git's environment guard refuses).
 * @param timeoutMs - git commands are killed after this long without output. Default 5000.
 * @returns null when the path is not the root of a git work tree, git is unavailable, or a git
 *   command fails; never throws.
 */
export async function gitSummary(workspacePath: string, env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<GitSummary | null> {
  try {
    const { simpleGit, CheckRepoActions } = await import('simple-git');
    const git = simpleGit({
      baseDir: workspacePath,
      timeout: { block: timeoutMs },
      // .git/config may be agent-written: it must never choose a command for the daemon to run.
      config: ['core.fsmonitor=false'],
      unsafe: { allowUnsafeFsMonitor: true }, // simple-git refuses any core.fsmonitor override without it
    }).env(withoutUndefined(env));
    if (!(await git.checkIsRepo(CheckRepoActions.IS_REPO_ROOT))) return null;
    const status = await git.status();
    const head = await git.revparse(['--short', 'HEAD']).catch(() => null);
    return { branch: status.detached ? null : status.current, head: head?.trim() || null, changedFiles: status.files.length };
  } catch {
    return null;
  }
}

/**
 * A digest of the workspace's git state for no-progress detection (issue 9 item 3): sha256 over
 * HEAD, `git status --porcelain` and `git diff HEAD` of tracked files, so a turn that edits,
 * stages or commits anything changes it, and a turn that changes nothing does not.
 *
 * @param timeoutMs - git commands are killed after this long without output. Default 5000.
 * @returns the hex digest; null when the path is not the root of a git work tree, git is
 *   unavailable, or a command fails. Never throws.
 */
export async function gitProgressDigest(workspacePath: string, env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<string | null> {
  try {
    const [{ simpleGit, CheckRepoActions }, { createHash }] = await Promise.all([import('simple-git'), import('node:crypto')]);
    const git = simpleGit({
      baseDir: workspacePath,
      timeout: { block: timeoutMs },
      config: ['core.fsmonitor=false'],
      unsafe: { allowUnsafeFsMonitor: true },
    }).env(withoutUndefined(env));
    if (!(await git.checkIsRepo(CheckRepoActions.IS_REPO_ROOT))) return null;
    const head = await git.revparse(['HEAD']).catch(() => 'unborn');
    const status = await git.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
    const diff = await git.raw(['diff', 'HEAD', '--no-ext-diff', '--binary']).catch(() => '');
    return createHash('sha256').update(head).update('\0').update(status).update('\0').update(diff).digest('hex');
  } catch {
    return null;
  }
}

const PASSED_TO_GIT = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ'] as const;

function withoutUndefined(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of PASSED_TO_GIT) {
    const value = env[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
