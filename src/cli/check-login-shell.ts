/**
 * The `login shell` line of `symphony check` (issue 7 item 2). Every hook and every
 * `codex.command` runs under `bash -lc`, so the login profile (`/etc/profile`, `~/.bash_profile`
 * or `~/.profile`, and a `~/.bashrc` they source) runs before each of them. A profile that is slow
 * (heavy version managers, a lock it waits on) delays every hook and every agent start by as much;
 * the check times one `bash -lc 'exit 0'` with the daemon's environment so an operator sees it.
 */
import { performance } from 'node:perf_hooks';
import { agentEnvironment } from '../runner/agent-env.js';
import { settledWithin } from '../domain/clock.js';
import { spawnShell, type GroupExit } from '../process/group.js';

/** Above this a login shell is reported with `WARN` (2000 ms, issue 7 item 2). */
export const SLOW_LOGIN_SHELL_MS = 2000;

/** What one timed `bash -lc 'exit 0'` found. */
export interface LoginShellTiming {
  /** Wall time from spawn to exit (or to giving up), ms. */
  readonly elapsedMs: number;
  /** How the shell ended; null when it was still running at `limitMs` (then it was killed). */
  readonly exit: GroupExit | null;
}

/** Options of {@link timeLoginShell}. */
export interface LoginShellProbeOptions {
  /** The daemon's environment; `secretEnvNames` are removed from it as for agents. */
  readonly env: NodeJS.ProcessEnv;
  readonly secretEnvNames: readonly string[];
  /** Working directory (absolute). */
  readonly cwd: string;
  /** Give up (and kill the shell's process group) after this long, ms. */
  readonly limitMs: number;
}

/**
 * Runs `bash -lc 'exit 0'` in its own process group and times it. Never rejects; the process
 * group never outlives the call.
 */
export async function timeLoginShell(options: LoginShellProbeOptions): Promise<LoginShellTiming> {
  const startedAt = performance.now();
  const shell = spawnShell('exit 0', { cwd: options.cwd, env: agentEnvironment(options.env, options.secretEnvNames) });
  shell.subprocess.stdout?.resume();
  shell.subprocess.stderr?.resume();
  const exit = await settledWithin(shell.exited, options.limitMs);
  const elapsedMs = performance.now() - startedAt;
  if (exit === null) await shell.terminate(500);
  return { elapsedMs, exit };
}

/** The `login shell` check's status and detail for a timing. Pure. */
export function describeLoginShell(timing: LoginShellTiming, options: { readonly home: string | null; readonly startupTimeoutMs: number }): { status: 'ok' | 'WARN' | 'FAIL'; detail: string } {
  const seconds = `${(timing.elapsedMs / 1000).toFixed(1)} s`;
  const where = options.home === null ? 'HOME unset' : `HOME ${options.home}`;
  if (timing.exit === null) {
    return {
      status: 'FAIL',
      detail: `response_timeout: bash -lc did not finish within ${options.startupTimeoutMs} ms (codex.startup_timeout_ms; ${where}): no agent could start; fix the login profile (~/.bash_profile, ~/.profile, ~/.bashrc, /etc/profile.d)`,
    };
  }
  const exitNote = timing.exit.exitCode === 0 ? '' : `; it exited with ${timing.exit.exitCode === null ? `signal ${timing.exit.signal ?? 'unknown'}` : `code ${timing.exit.exitCode}`}`;
  if (timing.elapsedMs > SLOW_LOGIN_SHELL_MS) {
    return {
      status: 'WARN',
      detail: `bash -lc took ${seconds} (${where})${exitNote}: every hook and every codex.command start waits this long for the login profile (~/.bash_profile, ~/.profile, ~/.bashrc, /etc/profile.d); initialize is allowed codex.startup_timeout_ms = ${options.startupTimeoutMs} ms from launch`,
    };
  }
  return { status: exitNote === '' ? 'ok' : 'WARN', detail: `bash -lc took ${seconds} (${where})${exitNote}` };
}
