import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HooksConfig } from '../../src/config/types.js';
import { isSymphonyError, type SymphonyError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging/logger.js';
import { workspaceKey } from '../../src/workspace/key.js';
import {
  ensureWorkspace,
  removeWorkspace,
  runAfterRun,
  runBeforeRun,
  workspaceLocation,
  type WorkspaceContext,
} from '../../src/workspace/manager.js';
import { captureLogger, hooksConfig, useHookSandbox, WARN, type LogLine } from './helpers.js';

const { temps, env: hookEnv } = useHookSandbox();

const ISSUE = { identifier: 'ABC-1', id: 'issue-id-1' };

/** A context under a fresh temp dir; `root` does not exist yet. `OUT` (outside the root) is exported to hooks. */
async function setup(hooks: Partial<HooksConfig> = {}, extraEnv: NodeJS.ProcessEnv = {}) {
  const base = await temps.make();
  const out = path.join(base, 'out');
  await mkdir(out);
  const { logger, lines } = captureLogger();
  const ctx: WorkspaceContext = {
    root: path.join(base, 'workspaces'),
    hooks: hooksConfig(hooks),
    logger,
    secretEnvNames: [],
    env: hookEnv({ OUT: out, ...extraEnv }),
  };
  return { base, out, ctx, lines };
}

async function failure(promise: Promise<unknown>): Promise<SymphonyError> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as SymphonyError,
  );
}

const countLines = (file: string): number => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);
const warned = (lines: LogLine[], msg: string): boolean => lines.some((line) => line.level === WARN && line.msg === msg);

describe('ensureWorkspace', () => {
  it('§17.2 deterministic workspace path per issue identifier', async () => {
    const { ctx } = await setup();
    const first = await ensureWorkspace({ identifier: 'PROJ/42' }, ctx);
    const second = await ensureWorkspace({ identifier: 'PROJ/42' }, { ...ctx, logger: silentLogger() });
    expect(first.path).toBe(path.join(ctx.root, workspaceKey('PROJ/42')));
    expect(first.workspaceKey).toBe(workspaceKey('PROJ/42'));
    expect(second.path).toBe(first.path);
    expect(workspaceLocation(ctx.root, 'PROJ/42')).toEqual({ path: first.path, workspaceKey: first.workspaceKey });
  });

  it('§17.2 missing workspace directory (and missing root) is created', async () => {
    const { ctx } = await setup();
    expect(existsSync(ctx.root)).toBe(false);
    const workspace = await ensureWorkspace(ISSUE, ctx);
    expect(workspace).toEqual({ path: path.join(ctx.root, 'ABC-1'), workspaceKey: 'ABC-1', createdNow: true });
    expect((await stat(workspace.path)).isDirectory()).toBe(true);
  });

  it('§17.2 existing workspace directory is reused', async () => {
    const { ctx } = await setup();
    const first = await ensureWorkspace(ISSUE, ctx);
    await writeFile(path.join(first.path, 'work.txt'), 'progress');
    const second = await ensureWorkspace(ISSUE, ctx);
    expect(second).toEqual({ ...first, createdNow: false });
    expect(await readFile(path.join(second.path, 'work.txt'), 'utf8')).toBe('progress');
  });

  it('§17.2 existing non-directory path at workspace location fails safely and is left untouched', async () => {
    const { ctx, out } = await setup({ afterCreate: 'echo ran >> "$OUT/after_create"' });
    await mkdir(ctx.root);
    await writeFile(path.join(ctx.root, 'ABC-1'), 'user data');
    const error = await failure(ensureWorkspace(ISSUE, ctx));
    expect(isSymphonyError(error, 'workspace_error')).toBe(true);
    expect(error.message).toContain(path.join(ctx.root, 'ABC-1'));
    expect(error.message).toContain('is a file');
    expect(await readFile(path.join(ctx.root, 'ABC-1'), 'utf8')).toBe('user data');

    // A symlink to a directory inside the root is refused too (not followed, not replaced).
    await mkdir(path.join(ctx.root, 'elsewhere'));
    await symlink(path.join(ctx.root, 'elsewhere'), path.join(ctx.root, 'ABC-2'));
    const linked = await failure(ensureWorkspace({ identifier: 'ABC-2' }, ctx));
    expect(isSymphonyError(linked, 'workspace_error')).toBe(true);
    expect(linked.message).toContain('is a symlink');
    expect(countLines(path.join(out, 'after_create'))).toBe(0);
  });

  it('§17.2 after_create hook runs only on new workspace creation', async () => {
    const { ctx, out } = await setup({ afterCreate: 'echo "$PWD $SYMPHONY_ISSUE_IDENTIFIER" >> "$OUT/after_create"' });
    const first = await ensureWorkspace(ISSUE, ctx);
    await ensureWorkspace(ISSUE, ctx);
    await ensureWorkspace(ISSUE, ctx);
    expect(readFileSync(path.join(out, 'after_create'), 'utf8')).toBe(`${first.path} ABC-1\n`);
  });

  it('§17.2 after_create failure aborts creation and removes the fresh directory', async () => {
    const { ctx } = await setup({ afterCreate: 'touch partial; echo "clone failed" >&2; exit 3' });
    const error = await failure(ensureWorkspace(ISSUE, ctx));
    expect(isSymphonyError(error, 'hook_failed')).toBe(true);
    expect(error.message).toBe('after_create hook failed for ABC-1 (exit 3): clone failed');
    expect(existsSync(path.join(ctx.root, 'ABC-1'))).toBe(false);
  });

  it('§17.2 after_create timeout aborts creation and removes the fresh directory', async () => {
    const { ctx } = await setup({ afterCreate: 'sleep 1000', timeoutMs: 200 });
    const error = await failure(ensureWorkspace(ISSUE, ctx));
    expect(isSymphonyError(error, 'hook_timeout')).toBe(true);
    expect(existsSync(path.join(ctx.root, 'ABC-1'))).toBe(false);
  });

  it('§17.2 a failing after_create does not touch a reused workspace', async () => {
    const { ctx } = await setup();
    const first = await ensureWorkspace(ISSUE, ctx);
    const again = await ensureWorkspace(ISSUE, { ...ctx, hooks: hooksConfig({ afterCreate: 'exit 1' }) });
    expect(again.createdNow).toBe(false);
    expect(existsSync(first.path)).toBe(true);
  });

  it('§17.2 out-of-root workspace path (symlink) is rejected before any hook runs', async () => {
    const { ctx, out, base } = await setup({ afterCreate: 'echo ran >> "$OUT/after_create"' });
    const outside = path.join(base, 'outside');
    await mkdir(outside);
    await mkdir(ctx.root);
    await symlink(outside, path.join(ctx.root, 'ABC-1'));
    const error = await failure(ensureWorkspace(ISSUE, ctx));
    expect(isSymphonyError(error, 'workspace_outside_root')).toBe(true);
    expect(countLines(path.join(out, 'after_create'))).toBe(0);
    expect(existsSync(outside)).toBe(true);
  });

  it('§17.2 secrets are absent from the hook environment; issue and workspace are present', async () => {
    const { ctx, out } = await setup(
      { afterCreate: 'env > "$OUT/env.txt"' },
      { LINEAR_API_KEY: 'lin_api_secret_value', MY_TOKEN: 'tok-secret', SYMPHONY_ISSUE_ID: 'stale' },
    );
    const workspace = await ensureWorkspace(ISSUE, { ...ctx, secretEnvNames: ['LINEAR_API_KEY', 'MY_TOKEN'] });
    const env = readFileSync(path.join(out, 'env.txt'), 'utf8').split('\n');
    expect(env.join('\n')).not.toContain('lin_api_secret_value');
    expect(env.join('\n')).not.toContain('tok-secret');
    expect(env.some((line) => line.startsWith('LINEAR_API_KEY=') || line.startsWith('MY_TOKEN='))).toBe(false);
    expect(env).toContain('SYMPHONY_ISSUE_IDENTIFIER=ABC-1');
    expect(env).toContain('SYMPHONY_ISSUE_ID=issue-id-1');
    expect(env).toContain(`SYMPHONY_WORKSPACE=${workspace.path}`);
  });
});

