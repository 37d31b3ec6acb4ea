/**
 * Suite-wide setup:
 * - Every process the suite starts inherits SYMPHONY_TEST_RUN; at teardown any process still
 *   carrying that marker is an orphan. It is killed and the suite fails.
 * - HOME is an empty temporary directory, so the many `bash -lc` shells the suite starts (hooks,
 *   the app-server, Codex's own commands) never run the machine's login profile: that is faster,
 *   independent of the machine, and a shell killed by a timeout test cannot leave a profile's
 *   lock file behind for every later shell to wait on.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const marker = randomUUID();
let home: string | null = null;

/** PIDs of live processes (other than this one) whose environment carries the marker. */
function markedProcesses(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environ.includes(`SYMPHONY_TEST_RUN=${marker}`)) {
        // vitest's own helpers (its watchdog, pool workers) are not ours to judge.
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1');
        if (cmdline.includes('vitest')) continue;
        const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
        if (!/\) Z /.test(stat)) found.push(pid);
      }
    } catch {
      // process gone or unreadable
    }
  }
  return found;
}

export function setup(): void {
  process.env.SYMPHONY_TEST_RUN = marker;
  home = mkdtempSync(path.join(tmpdir(), 'symphony-test-home-'));
  process.env.HOME = home;
}

export async function teardown(): Promise<void> {
  if (home) rmSync(home, { recursive: true, force: true });
  // Give exiting children a moment to be reaped by their parents, polling rather than sleeping blind.
  let orphans = markedProcesses();
  for (let i = 0; i < 50 && orphans.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    orphans = markedProcesses();
  }
  if (orphans.length > 0) {
    const described = orphans.map((pid) => {
      try {
        return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim()}`;
      } catch {
        return String(pid);
      }
    });
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    throw new Error(`orphan processes outlived the test suite:\n${described.join('\n')}`);
  }
}
