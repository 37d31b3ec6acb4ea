/**
 * The documents say what the code does (issue 7 item 8): the shutdown deadline README.md and
 * SPEC.md give is the one constant the code uses, and SPEC.md lists the HTTP server as shipped.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHUTDOWN_DEADLINE_MS } from '../../src/domain/shutdown.js';
import { REPO_ROOT } from '../support/codex.js';

const read = (name: string): string => readFileSync(path.join(REPO_ROOT, name), 'utf8');

describe('docs drift (issue 7 item 8)', () => {
  it('README.md and SPEC.md give the shutdown deadline the code uses', () => {
    const seconds = SHUTDOWN_DEADLINE_MS / 1000;
    expect(read('README.md')).toContain(`get ${seconds} seconds (the shutdown deadline)`);
    expect(read('SPEC.md')).toContain(`within ${seconds} s;`);
    expect(read('README.md')).not.toMatch(/exits 0 within 10 seconds/);
  });

  it('SPEC.md does not call the HTTP server unshipped', () => {
    const spec = read('SPEC.md');
    expect(spec).not.toMatch(/Not yet shipped:[^.]*HTTP server/);
    expect(spec).toContain('and the HTTP server of §13.7');
  });
});
