/**
 * The terminal status view end to end (spec §13.4, issue 3 item 6): `bin/symphony.js` under a
 * real pseudo-terminal (`script` from util-linux) against the fake Linear with an idle agent. On a
 * terminal the daemon shows the live view instead of JSON lines, with the dashboard URL, the log
 * file and "Ctrl-C to stop" under its header, and the logs go to `<logs-root>/symphony.log`;
 * SIGTERM restores the terminal and exits 0.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { shellQuote } from '../support/codex.js';
import { assertBuilt, commandLine, descendantPids, IDLE_AGENT, isAlive, NODE_BIN, SYMPHONY_BIN } from '../support/daemon.js';
import { daemonFrontMatter } from '../support/daemon-workflow.js';
import { startFakeLinear } from '../support/fake-linear/index.js';
import { eventually, Pulse } from '../support/wait.js';

const API_KEY = 'lin_api_SECRET_tty_4b8e2d6f1a';
const KEY_ENV = 'SYMPHONY_TTY_LINEAR_KEY';
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07/g;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** SIGKILLs `rootPid` and every live descendant (test cleanup). */
function killTree(rootPid: number): void {
  for (const pid of [...descendantPids(rootPid), rootPid]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

describe('terminal status view under a real pty (§13.4)', () => {
  it('shows the live view instead of JSON lines, says where the dashboard and logs are, logs to <logs-root>/symphony.log, and restores the terminal on SIGTERM', async () => {
    assertBuilt();
    const dir = await mkdtemp(path.join(tmpdir(), 'symphony-tty-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const linear = await startFakeLinear({ apiKey: API_KEY, projectSlug: 'tty' });
    cleanups.push(() => linear.close());
    linear.addIssue({ identifier: 'SYM-1', title: 'Show me on the terminal', state: 'Todo' });
    const front = daemonFrontMatter({
      endpoint: linear.url,
      keyEnv: KEY_ENV,
      projectSlug: 'tty',
      root: path.join(dir, 'workspaces'),
      maxConcurrentAgents: 2,
      command: `exec ${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)}`,
      readTimeoutMs: 10_000,
    });
    const workflowPath = path.join(dir, 'WORKFLOW.md');
    await writeFile(workflowPath, `---\n${front.join('\n')}\n---\n\nWork on {{ issue.identifier }}.\n`);
    const logsRoot = path.join(dir, 'logs');
    const logFile = path.join(logsRoot, 'symphony.log');

    // `script` gives the daemon a pty as stdout and copies what it draws to our pipe.
    const inner = `stty cols 120 rows 40; exec ${[NODE_BIN, SYMPHONY_BIN, workflowPath, '--logs-root', logsRoot, '--port', '0'].map(shellQuote).join(' ')}`;
    const env: NodeJS.ProcessEnv = { ...process.env, [KEY_ENV]: API_KEY, TERM: 'xterm-256color', LOG_LEVEL: 'debug' };
    delete env.SYMPHONY_NO_TUI;
    delete env.NO_COLOR;
    const script = execa('script', ['-qfec', inner, '/dev/null'], { cwd: dir, env, extendEnv: false, reject: false, buffer: false, stdin: 'ignore', encoding: 'utf8' });
    const scriptPid = script.pid ?? -1;
    cleanups.push(async () => {
      killTree(scriptPid);
      await script;
    });
    const pulse = new Pulse();
    let screen = '';
    let exit: { exitCode: number | null } | null = null;
    script.stdout?.setEncoding('utf8');
    script.stdout?.on('data', (chunk: string) => {
      screen += chunk;
      pulse.notify();
    });
    void script.then((result) => {
      exit = { exitCode: result.exitCode ?? null };
      pulse.notify();
    });
    const waitForScreen = (pattern: RegExp, what: string): Promise<true> =>
      pulse.waitFor(() => {
        if (pattern.test(screen.replace(ANSI, ''))) return true;
        if (exit) throw new Error(`symphony exited (${JSON.stringify(exit)}) before ${what}; terminal:\n${screen}`);
        return false;
      }, what, 20_000).catch((error: unknown) => {
        // Say what the terminal showed (a JSON line here means the view was not switched on).
        throw new Error(`${error instanceof Error ? error.message : String(error)}; terminal so far:\n${screen.replace(ANSI, '').slice(-2000)}`);
      });

    await waitForScreen(/agents \d+\/2/, 'the status view header');
    await waitForScreen(/SYM-1 .*\d+\/\d+/, 'SYM-1 in the running table');
    expect(screen).toContain('\x1b[?25l'); // cursor hidden while the view runs
    // The JSON logs are in the file, not on the terminal.
    const logged = await eventually(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('"msg":"dispatch started"') && readFileSync(logFile, 'utf8'), 'the dispatch in symphony.log');
    expect(logged.split('\n').filter(Boolean).every((line) => (JSON.parse(line) as { level?: unknown }).level !== undefined)).toBe(true);
    expect(screen).not.toMatch(/"level":|"msg":/);
    // Under the header: the dashboard's URL as the server logged it, the log file relative to the cwd, how to stop.
    const listening = await eventually(() => {
      const line = readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('"msg":"http server listening"'));
      return line === undefined ? undefined : (JSON.parse(line) as { url: string }).url;
    }, 'the http server url in symphony.log');
    await waitForScreen(new RegExp(`dashboard ${listening.replace(/[.]/g, '\\.')}/ · log logs/symphony\\.log · Ctrl-C to stop`), 'the dashboard URL, log file and Ctrl-C under the header');

    const daemonPid = await eventually(() => descendantPids(scriptPid).find((pid) => commandLine(pid).includes(SYMPHONY_BIN)), 'the daemon process under script');
    const tree = descendantPids(daemonPid);
    process.kill(daemonPid, 'SIGTERM');
    await pulse.waitFor(() => exit, 'symphony to exit after SIGTERM', 15_000);
    expect(exit).toEqual({ exitCode: 0 }); // `script -e` passes the daemon's exit code on
    // The terminal is restored (cursor shown, main screen back) and a one-line summary is left.
    const tail = screen.slice(screen.lastIndexOf('\x1b[?25h'));
    expect(screen.lastIndexOf('\x1b[?25h')).toBeGreaterThan(screen.lastIndexOf('\x1b[?25l'));
    expect(tail).toContain('\x1b[?1049l');
    expect(tail.replace(ANSI, '')).toMatch(/symphony .*agents \d+\/2.*tokens in/);
    expect(screen).not.toMatch(/"level":|"msg":/);
    expect(screen).not.toContain(API_KEY);
    await eventually(() => readFileSync(logFile, 'utf8').includes('"msg":"symphony stopped"'), 'the stop in symphony.log');
    await eventually(() => tree.every((pid) => !isAlive(pid)), 'the agent to be gone', 5_000);
  });
});
