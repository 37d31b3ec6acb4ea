/**
 * Runs one workspace hook: `bash -lc <script>` in the workspace, in its own process group, with a
 * timeout that kills the whole group (spec §9.4, §15.4).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { MAX_TIMER_MS } from '../config/types.js';
import { systemClock, type Clock, type TimerHandle } from '../domain/clock.js';
import { oneLine, SymphonyError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { spawnShell, type GroupExit } from '../process/group.js';
import type { HookIssueRef } from './env.js';
import { CappedOutput, firstLine, truncateForLog } from './output.js';

/** The four hooks of spec §5.3.4, named as in `WORKFLOW.md`. */
export type HookName = 'after_create' | 'before_run' | 'after_run' | 'before_remove';

/** Options for {@link runHook}. */
export interface RunHookOptions {
  /** Absolute workspace directory; the hook's cwd. Must exist. */
  readonly cwd: string;
  /** Wall-clock limit for the hook, ms (`hooks.timeout_ms`, default 60000 in config). */
  readonly timeoutMs: number;
  /** Complete environment of the hook (see `hookEnvironment()`); nothing else is inherited. */
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** The issue the hook runs for (logs, error messages). */
  readonly issue: HookIssueRef;
  /** After a timeout: SIGTERM to the group, then SIGKILL after this many ms. Default 2000. */
  readonly killGraceMs?: number;
  /**
   * Times `timeoutMs`, the kill grace and the pipe-settle bound (`durationMs` stays wall-clock
   * time measured by `performance.now()`). Default {@link systemClock}.
   */
  readonly clock?: Clock;
}

/** How a hook that exited 0 ran. */
export interface HookOutcome {
  readonly hook: HookName;
  /** Always 0: any other exit throws. */
  readonly exitCode: number;
  /** Wall-clock duration, ms. */
  readonly durationMs: number;
  /** First 64 KiB of stdout (UTF-8), with a truncation marker when more was written. */
  readonly stdout: string;
  /** First 64 KiB of stderr (UTF-8), with a truncation marker when more was written. */
  readonly stderr: string;
}

/** How long to wait for a hook's pipes to drain after its group is gone, ms. */
const STREAM_SETTLE_MS = 1000;

/**
 * Runs hook `name` with `bash -lc <script>` via `spawnShell` (own process group, cwd = workspace,
 * stdin closed). A null, empty or blank script is a no-op that returns null.
 *
 * - Timeout: after `timeoutMs` the whole process group is stopped (SIGTERM, then SIGKILL after
 *   `killGraceMs`), so background jobs the hook started are stopped too. The group is also
 *   SIGKILLed whenever the hook's shell exits, so a hook cannot leave background processes behind.
 * - Output: each stream is captured up to 64 KiB; logs carry at most 2 KiB of each, with a
 *   `… [truncated N bytes]` marker.
 * - Logs: `hook started` (info); `hook completed` (info, exit code and `duration_ms`), then
 *   `hook output` (info, truncated `stdout` and `stderr`) when the hook wrote anything;
 *   `hook failed` / `hook timed out` (warn, with truncated output).
 *
 * @returns the outcome when the hook exited 0, or null for an empty script.
 * @throws SymphonyError `hook_failed` ("<hook> hook failed for <identifier> (exit N): <first
 *   stderr line>") on a non-zero exit, a signal, a missing cwd or a shell that cannot start;
 *   `hook_timeout` when `timeoutMs` elapsed.
 *
 * Implements spec §9.4 (execution contract) and §15.4 (timeouts, truncated output).
 */
