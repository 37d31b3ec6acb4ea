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

/**
 * The variable every agent launch puts in its environment, with a value unique to the launch
 * (`launchAppServer`). Processes an agent detached from its tree (re-parented to init, as
 * OpenCode's background shell commands are) still carry it, so a stop finds them by it.
 */
export const SESSION_MARKER_ENV = 'SYMPHONY_AGENT_SESSION';

/**
 * Every live process (this one aside) whose environment has `SYMPHONY_AGENT_SESSION=<marker>`.
 * Empty when `/proc` is unavailable; processes of other users are unreadable and skipped.
 */
export function snapshotMarked(marker: string): ProcessRef[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  const needle = `${SESSION_MARKER_ENV}=${marker}\0`;
  const found: ProcessRef[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      if (!`${readFileSync(`/proc/${pid}/environ`, 'latin1')}\0`.includes(needle)) continue;
    } catch {
      continue;
    }
    const stat = readStat(pid);
    if (stat !== null && stat.state !== 'Z') found.push({ pid, startTime: stat.startTime });
  }
  return found;
}

/**
 * The processes a stop must end: the descendants of `rootPid` and every process carrying the
 * launch's `marker` (deduplicated).
 */
export function snapshotSession(rootPid: number, marker: string | null): ProcessRef[] {
  const refs = rootPid > 0 ? snapshotDescendants(rootPid) : [];
  if (marker === null) return refs;
  const seen = new Set(refs.map((ref) => ref.pid));
  return [...refs, ...snapshotMarked(marker).filter((ref) => !seen.has(ref.pid))];
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

/**
 * {@link reapDescendants} of `tree` (taken before the group was stopped) and of every process
 * still carrying the launch's `marker` (a command the agent detached, even one started after the
 * snapshot). Resolves either way; never throws.
 */
export async function reapSession(tree: readonly ProcessRef[], marker: string | null, graceMs: number, clock: Clock = systemClock): Promise<void> {
  const seen = new Set(tree.map((ref) => ref.pid));
  const marked = marker === null ? [] : snapshotMarked(marker).filter((ref) => !seen.has(ref.pid));
  await reapDescendants([...tree, ...marked], graceMs, clock);
}
