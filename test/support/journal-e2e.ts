/**
 * Helpers for the run-journal end-to-end tests (issue 9): one e2e environment (test/e2e/harness.ts)
 * whose daemon is SIGKILLed and started again on the same WORKFLOW.md, HOME and CODEX_HOME, so the
 * journal (`<workflow dir>/.symphony/journal.db`) and Codex's thread rollouts persist.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'vitest';
import type { E2E } from '../e2e/harness.js';
import { descendantPids, isAlive, type Daemon } from './daemon.js';
import { eventually, eventuallyAsync } from './wait.js';

/** The journal's default path for an e2e environment (the workflow lives in `env.dir`). */
export function journalPathOf(env: E2E): string {
  return path.join(env.dir, '.symphony', 'journal.db');
}

/**
 * Adds `agent.*` keys (`max_tokens_per_issue: 500`, …) to the WORKFLOW.md the harness wrote.
 * Call once, before the first start; the file then stays the same across restarts.
 */
export async function addAgentKeys(env: E2E, keys: Readonly<Record<string, number | string | boolean>>): Promise<void> {
  const text = await readFile(env.workflowPath, 'utf8');
  const lines = Object.entries(keys).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}\n`);
  if (!text.includes('\nagent:\n')) throw new Error('the generated WORKFLOW.md has no agent section');
  await writeFile(env.workflowPath, text.replace('\nagent:\n', `\nagent:\n${lines.join('')}`));
}

/** Rows of the journal's tables, read from a copy (the live file is locked by a running daemon). */
export interface JournalRows {
  readonly claims: Record<string, unknown>[];
  readonly usage: Record<string, unknown>[];
  readonly runs: Record<string, unknown>[];
}

/**
 * Reads the journal of `env` through a copy of `journal.db` and its `-wal`, so the file the next
 * daemon recovers from is left exactly as the killed one left it (no checkpoint, no new `-shm`).
 * Only call it while no daemon writes the journal.
 */
export function readJournalCopy(env: E2E): JournalRows {
  const source = journalPathOf(env);
  const dir = mkdtempSync(path.join(tmpdir(), 'symphony-journal-copy-'));
  try {
    const copy = path.join(dir, 'journal.db');
    copyFileSync(source, copy);
    if (existsSync(`${source}-wal`)) copyFileSync(`${source}-wal`, `${copy}-wal`);
    const db = new DatabaseSync(copy);
    try {
      const all = (sql: string): Record<string, unknown>[] => db.prepare(sql).all().map((row) => ({ ...row }));
      return { claims: all('SELECT * FROM claims ORDER BY issue_id'), usage: all('SELECT * FROM usage ORDER BY issue_id'), runs: all('SELECT * FROM runs ORDER BY run_id') };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * SIGKILLs the daemon alone (`kill -9`: it can stop nothing itself) and waits for its exit. Its
 * agents then see their stdin close and exit on their own (spec §16); `agents: 'wait'` waits for
 * that (bounded), `agents: 'kill'` SIGKILLs what is left at once. Either way none survives.
 */
export async function killHard(daemon: Daemon, agents: 'wait' | 'kill'): Promise<void> {
  const tree = descendantPids(daemon.pid);
  daemon.signal('SIGKILL');
  const exit = await daemon.waitForExit();
  expect(exit.signal).toBe('SIGKILL');
  if (agents === 'kill') {
    for (const pid of tree) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  await eventually(() => tree.every((pid) => !isAlive(pid)), 'the killed daemon\'s agent processes to exit', 30_000, 50);
}

/** The HTTP server's base URL, once the daemon logs it. */
export async function apiBase(daemon: Daemon): Promise<string> {
  return String((await daemon.waitForLog((line) => line.msg === 'http server listening', 'the HTTP server', 30_000)).url);
}

/** `GET <base><route>` as JSON (the body of any status). */
export async function getJson<T = Record<string, unknown>>(base: string, route: string): Promise<T> {
  return (await (await fetch(`${base}${route}`)).json()) as T;
}

/** One `retrying[]` row of `GET /api/v1/state`. */
export interface RetryRowJson {
  readonly issue_id: string;
  readonly issue_identifier: string;
  readonly attempt: number;
  readonly due_at: string;
  readonly kind: string;
  readonly error: string | null;
}

/** One `blocked[]` row of `GET /api/v1/state`. */
export interface BlockedRowJson {
  readonly issue_id: string;
  readonly issue_identifier: string;
  readonly state: string;
  readonly reason: string;
  readonly since: string;
}

/** One `runs[]` row of `GET /api/v1/runs`. */
export interface RunRowJson {
  readonly run_id: number;
  readonly issue_id: string;
  readonly issue_identifier: string;
  readonly attempt: number | null;
  readonly outcome: string | null;
  readonly reason: string | null;
  readonly turns: number;
  readonly tokens: { readonly input: number; readonly output: number; readonly total: number };
}

/** The part of `GET /api/v1/state` these tests read. */
export interface StateJson {
  readonly counts: Record<string, number>;
  readonly running: { readonly issue_identifier: string; readonly session_id: string | null; readonly workspace_path: string | null }[];
  readonly retrying: RetryRowJson[];
  readonly blocked: BlockedRowJson[];
}

/** Poll ticks completed so far (the daemon's own metrics). */
async function ticks(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^symphony_poll_tick_duration_seconds_count (\d+)$/m.exec(text)?.[1] ?? NaN);
}

/** Requests a poll (`POST /api/v1/refresh`) and waits until a tick that started after it completed. */
export async function pollOnce(base: string): Promise<void> {
  const before = await ticks(base);
  expect((await fetch(`${base}/api/v1/refresh`, { method: 'POST' })).status).toBe(202);
  await eventuallyAsync(async () => (await ticks(base)) >= before + 1, 'a poll tick to complete', 30_000);
}

/** A gauge's value from `GET /metrics` (NaN when absent). */
export async function gauge(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}
