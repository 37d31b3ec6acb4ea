/**
 * Linear rate-limit handling (spec §11.2 "rate-limit handling", §11.4 `tracker_rate_limited`):
 * a pure reading of the wait a rate-limited answer asks for, and a gate that keeps the adapter
 * (reads and the agent tool alike) off the network until that wait has passed.
 */
import { SymphonyError } from '../../errors.js';

/** Wait used when a rate-limited answer carries no usable hint, in ms. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/**
 * How long to wait after a rate-limited answer, in ms (never negative).
 *
 * Reads, in order: `Retry-After` (delta seconds, possibly fractional, or an HTTP date), then
 * Linear's `X-RateLimit-Requests-Reset` / `X-RateLimit-Complexity-Reset` (epoch ms; the later
 * one wins). Falls back to {@link DEFAULT_RATE_LIMIT_WAIT_MS} when none is present or parseable.
 *
 * @param nowMs - the current time (epoch ms) from the adapter's injectable clock.
 */
export function rateLimitWaitMs(headers: Headers, nowMs: number): number {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  const resets = ['x-ratelimit-requests-reset', 'x-ratelimit-complexity-reset']
    .map((name) => Number(headers.get(name)?.trim() || Number.NaN))
    .filter((value) => Number.isFinite(value) && value > 0);
  if (resets.length > 0) return Math.max(0, Math.max(...resets) - nowMs);
  return DEFAULT_RATE_LIMIT_WAIT_MS;
}

/**
 * Closed while a rate-limit window is open. Every outgoing request calls {@link RateLimitGate.check}
 * first; requests already in flight when the window opens finish normally.
 */
export class RateLimitGate {
  #openAtMs = Number.NEGATIVE_INFINITY;
  readonly #now: () => number;

  /** @param now - clock in epoch ms (injectable so tests need no sleeping). */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** Opens a window ending `waitMs` from now; a later existing window is kept. */
  block(waitMs: number): void {
    this.#openAtMs = Math.max(this.#openAtMs, this.#now() + Math.max(0, waitMs));
  }

  /** Remaining wait in ms; 0 when requests may be sent. */
  remainingMs(): number {
    return Math.max(0, this.#openAtMs - this.#now());
  }

  /**
   * Throws `tracker_rate_limited` (details `retry_after_ms` = remaining wait) while the window is
   * open, without touching the network.
   *
   * @param operation - GraphQL operation name, for the message.
   */
  check(operation: string): void {
    const remaining = this.remainingMs();
    if (remaining > 0) {
      throw new SymphonyError(
        'tracker_rate_limited',
        `Linear rate limit window still open: ${operation} not sent, retry in ${remaining} ms`,
        { details: { retry_after_ms: remaining, operation } },
      );
    }
  }
}
