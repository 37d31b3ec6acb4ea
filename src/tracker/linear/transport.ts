/**
 * One GraphQL POST to Linear through `@linear/sdk`'s raw-request path, with a timeout.
 *
 * SDK facts this relies on (`@linear/sdk` 98): `new LinearClient({ apiKey, apiUrl })` sends the
 * personal key raw as `Authorization` (no `Bearer`) and refuses plain-http URLs except localhost;
 * `LinearGraphQLClient.rawRequest` always calls `globalThis.fetch` (no custom fetch hook) and
 * spreads its constructor options into the fetch init, so a per-request client carries the
 * `AbortSignal`; it resolves only for a 2xx JSON body with `data` and no `errors`, and otherwise
 * throws a `LinearError` whose `raw.response` keeps the status, the headers (`Retry-After`…) and
 * the parsed body. A JSON body that fails to parse surfaces as a bare `SyntaxError`.
 */
import { LinearClient, LinearError, LinearGraphQLClient } from '@linear/sdk';
import PQueue from 'p-queue';
import { SymphonyError, oneLine } from '../../errors.js';
import type { SecretString } from './secret.js';

/** The JSON object Linear answered with (only the GraphQL response keys). */
export interface LinearBody {
  readonly data?: unknown;
  readonly errors?: unknown;
  readonly extensions?: unknown;
}

/** Any HTTP answer from Linear, successful or not. */
export interface LinearReply {
  /** HTTP status. */
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON body when it had GraphQL response keys; null otherwise (see `text`). */
  readonly body: LinearBody | null;
  /** Raw body when it was not JSON (for example an HTML error page); never shown to agents. */
  readonly text: string | null;
}

/**
 * Requests in flight to Linear at once, per adapter. Polling, reconciliation, retries and every
 * agent's `linear_graphql` calls share it, so a burst of agents cannot flood the API; the per-request
 * timeout starts when a request leaves the queue.
 */
export const LINEAR_MAX_CONCURRENT_REQUESTS = 4;

/** Callbacks run inside a request's queue slot (see {@link LinearTransport.send}). */
export interface SendHooks {
  /** Runs before sending; throwing cancels the request. */
  readonly beforeSend?: () => void;
  /** Runs with the answer before the next queued request may start. */
  readonly onReply?: (reply: LinearReply) => void;
}

/** Connection settings for {@link LinearTransport}. */
export interface LinearTransportOptions {
  readonly endpoint: string;
  readonly apiKey: SecretString;
  /** Per-request deadline covering connect, headers and body, in ms. */
  readonly timeoutMs: number;
}

/** Sends one document and returns the raw answer; classification is the caller's (pure) job. */
export class LinearTransport {
  readonly #sdk: LinearClient;
  readonly #endpoint: string;
  readonly #timeoutMs: number;
  readonly #queue = new PQueue({ concurrency: LINEAR_MAX_CONCURRENT_REQUESTS });

  /** @throws Error from the SDK when `endpoint` is not https (or http to localhost). */
  constructor(options: LinearTransportOptions) {
    this.#sdk = new LinearClient({ apiKey: options.apiKey.reveal(), apiUrl: options.endpoint });
    this.#endpoint = options.endpoint;
    this.#timeoutMs = options.timeoutMs;
  }

  /**
   * POSTs `{query, variables}` once a slot is free (at most {@link LINEAR_MAX_CONCURRENT_REQUESTS}
   * in flight). `hooks.beforeSend` runs when the request leaves the queue (if it throws, nothing is
   * sent and the call rejects with that error); `hooks.onReply` runs before the slot is released.
   *
   * @throws SymphonyError `tracker_request` on transport failure, timeout or abort;
   *   `tracker_response` when a JSON body cannot be parsed.
   */
  send(
    document: string,
    variables: Readonly<Record<string, unknown>>,
    operation: string,
    signal?: AbortSignal,
    hooks: SendHooks = {},
  ): Promise<LinearReply> {
    return this.#queue.add(async () => {
      // Checked when the request leaves the queue: a rate-limit window may have opened meanwhile.
      hooks.beforeSend?.();
      const reply = await this.#sendNow(document, variables, operation, signal);
      // Still holding the slot, so a window this reply opens is closed before the next request starts.
      hooks.onReply?.(reply);
      return reply;
    });
  }

  async #sendNow(
    document: string,
    variables: Readonly<Record<string, unknown>>,
    operation: string,
    signal?: AbortSignal,
  ): Promise<LinearReply> {
    const where = `Linear request ${operation} to ${this.#endpoint}`;
    if (signal?.aborted) throw new SymphonyError('tracker_request', `${where} aborted before it was sent`);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#timeoutMs);
    const combined = signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal;
    const client = new LinearGraphQLClient(this.#endpoint, { ...this.#sdk.options, signal: combined });
    try {
      const result = await client.rawRequest<unknown, Record<string, unknown>>(document, { ...variables });
      return {
        status: result.status ?? 200,
        headers: result.headers ?? new Headers(),
        body: pickBody(result) ?? { data: result.data },
        text: null,
      };
    } catch (error) {
      const response = error instanceof LinearError ? error.raw?.response : undefined;
      if (response !== undefined) {
        return {
          status: response.status ?? 0,
          headers: response.headers ?? new Headers(),
          body: pickBody(response),
          text: typeof response.error === 'string' ? response.error : null,
        };
      }
      if (deadline.signal.aborted) {
        throw new SymphonyError('tracker_request', `${where} timed out after ${this.#timeoutMs} ms`, { cause: error });
      }
      if (signal?.aborted) throw new SymphonyError('tracker_request', `${where} aborted`, { cause: error });
      if (error instanceof SyntaxError) {
        throw new SymphonyError('tracker_response', `${where}: Linear answered with malformed JSON`, { cause: error });
      }
      throw new SymphonyError('tracker_request', `${where} failed: ${describeFailure(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

function pickBody(source: { data?: unknown; errors?: unknown; extensions?: unknown }): LinearBody | null {
  const body: { data?: unknown; errors?: unknown; extensions?: unknown } = {};
  if (source.data !== undefined) body.data = source.data;
  if (source.errors !== undefined) body.errors = source.errors;
  if (source.extensions !== undefined) body.extensions = source.extensions;
  return Object.keys(body).length === 0 ? null : body;
}

/** `fetch failed (ECONNREFUSED)`-style summary of a transport error. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return oneLine(String(error), 200);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : null;
  return oneLine(code ? `${error.message} (${code})` : error.message, 200);
}
