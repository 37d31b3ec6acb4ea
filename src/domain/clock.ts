/**
 * Time as an injected service, the one clock of the daemon (STYLE: no `Date.now()` in logic; issue 7
 * item 7). The scheduler shell, the JSON-RPC request tracker, the turn watch, the operator desk and
 * the HTTP server's close grace all take a {@link Clock}; tests pass a manual one
 * (`test/support/manual-clock.ts`) and drive time without waiting.
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
