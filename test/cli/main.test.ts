/**
 * The `symphony` CLI (spec §17.7): in-process `main(argv, io)` for everything that ends before
 * the daemon would run, and the real `bin/symphony.js` subprocess where a daemon starts (it only
 * ends on a signal) or the working directory matters. Daemons that start run against the fake
 * Linear on 127.0.0.1 (the production registry holds `linear` only; `kind: memory` is refused).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.js';
import { REPO_ROOT, shellQuote } from '../support/codex.js';
import { IDLE_AGENT, NODE_BIN, startDaemon, type Daemon } from '../support/daemon.js';
import { daemonFrontMatter } from '../support/daemon-workflow.js';
import { startFakeLinear, type FakeLinear } from '../support/fake-linear/index.js';

const API_KEY = 'lin_api_cli_SECRET_4d2e81b7';
const KEY_ENV = 'SYMPHONY_CLI_TEST_LINEAR_KEY';
const PROJECT = 'cli-proj';

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
let linear: FakeLinear;

beforeAll(async () => {
  linear = await startFakeLinear({ apiKey: API_KEY, projectSlug: PROJECT });
});

afterAll(() => linear.close());

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'symphony-cli-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  vi.stubEnv('LOG_LEVEL', 'silent'); // in-process startup failures would log JSON to this process's stdout
  vi.stubEnv(KEY_ENV, API_KEY);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A valid workflow on the fake Linear, whose project has no issues: nothing is dispatched. */
function linearWorkflow(root: string): string {
  const command = `${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)}`;
  const front = daemonFrontMatter({ endpoint: linear.url, keyEnv: KEY_ENV, projectSlug: PROJECT, root, command });
  return `---\n${front.join('\n')}\n---\n\nWork on {{ issue.identifier }}.\n`;
}

/** A `tracker:` section the Linear profile accepts (the key comes from `$KEY_ENV`); no request is sent before startup fails. */
const LINEAR_TRACKER = `tracker:\n  kind: linear\n  provider:\n    api_key: $${KEY_ENV}\n    project_slug: ${PROJECT}`;

