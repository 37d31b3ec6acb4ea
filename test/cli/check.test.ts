/**
 * `symphony check [WORKFLOW.md]` as a real subprocess (`bin/symphony.js`, built `dist/`) against the
 * fake Linear on 127.0.0.1 and, for the codex check, the real Codex app-server (scripted fake
 * model) or the idle app-server fixture.
 */
import { mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, validate } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatCheckLine } from '../../src/cli/check.js';
import { LINEAR_PROBE_DOCUMENTS } from '../../src/tracker/linear/probe.js';
import { codexCommand, makeCodexHome, shellQuote, type CodexHome } from '../support/codex.js';
import { IDLE_AGENT, NODE_BIN, startDaemon, type Daemon } from '../support/daemon.js';
import { daemonFrontMatter } from '../support/daemon-workflow.js';
import { linearSchema, startFakeLinear, type FakeLinear } from '../support/fake-linear/index.js';
import { startFakeModel, type FakeModel } from '../support/fake-model/index.js';

const API_KEY = 'lin_api_check_SECRET_7f3a9c';
const WRONG_KEY = 'lin_api_wrong_SECRET_0b12de';
const KEY_ENV = 'SYMPHONY_CHECK_TEST_KEY';
const PROJECT = 'check-proj';
const CHECK_TIMEOUT_MS = 60_000;

let linear: FakeLinear;
let model: FakeModel;
let codexHome: CodexHome;
let dir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  linear = await startFakeLinear({ apiKey: API_KEY, projectSlug: PROJECT, viewer: { id: 'user-ada', name: 'Ada Lovelace' } });
  model = await startFakeModel(() => ({ type: 'message', text: 'nothing to do' }));
  codexHome = await makeCodexHome();
});

afterAll(async () => {
  await linear.close();
  await model.close();
  await codexHome.cleanup();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const created = await mkdtemp(path.join(tmpdir(), 'symphony-check-test-'));
  cleanups.push(() => rm(created, { recursive: true, force: true }));
  return created;
}

const idleAgent = `${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)}`;

interface WorkflowOptions {
  readonly command?: string;
  readonly projectSlug?: string;
  readonly root?: string;
  readonly readTimeoutMs?: number;
  readonly startupTimeoutMs?: number;
  readonly prompt?: string;
  /** Rewrites the front matter lines (typos, extra sections). */
  readonly edit?: (lines: string[]) => string[];
}

async function writeWorkflow(o: WorkflowOptions = {}): Promise<string> {
  dir = await tempDir();
  const lines = daemonFrontMatter({
    endpoint: linear.url,
    keyEnv: KEY_ENV,
    projectSlug: o.projectSlug ?? PROJECT,
    root: o.root ?? path.join(dir, 'workspaces'),
    command: o.command ?? idleAgent,
    readTimeoutMs: o.readTimeoutMs ?? 30_000,
    ...(o.startupTimeoutMs === undefined ? {} : { startupTimeoutMs: o.startupTimeoutMs }),
  });
  const file = path.join(dir, 'WORKFLOW.md');
  await writeFile(file, `---\n${(o.edit ?? ((l) => l))(lines).join('\n')}\n---\n${o.prompt ?? 'Work on {{ issue.identifier }}.'}\n`);
  return file;
}

interface CheckRun {
  readonly exitCode: number | null;
  readonly lines: string[];
  readonly output: string;
  readonly stderr: string;
}

async function runCheckCli(args: readonly string[], key = API_KEY, extraEnv: NodeJS.ProcessEnv = {}): Promise<CheckRun> {
  const daemon: Daemon = startDaemon(['check', ...args], { cwd: dir, env: { ...process.env, [KEY_ENV]: key, LOG_LEVEL: 'info', ...extraEnv } });
  cleanups.push(() => daemon.destroy());
  const exit = await daemon.waitForExit(CHECK_TIMEOUT_MS);
  return { exitCode: exit.exitCode, lines: daemon.stdoutLines.filter((l) => l !== ''), output: daemon.output, stderr: daemon.stderr };
}

/** A HOME whose `.profile` sources a `.bashrc` that sleeps `seconds` (a slow login profile). */
async function slowHome(seconds: number): Promise<string> {
  const home = await tempDir();
  await writeFile(path.join(home, '.profile'), '. "$HOME/.bashrc"\n');
  await writeFile(path.join(home, '.bashrc'), `sleep ${seconds}\n`);
  return home;
}

/** Live processes (not zombies) whose command line contains `needle`. */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (/\) Z /.test(stat)) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // gone
    }
  }
  return found;
}

