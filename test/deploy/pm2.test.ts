/**
 * `deploy/ecosystem.config.cjs` under real pm2 (the pinned npm package, `PM2_HOME` in a temp dir):
 * the daemon starts and dispatches an agent (fake Linear + the idle app-server fixture), `pm2 stop`
 * stops it gracefully (exit 0, status stopped), no agent process remains, and `pm2 kill` ends the
 * pm2 daemon itself.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { SHUTDOWN_DEADLINE_MS } from '../../src/cli/main.js';
import { REPO_ROOT, shellQuote } from '../support/codex.js';
import { assertBuilt, IDLE_AGENT, isAlive, NODE_BIN } from '../support/daemon.js';
import { daemonFrontMatter } from '../support/daemon-workflow.js';
import { startFakeLinear } from '../support/fake-linear/index.js';
import { eventually } from '../support/wait.js';

const PM2_BIN = path.join(REPO_ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
const ECOSYSTEM = path.join(REPO_ROOT, 'deploy', 'ecosystem.config.cjs');
const API_KEY = 'lin_api_pm2_SECRET_5d1e0c';
const KEY_ENV = 'SYMPHONY_PM2_TEST_KEY';

interface Pm2App {
  readonly name: string;
  readonly pid: number;
  readonly pm2_env: { readonly status: string; readonly exit_code?: number; readonly treekill?: boolean; readonly kill_timeout?: number };
}

interface EcosystemApp {
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly interpreter: string;
  readonly treekill: boolean;
  readonly kill_timeout: number;
  readonly autorestart: boolean;
  readonly stop_exit_codes: readonly number[];
  readonly exp_backoff_restart_delay: number;
  readonly max_restarts: number;
  readonly out_file: string;
  readonly error_file: string;
  readonly merge_logs: boolean;
  readonly time: boolean;
  readonly env: Readonly<Record<string, string>>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Loads the ecosystem file afresh with `env` overriding the process environment. */
function loadEcosystem(env: Readonly<Record<string, string>>): EcosystemApp {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const require = createRequire(import.meta.url);
    delete require.cache[require.resolve(ECOSYSTEM)];
    const loaded = require(ECOSYSTEM) as { apps: EcosystemApp[] };
    expect(loaded.apps).toHaveLength(1);
    return loaded.apps[0] as EcosystemApp;
  } finally {
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

/** Live (non-zombie) processes whose command line contains `needle`, as `pid: cmdline`. */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (/\) Z /.test(readFileSync(`/proc/${entry}/stat`, 'latin1'))) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      if (cmdline.includes(needle)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // gone
    }
  }
  return found;
}

