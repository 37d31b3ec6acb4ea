/**
 * Coalesced by-id issue reads (spec §11.1 "fetch issue states by ids", §7.2 re-read after every
 * turn, §8.5 reconciliation; issue 7 item 3). Workers re-read their issue after every turn; at 100
 * agents with 2 s turns that would be about 50 requests a second. {@link IssueRefreshBatcher} sits
 * in front of one adapter's `fetchIssuesByIds` and turns the reads asked for during a short gather
 * window into one request of up to 50 ids. Running workers register their issue ({@link
 * IssueRefreshBatcher.watch}); once every registered worker has asked, nobody is left to wait for
 * and the batch goes at once, so a lone agent's re-read costs no latency.
 *
 * States (`#send` enters sending, `#finish` leaves it; `#schedule` decides when to send):
 * - **idle**: nothing queued, nothing in flight, no timer.
 * - **gathering**: ids queued, no batch in flight, a timer armed for the end of the window
 *   (`gatherStartMs + gatherMs`), or none when the batch was due at once.
 * - **sending**: one batch in flight, its chunks sent one after another; ids asked meanwhile either
 *   join a chunk of it not sent yet or queue for the next batch, which is scheduled when it ends.
 */
import type { Clock, TimerHandle } from '../domain/clock.js';
import { systemClock } from '../domain/clock.js';
import type { Issue } from '../domain/issue.js';
import { SymphonyError, toSymphonyError } from '../errors.js';
import type { ReadOptions, TrackerAdapter } from './tracker.js';

/** Default gather window, ms: how long the first queued id waits for others to share its request. */
export const REFRESH_GATHER_MS = 1000;

/** Most ids in one `fetchIssuesByIds` request (the Linear adapter's id-read batch, SPEC.md §9). */
export const REFRESH_MAX_IDS_PER_REQUEST = 50;

/** Options of {@link IssueRefreshBatcher} (SPEC.md §9 "Coalesced id reads"). */
export interface RefreshBatcherOptions {
  /** Timers and `now()`. Default {@link systemClock}. */
  readonly clock?: Clock;
  /** Gather window, ms, from the first id queued for a batch to its send. Default {@link REFRESH_GATHER_MS} (1000); 0 (or less) disables gathering: every read is sent as soon as no batch is in flight. */
  readonly gatherMs?: number;
  /** Ids per request; a batch with more is sent as several requests, one after another. Default {@link REFRESH_MAX_IDS_PER_REQUEST} (50). */
  readonly maxIdsPerRequest?: number;
  /** Called after every change (an id queued or dropped, a request sent or answered); for tests and status. A throwing listener is ignored. */
  readonly onChange?: () => void;
}

/** Options of one {@link IssueRefreshBatcher.fetch} call. */
export interface RefreshOptions extends ReadOptions {
  /**
   * Send the next batch at once (as soon as no batch is in flight) instead of at the end of the
   * gather window, taking every id already queued along. Default false. The adapter-shaped entry
   * point (reconciliation, retry re-reads) is urgent; workers' post-turn re-reads gather.
   */
  readonly urgent?: boolean;
}

/** Input of {@link nextBatchDueMs}: the queue of the next batch and the limits (ms, ids). */
export interface DueInput {
  /** Distinct ids waiting for the next batch. */
  readonly queued: number;
  /** When the first of them was queued, epoch ms; null when none is. */
  readonly gatherStartMs: number | null;
  /** Whether a caller asked for them urgently. */
  readonly urgent: boolean;
  /** Whether every registered worker ({@link IssueRefreshBatcher.watch}) has a read queued or in flight; false when none is registered. */
  readonly everyWatcherWaiting: boolean;
  readonly gatherMs: number;
  readonly maxIdsPerRequest: number;
}

/**
 * Epoch ms at which the next batch should be sent: null when nothing is queued; `gatherStartMs`
 * (that is, now or earlier) when a caller was urgent, every registered worker is waiting (nobody
 * else could join) or a full request's worth of ids is queued; otherwise the end of the gather
 * window. The caller also waits for any batch in flight. Pure.
 */
export function nextBatchDueMs(input: DueInput): number | null {
  if (input.queued === 0 || input.gatherStartMs === null) return null;
  if (input.urgent || input.everyWatcherWaiting || input.queued >= input.maxIdsPerRequest) return input.gatherStartMs;
  return input.gatherStartMs + Math.max(0, input.gatherMs);
}

/** One request's bookkeeping: aborted once no caller waits for any of its ids. */
interface Request {
  readonly controller: AbortController;
  /** Slots of this request somebody still waits for. */
  live: number;
}

/** One id's pending read; shared by every caller asking for it before its request is sent. */
interface Slot {
  readonly id: string;
  /** Callers waiting for it. */
  waiters: number;
  /** The request it went out in; null while not sent. */
  request: Request | null;
  readonly resolve: (issue: Issue | null) => void;
  readonly reject: (error: unknown) => void;
  readonly result: Promise<Issue | null>;
}

