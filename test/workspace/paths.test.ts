import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSymphonyError } from '../../src/errors.js';
import { assertInsideRoot, isStrictlyInside, resolveExistingPrefix, resolveWorkspacePath } from '../../src/workspace/paths.js';
import { TempDirs } from './helpers.js';

const temps = new TempDirs();
afterEach(() => temps.cleanup());

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('resolveWorkspacePath / isStrictlyInside', () => {
  it('§17.2 places the workspace at <root>/<workspace_key>', () => {
    expect(resolveWorkspacePath('/srv/ws', 'ABC-1')).toBe('/srv/ws/ABC-1');
    expect(resolveWorkspacePath('/srv/ws/', 'ABC-1')).toBe('/srv/ws/ABC-1');
  });

  it('accepts only paths strictly below the root', () => {
    expect(isStrictlyInside('/r', '/r/a')).toBe(true);
    expect(isStrictlyInside('/r', '/r/..a')).toBe(true);
    expect(isStrictlyInside('/r', '/r')).toBe(false);
    expect(isStrictlyInside('/r', '/')).toBe(false);
    expect(isStrictlyInside('/r', '/r-other/a')).toBe(false);
    expect(isStrictlyInside('/r', '/other')).toBe(false);
  });
});

describe('assertInsideRoot', () => {
  it('§17.2 accepts a not-yet-existing path inside an existing or missing root', async () => {
    const base = await temps.make();
    expect(await assertInsideRoot(base, path.join(base, 'ABC-1'))).toBe(path.join(base, 'ABC-1'));
    expect(await assertInsideRoot(path.join(base, 'missing'), path.join(base, 'missing', 'ABC-1'))).toBe(path.join(base, 'missing', 'ABC-1'));
  });

  it('§17.2 rejects the root itself, its parent and siblings with workspace_outside_root', async () => {
    const base = await temps.make();
    const root = path.join(base, 'root');
    await mkdir(root);
    for (const candidate of [root, base, path.join(base, 'root-other'), path.join(root, '..', 'x')]) {
      const error = await rejection(assertInsideRoot(root, candidate));
      expect(isSymphonyError(error, 'workspace_outside_root')).toBe(true);
      expect((error as Error).message).toContain(root);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('§17.2 rejects a symlink inside the root that points outside it', async () => {
    const base = await temps.make();
    const root = path.join(base, 'root');
    const outside = path.join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
    await symlink(outside, path.join(root, 'ABC-1'));
    const error = await rejection(assertInsideRoot(root, path.join(root, 'ABC-1')));
    expect(isSymphonyError(error, 'workspace_outside_root')).toBe(true);
    expect((error as Error).message).toContain(outside);
    // also through a symlinked parent directory
    await symlink(outside, path.join(root, 'link'));
    expect(isSymphonyError(await rejection(assertInsideRoot(root, path.join(root, 'link', 'ABC-2'))), 'workspace_outside_root')).toBe(true);
  });

  it('accepts children of a root that is itself a symlink', async () => {
    const base = await temps.make();
    await mkdir(path.join(base, 'real'));
    await symlink(path.join(base, 'real'), path.join(base, 'root'));
    expect(await assertInsideRoot(path.join(base, 'root'), path.join(base, 'root', 'ABC-1'))).toBe(path.join(base, 'real', 'ABC-1'));
  });

  it('resolveExistingPrefix resolves the deepest existing ancestor', async () => {
    const base = await temps.make();
    await mkdir(path.join(base, 'real'));
    await symlink(path.join(base, 'real'), path.join(base, 'alias'));
    expect(await resolveExistingPrefix(path.join(base, 'alias', 'a', 'b'))).toBe(path.join(base, 'real', 'a', 'b'));
  });
});