export async function runHook(name: HookName, script: string | null | undefined, options: RunHookOptions): Promise<HookOutcome | null> {
  if (script === null || script === undefined || script.trim() === '') return null;
  const { cwd, timeoutMs, logger } = options;
  const label = options.issue.identifier ?? path.basename(cwd);
  const fields = { hook: name, issue_identifier: options.issue.identifier, issue_id: options.issue.id ?? null, workspace: cwd };

  if (!(await isDirectory(cwd))) {
    logger.warn({ ...fields }, 'hook not run: workspace directory missing');
    throw new SymphonyError('hook_failed', `${name} hook for ${label} not run: workspace directory ${cwd} does not exist`, {
      details: { hook: name, workspace: cwd },
    });
  }

  logger.info({ ...fields, timeout_ms: timeoutMs }, 'hook started');
  const clock = options.clock ?? systemClock;
  const started = performance.now();
  const child = spawnShell(script, { cwd, env: options.env, stdin: 'ignore', clock });
  const stdout = new CappedOutput();
  const stderr = new CappedOutput();
  const streams = [child.subprocess.stdout, child.subprocess.stderr];
  const drained = Promise.all([drain(streams[0], stdout), drain(streams[1], stderr)]);

  let timer: TimerHandle | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = clock.setTimeout(() => resolve('timeout'), Math.min(timeoutMs, MAX_TIMER_MS));
  });
  const first = await Promise.race([child.exited, timedOut]);
  if (timer !== undefined) clock.clearTimeout(timer);
  const exit: GroupExit = first === 'timeout' ? await child.terminate(options.killGraceMs ?? 2000) : first;
  await settle(drained, streams, clock);

  const durationMs = Math.round(performance.now() - started);
  const out = stdout.text();
  const err = stderr.text();
  const result = { ...fields, exit_code: exit.exitCode, signal: exit.signal, duration_ms: durationMs };
  const logged = { stdout: truncateForLog(out), stderr: truncateForLog(err) };

  if (first === 'timeout') {
    logger.warn({ ...result, ...logged, timeout_ms: timeoutMs }, 'hook timed out');
    throw new SymphonyError('hook_timeout', `${name} hook timed out after ${timeoutMs} ms for ${label}`, {
      details: { hook: name, timeout_ms: timeoutMs, workspace: cwd },
    });
  }
  if (exit.exitCode !== 0) {
    logger.warn({ ...result, ...logged }, 'hook failed');
    throw new SymphonyError('hook_failed', failureMessage(name, label, exit, err), {
      details: { hook: name, exit_code: exit.exitCode, signal: exit.signal, workspace: cwd },
    });
  }
  logger.info(result, 'hook completed');
  // At info, so an operator sees what a clone or a setup script said without turning on debug.
  if (out !== '' || err !== '') logger.info({ ...fields, ...logged }, 'hook output');
  return { hook: name, exitCode: 0, durationMs, stdout: out, stderr: err };
}

function failureMessage(name: HookName, label: string, exit: GroupExit, stderr: string): string {
  const how =
    exit.exitCode !== null ? `exit ${exit.exitCode}` : exit.signal !== null ? `signal ${exit.signal}` : 'shell could not be started';
  const line = firstLine(stderr);
  return oneLine(`${name} hook failed for ${label} (${how})${line === '' ? '' : `: ${line}`}`, 400);
}

/** Copies a stream into `sink` until it ends, closes or errors; resolves immediately for null. */
function drain(stream: Readable | null | undefined, sink: CappedOutput): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer | string) => sink.push(chunk));
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

/**
 * Waits for the pipes to drain; a process that escaped the group (e.g. via `setsid`) could hold
 * them open forever, so after {@link STREAM_SETTLE_MS} they are destroyed instead.
 */
async function settle(drained: Promise<unknown>, streams: readonly (Readable | null | undefined)[], clock: Clock): Promise<void> {
  let timer: TimerHandle | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = clock.setTimeout(resolve, STREAM_SETTLE_MS);
  });
  await Promise.race([drained, deadline]);
  if (timer !== undefined) clock.clearTimeout(timer);
  for (const stream of streams) stream?.destroy();
}

async function isDirectory(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isDirectory();
  } catch {
    return false;
  }
}
