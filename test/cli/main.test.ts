/**
 * The `symphony` CLI (spec §17.7): in-process `main(argv, io)` for everything that ends before
 * the daemon would run, and the real `bin/symphony.js` subprocess where a daemon starts (it only
 * ends on a signal) or the working directory matters.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.js';
import { REPO_ROOT } from '../support/codex.js';
import { startDaemon, type Daemon } from '../support/daemon.js';

interface Captured extends CliIo {
  out: string;
  err: string;
}

function capture(): Captured {
  const io: Captured = {
    out: '',
    err: '',
    stdout: (text) => void (io.out += text),
    stderr: (text) => void (io.err += text),
  };
  return io;
}

const cleanups: (() => Promise<void>)[] = [];
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'symphony-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  vi.stubEnv('LOG_LEVEL', 'silent'); // in-process startup failures would log JSON to this process's stdout
});

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A valid workflow on the TEST-ONLY memory tracker (no network, nothing to dispatch). */
function memoryWorkflow(root: string): string {
  return `---\ntracker:\n  kind: memory\nworkspace:\n  root: ${JSON.stringify(root)}\npolling:\n  interval_ms: 60000\n---\n\nWork on {{ issue.identifier }}.\n`;
}

function launch(args: readonly string[], cwd: string): Daemon {
  const daemon = startDaemon(args, { cwd, env: { ...process.env, LOG_LEVEL: 'info' } });
  cleanups.push(() => daemon.destroy());
  return daemon;
}

/** Waits until the daemon completed startup (cleanup done, first tick armed), then stops it with SIGTERM. */
async function runAndStop(daemon: Daemon): Promise<void> {
  await daemon.waitForLog((l) => l.msg === 'startup terminal workspace cleanup', 'startup to complete');
  daemon.signal('SIGTERM');
  expect(await daemon.waitForExit(10_000)).toEqual({ exitCode: 0, signal: null });
  expect(daemon.logs.find((l) => l.msg === 'symphony stopped')).toMatchObject({ outcome: 'completed' });
}

