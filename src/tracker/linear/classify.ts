/**
 * Pure mapping of one Linear HTTP answer to data or a §11.4 error category. Shared by the reads
 * (which throw the error) and the `linear_graphql` tool (which reports it to the agent).
 */
import { SymphonyError, oneLine } from '../../errors.js';
import { rateLimitWaitMs } from './rate-limit.js';
import type { LinearReply } from './transport.js';

/** Outcome of {@link classifyReply}. */
export type Classified =
  | { readonly ok: true; readonly data: Readonly<Record<string, unknown>> }
  | {
      readonly ok: false;
      readonly error: SymphonyError;
      /** Set for `tracker_rate_limited`: how long to keep the gate closed, in ms. */
      readonly retryAfterMs: number | null;
      /** True when Linear's answer carried a GraphQL `errors` list worth showing to an agent. */
      readonly hasGraphqlErrors: boolean;
    };

/**
 * Classifies a Linear answer (spec §11.4), in this order:
 * HTTP 429 or a GraphQL error with `extensions.code` `RATELIMITED` → `tracker_rate_limited`
 * (details `retry_after_ms`, see {@link rateLimitWaitMs}); any other non-2xx → `tracker_status`
 * (401 / authentication errors say the API key was rejected); GraphQL `errors` →
 * `tracker_response`; a body without a `data` object → `tracker_response`.
 *
 * @param nowMs - current epoch ms (for HTTP-date and reset-epoch hints).
 */
export function classifyReply(reply: LinearReply, operation: string, nowMs: number): Classified {
  const errors = graphqlErrors(reply.body?.errors);
  const fail = (error: SymphonyError, retryAfterMs: number | null = null): Classified => ({
    ok: false,
    error,
    retryAfterMs,
    hasGraphqlErrors: errors.length > 0,
  });
  const status = reply.status;
  const details = { operation, status };

  if (status === 429 || errors.some((e) => errorCode(e) === 'RATELIMITED' || errorType(e) === 'ratelimited')) {
    const waitMs = rateLimitWaitMs(reply.headers, nowMs);
    const message = `Linear rate-limited ${operation} (HTTP ${status}); retry in ${waitMs} ms`;
    return fail(new SymphonyError('tracker_rate_limited', message, { details: { ...details, retry_after_ms: waitMs } }), waitMs);
  }
  if (status < 200 || status > 299) {
    const auth = status === 401 || errors.some((e) => errorType(e) === 'authentication error' || errorCode(e) === 'AUTHENTICATION_ERROR');
    const message = auth
      ? `Linear rejected the API key (HTTP ${status}) for ${operation}; check tracker.provider.api_key`
      : `Linear answered ${operation} with HTTP ${status}${errors.length > 0 ? `: ${summarize(errors)}` : ''}`;
    return fail(new SymphonyError('tracker_status', message, { details }));
  }
  if (errors.length > 0) {
    return fail(new SymphonyError('tracker_response', `Linear answered ${operation} with GraphQL errors: ${summarize(errors)}`, { details }));
  }
  if (reply.body === null) {
    const labelledJson = (reply.headers.get('content-type') ?? '').includes('json');
    const what = labelledJson ? 'malformed JSON' : 'a non-JSON body';
    return fail(new SymphonyError('tracker_response', `Linear answered ${operation} with ${what} (HTTP ${status})`, { details }));
  }
  const data = reply.body.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return fail(new SymphonyError('tracker_response', `Linear answered ${operation} without a data object`, { details }));
  }
  return { ok: true, data: data as Record<string, unknown> };
}

/** The GraphQL `errors` list as objects; anything else is ignored. */
function graphqlErrors(value: unknown): readonly Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return value.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
}

function extensions(error: Record<string, unknown>): Record<string, unknown> {
  const ext = error.extensions;
  return typeof ext === 'object' && ext !== null ? (ext as Record<string, unknown>) : {};
}

function errorCode(error: Record<string, unknown>): string | null {
  const code = extensions(error).code;
  return typeof code === 'string' ? code.toUpperCase() : null;
}

function errorType(error: Record<string, unknown>): string | null {
  const type = extensions(error).type;
  return typeof type === 'string' ? type.toLowerCase() : null;
}

function summarize(errors: readonly Record<string, unknown>[]): string {
  const first = errors[0];
  const message = first && typeof first.message === 'string' ? first.message : 'unknown error';
  const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
  return `${oneLine(message, 200)}${more}`;
}
