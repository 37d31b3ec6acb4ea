/**
 * The HTTP API's error vocabulary (spec §13.7.2 "API design notes"): every error response is the
 * JSON envelope `{"error":{"code":"…","message":"…"}}`, whatever route or layer produced it.
 */
import type { FastifyReply } from 'fastify';
import { oneLine } from '../errors.js';

/** Error codes the HTTP API answers with, and their usual status. */
export const HTTP_ERROR_STATUS = {
  invalid_json: 400,
  invalid_body: 400,
  invalid_answer: 400,
  invalid_query: 400,
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  issue_not_found: 404,
  log_not_found: 404,
  method_not_allowed: 405,
  nothing_waiting: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal: 500,
  snapshot_unavailable: 503,
} as const;

/** One of the API's error codes. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_STATUS;

/** The JSON error envelope. */
export interface ErrorEnvelope {
  readonly error: { readonly code: HttpErrorCode; readonly message: string };
}

/** Builds the envelope; `message` is collapsed to one line. */
export function errorEnvelope(code: HttpErrorCode, message: string): ErrorEnvelope {
  return { error: { code, message: oneLine(message) } };
}

/**
 * Sends the envelope with the code's status (or `status` when given) and returns the reply, so a
 * handler can `return sendError(reply, …)`.
 */
export function sendError(reply: FastifyReply, code: HttpErrorCode, message: string, status?: number): FastifyReply {
  return reply
    .code(status ?? HTTP_ERROR_STATUS[code])
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(errorEnvelope(code, message));
}

/** What the error handler answers for an error fastify or a content parser raised. */
export interface MappedError {
  readonly status: number;
  readonly code: HttpErrorCode;
  readonly message: string;
  /** True for server faults that must be logged; client mistakes are not. */
  readonly isServerFault: boolean;
}

/** Error raised by our JSON body parser (mapped to `invalid_json`). */
export const INVALID_JSON_MARKER = 'SYMPHONY_INVALID_JSON';

/**
 * Maps an error thrown before or inside a handler to the envelope: fastify's body-limit and
 * content-type errors, our JSON parser's error, other 4xx errors, and anything else as `internal`.
 * Pure.
 */
export function mapError(error: unknown): MappedError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const statusCode = typeof error === 'object' && error !== null && 'statusCode' in error ? Number(error.statusCode) : NaN;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case INVALID_JSON_MARKER:
      return { status: 400, code: 'invalid_json', message, isServerFault: false };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'payload_too_large', message: 'request body is larger than the 64 KB limit', isServerFault: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'unsupported_media_type', message: 'request body must be application/json', isServerFault: false };
    default:
      break;
  }
  if (Number.isInteger(statusCode) && statusCode >= 400 && statusCode < 500) {
    if (statusCode === 413) return { status: 413, code: 'payload_too_large', message, isServerFault: false };
    return { status: 400, code: 'bad_request', message, isServerFault: false };
  }
  return { status: 500, code: 'internal', message, isServerFault: true };
}
