/**
 * The daemon as a real process (spec §16.1, §17.7, §15.3): `bin/symphony.js` against the fake
 * Linear API on 127.0.0.1 with a fake app-server, stopped by signals. Waits are on JSON log lines;
 * the process tree is read from /proc before the signal and must be gone after the exit.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shellQuote } from '../support/codex.js';
import { commandLine, descendantPids, IDLE_AGENT, isAlive, NODE_BIN, startDaemon, type Daemon, type LogLine } from '../support/daemon.js';
import { startFakeLinear, type FakeLinear } from '../support/fake-linear/index.js';
import { eventually } from '../support/wait.js';
import { daemonFrontMatter } from '../support/daemon-workflow.js';

const API_KEY = 'lin_api_SECRET_lifecycle_7f3c9a1e5b';
const KEY_ENV = 'SYMPHONY_LIFECYCLE_LINEAR_KEY';

interface Setup {
  readonly dir: string;
  readonly workflowPath: string;
  readonly envFile: string;
  readonly linear: FakeLinear;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The agent command: a process-group child, a child that left the group (`setsid`), then the fixture. */
function agentCommand(mode = 'idle'): string {
  const quiet = '</dev/null >/dev/null 2>&1';
  return `sleep 600 ${quiet} & setsid sleep 601 ${quiet} & exec ${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)} ${mode}`;
}

async function setup(options: { command?: string; hooks?: Record<string, string>; readTimeoutMs?: number } = {}): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-lifecycle-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const linear = await startFakeLinear({ apiKey: API_KEY, projectSlug: 'lifecycle' });
  cleanups.push(() => linear.close());
  linear.addIssue({ identifier: 'SYM-1', title: 'Make the daemon stop cleanly', state: 'Todo' });
  const front = daemonFrontMatter({
    endpoint: linear.url,
    keyEnv: KEY_ENV,
    projectSlug: 'lifecycle',
    root: path.join(dir, 'workspaces'),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    maxConcurrentAgents: 1,
    command: options.command ?? agentCommand(),
    readTimeoutMs: options.readTimeoutMs ?? 10_000,
  });
  const workflowPath = path.join(dir, 'WORKFLOW.md');
  await writeFile(workflowPath, `---\n${front.join('\n')}\n---\n\nWork on {{ issue.identifier }}: {{ issue.title }}.\n`);
  return { dir, workflowPath, envFile: path.join(dir, 'agent-env.json'), linear };
}

function launch(s: Setup): Daemon {
  const daemon = startDaemon([s.workflowPath], {
    cwd: s.dir,
    env: { ...process.env, [KEY_ENV]: API_KEY, LOG_LEVEL: 'debug', IDLE_AGENT_ENV_FILE: s.envFile },
  });
  cleanups.push(() => daemon.destroy());
  return daemon;
}

const agentStderr = (text: string) => (line: LogLine) => line.msg === 'app-server stderr' && typeof line.line === 'string' && line.line.includes(text);

/** Every pid of `pids` still alive, with its command line (for a readable failure). */
function survivors(pids: readonly number[]): string[] {
  return pids.filter(isAlive).map((pid) => `${pid}: ${commandLine(pid)}`);
}

async function expectAllGone(pids: readonly number[]): Promise<void> {
  await eventually(() => survivors(pids).length === 0, 'the process tree to be gone', 5_000).catch(() => undefined);
  const left = survivors(pids);
  for (const pid of pids.filter(isAlive)) {
    try {
      process.kill(pid, 'SIGKILL'); // keep the suite's orphan check about this test's finding only
    } catch {
      // gone meanwhile
    }
  }
  expect(left).toEqual([]);
}

beforeAll(() => {
  expect(isAlive(process.pid)).toBe(true); // /proc is readable here
});

