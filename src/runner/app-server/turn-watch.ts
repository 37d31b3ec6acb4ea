/**
 * Waiting for one turn to end (spec §10.3): the `turn/completed` notification for our turn id,
 * a failure pushed in from outside (subprocess exit, input required, stop), or stream silence
 * longer than `turn_timeout_ms`.
 *
 * The silence timer is reset by every line the app-server writes and is held while a host-side
 * tool call is running (then the server is waiting for us, not silent).
 */
import { SymphonyError } from '../../errors.js';
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
import type { CompletedTurn } from './telemetry.js';

/** Watches one turn. Settles exactly once. */
export class TurnWatch {
  /** Resolves with the completion notification; rejects with the first failure. */
  readonly result: Promise<CompletedTurn>;
  private turnIdValue: string | null = null;
  private settled = false;
  private readonly early: CompletedTurn[] = [];
  private timer: TimerHandle | null = null;
  private timing = false;
  private holds = 0;
  private resolveResult!: (turn: CompletedTurn) => void;
  private rejectResult!: (error: SymphonyError) => void;

  /**
   * @param turnTimeoutMs - maximum silence while the turn streams, ms.
   */
  constructor(
    private readonly turnTimeoutMs: number,
    private readonly timers: Clock = systemClock,
  ) {
    this.result = new Promise<CompletedTurn>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The owner always awaits `result`; this only keeps an early failure from being "unhandled".
    this.result.catch(() => undefined);
  }

  /** The turn id once `turn/start` answered, else null. */
  get turnId(): string | null {
    return this.turnIdValue;
  }

  /** Records our turn id, starts the silence timer, and settles on a completion seen earlier. */
  bind(turnId: string): void {
    this.turnIdValue = turnId;
    const seen = this.early.find((turn) => turn.turnId === turnId);
    if (seen !== undefined) {
      this.finish(seen);
      return;
    }
    this.timing = true;
    this.arm();
  }

  /** Offers a `turn/completed`; ours settles the watch, others are ignored. True when ours. */
  offerCompletion(turn: CompletedTurn): boolean {
    if (this.turnIdValue === null) {
      this.early.push(turn);
      return false;
    }
    if (turn.turnId !== this.turnIdValue) return false;
    this.finish(turn);
    return true;
  }

  /** Any app-server output: restarts the silence timer. */
  activity(): void {
    this.arm();
  }

  /** Suspends the silence timer until a matching {@link TurnWatch.release}. */
  hold(): void {
    this.holds++;
    this.clear();
  }

  /** Ends one {@link TurnWatch.hold}; the timer restarts when none remain. */
  release(): void {
    if (this.holds > 0) this.holds--;
    this.arm();
  }

  /** Fails the turn (first failure wins). */
  fail(error: SymphonyError): void {
    if (this.settled) return;
    this.settled = true;
    this.clear();
    this.rejectResult(error);
  }

  /** Stops the timer; safe to call after settlement. */
  dispose(): void {
    this.timing = false;
    this.clear();
  }

  private finish(turn: CompletedTurn): void {
    if (this.settled) return;
    this.settled = true;
    this.dispose();
    this.resolveResult(turn);
  }

  private arm(): void {
    this.clear();
    if (!this.timing || this.settled || this.holds > 0) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.fail(
        new SymphonyError('turn_timeout', `turn ${this.turnIdValue ?? '?'}: no app-server output for ${this.turnTimeoutMs} ms`, {
          details: { turnTimeoutMs: this.turnTimeoutMs },
        }),
      );
    }, this.turnTimeoutMs);
  }

  private clear(): void {
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
