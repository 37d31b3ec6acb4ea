/**
 * Runs the real `symphony` CLI (bin/symphony.js on Node 24) as a subprocess and follows its JSON
 * log lines, so end-to-end tests can wait for what the daemon says instead of sleeping.
 */
import { execa, type ResultPromise } from 'execa';
import path from 'node:path';
import { REPO_ROOT } from '../support/codex.js';

/** One parsed log line. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** A running daemon. */
export interface Daemon {
  readonly pid: number;
  readonly lines: readonly LogLine[];
  readonly stderr: () => string;
  readonly stdout: () => string;
  /** Resolves with the first line (already seen or future) matching `predicate`; rejects after `timeoutMs`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number, label?: string): Promise<LogLine>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | undefined>;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | undefined>;
}

export const NODE_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
export const SYMPHONY_BIN = path.join(REPO_ROOT, 'bin', 'symphony.js');

/** Starts `symphony <args>` with exactly `env` (nothing inherited beyond it). */
export function startDaemon(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string }): Daemon {
  const lines: LogLine[] = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  const waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const child: ResultPromise = execa(NODE_BIN, [SYMPHONY_BIN, ...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    cleanup: true,
  });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      if (text.trim() === '') continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text, level: 'raw' };
      }
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = child.then((result) => result.exitCode);

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 60_000, label = 'log line'): Promise<LogLine> => {
    const seen = lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${label}; last lines:\n${lines.slice(-15).map((l) => JSON.stringify(l)).join('\n')}\nstderr:\n${stderr.slice(-2000)}`));
      }, timeoutMs);
      const waiter = {
        predicate,
        resolve: (line: LogLine) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      waiters.push(waiter);
      void exited.then(() => {
        if (waiters.includes(waiter)) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`daemon exited while waiting for ${label}; stderr:\n${stderr.slice(-2000)}`));
        }
      });
    });
  };

  return {
    pid: child.pid ?? -1,
    lines,
    stderr: () => stderr,
    stdout: () => stdout,
    waitForLog,
    exited,
    stop: async (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}
