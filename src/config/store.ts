/**
 * The hot-reload store: holds the last known good {@link EffectiveWorkflow}, watches `WORKFLOW.md`
 * and re-applies it on change (spec §6.2). An invalid file — a config error, or a prompt template
 * that fails `validatePrompt` (it does not parse or render against a sample issue) — never
 * replaces the good one; it is reported (`rejected` event, `lastError`) and blocks new dispatch
 * until fixed (spec §5.5). Every load's warnings (unknown keys among them) are logged once at
 * warn level, with `workflow_path`.
 *
 * States: VALID (lastError null) ⇄ INVALID (lastError set, `current()` = last good). Every check
 * runs through one queue, so watch events and `refresh()` never race.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { watch, type FSWatcher } from 'chokidar';
import { systemClock, type Clock, type TimerHandle } from '../domain/clock.js';
import { toSymphonyError, type SymphonyError } from '../errors.js';
import { silentLogger, type Logger } from '../logging/logger.js';
import { effectiveWorkflowFromText, type LoadOptions } from './load.js';
import type { EffectiveWorkflow } from './types.js';
import { missingWorkflowError } from './workflow.js';

/** A top-level part of the workflow whose effective value can change on reload. */
export type WorkflowSection = 'tracker' | 'polling' | 'workspace' | 'hooks' | 'agent' | 'codex' | 'acp' | 'claude' | 'server' | 'prompt';

/** What started a check: a filesystem event or an explicit {@link WorkflowStore.refresh}. */
export type CheckTrigger = 'watch' | 'refresh';

/** Payload of `reloaded`: a new valid workflow replaced `previous`. */
export interface ReloadedEvent {
  readonly workflow: EffectiveWorkflow;
  readonly previous: EffectiveWorkflow;
  /** Sections whose effective value differs; empty when only validity was restored. */
  readonly changedSections: readonly WorkflowSection[];
  readonly trigger: CheckTrigger;
}

/** Payload of `rejected`: the file changed but is invalid; the last good workflow stays current. */
export interface RejectedEvent {
  readonly error: SymphonyError;
  /** `code: message` on one line, e.g. `invalid_config: /abs/WORKFLOW.md: polling.interval_ms ...`. */
  readonly line: string;
  readonly trigger: CheckTrigger;
}

/** Typed event map of {@link WorkflowStore}. */
export interface WorkflowStoreEvents {
  reloaded: ReloadedEvent;
  rejected: RejectedEvent;
}

/** Result of {@link WorkflowStore.refresh}: `ok: false` while the file on disk is invalid. */
export type RefreshResult = { readonly ok: true } | { readonly ok: false; readonly error: SymphonyError };

/** Options of {@link WorkflowStore.open}. */
export interface WorkflowStoreOptions extends LoadOptions {
  /** Receives reload/rejection/warning lines. Default: silent. */
  readonly logger?: Logger;
  /** Watch the file with chokidar. Default true; false leaves only {@link WorkflowStore.refresh}. */
  readonly watch?: boolean;
  /** Quiet time after the last filesystem event before re-reading, ms. Default 50. */
  readonly debounceMs?: number;
  /** Times the `debounceMs` quiet period. Default {@link systemClock}. */
  readonly clock?: Clock;
}

type Listener<E extends keyof WorkflowStoreEvents> = (payload: WorkflowStoreEvents[E]) => void;

/** Last good workflow + watcher + defensive re-validation. Implements spec §6.2 and §5.5 gating. */
export class WorkflowStore {
  /** Absolute path of the watched workflow file. */
  readonly path: string;
  readonly #options: WorkflowStoreOptions;
  readonly #logger: Logger;
  readonly #listeners = { reloaded: new Set<Listener<'reloaded'>>(), rejected: new Set<Listener<'rejected'>>() };
  #good: EffectiveWorkflow;
  #lastError: SymphonyError | null = null;
  /** Fingerprints of the last attempt: stat (`ino:size:mtimeNs` or `missing:<code>`) and content hash. */
  #statKey: string;
  #hash: string | null;
  #queue: Promise<unknown> = Promise.resolve();
  #watcher: FSWatcher | null = null;
  readonly #clock: Clock;
  #timer: TimerHandle | null = null;
  #closed = false;

