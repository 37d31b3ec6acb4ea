/**
 * Child processes that run in their own process group, so that stopping one stops everything it
 * started (hooks, `codex app-server` and the commands the agent runs). Built on execa.
 *
 * Every live group is registered; {@link killAllGroups} runs on process exit so no child outlives
 * the daemon on any path that Node can observe.
 */
import { createRequire } from 'node:module';
import type * as Execa from 'execa';
import type { ResultPromise } from 'execa';
import { systemClock, type Clock, type TimerHandle } from '../domain/clock.js';

/**
 * execa (about 110 modules) is loaded at the first spawn, not at startup: the daemon starts no
 * child before its first tracker answer. `require` of an ES module is synchronous (Node ≥ 22.12),
 * so {@link spawnShell} stays synchronous.
 */
let execaModule: typeof Execa | null = null;
function execaLoaded(): typeof Execa {
  execaModule ??= createRequire(import.meta.url)('execa') as typeof Execa;
  return execaModule;
}

/** How a grouped child ended. */
export interface GroupExit {
  /** Exit code, or null when ended by a signal. */
  readonly exitCode: number | null;
  /** Signal name, or null. */
  readonly signal: string | null;
}

/** Options for {@link spawnShell}. */
export interface SpawnShellOptions {
  /** Working directory (absolute). */
  readonly cwd: string;
  /** Complete environment for the child (nothing is inherited beyond it). */
  readonly env: NodeJS.ProcessEnv;
  /** `pipe` gives a writable stdin (protocol clients); `ignore` for hooks. Default `ignore`. */
  readonly stdin?: 'pipe' | 'ignore';
  /** Times the SIGTERM → SIGKILL grace of {@link GroupProcess.terminate}. Default {@link systemClock}. */
  readonly clock?: Clock;
}

/** A running `bash -lc <script>` that leads its own process group. */
export interface GroupProcess {
  /** PID of the group leader (`bash`); also the process-group id. */
  readonly pid: number;
  /** The execa subprocess (streams: `stdin`, `stdout`, `stderr`). */
  readonly subprocess: ResultPromise;
  /** Resolves once the leader has exited; never rejects. */
  readonly exited: Promise<GroupExit>;
  /** Sends `signal` to the whole group; ignores a group that is already gone. */
  signalGroup(signal: NodeJS.Signals): void;
  /**
   * Staged stop: close stdin, SIGTERM the group, then SIGKILL the group after `graceMs`
   * (default 2000), measured on the spawn's `clock`. Always SIGKILLs stragglers in the group once
   * the leader is gone. Never rejects.
   */
  terminate(graceMs?: number): Promise<GroupExit>;
}

const liveGroups = new Set<number>();

/** Sends `signal` to process group `pgid`; false when no such group exists. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs every live group this process started (synchronous; safe in an `exit` handler). */
export function killAllGroups(): void {
  for (const pgid of liveGroups) signalProcessGroup(pgid, 'SIGKILL');
  liveGroups.clear();
}

/** Number of groups started and not yet reaped (diagnostics and tests). */
export function liveGroupCount(): number {
  return liveGroups.size;
}

let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllGroups);
}

/**
 * Starts `bash -lc <script>` as the leader of a new process group.
 *
 * @throws never synchronously for a missing `bash`: that surfaces as an exit with code 127 or an
 * `exited` result with a null code.
 */
export function spawnShell(script: string, options: SpawnShellOptions): GroupProcess {
  installExitHook();
  const subprocess = execaLoaded().execa('bash', ['-lc', script], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    detached: true,
    stdin: options.stdin ?? 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    stripFinalNewline: false,
    encoding: 'utf8',
    cleanup: false,
  });
  const pid = subprocess.pid ?? -1;
  if (pid > 0) liveGroups.add(pid);
  const exited = new Promise<GroupExit>((resolve) => {
    const child = subprocess.nodeChildProcess;
    child.once('exit', (code, signal) => resolve({ exitCode: code, signal }));
    child.once('error', () => resolve({ exitCode: null, signal: null }));
  });
  void exited.then(() => {
    // Reap anything the leader left behind in its group, then forget the group.
    if (pid > 0) {
      signalProcessGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
    }
  });
  // The execa promise itself must never reject unobserved.
  subprocess.catch(() => undefined);

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (pid > 0) signalProcessGroup(pid, signal);
  };

  const clock = options.clock ?? systemClock;
  const terminate = async (graceMs = 2000): Promise<GroupExit> => {
    subprocess.stdin?.end();
    signalGroup('SIGTERM');
    let timer: TimerHandle | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = clock.setTimeout(() => {
        signalGroup('SIGKILL');
        resolve();
      }, graceMs);
    });
    const result = await Promise.race([exited, killed.then(() => exited)]);
    if (timer !== undefined) clock.clearTimeout(timer);
    signalGroup('SIGKILL');
    return result;
  };

  return { pid, subprocess, exited, signalGroup, terminate };
}