function newSlot(id: string): Slot {
  let resolve!: (issue: Issue | null) => void;
  let reject!: (error: unknown) => void;
  const result = new Promise<Issue | null>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Every caller may have gone (aborted) by the time the request fails.
  result.catch(() => undefined);
  return { id, waiters: 0, request: null, resolve, reject, result };
}

function abortError(signal: AbortSignal): SymphonyError {
  const reason: unknown = signal.reason;
  return new SymphonyError('tracker_request', `issue refresh aborted: ${reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted'}`);
}

/**
 * Batches by-id reads of one adapter instance (SPEC.md §9 "Coalesced id reads"; spec §11.1); a
 * reload that builds a new adapter gets a new batcher. At most one batch is in flight; a batch
 * holds every id queued when it was sent, in requests of at most `maxIdsPerRequest` ids sent one
 * after another. A caller is only ever answered by a request sent after it asked, so a worker's
 * re-read sees what the agent changed during the turn that just ended. No lifecycle: a batcher
 * nobody waits on holds no timer.
 */
export class IssueRefreshBatcher {
  readonly #adapter: Pick<TrackerAdapter, 'fetchIssuesByIds'>;
  readonly #clock: Clock;
  readonly #gatherMs: number;
  readonly #maxIds: number;
  readonly #onChange: () => void;
  /** Ids for the next batch, in arrival order. */
  #queued = new Map<string, Slot>();
  /** Epoch ms the first id of {@link #queued} arrived; null when empty. */
  #gatherStartMs: number | null = null;
  #urgent = false;
  /** Ids of the batch in flight whose request is not sent yet; null when no batch is in flight. */
  #sending: Map<string, Slot> | null = null;
  /** Every id of the batch in flight, sent or not; empty when none is. */
  #inFlightIds: ReadonlySet<string> = new Set();
  /** Registered re-readers: issue id → number of registrations. */
  readonly #watched = new Map<string, number>();
  #timer: TimerHandle | null = null;
  #timerDueMs: number | null = null;