/** JSON lines of a pino log file (missing file: none). */
function logLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('pm2 ecosystem file', () => {
  it('sets a kill timeout above the graceful shutdown, signals only the daemon, restarts on failure only, and takes paths from the environment', () => {
    const app = loadEcosystem({ SYMPHONY_WORKFLOW: '/srv/sym/WORKFLOW.md', SYMPHONY_LOGS_ROOT: '/var/log/sym', SYMPHONY_PORT: '8080', SYMPHONY_NODE: '/opt/node/bin/node', SYMPHONY_JOURNAL: '/var/lib/sym/journal.db' });
    expect(app.name).toBe('symphony');
    expect(app.script).toBe(path.join(REPO_ROOT, 'bin', 'symphony.js'));
    expect(app.args).toEqual(['/srv/sym/WORKFLOW.md', '--logs-root', '/var/log/sym', '--port', '8080', '--journal', '/var/lib/sym/journal.db']);
    expect(app.interpreter).toBe('/opt/node/bin/node');
    expect(app.treekill).toBe(false);
    expect(app.kill_timeout).toBeGreaterThan(SHUTDOWN_DEADLINE_MS);
    expect(app).toMatchObject({ autorestart: true, stop_exit_codes: [0], merge_logs: true, time: true });
    expect(app.exp_backoff_restart_delay).toBeGreaterThan(0);
    expect(app.max_restarts).toBeGreaterThan(0);
    expect(app.out_file).toBe('/var/log/sym/symphony.out.log');
    expect(app.error_file).toBe('/var/log/sym/symphony.err.log');
    expect(Object.keys(app.env).some((name) => /KEY|TOKEN|SECRET/i.test(name))).toBe(false);

    const defaults = loadEcosystem({ SYMPHONY_WORKFLOW: '/srv/sym/WORKFLOW.md' });
    expect(defaults.args).toEqual(['/srv/sym/WORKFLOW.md', '--logs-root', '/srv/sym/log']);
    expect(defaults.interpreter).toBe('node');
  });

  it('under real pm2: starts and dispatches, `pm2 stop` stops gracefully (exit 0, stopped), no agent remains, `pm2 kill` ends pm2', async () => {
    assertBuilt();
    const dir = await mkdtemp(path.join(tmpdir(), 'symphony-pm2-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const linear = await startFakeLinear({ apiKey: API_KEY, projectSlug: 'pm2' });
    cleanups.push(() => linear.close());
    linear.addIssue({ identifier: 'SYM-1', title: 'Run under pm2', state: 'Todo' });

    // The agent: a detached-from-stdin child that would outlive a careless stop, then the fixture.
    const marker = `symphony-pm2-agent-${randomUUID()}`;
    const quiet = '</dev/null >/dev/null 2>&1';
    const command = `( exec -a ${marker}-child sleep 600 ) ${quiet} & exec ${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)} idle ${marker}`;
    const workflow = path.join(dir, 'WORKFLOW.md');
    const front = daemonFrontMatter({ endpoint: linear.url, keyEnv: KEY_ENV, projectSlug: 'pm2', root: path.join(dir, 'workspaces'), command, maxConcurrentAgents: 1, readTimeoutMs: 10_000 });
    await writeFile(workflow, `---\n${front.join('\n')}\n---\n\nWork on {{ issue.identifier }}.\n`);

    const pm2Home = path.join(dir, 'pm2-home');
    const logsRoot = path.join(dir, 'logs');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PM2_HOME: pm2Home,
      SYMPHONY_WORKFLOW: workflow,
      SYMPHONY_LOGS_ROOT: logsRoot,
      SYMPHONY_NODE: NODE_BIN,
      [KEY_ENV]: API_KEY,
      LOG_LEVEL: 'debug',
    };
    const pm2 = async (...args: string[]): Promise<{ exitCode: number | undefined; stdout: string; output: string }> => {
      const result = await execa(NODE_BIN, [PM2_BIN, ...args], { env, extendEnv: false, reject: false, all: true, cwd: dir, timeout: 60_000 });
      return { exitCode: result.exitCode, stdout: result.stdout, output: result.all };
    };
    const jlist = async (): Promise<Pm2App[]> => {
      const { stdout } = await pm2('jlist');
      return JSON.parse(stdout.slice(stdout.indexOf('['))) as Pm2App[];
    };
    const godPid = (): number | null => {
      try {
        return Number(readFileSync(path.join(pm2Home, 'pm2.pid'), 'utf8').trim());
      } catch {
        return null;
      }
    };
    let god: number | null = null;
    cleanups.push(async () => {
      // Whatever happened above, neither pm2 nor an agent may outlive the test.
      await pm2('kill');
      for (const pid of [god, godPid()]) {
        if (pid === null || !isAlive(pid)) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      for (const line of processesMentioning(marker)) {
        try {
          process.kill(Number(line.split(':')[0]), 'SIGKILL');
        } catch {
          // gone
        }
      }
    });

    const started = await pm2('start', ECOSYSTEM);
    expect(started.exitCode, started.output).toBe(0);
    god = godPid();
    expect(god).not.toBeNull();

    const log = path.join(logsRoot, 'symphony.log');
    const has = (match: (line: Record<string, unknown>) => boolean): boolean => logLines(log).some(match);
    await eventually(() => has((l) => l.msg === 'app-server stderr' && String(l.line).includes('idle-agent: turn started')), 'the agent turn to start under pm2', 30_000);
    expect(has((l) => l.msg === 'dispatch started' && l.issue_identifier === 'SYM-1')).toBe(true);
    const agents = processesMentioning(marker);
    expect(agents.some((p) => p.includes(`${marker}-child`))).toBe(true);
    expect(agents.some((p) => p.includes('idle-agent.mjs'))).toBe(true);
    const [app] = await jlist();
    expect(app?.pm2_env.status).toBe('online');

    const stopped = await pm2('stop', 'symphony');
    expect(stopped.exitCode, stopped.output).toBe(0);
    const [after] = await jlist();
    expect(after?.pm2_env.status).toBe('stopped');
    expect(after?.pm2_env.exit_code).toBe(0);
    expect(await readFile(path.join(pm2Home, 'pm2.log'), 'utf8')).toMatch(/App \[symphony:0\] exited with code \[0\] via signal \[SIGINT\]/);
    expect(has((l) => l.msg === 'shutdown requested' && l.signal === 'SIGINT')).toBe(true);
    expect(logLines(log).find((l) => l.msg === 'symphony stopped')).toMatchObject({ outcome: 'completed' });
    await eventually(() => processesMentioning(marker).length === 0, 'the agent processes to be gone', 5_000).catch(() => undefined);
    expect(processesMentioning(marker)).toEqual([]);
    expect((await readFile(path.join(logsRoot, 'symphony.out.log'), 'utf8'))).not.toContain(API_KEY);

    const killed = await pm2('kill');
    expect(killed.exitCode, killed.output).toBe(0);
    const godAtStart = god;
    if (godAtStart !== null) await eventually(() => !isAlive(godAtStart), 'the pm2 daemon to exit', 10_000);
  });
});
