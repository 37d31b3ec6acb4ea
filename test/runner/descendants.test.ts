/**
 * The descendant reaper on the manual clock: a real child that will not exit on its own is given
 * exactly `graceMs` of clock time (counted in polls of `/proc`) before it is SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { isRunning, reapDescendants, reapSession, SESSION_MARKER_ENV, snapshotDescendants, snapshotMarked, snapshotSession } from '../../src/runner/app-server/descendants.js';
import { ManualClock } from '../support/manual-clock.js';
import { Pulse } from '../support/wait.js';

describe.skipIf(process.platform !== 'linux')('reapDescendants (clock-driven)', () => {
  it('SIGKILLs a survivor only once graceMs of clock time has passed', async () => {
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    onTestFinished(() => void child.kill('SIGKILL'));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const ref = snapshotDescendants(process.pid).find((candidate) => candidate.pid === child.pid);
    expect(ref).toBeDefined();
    const clock = new ManualClock(0);
    const pulse = new Pulse();
    clock.onChange(pulse.notify);
    let done = false;
    const reaping = reapDescendants([ref!], 100, clock).then(() => {
      done = true;
      pulse.notify();
    });
    // Each poll is one clock timer; until 100 ms of clock time passed the child must be untouched.
    while (clock.now() < 100) {
      await pulse.waitFor(() => clock.pending().length === 1, 'the next poll timer');
      expect(isRunning(ref!)).toBe(true);
      clock.advance(20);
    }
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
    // The second wait (for the killed process to disappear) also runs on the clock.
    while (!done) {
      await pulse.waitFor(() => done || clock.pending().length === 1, 'a poll timer or the end of the reap');
      if (!done) clock.advance(20);
    }
    await reaping;
    expect(clock.pending()).toEqual([]);
  });
});

describe.skipIf(process.platform !== 'linux')('the launch marker (processes detached from the tree)', () => {
  it('finds a process that left the tree by its SYMPHONY_AGENT_SESSION value, and reapSession ends it', async () => {
    const marker = `test-${process.pid}-${Date.now()}`;
    // setsid + a shell that exits: the sleep is re-parented to init, out of our tree.
    const launcher = spawn('bash', ['-c', 'setsid sleep 614 </dev/null >/dev/null 2>&1 & echo $!'], { env: { ...process.env, [SESSION_MARKER_ENV]: marker } });
    const [pidText] = (await once(launcher.stdout, 'data')) as [Buffer];
    const pid = Number(pidText.toString().trim());
    onTestFinished(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    });
    await once(launcher, 'exit');
    expect(snapshotMarked(marker).map((ref) => ref.pid)).toEqual([pid]);
    expect(snapshotMarked(`${marker}-other`)).toEqual([]);
    expect(snapshotSession(-1, marker).map((ref) => ref.pid)).toEqual([pid]);
    await reapSession([], marker, 100);
    expect(snapshotMarked(marker)).toEqual([]);
  });
});
