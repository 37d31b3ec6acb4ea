/**
 * Operator intervention, the effectful part (our extension of spec §10.5): the queue of server
 * requests held open for an operator during one session, their timeout timers, and the holds on
 * the turn's silence timer.
 *
 * Requests are served first in, first out: only the oldest is presented (`operator_waiting`) and
 * only it can be answered; the next one is presented once it is answered. Each presented request
 * gets `operatorTimeoutMs` from the moment it is presented. Every request gets exactly one answer
 * while the connection lives: the operator's, or {@link unansweredResponse} on timeout or when the
 * turn ends first. Once the session is gone, nothing more is written.
 */
import { oneLine, SymphonyError } from '../../errors.js';
import type { AgentEventName } from '../../domain/agent-event.js';
import type { RequestId } from '../jsonrpc/messages.js';
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
import type { AnswerResult, PendingOperatorRequest } from '../../domain/operator.js';
import { operatorResponse, unansweredResponse, type OperatorRequestDraft } from './operator-requests.js';
import type { TurnWatch } from './turn-watch.js';

/** The events the desk emits. */
export type OperatorEventName = Extract<AgentEventName, 'operator_waiting' | 'operator_answered' | 'operator_timeout'>;

/** Effects and settings of an {@link OperatorDesk}. */
export interface OperatorDeskDeps {
  /** `agent.operator_timeout_ms`: how long a presented request may stay unanswered, ms. */
  readonly timeoutMs: number;
  /** Sends the result for server request `id`, which is the request described by `request`. */
  respond(id: RequestId, result: unknown, request: OperatorRequestDraft): void;
  /** Emits an agent event; `operatorRequest` is the request concerned. */
  emit(event: OperatorEventName, fields: { readonly method: string; readonly message: string; readonly operatorRequest: PendingOperatorRequest }): void;
  /** Default: the system clock. */
  readonly timers?: Clock;
  /** Epoch ms; default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly id: RequestId;
  readonly params: unknown;
  readonly draft: OperatorRequestDraft;
  readonly watch: TurnWatch;
  readonly sinceMs: number;
  /** Set once presented. */
  presented: PendingOperatorRequest | null;
}

const NOTHING_WAITING: AnswerResult = { ok: false, code: 'nothing_waiting', message: 'no agent request is waiting for an operator' };

/** The per-session queue of requests waiting for an operator. */
export class OperatorDesk {
  private readonly queue: Entry[] = [];
  private timer: TimerHandle | null = null;
  private closed = false;
  private readonly timers: Clock;
  private readonly now: () => number;

  constructor(private readonly deps: OperatorDeskDeps) {
    this.timers = deps.timers ?? systemClock;
    this.now = deps.now ?? Date.now;
  }

  /** The request presented to the operator (the oldest), or null. */
  get waiting(): PendingOperatorRequest | null {
    return this.queue[0]?.presented ?? null;
  }

  /** Number of requests held open. */
  get size(): number {
    return this.queue.length;
  }

  /** Holds server request `id` open: suspends `watch`'s silence timer and presents it when it is the oldest. */
  enqueue(id: RequestId, params: unknown, draft: OperatorRequestDraft, watch: TurnWatch): void {
    if (this.closed) return;
    watch.hold();
    this.queue.push({ id, params, draft, watch, sinceMs: this.now(), presented: null });
    if (this.queue.length === 1) this.present();
  }

  /**
   * Answers the oldest waiting request with `answer` (untrusted input): responds on the
   * connection to that request's id, emits `operator_answered`, releases the hold, then presents
   * the next request, if any.
   *
   * @returns `nothing_waiting` when no request waits; `invalid_answer` (the request keeps
   * waiting) when the answer does not fit it.
   */
  answer(answer: unknown): AnswerResult {
    const head = this.queue[0];
    if (this.closed || head === undefined || head.presented === null) return NOTHING_WAITING;
    const response = operatorResponse(head.draft, head.params, answer);
    if (!response.ok) return { ok: false, code: 'invalid_answer', message: response.message };
    this.queue.shift();
    this.clearTimer();
    this.deps.respond(head.id, response.result, head.draft);
    this.deps.emit('operator_answered', { method: head.draft.method, message: response.said, operatorRequest: head.presented });
    head.watch.release();
    if (this.queue.length > 0) this.present();
    return { ok: true };
  }

  /** The turn ended: answers whatever still waits with {@link unansweredResponse} and empties the queue. */
  settle(): void {
    this.clearTimer();
    for (const entry of this.queue.splice(0)) {
      if (!this.closed) this.deps.respond(entry.id, unansweredResponse(entry.draft, entry.params).result, entry.draft);
      entry.watch.release();
    }
  }

  /** The session is gone: clears the timer and drops every request without writing anything. Final. */
  abandon(): void {
    this.closed = true;
    this.clearTimer();
    this.queue.splice(0);
  }

  private present(): void {
    const head = this.queue[0];
    if (head === undefined) return;
    const deadlineMs = this.now() + this.deps.timeoutMs;
    const request: PendingOperatorRequest = { ...head.draft, sinceMs: head.sinceMs, deadlineMs };
    head.presented = request;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.expire(head);
    }, this.deps.timeoutMs);
    this.deps.emit('operator_waiting', { method: head.draft.method, message: `waiting for an operator: ${head.draft.summary}`, operatorRequest: request });
  }

  private expire(head: Entry): void {
    if (this.queue[0] !== head || head.presented === null) return;
    const { result, said } = unansweredResponse(head.draft, head.params);
    this.queue.shift();
    this.deps.respond(head.id, result, head.draft);
    const message = `${head.draft.method} (${oneLine(head.draft.summary, 120)}) got no operator answer within ${this.deps.timeoutMs} ms`;
    this.deps.emit('operator_timeout', { method: head.draft.method, message: `${message}; answered ${said}`, operatorRequest: head.presented });
    head.watch.fail(new SymphonyError('operator_timeout', message, { details: { method: head.draft.method, operatorTimeoutMs: this.deps.timeoutMs } }));
    head.watch.release();
    this.settle();
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