describe('runBeforeRun / runAfterRun', () => {
  it('§17.2 before_run runs before each attempt in the workspace', async () => {
    const { ctx, out } = await setup({ beforeRun: 'pwd >> "$OUT/before_run"' });
    const workspace = await ensureWorkspace(ISSUE, ctx);
    await runBeforeRun(workspace.path, ISSUE, ctx);
    await runBeforeRun(workspace.path, ISSUE, ctx);
    expect(readFileSync(path.join(out, 'before_run'), 'utf8')).toBe(`${workspace.path}\n${workspace.path}\n`);
  });

  it('§17.2 before_run failure aborts the current attempt', async () => {
    const { ctx } = await setup({ beforeRun: 'echo "dirty tree" >&2; exit 2' });
    const workspace = await ensureWorkspace(ISSUE, ctx);
    const error = await failure(runBeforeRun(workspace.path, ISSUE, ctx));
    expect(isSymphonyError(error, 'hook_failed')).toBe(true);
    expect(error.message).toBe('before_run hook failed for ABC-1 (exit 2): dirty tree');
  });

  it('§17.2 before_run timeout aborts the current attempt', async () => {
    const { ctx } = await setup({ beforeRun: 'sleep 1000', timeoutMs: 200 });
    const workspace = await ensureWorkspace(ISSUE, ctx);
    expect(isSymphonyError(await failure(runBeforeRun(workspace.path, ISSUE, ctx)), 'hook_timeout')).toBe(true);
  });

  it('§17.2 before_run refuses a path outside the root', async () => {
    const { ctx, base } = await setup({ beforeRun: 'true' });
    expect(isSymphonyError(await failure(runBeforeRun(base, ISSUE, ctx)), 'workspace_outside_root')).toBe(true);
  });

  it('§17.2 after_run runs after each attempt', async () => {
    const { ctx, out } = await setup({ afterRun: 'echo done >> "$OUT/after_run"' });
    const workspace = await ensureWorkspace(ISSUE, ctx);
    await runAfterRun(workspace.path, ISSUE, ctx);
    await runAfterRun(workspace.path, ISSUE, ctx);
    expect(countLines(path.join(out, 'after_run'))).toBe(2);
  });

  it('§17.2 after_run failure is logged and ignored', async () => {
    const { ctx, lines } = await setup({ afterRun: 'exit 9' });
    const workspace = await ensureWorkspace(ISSUE, ctx);
    await expect(runAfterRun(workspace.path, ISSUE, ctx)).resolves.toBeUndefined();
    expect(warned(lines, 'hook failed')).toBe(true);
    expect(warned(lines, 'after_run hook failure ignored')).toBe(true);
  });

  it('§17.2 after_run timeout is logged and ignored', async () => {
    const { ctx, lines } = await setup({ afterRun: 'sleep 1000', timeoutMs: 200 });
    const workspace = await ensureWorkspace(ISSUE, ctx);
    await expect(runAfterRun(workspace.path, ISSUE, ctx)).resolves.toBeUndefined();
    expect(warned(lines, 'hook timed out')).toBe(true);
    expect(warned(lines, 'after_run hook failure ignored')).toBe(true);
  });

  it('§17.2 after_run is skipped when the workspace does not exist', async () => {
    const { ctx, out } = await setup({ afterRun: 'echo ran >> "$OUT/after_run"' });
    await runAfterRun(path.join(ctx.root, 'ABC-1'), ISSUE, ctx);
    expect(countLines(path.join(out, 'after_run'))).toBe(0);
  });
});

