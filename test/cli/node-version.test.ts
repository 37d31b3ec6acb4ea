/**
 * The launcher's Node.js version guard (`bin/node-version.js`, called first by `bin/symphony.js`):
 * the supported range is package.json's `engines.node` and the intersection of the runtime
 * dependencies' own `engines.node`; an unsupported Node prints one line on stderr and exits 1
 * before `dist/` or any dependency is loaded (where Node 20 used to crash inside execa with a
 * stack trace). Checked with a pretended version on Node 24 (any machine), with the machine's own
 * `/usr/bin/node` when that one is too old, and with Node 24 itself, which passes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/codex.js';
import { NODE_BIN, SYMPHONY_BIN } from '../support/daemon.js';

/** The shape of `bin/node-version.js` (plain JS without declarations, hence the dynamic import). */
interface NodeVersionModule {
  readonly SUPPORTED_NODE_RANGE: string;
  readonly MINIMUM_NODE_VERSION: string;
  isSupportedNodeVersion(version: string): boolean;
  nodeVersionProblem(version: string, execPath?: string): string | null;
}

const guard = (await import(pathToFileURL(path.join(REPO_ROOT, 'bin', 'node-version.js')).href)) as NodeVersionModule;
const fixture = (name: string): string => pathToFileURL(path.join(REPO_ROOT, 'test', 'support', 'fixtures', name)).href;
const SYSTEM_NODE = '/usr/bin/node';

/** `process.versions.node` and `process.execPath` of `node`, or null when it is missing or does not run. */
function versionOf(node: string): { version: string; execPath: string } | null {
  if (!existsSync(node)) return null;
  try {
    const [version, execPath] = execFileSync(node, ['-p', 'process.versions.node + "\\n" + process.execPath'], { encoding: 'utf8', timeout: 10_000 }).trim().split('\n');
    return version === undefined || execPath === undefined ? null : { version, execPath };
  } catch {
    return null;
  }
}
const systemNode = versionOf(SYSTEM_NODE);
const systemNodeTooOld = systemNode !== null && !guard.isSupportedNodeVersion(systemNode.version);
const node24 = versionOf(NODE_BIN);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A temp dir with a valid workflow (never reached by a failing guard) and the module record file. */
async function setup(): Promise<{ dir: string; workflowPath: string; modulesFile: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-node-version-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const workflowPath = path.join(dir, 'WORKFLOW.md');
  await writeFile(workflowPath, '---\ntracker:\n  kind: linear\n  provider:\n    api_key: $SYMPHONY_NODE_VERSION_TEST_KEY\n    project_slug: guard\n    endpoint: http://127.0.0.1:9/graphql\n---\nWork on {{ issue.identifier }}.\n');
  return { dir, workflowPath, modulesFile: path.join(dir, 'modules.txt') };
}

