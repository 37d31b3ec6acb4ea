/**
 * The one way the Linear adapter talks to Linear: rate-limit gate → transport → classification.
 * Reads and the `linear_graphql` tool share one instance, so a rate-limited answer to either
 * keeps both off the network until the window passes (spec §11.2).
 */
import type { Logger } from '../../logging/logger.js';
import { classifyReply, type Classified } from './classify.js';
import type { RateLimitGate } from './rate-limit.js';
import type { LinearReply, LinearTransport } from './transport.js';

/** One answered exchange: the raw reply and its classification. */
export interface LinearExchange {
  readonly reply: LinearReply;
  readonly outcome: Classified;
}

/** Collaborators of {@link LinearGraphqlClient}. */
export interface LinearGraphqlClientDeps {
  readonly transport: LinearTransport;
  readonly gate: RateLimitGate;
  /** Epoch ms clock. */
  readonly now: () => number;
  readonly logger: Logger;
}

/** Gated GraphQL access to Linear. */
export class LinearGraphqlClient {
  readonly #deps: LinearGraphqlClientDeps;

  constructor(deps: LinearGraphqlClientDeps) {
    this.#deps = deps;
  }

  /**
   * Sends one document unless the rate-limit window is open; a rate-limited answer opens it.
   *
   * @throws SymphonyError `tracker_rate_limited` (window open, nothing sent), or the transport's
   *   `tracker_request` / `tracker_response`.
   */
  async exchange(
    document: string,
    variables: Readonly<Record<string, unknown>>,
    operation: string,
    signal?: AbortSignal,
  ): Promise<LinearExchange> {
    const { gate, transport, now, logger } = this.#deps;
    gate.check(operation);
    let outcome: ReturnType<typeof classifyReply> | null = null;
    const reply = await transport.send(document, variables, operation, signal, {
      beforeSend: () => gate.check(operation),
      onReply: (answer) => {
        outcome = classifyReply(answer, operation, now());
        if (!outcome.ok && outcome.retryAfterMs !== null) {
          gate.block(outcome.retryAfterMs);
          logger.warn({ operation, status: answer.status, retry_after_ms: outcome.retryAfterMs }, 'Linear rate limit reached; pausing requests');
        }
      },
    });
    return { reply, outcome: outcome ?? classifyReply(reply, operation, now()) };
  }

  /**
   * Sends one document and returns its `data` object.
   *
   * @throws SymphonyError with a §11.4 tracker category on any failure.
   */
  async query(
    document: string,
    variables: Readonly<Record<string, unknown>>,
    operation: string,
    signal?: AbortSignal,
  ): Promise<Readonly<Record<string, unknown>>> {
    const { outcome } = await this.exchange(document, variables, operation, signal);
    if (!outcome.ok) throw outcome.error;
    return outcome.data;
  }
}