  /**
   * @param adapter - the adapter whose `fetchIssuesByIds` is called (one instance per batcher).
   * @throws RangeError when `maxIdsPerRequest` is not a positive integer.
   */
  constructor(adapter: Pick<TrackerAdapter, 'fetchIssuesByIds'>, options: RefreshBatcherOptions = {}) {
    this.#adapter = adapter;
    this.#clock = options.clock ?? systemClock;
    this.#gatherMs = options.gatherMs ?? REFRESH_GATHER_MS;
    this.#maxIds = options.maxIdsPerRequest ?? REFRESH_MAX_IDS_PER_REQUEST;
    if (!Number.isInteger(this.#maxIds) || this.#maxIds < 1) throw new RangeError(`maxIdsPerRequest must be a positive integer, got ${this.#maxIds}`);
    const listener = options.onChange;
    this.#onChange = () => {
      try {
        listener?.();
      } catch {
        // observability never breaks the reads
      }
    };
  }

  /** Distinct ids waiting for the next batch (not counting the batch in flight). */
  get queued(): number {
    return this.#queued.size;
  }

  /** Whether a batch is in flight. */
  get sending(): boolean {
    return this.#sending !== null;
  }

  /**
   * Registers a caller that will keep re-reading `id` (a running worker, for its whole run). While
   * some registered id has no read queued or in flight, a gathered read waits for the window (that
   * caller may still join); once all have one, the batch goes at once.
   *
   * @returns the function that unregisters it (idempotent); call it when the run ends.
   */
  watch(id: string): () => void {
    this.#watched.set(id, (this.#watched.get(id) ?? 0) + 1);
    let registered = true;
    this.#schedule();
    return () => {
      if (!registered) return;
      registered = false;
      const count = (this.#watched.get(id) ?? 1) - 1;
      if (count > 0) this.#watched.set(id, count);
      else this.#watched.delete(id);
      this.#schedule();
    };
  }

  /** Whether every registered id has a read queued or in the batch in flight. */
  #everyWatcherWaiting(): boolean {
    if (this.#watched.size === 0) return false;
    for (const id of this.#watched.keys()) if (!this.#queued.has(id) && !this.#inFlightIds.has(id)) return false;
    return true;
  }

  /**
   * Current snapshots of `ids` (a set; order not significant), as `fetchIssuesByIds` returns them:
   * ids no longer visible are omitted; `[]` resolves to `[]` without a request.
   *
   * @throws (rejects) the adapter's SymphonyError when a request holding one of `ids` failed (only
   *   the callers of that request fail); `tracker_request` at once when `options.signal` aborts
   *   (the ids nobody else waits for are dropped, and a request in flight that nobody waits for any
   *   more is aborted).
   */
  fetch(ids: readonly string[], options: RefreshOptions = {}): Promise<Issue[]> {
    const { signal } = options;
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return Promise.resolve([]);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const slots = wanted.map((id) => this.#slotFor(id));
    if (options.urgent === true && this.#queued.size > 0) this.#urgent = true;
    return new Promise<Issue[]>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        if (settled || !signal) return;
        settled = true;
        this.#release(slots);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      Promise.all(slots.map((slot) => slot.result)).then(
        (issues) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(issues.filter((issue): issue is Issue => issue !== null));
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          reject(toSymphonyError(error));
        },
      );
      this.#schedule();
    });
  }

  /** The unsent slot for `id` (joining the batch in flight or the next one), or a new queued one. */
  #slotFor(id: string): Slot {
    let slot = this.#sending?.get(id) ?? this.#queued.get(id);
    if (slot === undefined) {
      slot = newSlot(id);
      if (this.#queued.size === 0) this.#gatherStartMs = this.#clock.now();
      this.#queued.set(id, slot);
    }
    slot.waiters += 1;
    return slot;
  }

  /** A caller gave up: unsent ids nobody waits for are dropped; a request nobody waits for is aborted. */
  #release(slots: readonly Slot[]): void {
    for (const slot of slots) {
      slot.waiters -= 1;
      if (slot.waiters > 0) continue;
      if (slot.request === null) {
        if (this.#sending?.get(slot.id) === slot) this.#sending.delete(slot.id);
        if (this.#queued.get(slot.id) === slot) this.#queued.delete(slot.id);
        slot.resolve(null);
      } else {
        slot.request.live -= 1;
        if (slot.request.live === 0) slot.request.controller.abort(new Error('no caller waits for this refresh any more'));
      }
    }
    if (this.#queued.size === 0) {
      this.#gatherStartMs = null;
      this.#urgent = false;
    }
    this.#schedule();
  }

  /** Sends the next batch now, arms the timer for it, or disarms it (idle or sending). */
  #schedule(): void {
    const dueMs =
      this.#sending === null
        ? nextBatchDueMs({
            queued: this.#queued.size,
            gatherStartMs: this.#gatherStartMs,
            urgent: this.#urgent,
            everyWatcherWaiting: this.#queued.size > 0 && this.#everyWatcherWaiting(),
            gatherMs: this.#gatherMs,
            maxIdsPerRequest: this.#maxIds,
          })
        : null;
    if (dueMs !== null && dueMs <= this.#clock.now()) {
      this.#disarm();
      this.#send();
      return;
    }
    if (dueMs === this.#timerDueMs) {
      this.#onChange();
      return;
    }
    this.#disarm();
    if (dueMs !== null) {
      this.#timerDueMs = dueMs;
      this.#timer = this.#clock.setTimeout(
        () => {
          this.#timer = null;
          this.#timerDueMs = null;
          if (this.#sending === null && this.#queued.size > 0) this.#send();
        },
        dueMs - this.#clock.now(),
        { unref: true },
      );
    }
    this.#onChange();
  }

  #disarm(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerDueMs = null;
  }

  /** gathering → sending: the queued ids become the batch in flight. */
  #send(): void {
    if (this.#sending !== null) throw new Error('refresh batcher: a batch is already in flight');
    const batch = this.#queued;
    this.#queued = new Map();
    this.#gatherStartMs = null;
    this.#urgent = false;
    this.#sending = batch;
    this.#inFlightIds = new Set(batch.keys());
    this.#onChange();
    void this.#run(batch).finally(() => this.#finish(batch));
  }

  /** Sends `batch` in requests of at most `maxIds` ids, one after another; never rejects. */
  async #run(batch: Map<string, Slot>): Promise<void> {
    while (batch.size > 0) {
      const chunk = [...batch.values()].slice(0, this.#maxIds);
      const request: Request = { controller: new AbortController(), live: chunk.length };
      for (const slot of chunk) {
        batch.delete(slot.id);
        slot.request = request;
      }
      this.#onChange();
      try {
        const issues = await this.#adapter.fetchIssuesByIds(
          chunk.map((slot) => slot.id),
          { signal: request.controller.signal },
        );
        const byId = new Map(issues.map((issue) => [issue.id, issue] as const));
        for (const slot of chunk) slot.resolve(byId.get(slot.id) ?? null);
      } catch (error) {
        for (const slot of chunk) slot.reject(error);
      }
    }
  }

  /** sending → gathering or idle: the ids queued meanwhile are scheduled. */
  #finish(batch: Map<string, Slot>): void {
    if (this.#sending !== batch) throw new Error('refresh batcher: finished a batch that was not in flight');
    this.#sending = null;
    this.#inFlightIds = new Set();
    this.#schedule();
  }
}