function launch(args: readonly string[], cwd: string): Daemon {
  const daemon = startDaemon(args, { cwd, env: { ...process.env, LOG_LEVEL: 'info', [KEY_ENV]: API_KEY } });
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
    const cases: { front: string; code: string; names: string; body?: string }[] = [
      { front: `${LINEAR_TRACKER}\npolling:\n  interval_ms: fast`, code: 'invalid_config', names: 'polling.interval_ms' },
      { front: 'tracker: [', code: 'workflow_parse_error', names: 'invalid YAML' },
      { front: 'tracker:\n  kind: jira', code: 'unsupported_tracker_kind', names: 'tracker.kind' },
      { front: 'tracker:\n  kind: memory', code: 'unsupported_tracker_kind', names: 'tracker.kind "memory" is not supported (supported: linear)' },
      { front: 'tracker:\n  kind: linear\n  provider:\n    api_key: $SYMPHONY_CLI_TEST_UNSET_KEY\n    project_slug: x', code: 'missing_tracker_secret', names: 'tracker.provider.api_key' },
      // The prompt is rendered against a sample issue at startup; LINEAR_TRACKER is lines 2-6, the body starts on line 8.
      { front: LINEAR_TRACKER, body: 'Work on {{ issue.identifier }}.\n{{ issue.nope }}', code: 'template_render_error', names: ':9: prompt template: undefined variable issue.nope' },
      { front: LINEAR_TRACKER, body: '{% if attempt %}retry', code: 'template_parse_error', names: ':8: prompt template: tag {% if attempt %} not closed' },
    ];
    for (const [i, c] of cases.entries()) {
      const file = path.join(dir, `W${i}.md`);
      await writeFile(file, `---\n${c.front}\n---\n${c.body ?? 'Prompt.'}\n`);
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
    await writeFile(path.join(dir, 'flows', 'custom.md'), linearWorkflow(path.join(dir, 'ws')));
    await writeFile(path.join(dir, 'WORKFLOW.md'), 'not a workflow: this file must not be read\n---');
    const daemon = launch(['flows/custom.md', '--logs-root', 'logs'], dir);
    const started = await daemon.waitForLog((l) => l.msg === 'symphony started', 'the startup log');
    expect(started).toMatchObject({ workflow: path.join(dir, 'flows', 'custom.md'), tracker_kind: 'linear', poll_interval_ms: 60000 });
    await runAndStop(daemon);
    const file = await readFile(path.join(dir, 'logs', 'symphony.log'), 'utf8');
    expect(file).toContain('"msg":"symphony started"');
  });

  it('§17.7 CLI uses ./WORKFLOW.md when no workflow path argument is provided', async () => {
    await writeFile(path.join(dir, 'WORKFLOW.md'), linearWorkflow(path.join(dir, 'ws')));
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
    await writeFile(path.join(dir, 'WORKFLOW.md'), `---\n${LINEAR_TRACKER}\npolling:\n  interval_ms: -5\n---\nPrompt.\n`);
    const daemon = launch([], dir);
    expect(await daemon.waitForExit()).toEqual({ exitCode: 1, signal: null });
    expect(daemon.stderr).toMatch(/^symphony: startup failed: invalid_config: .*polling\.interval_ms.*\n$/);
    expect(daemon.logs.find((l) => l.msg === 'startup failed')).toMatchObject({ level: 'error', code: 'invalid_config' });
  });

  it('a template error stops the real CLI at startup: exit 1, one stderr line with the WORKFLOW.md line, nothing started', async () => {
    const file = path.join(dir, 'WORKFLOW.md');
    await writeFile(file, linearWorkflow(path.join(dir, 'ws')).replace('Work on {{ issue.identifier }}.', 'Work on {{ issue.identifier }}.\n{{ issue.nope }}'));
    const bodyStart = linearWorkflow(path.join(dir, 'ws')).split('\n').indexOf('Work on {{ issue.identifier }}.') + 1;
    const daemon = launch([], dir);
    expect(await daemon.waitForExit()).toEqual({ exitCode: 1, signal: null });
    expect(daemon.stderr).toBe(`symphony: startup failed: template_render_error: ${file}:${bodyStart + 1}: prompt template: undefined variable issue.nope\n`);
    expect(daemon.logs.some((l) => l.msg === 'symphony started')).toBe(false);
  });

  it('unknown keys are logged at startup, one warning line each naming the file and the key', async () => {
    const file = path.join(dir, 'WORKFLOW.md');
    const text = linearWorkflow(path.join(dir, 'ws'))
      .replace('  interval_ms: 60000', '  intervl_ms: 60000')
      .replace('\n---\n', '\nworker:\n  ssh_hosts: [build-1]\n---\n');
    await writeFile(file, text);
    const daemon = launch([], dir);
    await daemon.waitForLog((l) => l.msg === 'symphony started', 'the startup log');
    const warnings = daemon.logs.filter((l) => l.level === 'warn' && l.workflow_path === file).map((l) => l.msg);
    expect(warnings).toEqual([
      `${file}: polling.intervl_ms is not a known key and is ignored (did you mean polling.interval_ms?)`,
      `${file}: worker.ssh_hosts is ignored: remote workers are not supported (yet); every agent runs on this host`,
    ]);
    await runAndStop(daemon);
  });

  it('§17.7 the real CLI refuses tracker.kind memory (test support only): exit 1, one stderr line naming the kind and the supported kinds', async () => {
    const file = path.join(dir, 'WORKFLOW.md');
    await writeFile(file, `---\ntracker:\n  kind: memory\nworkspace:\n  root: ${JSON.stringify(path.join(dir, 'ws'))}\n---\nPrompt.\n`);
    const daemon = launch([], dir);
    expect(await daemon.waitForExit()).toEqual({ exitCode: 1, signal: null });
    expect(daemon.stderr).toBe(`symphony: startup failed: unsupported_tracker_kind: ${file}: tracker.kind "memory" is not supported (supported: linear)\n`);
    expect(daemon.logs.find((l) => l.msg === 'startup failed')).toMatchObject({ level: 'error', code: 'unsupported_tracker_kind' });
    expect(daemon.logs.some((l) => l.msg === 'symphony started')).toBe(false);
  });
});
