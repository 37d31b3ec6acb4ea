/**
 * Review findings on the daemon's process lifecycle (src/cli/main.ts, src/service/service.ts,
 * src/scheduler/orchestrator.ts): the real `bin/symphony.js` against the fake Linear API.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shellQuote } from '../support/codex.js';
import { commandLine, descendantPids, IDLE_AGENT, isAlive, NODE_BIN, startDaemon, type Daemon } from '../support/daemon.js';
import { startFakeLinear, type FakeLinear } from '../support/fake-linear/index.js';
import { eventually } from '../support/wait.js';
import { daemonFrontMatter } from '../support/daemon-workflow.js';

const API_KEY = 'lin_api_SECRET_review_orchestration_41c7';
const KEY_ENV = 'SYMPHONY_REVIEW_LINEAR_KEY';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  readonly dir: string;
  readonly root: string;
  readonly workflowPath: string;
  readonly linear: FakeLinear;
  readonly front: string[];
}

async function setup(options: { hooks?: Record<string, string>; requestTimeoutMs?: number; command?: string } = {}): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-review-orch-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const linear = await startFakeLinear({ apiKey: API_KEY, projectSlug: 'review' });
  cleanups.push(() => linear.close());
  const root = path.join(dir, 'workspaces');
  const front = daemonFrontMatter({
    endpoint: linear.url,
    keyEnv: KEY_ENV,
    projectSlug: 'review',
    root,
    ...(options.hooks ? { hooks: options.hooks } : {}),
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    command: options.command ?? 'false',
  });
  const workflowPath = path.join(dir, 'WORKFLOW.md');
  await writeFile(workflowPath, `---\n${front.join('\n')}\n---\n\nWork on {{ issue.identifier }}.\n`);
  return { dir, root, workflowPath, linear, front };
}

function launch(s: Setup): Daemon {
  const daemon = startDaemon([s.workflowPath], { cwd: s.dir, env: { ...process.env, [KEY_ENV]: API_KEY, LOG_LEVEL: 'debug' } });
  cleanups.push(() => daemon.destroy());
  return daemon;
}

/** Kills whatever of `pids` survived (keeps the suite's orphan guard about this finding only) and returns them. */
function reapSurvivors(pids: readonly number[]): string[] {
  const left = pids.filter(isAlive).map((pid) => `${pid}: ${commandLine(pid)}`);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return left;
}

describe('review: daemon shutdown and startup (src/cli/main.ts, src/scheduler/orchestrator.ts)', () => {
  it('SIGTERM while a tracker read hangs: the daemon exits within the shutdown budget (SPEC.md §6 "the process exits anyway")', async () => {
    // request_timeout_ms is long: nothing but the shutdown path itself may end the process.
    const s = await setup({ requestTimeoutMs: 600_000 });
    const daemon = launch(s);
    await daemon.waitForLog((l) => l.msg === 'startup terminal workspace cleanup', 'startup cleanup');
    // Startup read (terminal states) + first tick's candidate read have both reached the fake.
    await eventually(() => s.linear.requests.length >= 2, 'the first tick to read candidates');
    // From now on Linear never answers; a workflow edit triggers an immediate tick whose read hangs.
    s.linear.failNext('hang', { times: 100 });
    await writeFile(s.workflowPath, `---\n${s.front.join('\n')}\n---\n\nWork on {{ issue.identifier }} (edited).\n`);
    await eventually(() => s.linear.heldRequests() > 0, 'a tracker read to hang');

    daemon.signal('SIGTERM');
    // SPEC.md §6: graceful stop within 8 s, then the process exits anyway. 20 s is generous.
    const exit = await daemon.waitForExit(20_000);
    expect(exit).toEqual({ exitCode: 0, signal: null });
  });

  it('SIGTERM during startup terminal cleanup leaves no before_remove hook process behind', async () => {
    const s = await setup({ hooks: { before_remove: 'sleep 603' } });
    s.linear.addIssue({ identifier: 'SYM-9', title: 'Already finished', state: 'Done' });
    await mkdir(path.join(s.root, 'SYM-9'), { recursive: true });
    const daemon = launch(s);
    await daemon.waitForLog((l) => l.msg === 'hook started' && l.hook === 'before_remove', 'the before_remove hook to start');
    const tree = await eventually(() => {
      const pids = descendantPids(daemon.pid);
      return pids.map(commandLine).includes('sleep 603') && pids;
    }, 'the before_remove hook process');

    daemon.signal('SIGTERM');
    await daemon.waitForExit(20_000);
    // The hook runs in its own process group: if the daemon dies without stopping it, it is orphaned.
    await eventually(() => tree.every((pid) => !isAlive(pid)), 'the hook tree to be gone', 3_000).catch(() => undefined);
    expect(reapSurvivors(tree)).toEqual([]);
  });

  it('SIGHUP (terminal hang-up, ssh session closed) does not leave the agents running without their daemon', async () => {
    const quiet = '</dev/null >/dev/null 2>&1';
    const command = `sleep 604 ${quiet} & exec ${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)} idle`;
    const s = await setup({ command });
    s.linear.addIssue({ identifier: 'SYM-1', title: 'Keep an agent busy', state: 'Todo' });
    const daemon = launch(s);
    await daemon.waitForLog(
      (l) => l.msg === 'app-server stderr' && typeof l.line === 'string' && l.line.includes('idle-agent: turn started'),
      'the agent turn to start',
    );
    const tree = descendantPids(daemon.pid);
    expect(tree.map(commandLine)).toContain('sleep 604');

    daemon.signal('SIGHUP');
    await daemon.waitForExit(20_000);
    // The agents run in their own process groups, so nothing but the daemon can stop them.
    await eventually(() => tree.every((pid) => !isAlive(pid)), 'the agent tree to be gone', 3_000).catch(() => undefined);
    expect(reapSurvivors(tree)).toEqual([]);
  });
});
