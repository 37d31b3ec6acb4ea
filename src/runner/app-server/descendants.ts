/**
 * Descendants of the app-server that left its process group. Codex runs agent commands in
 * sandboxes with their own session and process group; they normally die with Codex (parent-death
 * signals), but asynchronously. Stopping a session therefore snapshots the whole process tree
 * first and, once the group is gone, waits briefly for those processes and SIGKILLs survivors.
 *
 * Linux only (reads `/proc`); elsewhere the snapshot is empty and this is a no-op.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { systemClock, type Clock } from '../../domain/clock.js';

/** A process identified by pid and kernel start time (guards against pid reuse). */
export interface ProcessRef {
  readonly pid: number;
  readonly startTime: string;
}

interface StatLine {
  readonly state: string;
  readonly ppid: number;
  readonly startTime: string;
}

function readStat(pid: number): StatLine | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return null;
  }
}

/** Every live descendant of `rootPid` (children, grandchildren, …). Empty when `/proc` is unavailable. */
export function snapshotDescendants(rootPid: number): ProcessRef[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  const children = new Map<number, ProcessRef[]>();
  for (const entry of entries) {
    const pid = Number(entry);
    const stat = readStat(pid);
    if (stat === null || stat.state === 'Z') continue;
    const list = children.get(stat.ppid) ?? [];
    list.push({ pid, startTime: stat.startTime });
    children.set(stat.ppid, list);
  }
  const found: ProcessRef[] = [];
  const queue = [rootPid];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** True while `ref` is the same, non-zombie process. */
export function isRunning(ref: ProcessRef): boolean {
  const stat = readStat(ref.pid);
  return stat !== null && stat.state !== 'Z' && stat.startTime === ref.startTime;
}

/** How often {@link reapDescendants} re-reads `/proc` while it waits, ms. */
const REAP_POLL_MS = 20;

function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, ms);
  });
}

async function waitGone(refs: readonly ProcessRef[], ms: number, pollMs: number, clock: Clock): Promise<ProcessRef[]> {
  let alive = refs.filter(isRunning);
  for (let waited = 0; alive.length > 0 && waited < ms; waited += pollMs) {
    await delay(clock, pollMs);
    alive = alive.filter(isRunning);
  }
  return alive;
}

/**
 * Waits up to `graceMs` for `refs` to exit on their own, SIGKILLs the survivors, then waits up to
 * `graceMs` more for them to disappear. Resolves either way; never throws.
 *
 * @param graceMs - each of the two waits, ms, counted in {@link REAP_POLL_MS} polls of `/proc`.
 * @param clock - times the polls. Default {@link systemClock}.
 */
export async function reapDescendants(refs: readonly ProcessRef[], graceMs: number, clock: Clock = systemClock): Promise<void> {
  const survivors = await waitGone(refs, graceMs, REAP_POLL_MS, clock);
  for (const ref of survivors) {
    try {
      process.kill(ref.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitGone(survivors, graceMs, REAP_POLL_MS, clock);
}