  private constructor(absolutePath: string, options: WorkflowStoreOptions, good: EffectiveWorkflow, statKey: string, hash: string) {
    this.path = absolutePath;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger();
    this.#clock = options.clock ?? systemClock;
    this.#good = good;
    this.#statKey = statKey;
    this.#hash = hash;
  }

  /**
   * Loads the workflow and (unless `watch: false`) starts watching it; resolves once the watcher is ready.
   *
   * @throws SymphonyError from the initial load (startup validation failure, spec §6.3).
   */
  static async open(workflowPath: string, options: WorkflowStoreOptions): Promise<WorkflowStore> {
    const absolute = path.resolve(workflowPath);
    const statKey = await statFingerprint(absolute).catch((error: unknown) => {
      throw missingWorkflowError(absolute, error);
    });
    const text = await readFile(absolute, 'utf8').catch((error: unknown) => {
      throw missingWorkflowError(absolute, error);
    });
    const hash = sha256(text);
    const workflow: EffectiveWorkflow = { ...effectiveWorkflowFromText(text, absolute, options), revision: hash };
    const store = new WorkflowStore(absolute, options, workflow, statKey, hash);
    store.#logWarnings(workflow);
    if (options.watch !== false) await store.#startWatching();
    return store;
  }

  /** The last known good workflow (never an invalid one). */
  current(): EffectiveWorkflow {
    return this.#good;
  }

  /** The error of the file currently on disk, or null while it is valid. */
  get lastError(): SymphonyError | null {
    return this.#lastError;
  }

  /** False while the file on disk is invalid: new dispatch must wait (spec §5.5). */
  isValid(): boolean {
    return this.#lastError === null;
  }

  /**
   * Re-reads the file now if its stat (inode, size, mtime) changed since the last check, and
   * re-applies it if its content hash changed — the defensive check before dispatch (spec §6.2,
   * §6.3). Emits `reloaded`/`rejected` like a watch event would. Never throws.
   */
  refresh(): Promise<RefreshResult> {
    return this.#enqueue(() => this.#check('refresh', false));
  }

  /** Subscribes to an event; returns the unsubscribe function. A throwing listener is logged and ignored. */
  on<E extends keyof WorkflowStoreEvents>(event: E, listener: Listener<E>): () => void {
    const set = this.#listeners[event] as Set<Listener<E>>;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Stops watching and waits for an in-flight check; `current()` and `refresh()` keep working. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    const watcher = this.#watcher;
    this.#watcher = null;
    await watcher?.close();
    await this.#queue;
  }

