/**
 * §17.2 conformance: workspace population with real git in `after_create`, and what the operator
 * sees when population fails (the daemon running against the in-memory tracker).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startService } from '../../src/service/service.js';
import { ensureWorkspace } from '../../src/workspace/manager.js';
import { memoryTrackerFor } from '../support/memory-tracker.js';
import { testTrackerProfiles } from '../support/tracker-registry.js';
import { LogSink, memoryWorkflowFrontMatter, useServiceCleanup, writeWorkflow } from './support.js';

const { dirs, services } = useServiceCleanup();

const CLONE = 'git clone --quiet "$CONF_SOURCE_REPO" .';

/** A temp dir, an empty HOME and the environment hooks run with. */
async function sandbox(sourceRepo: string | null): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await dirs.make();
  const home = await dirs.make('symphony-conf-home-');
  return { dir, env: { ...process.env, HOME: home, CONF_SOURCE_REPO: sourceRepo ?? path.join(dir, 'no-such-repo') } };
}

/** A local git repository with one commit containing README.md. */
async function sourceRepository(env: NodeJS.ProcessEnv): Promise<string> {
  const repo = await dirs.make('symphony-conf-src-');
  const git = (...args: string[]): void => {
    execFileSync('git', args, { cwd: repo, env: { ...env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.invalid' }, stdio: 'ignore' });
  };
  git('init', '--quiet');
  await writeFile(path.join(repo, 'README.md'), 'populated by after_create\n');
  git('add', 'README.md');
  git('commit', '--quiet', '-m', 'initial');
  return repo;
}

describe('§17.2 workspace population (conformance)', () => {
  it('§17.2 workspace population with git in after_create fills a new workspace', async () => {
    const { dir, env } = await sandbox(null);
    const repo = await sourceRepository(env);
    const sink = new LogSink();
    const root = path.join(dir, 'workspaces');
    const hooks = { afterCreate: CLONE, beforeRun: null, afterRun: null, beforeRemove: null, timeoutMs: 60_000 };
    const workspace = await ensureWorkspace({ identifier: 'SYM-1', id: 'id-1' }, { root, hooks, logger: sink.logger(), secretEnvNames: [], env: { ...env, CONF_SOURCE_REPO: repo } });
    expect(workspace.createdNow).toBe(true);
    expect(await readFile(path.join(workspace.path, 'README.md'), 'utf8')).toBe('populated by after_create\n');
    expect(existsSync(path.join(workspace.path, '.git'))).toBe(true);
  });

  it('§17.2 OPTIONAL workspace population/synchronization errors are surfaced (log line, retry reason and snapshot row name the issue and git\'s message)', async () => {
    const { dir, env } = await sandbox(null);
    const root = path.join(dir, 'workspaces');
    const store = `conformance-${path.basename(dir)}`;
    const workflowPath = await writeWorkflow(dir, memoryWorkflowFrontMatter({ root, store, extra: ['hooks:', `  after_create: ${JSON.stringify(CLONE)}`] }));
    const issue = memoryTrackerFor(store).upsertIssue({ identifier: 'SYM-1', id: 'opaque-1' });
    const sink = new LogSink();
    const service = await startService({ workflowPath, logger: sink.logger(), env, profiles: testTrackerProfiles });
    services.push(service);

    const failed = await sink.waitFor((l) => l.msg === 'hook failed', 'the failed after_create hook');
    expect(failed).toMatchObject({ level: 'warn', hook: 'after_create', issue_id: issue.id, issue_identifier: 'SYM-1', exit_code: 128 });
    expect(String(failed.stderr)).toMatch(/does not exist/);
    const retry = await sink.waitFor((l) => l.msg === 'retry scheduled', 'the failure retry');
    const reason = /^worker exited: hook_failed: after_create hook failed for SYM-1 \(exit 128\): fatal: repository .* does not exist/;
    expect(retry).toMatchObject({ level: 'warn', issue_id: issue.id, issue_identifier: 'SYM-1', kind: 'failure', attempt: 1, reason: expect.stringMatching(reason) });
    expect(service.orchestrator.snapshot().retrying).toMatchObject([{ issue_identifier: 'SYM-1', attempt: 1, error: expect.stringMatching(reason) }]);
    // The half-made workspace is gone, so the next attempt clones afresh.
    expect(existsSync(path.join(root, 'SYM-1'))).toBe(false);
    expect(sink.named('dispatch started')).toHaveLength(1);
  });
});
