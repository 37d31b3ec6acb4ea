/**
 * JSON-RPC message shapes as the Codex app-server speaks them: JSON-RPC 2.0 semantics without the
 * `"jsonrpc": "2.0"` member (the generated `JSONRPCMessage` schema has none). Pure parsing and
 * classification of one decoded line.
 */

/** A request id: the Codex schema allows strings and 64-bit integers. */
export type RequestId = string | number;

/** A request expecting exactly one response. */
export interface JsonRpcRequest {
  readonly id: RequestId;
  readonly method: string;
  readonly params?: unknown;
}

/** A one-way message. */
export interface JsonRpcNotification {
  readonly method: string;
  readonly params?: unknown;
}

/** The `error` member of an error response. */
export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/** A successful response. */
export interface JsonRpcResult {
  readonly id: RequestId;
  readonly result: unknown;
}

/** An error response. */
export interface JsonRpcErrorResponse {
  readonly id: RequestId;
  readonly error: JsonRpcErrorObject;
}

/** JSON-RPC "method not found", used for every server request we do not implement. */
export const METHOD_NOT_FOUND = -32601;

/** What one incoming line turned out to be. */
export type IncomingMessage =
  | { readonly kind: 'request'; readonly message: JsonRpcRequest }
  | { readonly kind: 'notification'; readonly message: JsonRpcNotification }
  | { readonly kind: 'result'; readonly message: JsonRpcResult }
  | { readonly kind: 'error'; readonly message: JsonRpcErrorResponse }
  /** Valid JSON, but not a JSON-RPC message (no method, no id+result/error). */
  | { readonly kind: 'other'; readonly value: unknown }
  /** Not JSON at all. */
  | { readonly kind: 'malformed'; readonly reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

/** Classifies an already-parsed JSON value. */
export function classifyMessage(value: unknown): IncomingMessage {
  if (!isRecord(value)) return { kind: 'other', value };
  const { id, method } = value;
  if (typeof method === 'string') {
    if (isRequestId(id)) return { kind: 'request', message: { id, method, params: value.params } };
    if (id === undefined || id === null) return { kind: 'notification', message: { method, params: value.params } };
    return { kind: 'other', value };
  }
  if (!isRequestId(id)) return { kind: 'other', value };
  if (isRecord(value.error)) {
    const code = typeof value.error.code === 'number' ? value.error.code : 0;
    const message = typeof value.error.message === 'string' ? value.error.message : 'error without message';
    return { kind: 'error', message: { id, error: { code, message, data: value.error.data } } };
  }
  if ('result' in value) return { kind: 'result', message: { id, result: value.result } };
  return { kind: 'other', value };
}

/** Parses and classifies one protocol line. Never throws. */
export function parseLine(line: string): IncomingMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { kind: 'malformed', reason: error instanceof Error ? error.message : String(error) };
  }
  return classifyMessage(value);
}
