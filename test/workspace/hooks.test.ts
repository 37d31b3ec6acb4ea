import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSymphonyError, type SymphonyError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging/logger.js';
import { runHook, type RunHookOptions } from '../../src/workspace/hooks.js';
import { HOOK_OUTPUT_LOG_BYTES } from '../../src/workspace/output.js';
import { ManualClock } from '../support/manual-clock.js';
import { Pulse } from '../support/wait.js';
import { captureLogger, isAlive, processesWithEnv, useHookSandbox, waitFor, WARN } from './helpers.js';

/** pino's numeric info level. */
const INFO = 30;

const { temps, env: hookEnv } = useHookSandbox();

async function options(overrides: Partial<RunHookOptions> = {}): Promise<RunHookOptions> {
  return {
    cwd: await temps.make(),
    timeoutMs: 30_000,
    env: hookEnv(),
    logger: silentLogger(),
    issue: { identifier: 'ABC-1', id: 'id-1' },
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<SymphonyError> {
  return promise.then(
    () => {
      throw new Error('expected the hook to fail');
    },
    (error: unknown) => error as SymphonyError,
  );
}

describe('runHook', () => {
  it('runs bash -lc in the workspace with the given environment and returns its output', async () => {
    const opts = await options({ env: hookEnv({ GREETING: 'hello' }) });
    const outcome = await runHook('before_run', 'pwd; echo "$GREETING"; echo oops >&2', opts);
    expect(outcome?.exitCode).toBe(0);
    expect(outcome?.stdout).toBe(`${opts.cwd}\nhello\n`);
    expect(outcome?.stderr).toBe('oops\n');
  });

  it('treats a null, empty or blank script as a no-op', async () => {
    const { logger, lines } = captureLogger();
    const opts = await options({ logger });
    expect(await runHook('after_create', null, opts)).toBeNull();
    expect(await runHook('after_create', '', opts)).toBeNull();
    expect(await runHook('after_create', '  \n', opts)).toBeNull();
    expect(lines).toHaveLength(0);
  });

  it('throws hook_failed naming the hook, the issue, the exit code and the first stderr line', async () => {
    const error = await failure(runHook('before_run', 'echo; echo "  first problem"; echo second >&2; echo "first problem" >&2; exit 7', await options()));
    expect(isSymphonyError(error, 'hook_failed')).toBe(true);
    expect(error.message).toBe('before_run hook failed for ABC-1 (exit 7): second');
    expect(error.details).toMatchObject({ hook: 'before_run', exit_code: 7 });
  });

  it('throws hook_timeout when the hook outlives timeoutMs', async () => {
    const error = await failure(runHook('before_run', 'sleep 1000', await options({ timeoutMs: 200 })));
    expect(isSymphonyError(error, 'hook_timeout')).toBe(true);
    expect(error.message).toBe('before_run hook timed out after 200 ms for ABC-1');
  });

  it('§15.4 a timed-out hook has its whole process group killed, background jobs included', async () => {
    const outside = await temps.make();
    const pidFile = path.join(outside, 'bg.pid');
    const token = randomUUID();
    const clock = new ManualClock();
    const run = failure(
      runHook('after_create', `sleep 1000 & echo $! > ${JSON.stringify(pidFile)}; wait`, await options({
        timeoutMs: 3000,
        killGraceMs: 5000,
        env: hookEnv({ HOOK_TEST_TOKEN: token }),
        clock,
      })),
    );
    const pid = await waitFor(() => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n') ? Number(readFileSync(pidFile, 'utf8')) : undefined), 'the background pid');
    expect(isAlive(pid)).toBe(true);
    // The timeout is a clock position: the hook runs until the test moves the clock past it.
    clock.advance(3000);
    const error = await run;
    expect(isSymphonyError(error, 'hook_timeout')).toBe(true);
    await waitFor(() => (isAlive(pid) ? undefined : true), `background sleep ${pid} to be gone`);
    await waitFor(() => (processesWithEnv('HOOK_TEST_TOKEN', token).length === 0 ? true : undefined), 'every hook process to be gone');
  });

  it('§15.4 background jobs of a hook that exits normally do not outlive it', async () => {
    const token = randomUUID();
    const outcome = await runHook('after_create', 'sleep 1000 & echo started', await options({ env: hookEnv({ HOOK_TEST_TOKEN: token }) }));
    expect(outcome?.stdout).toBe('started\n');
    await waitFor(() => (processesWithEnv('HOOK_TEST_TOKEN', token).length === 0 ? true : undefined), 'the background sleep to be gone');
  });

  it('§15.4 hook output is truncated in logs', async () => {
    const { logger, lines } = captureLogger();
    const error = await failure(runHook('before_run', 'head -c 10000 /dev/zero | tr "\\0" x >&2; exit 1', await options({ logger })));
    expect(isSymphonyError(error, 'hook_failed')).toBe(true);
    const failed = lines.find((line) => line.msg === 'hook failed');
    expect(failed?.level).toBe(WARN);
    const stderr = String(failed?.stderr);
    expect(stderr.startsWith('x'.repeat(HOOK_OUTPUT_LOG_BYTES))).toBe(true);
    expect(stderr).toContain(`[truncated ${10_000 - HOOK_OUTPUT_LOG_BYTES} bytes]`);
    expect(stderr.length).toBeLessThan(HOOK_OUTPUT_LOG_BYTES + 40);
    expect(error.message.length).toBeLessThanOrEqual(400);
  });

  it('logs start and outcome with exit code and duration', async () => {
    const { logger, lines } = captureLogger();
    await runHook('after_run', 'true', await options({ logger }));
    expect(lines.map((line) => line.msg)).toEqual(['hook started', 'hook completed']);
    expect(lines[1]).toMatchObject({ hook: 'after_run', issue_identifier: 'ABC-1', issue_id: 'id-1', exit_code: 0 });
    expect(typeof lines[1]?.duration_ms).toBe('number');
  });

  it('logs what a successful hook wrote at info, truncated like the failure lines; nothing when it wrote nothing', async () => {
    const { logger, lines } = captureLogger();
    await runHook('after_create', 'echo "cloned into $PWD"; echo "warning: detached HEAD" >&2; head -c 5000 /dev/zero | tr "\\0" y', await options({ logger }));
    expect(lines.map((line) => line.msg)).toEqual(['hook started', 'hook completed', 'hook output']);
    const output = lines[2];
    expect(output).toMatchObject({ level: INFO, hook: 'after_create', issue_identifier: 'ABC-1', issue_id: 'id-1', stderr: 'warning: detached HEAD\n' });
    const stdout = String(output?.stdout);
    expect(stdout).toMatch(/^cloned into \/.*\ny/);
    expect(stdout).toContain('[truncated ');
    expect(Buffer.byteLength(stdout.slice(0, stdout.indexOf('… [truncated')))).toBeLessThanOrEqual(HOOK_OUTPUT_LOG_BYTES);

    const quiet = captureLogger();
    await runHook('after_run', 'true', await options({ logger: quiet.logger }));
    expect(quiet.lines.map((line) => line.msg)).toEqual(['hook started', 'hook completed']);
  });

  it('fails with hook_failed when the workspace directory is missing', async () => {
    const opts = await options();
    const error = await failure(runHook('before_run', 'true', { ...opts, cwd: path.join(opts.cwd, 'missing') }));
    expect(isSymphonyError(error, 'hook_failed')).toBe(true);
    expect(error.message).toContain('does not exist');
  });
});

describe('runHook timers (clock-driven)', () => {
  function clocked(): { clock: ManualClock; pulse: Pulse } {
    const clock = new ManualClock();
    const pulse = new Pulse();
    clock.onChange(pulse.notify);
    return { clock, pulse };
  }

  it('times the hook out when the clock reaches timeoutMs, however little real time passed', async () => {
    const { clock, pulse } = clocked();
    const run = failure(runHook('before_run', 'sleep 1000', await options({ timeoutMs: 600_000, clock })));
    const limit = await pulse.waitFor(() => clock.pending().find((timer) => timer.delayMs === 600_000), 'the hook timeout timer');
    clock.advanceTo(limit.dueAtMs);
    const error = await run;
    expect(isSymphonyError(error, 'hook_timeout')).toBe(true);
    expect(error.message).toBe('before_run hook timed out after 600000 ms for ABC-1');
    // The kill grace and the pipe-settle bound were armed on the same clock and cleared once unneeded.
    expect(clock.pending()).toEqual([]);
  });

  it('a hook that exits in time leaves no timer armed', async () => {
    const { clock } = clocked();
    const outcome = await runHook('after_run', 'echo done', await options({ clock }));
    expect(outcome?.stdout).toBe('done\n');
    expect(clock.pending()).toEqual([]);
  });
});
