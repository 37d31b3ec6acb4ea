/**
 * A set of observers that can never hurt the caller: a throwing listener is reported and the
 * others still run. Status surfaces observe the orchestrator this way (spec §13.4: observability
 * is never required for correctness).
 */

/** Listeners of one kind of value. */
export class SafeListeners<T> {
  readonly #listeners = new Set<(value: T) => void>();

  /**
   * @param onError - called with each error a listener throws (e.g. a warning log line).
   */
  constructor(private readonly onError: (error: unknown) => void) {}

  /** Adds a listener; returns the function that removes it. */
  add(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls every listener with `value`, in subscription order; never throws. */
  emit(value: T): void {
    for (const listener of this.#listeners) {
      try {
        listener(value);
      } catch (error) {
        try {
          this.onError(error);
        } catch {
          // a failing error reporter must not break the caller either
        }
      }
    }
  }

  /** Number of listeners. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