describe('daemon lifecycle (§16.1, §17.7)', () => {
  it('§17.7 CLI exits with success when application starts and shuts down normally: SIGTERM stops the agent tree and exits 0', async () => {
    const s = await setup();
    const daemon = launch(s);
    await daemon.waitForLog((l) => l.msg === 'symphony started', 'the startup log');
    const dispatched = await daemon.waitForLog((l) => l.msg === 'dispatch started', 'the dispatch log');
    expect(dispatched).toMatchObject({ issue_identifier: 'SYM-1', outcome: 'dispatched' });
    expect(dispatched.issue_id).toBe(s.linear.issue('SYM-1')?.id);
    await daemon.waitForLog(agentStderr('idle-agent: turn started'), 'the agent turn to start');
    // The background children may still be exec'ing (setsid, then sleep) when the turn starts.
    const tree = await eventually(() => {
      const pids = descendantPids(daemon.pid);
      const commands = pids.map(commandLine);
      return commands.some((c) => c.includes('idle-agent.mjs')) && commands.includes('sleep 600') && commands.includes('sleep 601') ? pids : null;
    }, 'the agent and both of its background children in the process tree');
    expect(tree.length).toBeGreaterThanOrEqual(3);

    daemon.signal('SIGTERM');
    const exit = await daemon.waitForExit(10_000);
    expect(exit).toEqual({ exitCode: 0, signal: null });
    await expectAllGone(tree);
    expect(daemon.logs.some((l) => l.msg === 'shutdown requested' && l.signal === 'SIGTERM')).toBe(true);
    expect(daemon.logs.find((l) => l.msg === 'symphony stopped')).toMatchObject({ outcome: 'completed' });
    expect(daemon.logs.some((l) => l.msg === 'worker exited' && l.issue_identifier === 'SYM-1' && typeof l.issue_id === 'string')).toBe(true);
    expect(s.linear.invalidDocuments).toEqual([]);
  });

  it('§15.3 the tracker API key appears neither in the output nor in the agent environment', async () => {
    const s = await setup();
    const daemon = launch(s);
    await daemon.waitForLog(agentStderr('idle-agent: turn started'), 'the agent turn to start');
    expect(s.linear.requests.length).toBeGreaterThan(0);
    expect(s.linear.requests.every((r) => r.authorized)).toBe(true);
    daemon.signal('SIGTERM');
    await daemon.waitForExit(10_000);
    expect(daemon.output).not.toContain(API_KEY);
    const agentEnv = JSON.parse(await readFile(s.envFile, 'utf8')) as Record<string, string>;
    expect(agentEnv[KEY_ENV]).toBeUndefined();
    expect(JSON.stringify(agentEnv)).not.toContain(API_KEY);
  });

  it('a second signal exits at once, still killing the process groups', async () => {
    const s = await setup({ hooks: { after_run: 'sleep 602' } });
    const daemon = launch(s);
    await daemon.waitForLog(agentStderr('idle-agent: turn started'), 'the agent turn to start');
    const agentTree = descendantPids(daemon.pid);
    daemon.signal('SIGTERM');
    // Graceful shutdown is now waiting for the after_run hook, which would take 600 s.
    await daemon.waitForLog((l) => l.msg === 'hook started' && l.hook === 'after_run', 'the after_run hook to start');
    // The log line precedes the spawn; /proc is the only witness of the hook's process.
    const hookTree = await eventually(() => {
      const tree = descendantPids(daemon.pid);
      return tree.map(commandLine).includes('sleep 602') && tree;
    }, 'the after_run hook process');
    daemon.signal('SIGTERM');
    const exit = await daemon.waitForExit(5_000);
    expect(exit).toEqual({ exitCode: 143, signal: null });
    expect(daemon.logs.some((l) => l.msg === 'second signal: exiting now')).toBe(true);
    await expectAllGone([...agentTree, ...hookTree]);
  });

  it('SIGTERM while the agent is still starting up leaves no process behind', async () => {
    // thread/start is never answered and read_timeout_ms is long: shutdown must abort the startup
    // itself (not wait for the read timeout), and the agent's setsid child must not survive.
    const s = await setup({ command: agentCommand('hang-at-thread-start'), readTimeoutMs: 60_000 });
    const daemon = launch(s);
    await daemon.waitForLog(agentStderr('idle-agent: holding thread/start'), 'the agent to hold thread/start');
    const tree = await eventually(() => {
      const pids = descendantPids(daemon.pid);
      return pids.map(commandLine).includes('sleep 601') ? pids : null;
    }, 'the setsid child in the process tree');
    daemon.signal('SIGTERM');
    const exit = await daemon.waitForExit(10_000);
    expect(exit).toEqual({ exitCode: 0, signal: null });
    expect(daemon.logs.some((l) => l.msg === 'shutdown deadline passed; killing remaining agents')).toBe(false);
    expect(daemon.logs.some((l) => l.msg === 'worker exited' && String(l.reason).startsWith('canceled'))).toBe(true);
    await expectAllGone(tree);
  });
});
