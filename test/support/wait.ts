/**
 * Waiting without sleeping. {@link Pulse} is event-driven: sources (a manual clock, orchestrator
 * change events, fake workers, child-process output) call `notify()`, and every pending
 * `waitFor` re-checks its condition then. A real-time bound only turns a hang into a failure.
 */

/** Default bound of a wait, ms. Reaching it fails the test; it never synchronises anything. */
export const WAIT_BOUND_MS = 10_000;

interface Waiter {
  check(): void;
}

/** A change signal that condition waits subscribe to. */
export class Pulse {
  readonly #waiters = new Set<Waiter>();

  /** Wakes every pending wait to re-check its condition. Safe to call from anywhere. */
  readonly notify = (): void => {
    for (const waiter of [...this.#waiters]) waiter.check();
  };

  /**
   * Resolves with the first truthy value `probe` returns, checked now and after every
   * {@link notify}. Rejects with `timed out waiting for <what>` after `boundMs`, or with the
   * probe's own error.
   */
  waitFor<T>(probe: () => T | false | null | undefined, what: string, boundMs = WAIT_BOUND_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const armed: { timer?: NodeJS.Timeout } = {};
      const finish = (): void => {
        this.#waiters.delete(waiter);
        clearTimeout(armed.timer);
      };
      const waiter: Waiter = {
        check: () => {
          let value: T | false | null | undefined;
          try {
            value = probe();
          } catch (error) {
            finish();
            reject(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          if (value !== false && value !== null && value !== undefined) {
            finish();
            resolve(value);
          }
        },
      };
      this.#waiters.add(waiter);
      waiter.check();
      if (!this.#waiters.has(waiter)) return;
      armed.timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out waiting for ${what} (after ${boundMs} ms)`));
      }, boundMs);
    });
  }
}

/** A promise with its settle functions exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
  /** True once resolve or reject was called. */
  readonly settled: boolean;
}

/** Creates a {@link Deferred}; an unobserved rejection of its promise is never reported as unhandled. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  let settled = false;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return {
    promise,
    resolve: (value) => {
      settled = true;
      resolve(value);
    },
    reject: (error) => {
      settled = true;
      reject(error);
    },
    get settled() {
      return settled;
    },
  };
}

/**
 * Bounded re-checking for conditions the operating system offers no event for (a process leaving
 * `/proc`). Checks every `everyMs` until `probe` is truthy; rejects after `boundMs`.
 */
export async function eventually<T>(probe: () => T | false | null | undefined, what: string, boundMs = WAIT_BOUND_MS, everyMs = 25): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = probe();
    if (value !== false && value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (after ${boundMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Like {@link eventually} for an async probe (an HTTP read, say): awaits each probe before the
 * next one; throws naming `what` when `boundMs` passes without a truthy value.
 */
export async function eventuallyAsync<T>(probe: () => Promise<T | false | null | undefined>, what: string, boundMs = WAIT_BOUND_MS, everyMs = 50): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (value !== false && value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (after ${boundMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
