/**
 * Time as an injected service (STYLE: no `Date.now()` in logic). Tests pass a manual clock.
 */

/** Opaque timer handle. */
export type TimerHandle = { readonly __timer: true } | NodeJS.Timeout;

/** Wall clock and timers. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock (`Date.now`, global timers). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
