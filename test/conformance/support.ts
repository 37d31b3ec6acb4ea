/**
 * Helpers for the §17 conformance tests: temp dirs, a log sink that tests wait on, the recording
 * app-server fixture, workflow files loaded through the real config layer, and a one-issue run
 * through the real worker composition.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { loadEffectiveWorkflow } from '../../src/config/load.js';
import type { EffectiveWorkflow } from '../../src/config/types.js';
import type { Issue } from '../../src/domain/issue.js';
import type { Logger } from '../../src/logging/logger.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import type { RunningService } from '../../src/service/service.js';
import { createWorkerStarter } from '../../src/service/worker-factory.js';
import type { TrackerAdapter } from '../../src/tracker/tracker.js';
import { REPO_ROOT, shellQuote } from '../support/codex.js';
import { resetMemoryTrackers } from '../support/memory-tracker.js';
import { testTrackerProfiles } from '../support/tracker-registry.js';

/** Node 24 from node_modules (never the system node). */
export const NODE_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');

/** The recording fake app-server (see the fixture's header for scenarios and records). */
export const RECORDING_SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'recording-app-server.mjs');

/** `codex.command` running the recording fixture with `args` (scenario first). */
export function recordingCommand(...args: string[]): string {
  return [NODE_BIN, RECORDING_SERVER, ...args].map(shellQuote).join(' ');
}

/** Creates real-path temp dirs and removes them all in {@link TempDirs.cleanup}. */
export class TempDirs {
  readonly #dirs: string[] = [];

  async make(prefix = 'symphony-conf-'): Promise<string> {
    const dir = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
    this.#dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.#dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** What {@link useServiceCleanup} tears down after each test. */
export interface ServiceCleanup {
  /** Temp dirs, removed after each test. */
  readonly dirs: TempDirs;
  /** Running services, stopped (8 s bound each) after each test; a test may stop and pop one itself. */
  readonly services: RunningService[];
  /** Registers `resource` (e.g. a fake Linear API) to be closed after each test; returns it. */
  readonly closeAfter: <T extends { close(): Promise<void> }>(resource: T) => T;
}

/**
 * Registers an `afterEach` that stops every service in `services`, closes every resource given to
 * `closeAfter`, resets the in-memory tracker stores, and removes every temp dir, in that order.
 * Call once at the top of a test file.
 */
export function useServiceCleanup(): ServiceCleanup {
  const dirs = new TempDirs();
  const services: RunningService[] = [];
  const closables: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.stop(8000)));
    await Promise.all(closables.splice(0).map((resource) => resource.close()));
    resetMemoryTrackers();
    await dirs.cleanup();
  });
  return {
    dirs,
    services,
    closeAfter: (resource) => {
      closables.push(resource);
      return resource;
    },
  };
}

/** One parsed log line (pino JSON with the level as its label). */
export type LogLine = Record<string, unknown> & { readonly level: string; readonly msg: string };

/** Collects parsed log lines; tests wait for lines instead of sleeping. */
export class LogSink {
  readonly lines: LogLine[] = [];
  readonly #waiters = new Set<() => void>();

