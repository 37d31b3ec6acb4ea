/**
 * Workspace path layout and root containment (spec §9.1, §9.5 invariant 2, §15.2).
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { SymphonyError } from '../errors.js';

/**
 * The workspace path of `workspaceKey` under `root`: `<root>/<workspace_key>`, absolute and
 * normalized (spec §9.1). Pure; does not touch the filesystem and does not check containment
 * (see {@link assertInsideRoot}).
 *
 * @param root - workspace root; resolved against the process cwd if relative.
 * @param workspaceKey - a key from `workspaceKey()`.
 */
export function resolveWorkspacePath(root: string, workspaceKey: string): string {
  return path.resolve(root, workspaceKey);
}

/**
 * True when `candidate` is strictly below `root` (never equal). Both must be absolute and
 * normalized; purely lexical.
 */
export function isStrictlyInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  if (relative === '' || path.isAbsolute(relative)) return false;
  return relative !== '..' && !relative.startsWith(`..${path.sep}`);
}

/**
 * Resolves symlinks in `target` as far as the filesystem allows: the realpath of the deepest
 * existing ancestor, joined with the not-yet-existing remainder. A dangling symlink counts as not
 * existing (its own name is kept, not its target).
 *
 * @throws the underlying fs error for anything other than a missing path (`EACCES`, `ELOOP`…).
 */
export async function resolveExistingPrefix(target: string): Promise<string> {
  const absolute = path.resolve(target);
  const remainder: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      const real = await realpath(current);
      return remainder.length === 0 ? real : path.join(real, ...remainder.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = path.dirname(current);
      if (parent === current) return absolute;
      remainder.push(path.basename(current));
      current = parent;
    }
  }
}

/**
 * Checks spec §9.5 invariant 2 twice: `candidate` must lie strictly below `root` both lexically
 * (after `path.resolve`) and after both are resolved by {@link resolveExistingPrefix}, so a
 * symlink inside the root that points outside it is rejected, and so are the root itself and its
 * ancestors.
 *
 * @returns the resolved candidate path.
 * @throws SymphonyError `workspace_outside_root` (one line naming both paths, lexical and
 *   resolved), or `workspace_error` when a path cannot be resolved (permissions, symlink loop).
 *
 * Implements spec §9.5 invariant 2 and §15.2.
 */
export async function assertInsideRoot(root: string, candidate: string): Promise<string> {
  let realRoot: string;
  let realCandidate: string;
  try {
    realRoot = await resolveExistingPrefix(root);
    realCandidate = await resolveExistingPrefix(candidate);
  } catch (error) {
    throw new SymphonyError(
      'workspace_error',
      `cannot resolve workspace path ${candidate} under root ${root}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!isStrictlyInside(path.resolve(root), path.resolve(candidate)) || !isStrictlyInside(realRoot, realCandidate)) {
    throw new SymphonyError(
      'workspace_outside_root',
      `workspace path ${candidate} (resolved ${realCandidate}) is not strictly inside workspace root ${root} (resolved ${realRoot})`,
      { details: { path: candidate, resolved_path: realCandidate, root, resolved_root: realRoot } },
    );
  }
  return realCandidate;
}
