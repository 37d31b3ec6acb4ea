/**
 * Bounds how many agent launches are in flight at once across all workers (issue 7 item 2). A
 * launch is everything from the spawn to a started thread (login shell, process start,
 * `initialize`, `thread/start`). Without the bound a burst of dispatches (N = 50) spawns every
 * app-server together, their startups compete for the CPU until `initialize` misses its deadline,
 * and the retries spawn them all together again. Built on p-queue; the config key is
 * `agent.max_concurrent_launches`.
 */
import PQueue from 'p-queue';
import { SymphonyError } from '../errors.js';

/** Where a launch that has to wait stands, for its `launch_queued` report. */
export interface LaunchQueuePosition {
  /** Launches running now (each holds a slot). */
  readonly inFlight: number;
  /** Launches waiting, this one included. */
  readonly waiting: number;
}

/** Options of {@link LaunchLimiter.run}. */
export interface LaunchRunOptions {
  /**
   * The run's abort signal. While the launch waits, an abort removes it from the queue at once
   * and `run` rejects with `canceled` without ever calling it. Once started, the launch itself
   * must honour the signal; it keeps its slot until it settles.
   */
  readonly signal: AbortSignal;
  /** Called synchronously when no slot is free and the launch has to wait. Must not throw. */
  readonly onQueued?: (position: LaunchQueuePosition) => void;
  /** Called when a launch that had to wait gets its slot, right before it starts. Must not throw. */
  readonly onStarted?: () => void;
}

/** A shared bound on concurrent launches (one per daemon, shared by every worker). */
export interface LaunchLimiter {
  /**
   * Slots (a positive integer). A change applies at once to waiting launches: raising it starts
   * more of them; lowering it lets the running ones finish.
   */
  concurrency: number;
  /** Launches running now. */
  readonly inFlight: number;
  /** Launches waiting for a slot. */
  readonly waiting: number;
  /**
   * Runs `launch` once a slot is free (first come, first served) and settles with its outcome.
   *
   * @throws SymphonyError `canceled` when `signal` aborts before the launch started (then `launch`
   * is never called); otherwise whatever `launch` rejects with.
   */
  run<T>(launch: () => Promise<T>, options: LaunchRunOptions): Promise<T>;
}

/** A {@link LaunchLimiter} with `concurrency` slots (a positive integer). */
export function createLaunchLimiter(concurrency: number): LaunchLimiter {
  const queue = new PQueue({ concurrency });
  return {
    get concurrency() {
      return queue.concurrency;
    },
    set concurrency(slots: number) {
      if (slots !== queue.concurrency) queue.concurrency = slots;
    },
    get inFlight() {
      return queue.pending;
    },
    get waiting() {
      return queue.size;
    },
    async run<T>(launch: () => Promise<T>, { signal, onQueued, onStarted }: LaunchRunOptions): Promise<T> {
      if (signal.aborted) throw canceledWhileWaiting(signal);
      // The queue sees the run's abort only while the launch waits: a started launch handles the
      // signal itself and holds its slot until it settled, so its process group is gone (or the
      // session is live) before the next launch starts.
      const leaveQueue = new AbortController();
      const onAbort = (): void => leaveQueue.abort(canceledWhileWaiting(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      let started = false;
      let queued = false;
      try {
        const result = queue.add(
          () => {
            started = true;
            signal.removeEventListener('abort', onAbort);
            if (queued) onStarted?.();
            return launch();
          },
          { signal: leaveQueue.signal },
        );
        if (!started) {
          queued = true;
          onQueued?.({ inFlight: queue.pending, waiting: queue.size });
        }
        return await result;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

function canceledWhileWaiting(signal: AbortSignal): SymphonyError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'stopped');
  return new SymphonyError('canceled', `run canceled while waiting for a launch slot: ${reason}`);
}
