/**
 * Issue 7 item 2: a slow login profile must not break dispatch. The daemon runs as a real process
 * against the fake Linear with 20 Todo issues and a `HOME` whose `.profile` sources a `.bashrc`
 * that sleeps 3 s, so every `bash -lc` (each agent start) takes 3 s — longer than
 * `codex.read_timeout_ms` (2 s). `initialize` is timed against `codex.startup_timeout_ms` from
 * launch instead, and launches are bounded by `agent.max_concurrent_launches`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shellQuote } from '../support/codex.js';
import { descendantPids, IDLE_AGENT, isAlive, NODE_BIN, startDaemon, type LogLine } from '../support/daemon.js';
import { daemonFrontMatter } from '../support/daemon-workflow.js';
import { startFakeLinear } from '../support/fake-linear/index.js';
import { eventually } from '../support/wait.js';

const API_KEY = 'lin_api_SECRET_slow_login_4d2e8b';
const KEY_ENV = 'SYMPHONY_SLOW_LOGIN_LINEAR_KEY';
const ISSUES = 20;
const LAUNCH_SLOTS = 10;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const turnStarted = (line: LogLine): boolean => line.msg === 'app-server stderr' && typeof line.line === 'string' && line.line.includes('idle-agent: turn started');

describe('a slow login shell (issue 7 item 2)', () => {
  it('20 issues with a 3 s login profile and a 2 s read timeout: every one starts, launches are bounded, no initialize timeout, SIGTERM leaves nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'symphony-slow-login-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const home = path.join(dir, 'home');
    await mkdir(home);
    await writeFile(path.join(home, '.profile'), '. "$HOME/.bashrc"\n');
    await writeFile(path.join(home, '.bashrc'), 'sleep 3\n');

    const linear = await startFakeLinear({ apiKey: API_KEY, projectSlug: 'slow-login' });
    cleanups.push(() => linear.close());
    for (let n = 1; n <= ISSUES; n++) linear.addIssue({ identifier: `SLOW-${n}`, title: `Issue ${n}`, state: 'Todo' });
    const front = daemonFrontMatter({
      endpoint: linear.url,
      keyEnv: KEY_ENV,
      projectSlug: 'slow-login',
      root: path.join(dir, 'workspaces'),
      command: `${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)}`,
      readTimeoutMs: 2000,
      maxConcurrentAgents: ISSUES,
      maxConcurrentLaunches: LAUNCH_SLOTS,
      maxTurns: 1,
    });
    const workflowPath = path.join(dir, 'WORKFLOW.md');
    await writeFile(workflowPath, `---\n${front.join('\n')}\n---\n\nWork on {{ issue.identifier }}.\n`);

    const daemon = startDaemon([workflowPath], { cwd: dir, env: { ...process.env, HOME: home, [KEY_ENV]: API_KEY, LOG_LEVEL: 'debug' } });
    cleanups.push(() => daemon.destroy());

    const started = (): Set<unknown> => new Set(daemon.logs.filter(turnStarted).map((l) => l.issue_identifier));
    // Two waves of 3 s login shells, with room for a loaded machine.
    await daemon.waitForLog(() => started().size === ISSUES, `all ${ISSUES} agents to start a turn`, 90_000);
    expect([...started()].sort()).toEqual(Array.from({ length: ISSUES }, (_, i) => `SLOW-${i + 1}`).sort());

    const dispatched = daemon.logs.filter((l) => l.msg === 'dispatch started');
    expect(new Set(dispatched.map((l) => l.issue_identifier)).size).toBe(ISSUES);
    // Half of them waited for a slot, and none ever held one beyond the bound.
    const queued = daemon.logs.filter((l) => l.msg === 'launch queued: waiting for a launch slot');
    expect(queued.length).toBeGreaterThanOrEqual(ISSUES - LAUNCH_SLOTS);
    expect(queued.every((l) => typeof l.launches_in_flight === 'number' && l.launches_in_flight <= LAUNCH_SLOTS && l.max_concurrent_launches === LAUNCH_SLOTS)).toBe(true);
    expect(daemon.logs.filter((l) => l.msg === 'launch slot acquired')).toHaveLength(queued.length);
    // No startup failed: no timeout, no retry.
    expect(daemon.output).not.toMatch(/response_timeout|did not answer initialize/);
    expect(daemon.logs.filter((l) => l.msg === 'worker exited')).toEqual([]);
    expect(daemon.logs.filter((l) => l.msg === 'retry scheduled')).toEqual([]);

    const tree = descendantPids(daemon.pid);
    expect(tree.length).toBeGreaterThanOrEqual(ISSUES);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit(20_000)).toEqual({ exitCode: 0, signal: null });
    await eventually(() => tree.filter(isAlive).length === 0, 'the agent process groups to be gone', 5_000);
    expect(linear.invalidDocuments).toEqual([]);
  }, 150_000);
});