describe('symphony CLI: arguments and exit codes (§17.7)', () => {
  it('--help and --version exit 0 and write to stdout', async () => {
    const help = capture();
    expect(await main(['--help'], help)).toBe(0);
    expect(help.out).toContain('Usage: symphony [path/to/WORKFLOW.md]');
    expect(help.err).toBe('');
    const version = capture();
    expect(await main(['-V'], version)).toBe(0);
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.out).toBe(`symphony ${pkg.version}\n`);
  });

  it('a usage error exits 2 with the reason and the usage on stderr', async () => {
    const unknown = capture();
    expect(await main(['--frobnicate'], unknown)).toBe(2);
    expect(unknown.err).toMatch(/^symphony: unknown option "--frobnicate"/);
    expect(unknown.err).toContain('Usage: symphony');
    expect(unknown.out).toBe('');
    const two = capture();
    expect(await main(['a.md', 'b.md'], two)).toBe(2);
    expect(two.err).toContain('expected at most one workflow path');
  });

  it('§17.7 CLI errors on nonexistent explicit workflow path (absolute path in the message)', async () => {
    const missing = path.join(dir, 'nope', 'WORKFLOW.md');
    const io = capture();
    expect(await main([missing], io)).toBe(1);
    expect(io.err).toBe(`Workflow file not found: ${missing}\n`);
    const relative = capture();
    expect(await main(['no/such/flow.md'], relative)).toBe(1);
    expect(relative.err).toBe(`Workflow file not found: ${path.resolve('no/such/flow.md')}\n`);
    await mkdir(path.join(dir, 'a-directory.md'));
    const directory = capture();
    expect(await main([path.join(dir, 'a-directory.md')], directory)).toBe(1);
    expect(directory.err).toBe(`Workflow file not found: ${path.join(dir, 'a-directory.md')}\n`);
  });

  it('§17.7 CLI surfaces startup failure cleanly: exit 1, one stderr line naming the error class and the key path', async () => {
    const cases: { front: string; code: string; names: string }[] = [
      { front: 'tracker:\n  kind: memory\npolling:\n  interval_ms: fast', code: 'invalid_config', names: 'polling.interval_ms' },
      { front: 'tracker: [', code: 'workflow_parse_error', names: 'invalid YAML' },
      { front: 'tracker:\n  kind: jira', code: 'unsupported_tracker_kind', names: 'tracker.kind' },
      { front: 'tracker:\n  kind: linear\n  provider:\n    api_key: $SYMPHONY_CLI_TEST_UNSET_KEY\n    project_slug: x', code: 'missing_tracker_secret', names: 'tracker.provider.api_key' },
    ];
    for (const [i, c] of cases.entries()) {
      const file = path.join(dir, `W${i}.md`);
      await writeFile(file, `---\n${c.front}\n---\nPrompt.\n`);
      const io = capture();
      expect(await main([file], io), c.code).toBe(1);
      const lines = io.err.split('\n').filter((line) => line !== '');
      expect(lines, c.code).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^symphony: startup failed: ${c.code}: `));
      expect(lines[0]).toContain(file);
      expect(lines[0]).toContain(c.names);
    }
  });
});

describe('symphony CLI as a process (§17.7)', () => {
  it('§17.7 CLI accepts a positional workflow path argument (relative to the cwd); --logs-root also writes the log file', async () => {
    await mkdir(path.join(dir, 'flows'));
    await writeFile(path.join(dir, 'flows', 'custom.md'), memoryWorkflow(path.join(dir, 'ws')));
    await writeFile(path.join(dir, 'WORKFLOW.md'), 'not a workflow: this file must not be read\n---');
    const daemon = launch(['flows/custom.md', '--logs-root', 'logs'], dir);
    const started = await daemon.waitForLog((l) => l.msg === 'symphony started', 'the startup log');
    expect(started).toMatchObject({ workflow: path.join(dir, 'flows', 'custom.md'), tracker_kind: 'memory', poll_interval_ms: 60000 });
    await runAndStop(daemon);
    const file = await readFile(path.join(dir, 'logs', 'symphony.log'), 'utf8');
    expect(file).toContain('"msg":"symphony started"');
  });

  it('§17.7 CLI uses ./WORKFLOW.md when no workflow path argument is provided', async () => {
    await writeFile(path.join(dir, 'WORKFLOW.md'), memoryWorkflow(path.join(dir, 'ws')));
    const daemon = launch([], dir);
    const started = await daemon.waitForLog((l) => l.msg === 'symphony started', 'the startup log');
    expect(started.workflow).toBe(path.join(dir, 'WORKFLOW.md'));
    await runAndStop(daemon);
  });

  it('§17.7 CLI errors on a missing default ./WORKFLOW.md', async () => {
    const daemon = launch([], dir);
    expect(await daemon.waitForExit()).toEqual({ exitCode: 1, signal: null });
    expect(daemon.stderr).toBe(`Workflow file not found: ${path.join(dir, 'WORKFLOW.md')}\n`);
  });

  it('§17.7 CLI exits nonzero when startup fails; §17.6 validation failures are operator-visible', async () => {
    await writeFile(path.join(dir, 'WORKFLOW.md'), '---\ntracker:\n  kind: memory\npolling:\n  interval_ms: -5\n---\nPrompt.\n');
    const daemon = launch([], dir);
    expect(await daemon.waitForExit()).toEqual({ exitCode: 1, signal: null });
    expect(daemon.stderr).toMatch(/^symphony: startup failed: invalid_config: .*polling\.interval_ms.*\n$/);
    expect(daemon.logs.find((l) => l.msg === 'startup failed')).toMatchObject({ level: 'error', code: 'invalid_config' });
  });
});
