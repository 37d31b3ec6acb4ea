/**
 * Running `bin/symphony.js` as a real subprocess (Node 24 from node_modules) for CLI and
 * lifecycle tests: JSON log lines parsed as they arrive, event-driven waits on them, and the
 * daemon's process tree read from `/proc`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { execa, type ResultPromise } from 'execa';
import { REPO_ROOT } from './codex.js';
import { Pulse, WAIT_BOUND_MS } from './wait.js';

/** Node 24 from node_modules (never the system node). */
export const NODE_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
/** The CLI launcher; it imports `dist/`, so the package must be built (`npm run build`). */
export const SYMPHONY_BIN = path.join(REPO_ROOT, 'bin', 'symphony.js');
/** The idle app-server fixture (see the file). */
export const IDLE_AGENT = path.join(REPO_ROOT, 'test', 'support', 'fixtures', 'idle-agent.mjs');

/** Throws a clear message when `dist/` is missing (the bin would fail with a module error). */
export function assertBuilt(): void {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` before the CLI tests');
  }
}

/** How the subprocess ended. */
export interface DaemonExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
}

/** One parsed stdout JSON line (pino: `level`, `msg`, fields). */
export type LogLine = Readonly<Record<string, unknown>> & { readonly msg?: string; readonly level?: string };

/** A running `symphony` subprocess. */
export class Daemon {
  readonly pid: number;
  /** Raw stdout lines, in order. */
  readonly stdoutLines: string[] = [];
  /** stdout lines that parsed as JSON objects. */
  readonly logs: LogLine[] = [];
  stderr = '';
  exit: DaemonExit | null = null;
  readonly exited: Promise<DaemonExit>;
  readonly #pulse = new Pulse();
  readonly #subprocess: ResultPromise;

  constructor(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.#subprocess = execa(NODE_BIN, [SYMPHONY_BIN, ...args], {
      cwd: options.cwd,
      env: options.env,
      extendEnv: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      encoding: 'utf8',
    });
    this.pid = this.#subprocess.pid ?? -1;
    const stdout = this.#subprocess.stdout;
    const stderr = this.#subprocess.stderr;
    if (stdout === null || stderr === null) throw new Error('symphony subprocess has no stdout/stderr pipes');
    const stdoutDone = new Promise<void>((resolve) => {
      const lines = readline.createInterface({ input: stdout });
      lines.on('line', (line) => {
        this.stdoutLines.push(line);
        try {
          const parsed: unknown = JSON.parse(line);
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) this.logs.push(parsed as LogLine);
        } catch {
          // not a log line
        }
        this.#pulse.notify();
      });
      lines.on('close', resolve);
    });
    stderr.setEncoding('utf8');
    const stderrDone = new Promise<void>((resolve) => {
      stderr.on('data', (chunk: string) => {
        this.stderr += chunk;
        this.#pulse.notify();
      });
      stderr.on('close', resolve);
    });
    const child = this.#subprocess.nodeChildProcess;
    const processExit = new Promise<DaemonExit>((resolve) => child.once('exit', (exitCode, signal) => resolve({ exitCode, signal })));
    this.exited = Promise.all([processExit, stdoutDone, stderrDone]).then(([exit]) => {
      this.exit = exit;
      this.#pulse.notify();
      return exit;
    });
    this.#subprocess.catch(() => undefined);
  }

  /** Everything the process wrote, both streams. */
  get output(): string {
    return `${this.stdoutLines.join('\n')}\n${this.stderr}`;
  }

  /** Resolves with the first log line (past or future) matching; fails if the process exits first. */
  waitForLog(match: (line: LogLine) => boolean, what: string, boundMs = WAIT_BOUND_MS): Promise<LogLine> {
    return this.#pulse.waitFor(() => {
      const found = this.logs.find(match);
      if (found) return found;
      if (this.exit) throw new Error(`symphony exited (${JSON.stringify(this.exit)}) before ${what}; output:\n${this.output}`);
      return undefined;
    }, what, boundMs);
  }

  /** Waits for the exit, failing after `boundMs`. */
  waitForExit(boundMs = WAIT_BOUND_MS): Promise<DaemonExit> {
    return this.#pulse.waitFor(() => this.exit, `symphony to exit; output so far:\n${this.output}`, boundMs);
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /**
   * Test cleanup: SIGKILLs the daemon and every descendant still alive (agents run in their own
   * process groups and would survive the daemon alone), then waits for the exit.
   */
  async destroy(): Promise<void> {
    if (this.exit) return;
    const tree = descendantPids(this.pid);
    for (const pid of [this.pid, ...tree]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await this.exited;
  }
}

/** Starts `symphony <args>` with exactly `env` (include `process.env` yourself when wanted). */
export function startDaemon(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Daemon {
  assertBuilt();
  return new Daemon(args, options);
}

function statOf(pid: number): { state: string; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]) };
  } catch {
    return null;
  }
}

/** Live (non-zombie) descendants of `rootPid`, from `/proc`: children, grandchildren, … */
export function descendantPids(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (stat === null || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  for (let queue = [rootPid], next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of children.get(next) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = statOf(pid);
  return stat !== null && stat.state !== 'Z';
}

/** `cmdline` of a pid with NULs as spaces ('' when gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}