describe('symphony check', () => {
  it('all six checks pass with the real Codex app-server: exit 0, one ok line each, no secret, no process left', async () => {
    const command = codexCommand({ modelBaseUrl: model.baseUrl, codexHome: codexHome.path });
    const file = await writeWorkflow({ command });
    const before = linear.requests.length;
    const run = await runCheckCli([file]);
    expect(run.lines.map((l) => l.slice(0, 5))).toEqual(['ok   ', 'ok   ', 'ok   ', 'ok   ', 'ok   ', 'ok   ']);
    expect(run.lines[0]).toBe(`ok   workflow: ${file} is valid (tracker.kind linear; prompt template renders)`);
    expect(run.lines[1]).toBe(`ok   tracker: linear reached as Ada Lovelace <user-ada@fake.linear>; project "${PROJECT}" is "Project ${PROJECT}"`);
    // The suite's HOME is empty: the login shell is quick.
    expect(run.lines[2]).toMatch(new RegExp(`^ok {3}login shell: bash -lc took \\d+\\.\\d s \\(HOME ${process.env.HOME}\\)$`));
    // Default codex.startup_timeout_ms: max(60000, read_timeout_ms 30000).
    expect(run.lines[3]).toMatch(/^ok {3}codex: codex\.command answered initialize within 60000 ms of launch \(userAgent \S+/);
    expect(run.lines[4]).toBe(`ok   workspace root: ${path.join(dir, 'workspaces')} is writable (it did not exist: created for the check and removed again; the daemon creates it when needed)`);
    expect(run.lines[5]).toBe(`ok   journal: ${path.join(dir, '.symphony', 'journal.db')} does not exist yet; the daemon creates it at start`);
    expect(run.exitCode).toBe(0);
    expect(run.output).not.toContain(API_KEY);
    // Both probe reads reached the fake with the right key: the viewer, then the project by slug.
    const probes = linear.requests.slice(before);
    expect(probes.map((r) => r.operationName)).toEqual(['SymphonyProbeViewer', 'SymphonyProbeProject']);
    expect(probes.every((r) => r.authorized)).toBe(true);
    expect(probes[0]?.query).toContain('SymphonyProbeViewer');
    expect(probes[1]?.variables).toEqual({ projectSlug: PROJECT });
    expect(linear.invalidDocuments).toEqual([]);
    // The app-server's whole process group is gone before the CLI exits; nothing was left behind.
    expect(processesMentioning(codexHome.path)).toEqual([]);
    expect(await readdir(dir)).toEqual(['WORKFLOW.md']);
  });

  it('a wrong API key (Linear 401) fails the tracker check only, naming the category; no key is printed', async () => {
    const file = await writeWorkflow();
    const run = await runCheckCli([file], WRONG_KEY);
    expect(run.exitCode).toBe(1);
    expect(run.lines).toHaveLength(6);
    expect(run.lines[0]).toMatch(/^ok {3}workflow: /);
    expect(run.lines[1]).toBe('FAIL tracker: tracker_status: Linear rejected the API key (HTTP 401) for SymphonyProbeViewer; check tracker.provider.api_key');
    expect(run.lines[2]).toMatch(/^ok {3}login shell: /);
    expect(run.lines[3]).toMatch(/^ok {3}codex: .*\(userAgent idle-agent\/0\)$/);
    expect(run.lines[4]).toMatch(/^ok {3}workspace root: /);
    expect(run.output).not.toContain(WRONG_KEY);
    expect(run.output).not.toContain(API_KEY);
  });

  it('an unknown project fails the tracker check with invalid_tracker_config', async () => {
    const file = await writeWorkflow({ projectSlug: 'no-such-project' });
    const run = await runCheckCli([file]);
    expect(run.exitCode).toBe(1);
    expect(run.lines[1]).toBe('FAIL tracker: invalid_tracker_config: tracker.provider.project_slug "no-such-project" matches no Linear project visible to this API key');
    expect(linear.requests.at(-1)).toMatchObject({ operationName: 'SymphonyProbeProject', variables: { projectSlug: 'no-such-project' }, authorized: true });
    expect(run.lines.filter((l) => l.startsWith('ok '))).toHaveLength(5);
  });

  it('a codex.command that does not exist fails the codex check with codex_not_found', async () => {
    const file = await writeWorkflow({ command: 'symphony-check-no-such-codex-binary app-server' });
    const run = await runCheckCli([file]);
    expect(run.exitCode).toBe(1);
    expect(run.lines[3]).toMatch(/^FAIL codex: codex_not_found: codex\.command not found: app-server exited with code 127/);
    expect(run.lines.filter((l) => l.startsWith('ok '))).toHaveLength(5);
  });

  it('a codex.command that never answers fails after codex.startup_timeout_ms, and its process group is stopped', async () => {
    const marker = `symphony-check-silent-${process.pid}-${Date.now()}`;
    const file = await writeWorkflow({ command: `exec -a ${marker} sleep 600`, readTimeoutMs: 300, startupTimeoutMs: 600 });
    const run = await runCheckCli([file]);
    expect(run.exitCode).toBe(1);
    expect(run.lines[3]).toBe('FAIL codex: response_timeout: codex.command did not answer initialize within 600 ms of launch (codex.startup_timeout_ms)');
    expect(processesMentioning(marker)).toEqual([]);
  });

  it('an unusable workspace root fails the workspace root check', async () => {
    const scratch = await tempDir();
    const blocker = path.join(scratch, 'a-file');
    await writeFile(blocker, 'not a directory');
    const underFile = await writeWorkflow({ root: path.join(blocker, 'workspaces') });
    const run = await runCheckCli([underFile]);
    expect(run.exitCode).toBe(1);
    expect(run.lines[4]).toMatch(new RegExp(`^FAIL workspace root: workspace_error: workspace\\.root ${blocker}/workspaces is not usable: ENOTDIR`));
    expect(run.lines.slice(0, 4).every((l) => l.startsWith('ok '))).toBe(true);

    const isFile = await writeWorkflow({ root: blocker });
    const second = await runCheckCli([isFile]);
    expect(second.exitCode).toBe(1);
    expect(second.lines[4]).toBe(`FAIL workspace root: workspace_error: workspace.root ${blocker} exists but is not a directory`);
  });

  it('the journal check: a healthy journal is described, a corrupt one fails with the line the daemon would refuse to start with', async () => {
    const file = await writeWorkflow();
    const journalFile = path.join(dir, '.symphony', 'journal.db');
    const { openJournal } = await import('../../src/journal/store.js');
    const journal = openJournal(journalFile);
    journal.startRun({ issueId: 'i-1', identifier: 'MT-1', attempt: null, runtime: 'codex', startedAtMs: 1, workflowRevision: 'r' });
    const inUse = await runCheckCli([file]);
    expect(inUse.lines[5]).toBe(`ok   journal: ${journalFile} is in use by a running symphony daemon`);
    journal.close();
    const healthy = await runCheckCli([file]);
    expect(healthy.lines[5]).toBe(`ok   journal: ${journalFile} is healthy (schema version 1; 0 claims, 1 runs)`);
    await writeFile(journalFile, 'not a database, not at all');
    const corrupt = await runCheckCli([file]);
    expect(corrupt.exitCode).toBe(1);
    expect(corrupt.lines[5]).toBe(`FAIL journal: journal_corrupt: ${journalFile}: file is not a database; move it away or start with --reset-journal`);
    expect(corrupt.lines.slice(0, 5).every((l) => l.startsWith('ok '))).toBe(true);
    // --logs-root locates it as the daemon would.
    const logs = await tempDir();
    const elsewhere = await runCheckCli([file, '--logs-root', logs]);
    expect(elsewhere.lines[5]).toBe(`ok   journal: ${path.join(logs, 'journal.db')} does not exist yet; the daemon creates it at start`);
  });

  it('an invalid workflow fails the workflow check and skips the others', async () => {
    dir = await tempDir();
    const tracker = `tracker:\n  kind: linear\n  provider:\n    api_key: $${KEY_ENV}\n    project_slug: ${PROJECT}\n    endpoint: ${JSON.stringify(linear.url)}`;
    const file = path.join(await realpath(dir), 'WORKFLOW.md');
    const cases: { text: string; line: RegExp | string }[] = [
      { text: `---\n${tracker}\npolling:\n  interval_ms: fast\n---\nPrompt.\n`, line: /^FAIL workflow: invalid_config: .*WORKFLOW\.md: polling\.interval_ms/ },
      // The tracker section is lines 2-7 and the closing fence line 8: the body starts on line 9.
      { text: `---\n${tracker}\n---\nHello {% if %}\n`, line: `FAIL workflow: template_parse_error: ${file}:9: prompt template: invalid value expression: ""` },
      { text: `---\n${tracker}\n---\nHello\n{% if attempt %}retry\n`, line: `FAIL workflow: template_parse_error: ${file}:10: prompt template: tag {% if attempt %} not closed` },
      { text: `---\n${tracker}\n---\n\nWork on {{ issue.identifier }}.\n{{ issue.nope }}\n`, line: `FAIL workflow: template_render_error: ${file}:11: prompt template: undefined variable issue.nope` },
      // The in-memory tracker is test support: the real CLI refuses the kind, naming the supported ones.
      { text: '---\ntracker:\n  kind: memory\n---\nPrompt.\n', line: `FAIL workflow: unsupported_tracker_kind: ${file}: tracker.kind "memory" is not supported (supported: linear)` },
    ];
    const before = linear.requests.length;
    for (const c of cases) {
      await writeFile(path.join(dir, 'WORKFLOW.md'), c.text);
      const run = await runCheckCli([]);
      expect(run.exitCode).toBe(1);
      if (typeof c.line === 'string') expect(run.lines[0]).toBe(c.line);
      else expect(run.lines[0]).toMatch(c.line);
      expect(run.lines.slice(1)).toEqual([
        'skip tracker: no valid workflow to check against',
        'skip login shell: no valid workflow to check against',
        'skip codex: no valid workflow to check against',
        'skip workspace root: no valid workflow to check against',
        'skip journal: no valid workflow to check against',
      ]);
    }
    expect(linear.requests.length).toBe(before);
    const missing = await runCheckCli([path.join(dir, 'nope.md')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.lines[0]).toMatch(/^FAIL workflow: missing_workflow_file: .*nope\.md/);
    expect(missing.lines).toHaveLength(6);
  });

  it('unknown keys pass (spec §5.3) with one warning each on stderr: file, dotted path, did-you-mean, unsupported sections', async () => {
    const file = await writeWorkflow({
      edit: (lines) => [
        ...lines.map((line) => line.replace('  interval_ms: 60000', '  intervl_ms: 60000')),
        'codx:',
        '  command: codex app-server',
        'agent:',
        '  max_turn: 3',
        '  max_concurrent_agents_by_state:',
        '    human review: 1',
        'worker:',
        '  ssh_hosts: [build-1, build-2]',
        'observability:',
        '  dashboard_enabled: true',
      ],
    });
    const run = await runCheckCli([file]);
    expect(run.exitCode).toBe(0);
    expect(run.lines[0]).toBe(`ok   workflow: ${file} is valid (tracker.kind linear; prompt template renders)`);
    expect(run.stderr.split('\n').filter((l) => l !== '')).toEqual([
      `symphony check: warning: ${file}: polling.intervl_ms is not a known key and is ignored (did you mean polling.interval_ms?)`,
      `symphony check: warning: ${file}: codx is not a known key and is ignored (did you mean codex?)`,
      `symphony check: warning: ${file}: agent.max_turn is not a known key and is ignored (did you mean agent.max_turns?)`,
      `symphony check: warning: ${file}: worker.ssh_hosts is ignored: remote workers are not supported (yet); every agent runs on this host`,
      `symphony check: warning: ${file}: observability.dashboard_enabled is ignored: observability.* is not supported; this daemon has server.* (dashboard and API), metrics (GET /metrics) and the terminal status view instead`,
    ]);
  });

  it('a linear provider key typo warns with the nearest provider key', async () => {
    const file = await writeWorkflow({ edit: (lines) => lines.flatMap((line) => (line.startsWith('    project_slug:') ? [line, '    asignee: me'] : [line])) });
    const run = await runCheckCli([file]);
    expect(run.lines[0]).toMatch(/^ok {3}workflow: /);
    expect(run.stderr).toBe(`symphony check: warning: ${file}: tracker.provider.asignee is not a linear provider key and is ignored (did you mean tracker.provider.assignee?)\n`);
  });

  it('a login shell slower than 2 s is reported with WARN, naming HOME; the exit code stays 0', async () => {
    const file = await writeWorkflow();
    const home = await slowHome(3);
    const run = await runCheckCli([file], API_KEY, { HOME: home });
    expect(run.lines[2]).toMatch(new RegExp(`^WARN login shell: bash -lc took [3-9]\\.\\d s \\(HOME ${home}\\): every hook and every codex\\.command start waits this long`));
    expect(run.lines[2]).toContain('initialize is allowed codex.startup_timeout_ms = 60000 ms from launch');
    // The codex check pays the same 3 s and still passes: initialize is timed from launch with the startup allowance.
    expect(run.lines[3]).toMatch(/^ok {3}codex: /);
    expect(run.exitCode).toBe(0);
  });

  it('a login shell that does not finish within codex.startup_timeout_ms fails, and its process group is stopped', async () => {
    const file = await writeWorkflow({ startupTimeoutMs: 1000 });
    const home = await slowHome(613);
    const run = await runCheckCli([file], API_KEY, { HOME: home });
    expect(run.exitCode).toBe(1);
    expect(run.lines[2]).toBe(
      `FAIL login shell: response_timeout: bash -lc did not finish within 1000 ms (codex.startup_timeout_ms; HOME ${home}): no agent could start; fix the login profile (~/.bash_profile, ~/.profile, ~/.bashrc, /etc/profile.d)`,
    );
    expect(run.lines[3]).toMatch(/^FAIL codex: response_timeout: codex\.command did not answer initialize within 1000 ms of launch/);
    expect(processesMentioning("sleep 613")).toEqual([]);
  });

  it('a missing tracker secret fails the workflow check without printing anything secret', async () => {
    const file = await writeWorkflow();
    const daemon = startDaemon(['check', file], { cwd: dir, env: { ...process.env, [KEY_ENV]: '' } });
    cleanups.push(() => daemon.destroy());
    expect((await daemon.waitForExit(CHECK_TIMEOUT_MS)).exitCode).toBe(1);
    expect(daemon.stdoutLines[0]).toMatch(/^FAIL workflow: missing_tracker_secret: .*tracker\.provider\.api_key/);
  });
});

describe('check output', () => {
  it('formatCheckLine pads the status, names the check and redacts known secrets', () => {
    expect(formatCheckLine({ name: 'codex', status: 'ok', detail: 'fine' })).toBe('ok   codex: fine');
    expect(formatCheckLine({ name: 'login shell', status: 'WARN', detail: 'slow' })).toBe('WARN login shell: slow');
    expect(formatCheckLine({ name: 'tracker', status: 'FAIL', detail: 'tracker_status: key s3cr3t\nrejected' }, ['s3cr3t', ''])).toBe(
      'FAIL tracker: tracker_status: key [redacted] rejected',
    );
    expect(formatCheckLine({ name: 'workspace root', status: 'skip', detail: 'no valid workflow to check against' })).toBe('skip workspace root: no valid workflow to check against');
  });

  it.each(Object.entries(LINEAR_PROBE_DOCUMENTS))('probe document %s validates against Linear\'s schema', async (_name, query) => {
    const schema = await linearSchema();
    expect(validate(schema, parse(query)).map((e) => e.message)).toEqual([]);
  });
});
