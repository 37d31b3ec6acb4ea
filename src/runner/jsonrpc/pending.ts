/**
 * Request tracking for a JSON-RPC client (spec §10.6 `read_timeout_ms`): unique increasing ids,
 * one timer per outstanding request, settlement by id, and rejection of everything outstanding
 * when the transport closes. No I/O; timers are injected so the rules can be tested without
 * waiting.
 */
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
import { SymphonyError } from '../../errors.js';
import type { JsonRpcErrorObject, RequestId } from './messages.js';


interface Pending {
  readonly method: string;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: SymphonyError) => void;
  readonly timer: TimerHandle;
}

/** A request registered with {@link RequestTracker.begin}. */
export interface TrackedRequest {
  readonly id: number;
  /** Resolves with `result`; rejects `response_timeout`, `response_error` or the close error. */
  readonly response: Promise<unknown>;
}

/**
 * Tracks outstanding requests of one connection.
 *
 * Ids start at 1 and only increase. Once {@link RequestTracker.close} has run, new requests are
 * rejected immediately with the close error.
 */
export class RequestTracker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedWith: SymphonyError | null = null;

  constructor(private readonly timers: Clock = systemClock) {}

  /** Number of requests still awaiting a response. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Allocates the next id and starts its timer.
   *
   * @param method - for error messages.
   * @param timeoutMs - rejects with `response_timeout` after this many ms without a response.
   */
  begin(method: string, timeoutMs: number): TrackedRequest {
    const id = this.nextId++;
    const response = new Promise<unknown>((resolve, reject) => {
      if (this.closedWith !== null) {
        reject(this.closedWith);
        return;
      }
      const timer = this.timers.setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(new SymphonyError('response_timeout', `app-server did not answer ${method} (request ${id}) within ${timeoutMs} ms`, { details: { method, timeoutMs } }));
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
    });
    return { id, response };
  }

  /** Settles request `id` with a result. False when no such request is outstanding. */
  resolve(id: RequestId, result: unknown): boolean {
    const entry = this.take(id);
    if (entry === undefined) return false;
    entry.resolve(result);
    return true;
  }

  /** Settles request `id` with a `response_error`. False when no such request is outstanding. */
  reject(id: RequestId, error: JsonRpcErrorObject): boolean {
    const entry = this.take(id);
    if (entry === undefined) return false;
    entry.reject(
      new SymphonyError('response_error', `app-server rejected ${entry.method}: ${error.message} (code ${error.code})`, {
        details: { method: entry.method, code: error.code },
      }),
    );
    return true;
  }

  /** Rejects every outstanding request (and all future ones) with `error`. Idempotent. */
  close(error: SymphonyError): void {
    if (this.closedWith === null) this.closedWith = error;
    for (const [id, entry] of this.pending) {
      this.timers.clearTimeout(entry.timer);
      this.pending.delete(id);
      entry.reject(this.closedWith);
    }
  }

  private take(id: RequestId): Pending | undefined {
    if (typeof id !== 'number') return undefined;
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    this.pending.delete(id);
    this.timers.clearTimeout(entry.timer);
    return entry;
  }
}