  async #startWatching(): Promise<void> {
    const dir = path.dirname(this.path);
    const watcher = watch(dir, {
      ignoreInitial: true,
      depth: 0,
      ignored: (candidate: string) => {
        const absolute = path.resolve(candidate);
        return absolute !== dir && absolute !== this.path;
      },
      awaitWriteFinish: { stabilityThreshold: 30, pollInterval: 10 },
    });
    this.#watcher = watcher;
    watcher.on('all', (_event, changed) => {
      if (path.resolve(dir, changed) === this.path) this.#schedule();
    });
    watcher.on('error', (error) => {
      this.#logger.warn({ workflow_path: this.path, err: String(error) }, 'workflow watcher error; refresh() still re-validates before dispatch');
    });
    try {
      await once(watcher, 'ready');
    } catch (error) {
      // Without a watcher the store still works: refresh() re-validates before every dispatch.
      this.#logger.warn({ workflow_path: this.path, err: String(error) }, 'cannot watch the workflow file; relying on refresh()');
      this.#watcher = null;
      await watcher.close();
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      if (!this.#closed) void this.#enqueue(() => this.#check('watch', true));
    }, this.#options.debounceMs ?? 50);
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** One check: cheap stat comparison (unless forced), then hash comparison, then a full load. */
  async #check(trigger: CheckTrigger, forceRead: boolean): Promise<RefreshResult> {
    let statKey: string;
    let text: string;
    try {
      statKey = await statFingerprint(this.path);
      if (!forceRead && statKey === this.#statKey) return this.#status();
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const key = `missing:${(error as NodeJS.ErrnoException).code ?? 'unknown'}`;
      if (key === this.#statKey && this.#lastError !== null) return this.#status();
      this.#statKey = key;
      this.#hash = null;
      return this.#reject(missingWorkflowError(this.path, error), trigger);
    }
    this.#statKey = statKey;
    const hash = sha256(text);
    if (hash === this.#hash) return this.#status();
    this.#hash = hash;
    let workflow: EffectiveWorkflow;
    try {
      workflow = { ...effectiveWorkflowFromText(text, this.path, this.#options), revision: hash };
    } catch (error) {
      return this.#reject(toSymphonyError(error, 'invalid_config'), trigger);
    }
    const previous = this.#good;
    this.#good = workflow;
    this.#lastError = null;
    const changedSections = diffSections(previous, workflow);
    this.#logger.info({ workflow_path: this.path, changed_sections: changedSections, trigger }, 'workflow reloaded');
    this.#logWarnings(workflow);
    this.#emit('reloaded', { workflow, previous, changedSections, trigger });
    return { ok: true };
  }

  #reject(error: SymphonyError, trigger: CheckTrigger): RefreshResult {
    this.#lastError = error;
    const line = error.toLine();
    this.#logger.error({ workflow_path: this.path, error: line, trigger }, 'workflow reload rejected; keeping the last known good configuration');
    this.#emit('rejected', { error, line, trigger });
    return { ok: false, error };
  }

  #status(): RefreshResult {
    return this.#lastError === null ? { ok: true } : { ok: false, error: this.#lastError };
  }

  #emit<E extends keyof WorkflowStoreEvents>(event: E, payload: WorkflowStoreEvents[E]): void {
    for (const listener of [...(this.#listeners[event] as Set<Listener<E>>)]) {
      try {
        listener(payload);
      } catch (error) {
        this.#logger.error({ workflow_path: this.path, event, err: String(error) }, 'workflow store listener threw; ignored');
      }
    }
  }

  #logWarnings(workflow: EffectiveWorkflow): void {
    for (const warning of workflow.warnings) this.#logger.warn({ workflow_path: this.path }, warning);
  }
}

/**
 * The sections whose effective value differs between two workflows (structural comparison).
 *
 * Implements the "re-apply" half of spec §6.2: consumers re-read only what changed.
 */
export function diffSections(before: EffectiveWorkflow, after: EffectiveWorkflow): WorkflowSection[] {
  const pick = (w: EffectiveWorkflow): Record<WorkflowSection, unknown> => ({
    tracker: w.config.tracker,
    polling: w.config.pollIntervalMs,
    workspace: w.config.workspaceRoot,
    hooks: w.config.hooks,
    agent: w.config.agent,
    codex: w.config.codex,
    acp: w.config.acp,
    claude: w.config.claude,
    server: w.config.server,
    prompt: w.promptTemplate,
  });
  const a = pick(before);
  const b = pick(after);
  return (Object.keys(a) as WorkflowSection[]).filter((key) => !isDeepStrictEqual(a[key], b[key]));
}

async function statFingerprint(file: string): Promise<string> {
  const info = await stat(file, { bigint: true });
  if (!info.isFile()) {
    throw Object.assign(new Error(`not a regular file: ${file}`), { code: info.isDirectory() ? 'EISDIR' : 'ENOTFILE' });
  }
  return `${info.ino}:${info.size}:${info.mtimeNs}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
