/**
 * One GraphQL POST to Linear, with a timeout, at most {@link LINEAR_MAX_CONCURRENT_REQUESTS} at once.
 *
 * The headers are Linear's personal-key scheme: the key raw as `Authorization` (no `Bearer`), as
 * `@linear/sdk`'s `LinearClient` sends it (a test holds the two equal), plus our own user agent.
 * The endpoint was validated when the settings were read (https, or http only for loopback
 * hosts). The SDK itself is not loaded at run time: its 3 MB bundle cost ~195 ms of every start
 * (bench/startup.bench.ts) to build two headers. The request is sent with `fetch` and the body read
 * as text, because the SDK's raw-request path parses any JSON-labelled body before it exposes the
 * status: a 429 whose body is empty or truncated would lose its status and `Retry-After`.
 * Classification of the answer is the caller's (pure) job.
 */
import PQueue from 'p-queue';
import { systemClock, type Clock } from '../../domain/clock.js';
import { SymphonyError, oneLine } from '../../errors.js';
import type { TrackerRequestObserver } from '../../metrics/tracker-observer.js';
import { classifyReply } from './classify.js';
import type { SecretString } from './secret.js';
import { packageVersion } from '../../version.js';

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
  /** `fetch` implementation. Default: the global one. */
  readonly fetch?: typeof fetch;
  readonly apiKey: SecretString;
  /** Per-request deadline covering connect, headers and body, in ms. */
  readonly timeoutMs: number;
  /**
   * Request queue, shared by transports that must share one cap on requests in flight (see
   * `linearConnection`). Default: a private queue of {@link LINEAR_MAX_CONCURRENT_REQUESTS}.
   */
  readonly queue?: PQueue;
  /** Told about every request sent (operation, duration, §11.4 error category or null). Default: none. */
  readonly observer?: TrackerRequestObserver;
  /**
   * Times the `timeoutMs` deadline (armed when a request leaves the queue, cleared when it ends).
   * Request durations for the observer stay `performance.now()` measurements. Default {@link systemClock}.
   */
  readonly clock?: Clock;
}

/** A request queue allowing {@link LINEAR_MAX_CONCURRENT_REQUESTS} in flight. */
export function linearRequestQueue(): PQueue {
  return new PQueue({ concurrency: LINEAR_MAX_CONCURRENT_REQUESTS });
}

/**
 * The headers of every request to Linear: JSON content, the personal API key raw as
 * `Authorization` (Linear's scheme for personal keys; OAuth tokens would carry `Bearer`), and
 * `User-Agent: symphony-ts/<version>`. The result holds the secret: never log it.
 */
export function linearHeaders(apiKey: SecretString): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    Authorization: apiKey.reveal(),
    'User-Agent': `symphony-ts/${packageVersion()}`,
  };
}

/** Sends one document and returns the raw answer; classification is the caller's (pure) job. */
export class LinearTransport {
  readonly #endpoint: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #apiKey: SecretString;
  readonly #queue: PQueue;
  readonly #observer: TrackerRequestObserver | null;
  readonly #clock: Clock;

  /** Keeps the options; sends nothing. `endpoint` must already be validated (see `settings.ts`). */
  constructor(options: LinearTransportOptions) {
    this.#endpoint = options.endpoint;
    this.#timeoutMs = options.timeoutMs;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#apiKey = options.apiKey;
    this.#queue = options.queue ?? linearRequestQueue();
    this.#observer = options.observer ?? null;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * POSTs `{query, variables}` once a slot is free (at most {@link LINEAR_MAX_CONCURRENT_REQUESTS}
   * in flight). `hooks.beforeSend` runs when the request leaves the queue (if it throws, nothing is
   * sent and the call rejects with that error); `hooks.onReply` runs before the slot is released.
   * The observer, if any, hears of every request actually sent, once it ended.
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
    const timer = this.#clock.setTimeout(() => deadline.abort(), this.#timeoutMs);
    const combined = signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal;
    const startedAt = performance.now();
    try {
      const response = await this.#fetch(this.#endpoint, {
        method: 'POST',
        headers: linearHeaders(this.#apiKey),
        body: JSON.stringify({ query: document, variables }),
        signal: combined,
      });
      const raw = await response.text();
      const body = parseBody(raw);
      const reply: LinearReply = { status: response.status, headers: response.headers, body, text: body === null ? raw : null };
      this.#report(operation, startedAt, () => replyCategory(reply, operation));
      return reply;
    } catch (error) {
      this.#report(operation, startedAt, () => 'tracker_request');
      if (deadline.signal.aborted) throw new SymphonyError('tracker_request', `${where} timed out after ${this.#timeoutMs} ms`, { cause: error });
      if (signal?.aborted) throw new SymphonyError('tracker_request', `${where} aborted`, { cause: error });
      const reason = describeFailure(error, (text) => this.#apiKey.scrub(text));
      // Some errors (an invalid header value) quote the credential: such a cause is not kept.
      const quotesSecret = reason !== describeFailure(error, (text) => text);
      throw new SymphonyError('tracker_request', `${where} failed: ${reason}`, quotesSecret ? {} : { cause: error });
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }

  /** Tells the observer about one request sent; an observer that throws is ignored. */
  #report(operation: string, startedAt: number, category: () => string | null): void {
    if (this.#observer === null) return;
    try {
      this.#observer.request(operation, performance.now() - startedAt, category());
    } catch {
      // Metrics must never break a tracker request.
    }
  }
}

/** The §11.4 category of an answer (as the client will classify it), or null for a success. */
function replyCategory(reply: LinearReply, operation: string): string | null {
  const outcome = classifyReply(reply, operation, Date.now());
  return outcome.ok ? null : outcome.error.code;
}

/** The GraphQL response keys of a JSON object body; null for anything else (empty, not JSON, `null`, a list…). */
function parseBody(raw: string): LinearBody | null {
  let parsed: unknown;
  try {
    parsed = raw.trim() === '' ? undefined : JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  return pickBody(parsed);
}

function pickBody(source: { data?: unknown; errors?: unknown; extensions?: unknown }): LinearBody | null {
  const body: { data?: unknown; errors?: unknown; extensions?: unknown } = {};
  if (source.data !== undefined) body.data = source.data;
  if (source.errors !== undefined) body.errors = source.errors;
  if (source.extensions !== undefined) body.extensions = source.extensions;
  return Object.keys(body).length === 0 ? null : body;
}

/** `fetch failed (ECONNREFUSED)`-style summary of a transport error, scrubbed before it is flattened. */
function describeFailure(error: unknown, scrub: (text: string) => string): string {
  if (!(error instanceof Error)) return oneLine(scrub(String(error)), 200);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : null;
  return oneLine(scrub(code ? `${error.message} (${code})` : error.message), 200);
}