  /** A destination stream for pino (`write` receives one JSON line). */
  readonly stream = {
    write: (line: string): void => {
      for (const part of line.split('\n')) if (part.trim() !== '') this.lines.push(JSON.parse(part) as LogLine);
      for (const wake of [...this.#waiters]) wake();
    },
  };

  /** A debug-level logger writing here. */
  logger(): Logger {
    return pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) } }, this.stream);
  }

  /** Lines whose `msg` is `msg`. */
  named(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }

  /** Resolves with the first (past or future) line matching `match`; rejects after `boundMs`. */
  waitFor(match: (line: LogLine) => boolean, what: string, boundMs = 20_000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.find(match);
        if (found === undefined) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for a log line: ${what}`));
      }, boundMs);
      this.#waiters.add(check);
      check();
    });
  }
}

/** One record of the recording fixture. */
export type Recorded =
  | { readonly kind: 'start'; readonly pid: number; readonly cwd: string; readonly env: Record<string, string> }
  | { readonly kind: 'recv'; readonly message: { readonly id?: unknown; readonly method?: string; readonly params?: Record<string, unknown> } }
  | { readonly kind: 'tool-result'; readonly response: { readonly id: unknown; readonly result?: Record<string, unknown> } };

/** Every record the fixture appended to `file` so far ([] when it never started). */
export function readRecords(file: string): Recorded[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Recorded);
}

/** The params of the first message with `method` the fixture received. */
export function receivedParams(records: readonly Recorded[], method: string): Record<string, unknown> | undefined {
  for (const entry of records) if (entry.kind === 'recv' && entry.message.method === method) return entry.message.params;
  return undefined;
}

/** Writes `<dir>/WORKFLOW.md` from front-matter lines and a prompt; returns its path. */
export async function writeWorkflow(dir: string, frontMatter: readonly string[], prompt = 'Work on {{ issue.identifier }}.'): Promise<string> {
  const file = path.join(dir, 'WORKFLOW.md');
  await writeFile(file, `---\n${frontMatter.join('\n')}\n---\n\n${prompt}\n`);
  return file;
}

/** Options of {@link memoryWorkflowFrontMatter}. */
export interface MemoryWorkflowOptions {
  /** `workspace.root` (absolute). */
  readonly root: string;
  /** `tracker.provider.store` (see `memoryTrackerFor`); omitted: no provider block. */
  readonly store?: string;
  /** `codex.command`; default: the recording fixture's `ok` scenario. */
  readonly command?: string;
  /** `agent.max_turns`; omitted: the config default. */
  readonly maxTurns?: number;
  /** More front-matter lines, appended as they are (e.g. a `hooks:` block). */
  readonly extra?: readonly string[];
}

/**
 * Front-matter lines for a workflow on the in-memory tracker: `tracker.kind: memory` (accepted by
 * `testTrackerProfiles` only: load with {@link loadWorkflow}, start services with
 * `profiles: testTrackerProfiles`), an
 * hour-long `polling.interval_ms` (only startup and explicit refreshes tick), `workspace.root`,
 * `codex.command`, then `agent.max_turns` and `extra` when given. Pass to {@link writeWorkflow}.
 */
export function memoryWorkflowFrontMatter(options: MemoryWorkflowOptions): string[] {
  const { root, store, command = recordingCommand('ok'), maxTurns, extra = [] } = options;
  return [
    'tracker:',
    '  kind: memory',
    ...(store === undefined ? [] : ['  provider:', `    store: ${store}`]),
    'polling:',
    '  interval_ms: 3600000',
    'workspace:',
    `  root: ${JSON.stringify(root)}`,
    'codex:',
    `  command: ${JSON.stringify(command)}`,
    ...(maxTurns === undefined ? [] : ['agent:', `  max_turns: ${maxTurns}`]),
    ...extra,
  ];
}

/**
 * Loads a workflow through the real config layer and the test tracker registry
 * (`testTrackerProfiles`: the production profiles plus `memory`).
 */
export function loadWorkflow(file: string, env: NodeJS.ProcessEnv): Promise<EffectiveWorkflow> {
  return loadEffectiveWorkflow(file, { env, profiles: testTrackerProfiles });
}

/** Result of {@link runOneWorker}. */
export interface WorkerRunResult {
  /** How the worker ended: its exit reason, or the error it failed with. */
  readonly outcome: { readonly ok: true; readonly exit: unknown } | { readonly ok: false; readonly error: unknown };
  readonly events: AgentEvent[];
  readonly workspacePaths: string[];
}

/**
 * Runs one worker for `issue` through the real composition (`createWorkerStarter`: workspace
 * manager, hooks, prompt, app-server session, tracker tools) and waits for it to end.
 */
export async function runOneWorker(options: {
  readonly workflow: EffectiveWorkflow;
  readonly tracker: TrackerAdapter;
  readonly issue: Issue;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}): Promise<WorkerRunResult> {
  const events: AgentEvent[] = [];
  const workspacePaths: string[] = [];
  const start = createWorkerStarter({ logger: options.logger, env: options.env, currentWorkflow: () => options.workflow, clientVersion: '0.0.0-conformance' });
  const handle = start(options.issue, null, options.workflow, options.tracker, {
    workspaceReady: (workspacePath) => workspacePaths.push(workspacePath),
    agentEvent: (event) => events.push(event),
  });
  const outcome = await handle.done.then(
    (exit: unknown) => ({ ok: true as const, exit }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { outcome, events, workspacePaths };
}

