/**
 * A manual {@link Clock} for orchestrator tests: time moves only when a test says so, and due
 * timers fire synchronously, in due order, while it moves. Listeners hear about every timer armed,
 * cleared or fired (tests use them to wake an event-driven `waitFor`).
 */
import type { Clock, TimerHandle } from '../../src/domain/clock.js';

/** One armed timer as tests see it. */
export interface ManualTimer {
  /** Arming order (1, 2, …); later timers have larger ids. */
  readonly id: number;
  /** The delay it was armed with, ms (negative delays are stored as 0). */
  readonly delayMs: number;
  /** Epoch ms when it fires. */
  readonly dueAtMs: number;
  /** True when it was armed with `{ unref: true }` (it would not keep a real process alive). */
  readonly unref: boolean;
}

interface Entry extends ManualTimer {
  readonly handle: TimerHandle;
  readonly callback: () => void;
}

/** A clock whose time only advances through {@link ManualClock.advance}. */
export class ManualClock implements Clock {
  #nowMs: number;
  #nextId = 1;
  readonly #timers = new Map<TimerHandle, Entry>();
  readonly #listeners = new Set<() => void>();

  /** @param startMs - initial epoch ms. Default 2026-01-01T00:00:00Z. */
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimeout(callback: () => void, delayMs: number, options?: { readonly unref?: boolean }): TimerHandle {
    const delay = Math.max(0, delayMs);
    const handle: TimerHandle = { __timer: true };
    const unref = options?.unref === true;
    this.#timers.set(handle, { id: this.#nextId++, delayMs: delay, dueAtMs: this.#nowMs + delay, unref, handle, callback });
    this.#emit();
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    if (this.#timers.delete(handle)) this.#emit();
  }

  /** Armed timers, soonest first (ties in arming order). */
  pending(): ManualTimer[] {
    return [...this.#timers.values()]
      .sort((a, b) => a.dueAtMs - b.dueAtMs || a.id - b.id)
      .map(({ id, delayMs, dueAtMs, unref }) => ({ id, delayMs, dueAtMs, unref }));
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including timers
   * armed by callbacks, when they fall inside the window). `now()` equals each timer's due time
   * while its callback runs, and `start + ms` afterwards.
   */
  advance(ms: number): void {
    this.advanceTo(this.#nowMs + ms);
  }

  /** Moves time to `targetMs` (never backwards), firing due timers as {@link advance} does. */
  advanceTo(targetMs: number): void {
    for (;;) {
      const next = [...this.#timers.values()]
        .filter((t) => t.dueAtMs <= targetMs)
        .sort((a, b) => a.dueAtMs - b.dueAtMs || a.id - b.id)[0];
      if (next === undefined) break;
      this.#timers.delete(next.handle);
      this.#nowMs = Math.max(this.#nowMs, next.dueAtMs);
      next.callback();
      this.#emit();
    }
    this.#nowMs = Math.max(this.#nowMs, targetMs);
  }

  /** Subscribes to timer changes (armed, cleared, fired); returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }
}
