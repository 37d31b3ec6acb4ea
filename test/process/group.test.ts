/**
 * The staged stop of a process group ({@link GroupProcess.terminate}) on the manual clock: real
 * `bash` children, but the SIGTERM → SIGKILL grace is a timer the test fires, so "after the grace"
 * is a clock position rather than a wait.
 */
import { describe, expect, it } from 'vitest';
import { spawnShell, type GroupProcess } from '../../src/process/group.js';
import { ManualClock } from '../support/manual-clock.js';
import { Pulse } from '../support/wait.js';
import { isAlive, useHookSandbox } from '../workspace/helpers.js';

const { temps, env } = useHookSandbox();

/** Starts `script` on `clock` and resolves once it printed `ready` (its traps are then in place). */
async function startReady(script: string, clock: ManualClock): Promise<GroupProcess> {
  const child = spawnShell(script, { cwd: await temps.make(), env: env(), clock });
  const pulse = new Pulse();
  let output = '';
  child.subprocess.stdout?.on('data', (chunk: Buffer | string) => {
    output += String(chunk);
    pulse.notify();
  });
  await pulse.waitFor(() => output.includes('ready'), 'the child to print ready');
  return child;
}

describe('GroupProcess.terminate (clock-driven grace)', () => {
  it('SIGKILLs a group that ignores SIGTERM exactly when the clock passes graceMs', async () => {
    const clock = new ManualClock();
    // `exec` keeps the ignored SIGTERM: the group can only end by SIGKILL.
    const child = await startReady('trap "" TERM; echo ready; exec sleep 1000', clock);
    const stopping = child.terminate(5_000);
    expect(clock.pending().map((timer) => timer.delayMs)).toEqual([5_000]);
    clock.advance(4_999);
    expect(isAlive(child.pid)).toBe(true);
    clock.advance(1);
    await expect(stopping).resolves.toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(clock.pending()).toEqual([]);
  });

  it('a group that ends on SIGTERM needs no clock time, and its grace timer is cleared', async () => {
    const clock = new ManualClock(0);
    const child = await startReady('echo ready; exec sleep 1000', clock);
    await expect(child.terminate(5_000)).resolves.toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(clock.pending()).toEqual([]);
    expect(clock.now()).toBe(0);
  });
});
