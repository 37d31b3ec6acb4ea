/**
 * Telemetry extraction from Codex 0.169 notifications (spec §13.5). Pure.
 *
 * Token totals come only from `thread/tokenUsage/updated` → `params.tokenUsage.total` (absolute
 * thread totals); `tokenUsage.last` is a per-request delta and is never read. Totals are kept as a
 * per-field high-water mark so a stale or partial update can never move them backwards.
 */
import { oneLine } from '../../errors.js';
import type { TokenTotals } from '../../domain/agent-event.js';
import { fieldOf as field, readTokenTotals } from '../token-counts.js';

/** Notification methods with a dedicated meaning. */
export const ServerNotificationMethod = {
  turnCompleted: 'turn/completed',
  tokenUsageUpdated: 'thread/tokenUsage/updated',
  rateLimitsUpdated: 'account/rateLimits/updated',
} as const;

/** All-zero totals. */
export const ZERO_TOTALS: TokenTotals = Object.freeze({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });

/**
 * Absolute totals from a `thread/tokenUsage/updated` params object, read leniently (camelCase as
 * in the schema, snake_case tolerated). Null when `tokenUsage.total` carries no counts.
 */
export function extractTokenTotals(params: unknown): TokenTotals | null {
  return readTokenTotals(field(field(params, 'tokenUsage'), 'total'));
}

/** Per-field maximum of two totals (the high-water mark). */
export function maxTotals(a: TokenTotals, b: TokenTotals): TokenTotals {
  return {
    inputTokens: Math.max(a.inputTokens, b.inputTokens),
    outputTokens: Math.max(a.outputTokens, b.outputTokens),
    totalTokens: Math.max(a.totalTokens, b.totalTokens),
  };
}

/** The rate-limit snapshot of an `account/rateLimits/updated` params object (or the params). */
export function extractRateLimits(params: unknown): unknown {
  return field(params, 'rateLimits') ?? params;
}

/** Outcome of a `turn/completed` notification, from `params.turn`. */
export interface CompletedTurn {
  readonly turnId: string | null;
  /** `completed` | `failed` | `interrupted` | `inProgress` (schema `TurnStatus`), or other text. */
  readonly status: string;
  /** `turn.error.message`, when present. */
  readonly errorMessage: string | null;
}

/** Reads `turn.id`, `turn.status` and `turn.error.message` of a `turn/completed` notification. */
export function readCompletedTurn(params: unknown): CompletedTurn {
  const turn = field(params, 'turn');
  const id = field(turn, 'id');
  const status = field(turn, 'status');
  const message = field(field(turn, 'error'), 'message');
  return {
    turnId: typeof id === 'string' ? id : null,
    status: typeof status === 'string' ? status : 'unknown',
    errorMessage: typeof message === 'string' && message !== '' ? message : null,
  };
}

/**
 * A short, human-oriented summary of a notification for the `notification` event (≤ 200 chars):
 * the method plus the most telling field (item type, error message, status, delta text).
 */
export function summarizeNotification(method: string, params: unknown): string {
  const item = field(params, 'item');
  const detail =
    field(field(params, 'error'), 'message') ??
    field(item, 'type') ??
    field(field(params, 'status'), 'type') ??
    field(params, 'summary') ??
    field(params, 'message') ??
    field(params, 'delta');
  const text = typeof detail === 'string' ? `${method}: ${detail}` : method;
  return oneLine(text, 200);
}
