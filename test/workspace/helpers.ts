/** Test helpers for workspace tests: temp dirs, captured pino logs, hook configs, waiting. */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { HooksConfig } from '../../src/config/types.js';
import type { Logger } from '../../src/logging/logger.js';

/** Creates temp dirs and removes all of them in `cleanup()`. */
export class TempDirs {
  private readonly dirs: string[] = [];

  async make(prefix = 'symphony-ws-'): Promise<string> {
    const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), prefix)));
    this.dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/** A trace-level pino logger whose JSON lines are kept in `lines`. */
export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

/** pino's numeric warn level. */
export const WARN = 40;

/** Hooks config with every script unset and a 60 s timeout, overridden by `overrides`. */
export function hooksConfig(overrides: Partial<HooksConfig> = {}): HooksConfig {
  return { afterCreate: null, beforeRun: null, afterRun: null, beforeRemove: null, timeoutMs: 60_000, ...overrides };
}

/** Polls `probe` every 20 ms until it returns a non-undefined value; fails after `limitMs`. */
export async function waitFor<T>(probe: () => T | undefined, what: string, limitMs = 10_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True while `pid` is a live (non-zombie) process. */
export function isAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

/** PIDs of live processes whose environment contains `NAME=value`. */
export function processesWithEnv(name: string, value: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`${name}=${value}`) && isAlive(Number(entry))) {
        found.push(Number(entry));
      }
    } catch {
      // gone or unreadable
    }
  }
  return found;
}

/**
 * Environment for hooks in tests: the test process's environment (it carries the suite's orphan
 * marker) with HOME pointed at an empty directory, so `bash -lc` does not source the machine's
 * ~/.profile (on the CI image it runs `pyenv rehash`, which takes a lock that a killed hook leaves
 * behind, stalling every later login shell for 60 s).
 */
export function hookTestEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, ...extra };
}

/** What {@link useHookSandbox} gives a test file. */
export interface HookSandbox {
  /** Temp dirs, removed after each test. */
  readonly temps: TempDirs;
  /** {@link hookTestEnv} with the file's empty HOME (created before the file's first test). */
  readonly env: (extra?: NodeJS.ProcessEnv) => NodeJS.ProcessEnv;
}

/**
 * Registers the vitest hooks shared by files that run hooks: one empty HOME for the whole file
 * (made in `beforeAll`, removed in `afterAll`) and temp dirs removed after each test. Call once at
 * the top of a test file.
 */
export function useHookSandbox(): HookSandbox {
  const temps = new TempDirs();
  const homes = new TempDirs();
  let home = '';
  beforeAll(async () => {
    home = await homes.make('symphony-home-');
  });
  afterEach(() => temps.cleanup());
  afterAll(() => homes.cleanup());
  return { temps, env: (extra = {}) => hookTestEnv(home, extra) };
}
