/**
 * The deploy files say which Node.js the daemon needs and what an older one prints: the range and
 * the guard's line quoted in `deploy/symphony.service`, `deploy/ecosystem.config.cjs` and
 * `deploy/symphony.env.example` are the ones `bin/node-version.js` uses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/codex.js';

const guard = (await import(pathToFileURL(path.join(REPO_ROOT, 'bin', 'node-version.js')).href)) as {
  nodeVersionProblem(version: string, execPath?: string): string | null;
};

/** The comment text of a deploy file (`#` or `//` lines), markers dropped and whitespace collapsed. */
function comments(name: string): string {
  return readFileSync(path.join(REPO_ROOT, 'deploy', name), 'utf8')
    .split('\n')
    .map((line) => /^\s*(?:#|\/\/)(.*)$/.exec(line)?.[1])
    .filter((text): text is string => text !== undefined)
    .join(' ')
    .replace(/\s+/g, ' ');
}

describe('deploy files and the Node.js version guard', () => {
  it.each(['symphony.service', 'ecosystem.config.cjs'])('%s names the supported versions, the guard\'s line for an old node and where to get Node 24', (name) => {
    const text = comments(name);
    expect(text).toContain('22.22+, 24 or 26+');
    expect(text).toContain(guard.nodeVersionProblem('20.20.2', '/usr/bin/node'));
    expect(text).toMatch(/NodeSource/);
    expect(text).toMatch(/nodejs\.org/);
    expect(text).toMatch(/nvm/);
  });

  it('symphony.env.example points at ExecStart for the node, and documents LOG_LEVEL', () => {
    const text = comments('symphony.env.example');
    expect(text).toContain('the node named in ExecStart of symphony.service');
    expect(text).toContain('fatal, error, warn, info (default), debug, trace or silent');
  });
});
