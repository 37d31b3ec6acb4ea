/**
 * Time as an injected service, the one clock of the daemon (STYLE: no `Date.now()` in logic; issue 7
 * item 7). These take a {@link Clock} for their timers: the scheduler shell, each app-server
 * session (its JSON-RPC request tracker, turn watch, operator desk, exit settling), the HTTP server's close grace and event-stream
 * heartbeat, the tracker's refresh batcher and Linear request deadline, the workflow store's reload
 * debounce, hooks (timeout, pipe settle), process-group termination, the descendant reaper and the
 * terminal status view. Each takes an optional clock defaulting to {@link systemClock}; tests pass
 * a manual one (`test/support/manual-clock.ts`) and drive time without waiting. Repetition is built
 * from one-shot timers ({@link repeatEvery}), so a clock implements only `now`, `setTimeout` and
 * `clearTimeout`.
 */

/** Opaque timer handle. */
export type TimerHandle = { readonly __timer: true } | NodeJS.Timeout;

/** Wall clock and one-shot timers. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` once after `delayMs` (negative counts as 0). The real clock's timers never keep the process alive on their own when `unref` is asked. */
  setTimeout(callback: () => void, delayMs: number, options?: { readonly unref?: boolean }): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock (`Date.now`, global timers). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs, options) => {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    if (options?.unref === true) timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Calls `callback` every `periodMs` on `clock` until the returned function is called: the
 * `setInterval` of a {@link Clock}, built from re-armed one-shot timers. The next timer is armed
 * before `callback` runs, so a callback that throws does not end the repetition (as with
 * `setInterval`), and a callback that cancels the repetition cancels that next timer too.
 *
 * @param periodMs - the period, ms; values below 1 count as 1 (as `setInterval` does), so a
 *   manual clock can never loop at one instant.
 * @param options - `unref: true` asks that these timers never keep the process alive on their own
 *   (honoured by {@link systemClock}).
 * @returns cancel: stops the repetition; idempotent, and safe to call from inside `callback`.
 * @throws never itself; an exception from `callback` propagates from the timer as the clock
 *   delivers it.
 */
export function repeatEvery(clock: Clock, callback: () => void, periodMs: number, options?: { readonly unref?: boolean }): () => void {
  const period = Math.max(1, periodMs);
  let handle: TimerHandle | null = null;
  let cancelled = false;
  const arm = (): void => {
    handle = clock.setTimeout(tick, period, options);
  };
  const tick = (): void => {
    if (cancelled) return;
    arm();
    callback();
  };
  arm();
  return () => {
    cancelled = true;
    if (handle !== null) clock.clearTimeout(handle);
    handle = null;
  };
}

/**
 * `promise`'s value, or null when it has not settled within `ms` on `clock` (the timer is cleared
 * either way). A rejection of `promise` within the bound propagates. For bounded waits such as
 * "the exit status, if the process exits within 1 s".
 */
export async function settledWithin<T>(promise: Promise<T>, ms: number, clock: Clock = systemClock): Promise<T | null> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = clock.setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}
