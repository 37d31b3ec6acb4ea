/**
 * Per-issue workspaces: create or reuse, run the lifecycle hooks, remove (spec §9.1–§9.5).
 *
 * Functions rather than a stateful object: the workspace root and hooks can change on workflow
 * reload (spec §6.2), so every call takes the current {@link WorkspaceContext}.
 *
 * Policies (documented choices the spec leaves open):
 * - An existing directory at the workspace path is reused as is; it is never reset.
 * - An existing non-directory (file, symlink, socket…) at the workspace path is never deleted:
 *   `ensureWorkspace` fails with `workspace_error` and the operator moves it away (user data is
 *   never destroyed to make room).
 * - A directory created by this call whose `after_create` hook fails is removed again, so the next
 *   attempt starts fresh and re-runs `after_create` (spec §9.3 allows this).
 */
import { lstat, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { HooksConfig } from '../config/types.js';
import { SymphonyError, toSymphonyError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { hookEnvironment, type HookIssueRef } from './env.js';
import { runHook, type HookName } from './hooks.js';
import { workspaceKey } from './key.js';
import { assertInsideRoot, resolveWorkspacePath } from './paths.js';

/** The current configuration a workspace operation runs with; re-read per call (reload-safe). */
export interface WorkspaceContext {
  /** Absolute, normalized workspace root (`workspace.root`, spec §5.3.3). Created when missing. */
  readonly root: string;
  /** Hook scripts and `timeoutMs` (spec §5.3.4). */
  readonly hooks: HooksConfig;
  readonly logger: Logger;
  /**
   * Environment names removed from every hook's environment: tracker credentials and every
   * `$VAR` the workflow references (`ServiceConfig.secretEnvNames`, spec §15.3).
   */
  readonly secretEnvNames: readonly string[];
  /** Base environment for hooks. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** After a hook timeout, ms between SIGTERM and SIGKILL of its group. Default 2000. */
  readonly killGraceMs?: number;
}

/** The issue a workspace belongs to; `Issue` satisfies it. */
export interface WorkspaceIssueRef {
  readonly identifier: string;
  readonly id?: string | null;
}

/** A prepared workspace (spec §4.1.4). */
export interface Workspace {
  /** Absolute path `<root>/<workspace_key>` (lexical: symlinks in the root are not resolved). */
  readonly path: string;
  readonly workspaceKey: string;
  /** True when this call created the directory (and ran `after_create`). */
  readonly createdNow: boolean;
}

/** What {@link removeWorkspace} did. */
export interface RemovedWorkspace {
  readonly path: string;
  /** False when nothing existed at the path. */
  readonly removed: boolean;
}

/**
 * The workspace path and key of `identifier` under `root`, without touching the filesystem
 * (spec §9.1, §9.2 steps 1–2). Deterministic.
 */
export function workspaceLocation(root: string, identifier: string): { path: string; workspaceKey: string } {
  const key = workspaceKey(identifier);
  return { path: resolveWorkspacePath(root, key), workspaceKey: key };
}

/**
 * Ensures the issue's workspace directory exists (spec §9.2): creates the root if missing
 * (`mkdir -p`), checks containment (symlinks resolved) before anything else happens in it, creates
 * the directory or reuses an existing one, and runs `after_create` only when it was created now.
 *
 * @throws SymphonyError `workspace_outside_root` (path escapes the root, e.g. through a symlink);
 *   `workspace_error` (root or directory cannot be created, or a non-directory is in the way);
 *   `hook_failed` / `hook_timeout` from `after_create`, after the fresh directory was removed.
 *
 * Implements spec §9.2, §9.4 (`after_create`), §9.5, §17.2.
 */
export async function ensureWorkspace(issue: WorkspaceIssueRef, ctx: WorkspaceContext): Promise<Workspace> {
  const location = workspaceLocation(ctx.root, issue.identifier);
  try {
    await mkdir(ctx.root, { recursive: true });
  } catch (error) {
    throw new SymphonyError('workspace_error', `cannot create workspace root ${ctx.root}: ${(error as Error).message}`, { cause: error });
  }
  await assertInsideRoot(ctx.root, location.path);
  const createdNow = await createOrReuse(location.path, issue.identifier);
  ctx.logger.info({ ...issueFields(issue), workspace: location.path, created_now: createdNow }, 'workspace ready');
  if (createdNow) {
    try {
      await hook('after_create', location.path, issue, ctx);
    } catch (error) {
      await removeFreshDirectory(location.path, issue, ctx.logger);
      throw error;
    }
  }
  return { ...location, createdNow };
}

/**
 * Runs `before_run` in the workspace (spec §9.4); a no-op when not configured.
 *
 * @throws SymphonyError `hook_failed` / `hook_timeout` (fatal to the attempt),
 *   `workspace_outside_root` when the path escapes the root.
 */
export async function runBeforeRun(workspacePath: string, issue: WorkspaceIssueRef, ctx: WorkspaceContext): Promise<void> {
  if (!hasScript(ctx.hooks.beforeRun)) return;
  await assertInsideRoot(ctx.root, workspacePath);
  await hook('before_run', workspacePath, issue, ctx);
}

/**
 * Runs `after_run` in the workspace when it is configured and the directory exists (spec §9.4).
 * Never throws: failures and timeouts are logged (warn) and ignored.
 */
export async function runAfterRun(workspacePath: string, issue: WorkspaceIssueRef, ctx: WorkspaceContext): Promise<void> {
  if (!hasScript(ctx.hooks.afterRun)) return;
  try {
    if (!(await isRealDirectory(workspacePath))) return;
    await assertInsideRoot(ctx.root, workspacePath);
    await hook('after_run', workspacePath, issue, ctx);
  } catch (error) {
    ignoreFailure('after_run', workspacePath, issue, error, ctx.logger);
  }
}

/**
 * Removes a workspace (spec §8.6, §9.4): checks containment, runs `before_remove` if the
 * directory exists (failure or timeout logged and ignored), re-checks containment, then deletes
 * the path recursively (a symlink is removed itself, never followed). Only paths strictly inside
 * the root are ever removed.
 *
 * @param target - an issue (path derived from its identifier) or a recorded workspace path, optionally
 *   with the issue's identifier and id for the hook environment.
 * @throws SymphonyError `workspace_outside_root` (nothing is run or removed) or `workspace_error`
 *   when deletion fails.
 */
export async function removeWorkspace(
  target: WorkspaceIssueRef | { readonly path: string; readonly identifier?: string | null; readonly id?: string | null },
  ctx: WorkspaceContext,
): Promise<RemovedWorkspace> {
  const workspacePath = 'path' in target ? path.resolve(target.path) : workspaceLocation(ctx.root, target.identifier).path;
  const issue: HookIssueRef = 'path' in target ? { identifier: target.identifier ?? null, id: target.id ?? null } : target;
  await assertInsideRoot(ctx.root, workspacePath);
  const existing = await lstatOrNull(workspacePath);
  if (existing === null) return { path: workspacePath, removed: false };
  if (existing.isDirectory() && hasScript(ctx.hooks.beforeRemove)) {
    try {
      await hook('before_remove', workspacePath, issue, ctx);
    } catch (error) {
      ignoreFailure('before_remove', workspacePath, issue, error, ctx.logger);
    }
    await assertInsideRoot(ctx.root, workspacePath);
  }
  try {
    await rm(workspacePath, { recursive: true, force: true });
  } catch (error) {
    throw new SymphonyError('workspace_error', `cannot remove workspace ${workspacePath}: ${(error as Error).message}`, { cause: error });
  }
  ctx.logger.info({ ...issueFields(issue), workspace: workspacePath }, 'workspace removed');
  return { path: workspacePath, removed: true };
}

/** Creates the directory (true) or reuses an existing directory (false); refuses anything else. */
async function createOrReuse(workspacePath: string, identifier: string): Promise<boolean> {
  try {
    await mkdir(workspacePath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new SymphonyError('workspace_error', `cannot create workspace ${workspacePath} for ${identifier}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  const existing = await lstatOrNull(workspacePath);
  if (existing?.isDirectory()) return false;
  const kind = existing === null ? 'vanished path' : existing.isSymbolicLink() ? 'symlink' : existing.isFile() ? 'file' : 'non-directory';
  throw new SymphonyError(
    'workspace_error',
    `workspace path ${workspacePath} for ${identifier} is a ${kind}, not a directory; refusing to replace it (move it away to let a workspace be created)`,
    { details: { path: workspacePath } },
  );
}

function hook(name: HookName, workspacePath: string, issue: HookIssueRef, ctx: WorkspaceContext): Promise<unknown> {
  const script = { after_create: ctx.hooks.afterCreate, before_run: ctx.hooks.beforeRun, after_run: ctx.hooks.afterRun, before_remove: ctx.hooks.beforeRemove }[name];
  return runHook(name, script, {
    cwd: workspacePath,
    timeoutMs: ctx.hooks.timeoutMs,
    env: hookEnvironment(ctx.env ?? process.env, ctx.secretEnvNames, issue, workspacePath),
    logger: ctx.logger,
    issue,
    ...(ctx.killGraceMs === undefined ? {} : { killGraceMs: ctx.killGraceMs }),
  });
}

async function removeFreshDirectory(workspacePath: string, issue: HookIssueRef, logger: Logger): Promise<void> {
  try {
    await rm(workspacePath, { recursive: true, force: true });
    logger.info({ ...issueFields(issue), workspace: workspacePath }, 'removed workspace created by failed after_create');
  } catch (error) {
    logger.warn({ ...issueFields(issue), workspace: workspacePath, error: (error as Error).message }, 'could not remove partial workspace');
  }
}

function ignoreFailure(name: HookName, workspacePath: string, issue: HookIssueRef, error: unknown, logger: Logger): void {
  logger.warn({ hook: name, ...issueFields(issue), workspace: workspacePath, error: toSymphonyError(error).toLine() }, `${name} hook failure ignored`);
}

/** The issue context every workspace log line carries (spec §13.1): `issue_id` and `issue_identifier`. */
function issueFields(issue: HookIssueRef): { issue_id: string | null; issue_identifier: string | null } {
  return { issue_id: issue.id ?? null, issue_identifier: issue.identifier };
}

function hasScript(script: string | null): script is string {
  return script !== null && script.trim() !== '';
}

async function isRealDirectory(target: string): Promise<boolean> {
  return (await lstatOrNull(target))?.isDirectory() ?? false;
}

async function lstatOrNull(target: string): Promise<Awaited<ReturnType<typeof lstat>> | null> {
  try {
    return await lstat(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new SymphonyError('workspace_error', `cannot inspect workspace path ${target}: ${(error as Error).message}`, { cause: error });
  }
}