/** Runs `node bin/symphony.js <args>`; a guard that failed to stop the daemon is killed by the timeout. */
async function run(node: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const result = await execa(node, [SYMPHONY_BIN, ...args], {
    cwd,
    env: { ...process.env, SYMPHONY_NODE_VERSION_TEST_KEY: 'lin_api_guard', SYMPHONY_NO_TUI: '1', ...env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, timedOut: result.timedOut };
}

/** Module URLs the recorder saw, as paths relative to the repository (builtins left out). */
async function loadedModules(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter((url) => url.startsWith('file:'))
    .map((url) => path.relative(REPO_ROOT, new URL(url).pathname));
}

// A few comparator forms (`>=N`, `>= N.x`, `^N`, joined by `||`) are all the runtime dependencies
// use; anything else fails the test so that a new dependency's range gets looked at.
function satisfies(version: string, range: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  const cmp = (spec: string): number => {
    const [a = 0, b = 0, c = 0] = spec.split('.').map((part) => (part === 'x' ? 0 : Number(part)));
    return major - a || minor - b || patch - c;
  };
  return range.split('||').some((alternative) => {
    const form = /^\s*(>=|\^)\s*(\d+(?:\.(?:\d+|x)){0,2})\s*$/.exec(alternative);
    if (form === null) throw new Error(`engines range form not understood: ${JSON.stringify(range)}`);
    const [, op, spec = ''] = form;
    if (op === '>=') return cmp(spec) >= 0;
    return cmp(spec) >= 0 && major === Number(spec.split('.')[0]);
  });
}

/** `engines.node` of every installed runtime (non-dev) package of the lockfile that states one (optional packages not installed on this platform skipped). */
function runtimeEngines(): { name: string; range: string }[] {
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    // Optional platform packages (another OS's native binary) are not installed here.
    .filter(([key, entry]) => key !== '' && entry.dev !== true && existsSync(path.join(REPO_ROOT, key, 'package.json')))
    .flatMap(([key]) => {
      const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, key, 'package.json'), 'utf8')) as { engines?: { node?: string } };
      return manifest.engines?.node === undefined ? [] : [{ name: key.replace(/^.*node_modules\//, ''), range: manifest.engines.node }];
    });
}

describe('supported Node.js versions (bin/node-version.js)', () => {
  it('is the range package.json states in engines.node', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(manifest.engines.node).toBe(guard.SUPPORTED_NODE_RANGE);
    expect(guard.MINIMUM_NODE_VERSION).toBe('22.22');
  });

  it.each([
    ['20.20.2', false],
    ['22.12.0', false],
    ['22.21.9', false],
    ['22.22.0', true],
    ['v22.22.1', true],
    ['22.30.0', true],
    ['23.11.0', false],
    ['24.0.0', true],
    ['24.21.0', true],
    ['25.2.1', false],
    ['26.0.0', true],
    ['26.0.0-nightly20260401abcdef', true],
    ['27.3.0', true],
    ['100.0.0', true],
    ['not a version', false],
    ['', false],
  ])('%s supported: %s', (version, supported) => {
    expect(guard.isSupportedNodeVersion(version)).toBe(supported);
    expect(guard.nodeVersionProblem(version) === null).toBe(supported);
  });

  it('the problem line names the minimum, the excluded majors, the version found and the binary', () => {
    expect(guard.nodeVersionProblem('20.20.2', '/usr/bin/node')).toBe('symphony needs Node.js >= 22.22, excluding 23 and 25 (found 20.20.2 at /usr/bin/node)');
    expect(guard.nodeVersionProblem('25.2.1')).toBe('symphony needs Node.js >= 22.22, excluding 23 and 25 (found 25.2.1)');
    expect(guard.nodeVersionProblem('24.21.0', '/opt/node/bin/node')).toBeNull();
  });

  it('is the honest intersection of the runtime dependencies\' engines: each accepts its lower bounds, and the bounds are tight', () => {
    const engines = runtimeEngines();
    expect(engines.map((e) => e.name)).toEqual(expect.arrayContaining(['chokidar', 'graphql', 'execa']));
    const allAccept = (version: string): boolean => engines.every((e) => satisfies(version, e.range));
    for (const version of ['22.22.0', '24.0.0', '26.0.0', '27.0.0']) {
      expect({ version, rejectedBy: engines.filter((e) => !satisfies(version, e.range)) }).toEqual({ version, rejectedBy: [] });
    }
    for (const version of ['20.20.2', '22.21.0', '23.11.0', '25.2.1']) {
      expect({ version, accepted: allAccept(version) }).toEqual({ version, accepted: false });
    }
    for (const version of ['22.21.0', '22.22.0', '23.11.0', '24.0.0', '25.2.1', '26.0.0']) {
      expect({ version, guard: guard.isSupportedNodeVersion(version) }).toEqual({ version, guard: allAccept(version) });
    }
  });
});

describe('bin/symphony.js checks the Node.js version before loading anything', () => {
  const preload = (version: string, modulesFile: string): NodeJS.ProcessEnv => ({
    NODE_OPTIONS: `--import=${fixture('pretend-node-version.mjs')} --import=${fixture('record-modules.mjs')}`,
    PRETEND_NODE_VERSION: version,
    RECORD_MODULES_FILE: modulesFile,
  });

  it.each(['20.20.2', '25.2.1'])('a pretended Node %s: one stderr line, exit 1, neither dist/ nor a dependency loaded (--version and a start)', async (version) => {
    const s = await setup();
    for (const args of [['--version'], [s.workflowPath]]) {
      const result = await run(NODE_BIN, args, s.dir, preload(version, s.modulesFile));
      expect(result).toEqual({
        exitCode: 1,
        stdout: '',
        stderr: `symphony needs Node.js >= 22.22, excluding 23 and 25 (found ${version} at ${node24?.execPath})`,
        timedOut: false,
      });
      expect(await loadedModules(s.modulesFile)).toEqual(['bin/symphony.js', 'bin/node-version.js']);
    }
  });

  it.skipIf(!systemNodeTooOld)(`the machine's own ${SYSTEM_NODE} (${systemNode?.version ?? 'absent'}): one stderr line, exit 1, no stack trace (--version and a start)`, async () => {
    const s = await setup();
    for (const args of [['--version'], [s.workflowPath]]) {
      const result = await run(SYSTEM_NODE, args, s.dir);
      expect(result).toEqual({
        exitCode: 1,
        stdout: '',
        stderr: guard.nodeVersionProblem(systemNode!.version, systemNode!.execPath),
        timedOut: false,
      });
      expect(result.stderr.split('\n')).toHaveLength(1);
    }
  });

  it('Node 24 passes the guard and runs the CLI', async () => {
    const s = await setup();
    expect(guard.isSupportedNodeVersion(node24?.version ?? '')).toBe(true);
    const result = await run(NODE_BIN, ['--version'], s.dir, { NODE_OPTIONS: `--import=${fixture('record-modules.mjs')}`, RECORD_MODULES_FILE: s.modulesFile });
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(result).toEqual({ exitCode: 0, stdout: `symphony ${manifest.version}`, stderr: '', timedOut: false });
    expect(await loadedModules(s.modulesFile)).toContain('dist/cli/main.js');
  });
});