describe('removeWorkspace', () => {
  it('§17.2 before_remove hook runs on cleanup, then the workspace is deleted', async () => {
    const { ctx, out } = await setup({ beforeRemove: 'ls > "$OUT/listing"; echo "$SYMPHONY_ISSUE_IDENTIFIER" > "$OUT/who"' });
    const workspace = await ensureWorkspace(ISSUE, ctx);
    await writeFile(path.join(workspace.path, 'file.txt'), 'x');
    expect(await removeWorkspace(ISSUE, ctx)).toEqual({ path: workspace.path, removed: true });
    expect(readFileSync(path.join(out, 'listing'), 'utf8')).toBe('file.txt\n');
    expect(readFileSync(path.join(out, 'who'), 'utf8')).toBe('ABC-1\n');
    expect(existsSync(workspace.path)).toBe(false);
    expect(existsSync(ctx.root)).toBe(true);
  });

  it('§17.2 before_remove failure is ignored and cleanup proceeds', async () => {
    const { ctx, lines } = await setup({ beforeRemove: 'exit 1' });
    const workspace = await ensureWorkspace(ISSUE, ctx);
    expect((await removeWorkspace(ISSUE, ctx)).removed).toBe(true);
    expect(existsSync(workspace.path)).toBe(false);
    expect(warned(lines, 'before_remove hook failure ignored')).toBe(true);
  });

  it('§17.2 before_remove timeout is ignored and cleanup proceeds', async () => {
    const { ctx } = await setup({ beforeRemove: 'sleep 1000', timeoutMs: 200 });
    const workspace = await ensureWorkspace(ISSUE, ctx);
    expect((await removeWorkspace({ path: workspace.path }, ctx)).removed).toBe(true);
    expect(existsSync(workspace.path)).toBe(false);
  });

  it('reports nothing removed when the workspace does not exist, without running before_remove', async () => {
    const { ctx, out } = await setup({ beforeRemove: 'echo ran >> "$OUT/before_remove"' });
    expect(await removeWorkspace(ISSUE, ctx)).toEqual({ path: path.join(ctx.root, 'ABC-1'), removed: false });
    expect(countLines(path.join(out, 'before_remove'))).toBe(0);
  });

  it('§17.2 never removes the root, paths outside it, or the target of a symlink pointing outside', async () => {
    const { ctx, base, out } = await setup({ beforeRemove: 'echo ran >> "$OUT/before_remove"' });
    const outside = path.join(base, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'keep.txt'), 'keep');
    await mkdir(ctx.root);
    await symlink(outside, path.join(ctx.root, 'ABC-1'));
    for (const target of [{ path: ctx.root }, { path: outside }, { path: base }, ISSUE, { path: path.join(ctx.root, 'ABC-1', 'keep.txt') }]) {
      expect(isSymphonyError(await failure(removeWorkspace(target, ctx)), 'workspace_outside_root')).toBe(true);
    }
    expect(readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('keep');
    expect(countLines(path.join(out, 'before_remove'))).toBe(0);
  });

  it('removes a dangling symlink itself without following it', async () => {
    const { ctx, base } = await setup();
    await mkdir(ctx.root);
    await symlink(path.join(base, 'not-there'), path.join(ctx.root, 'ABC-1'));
    expect((await removeWorkspace(ISSUE, ctx)).removed).toBe(true);
    expect(existsSync(path.join(ctx.root, 'ABC-1'))).toBe(false);
  });
});
