/**
 * Token accounting of one Claude Code session (spec §13.5 for the Claude runtime): absolute
 * session totals for `token_usage_updated`. Pure (no I/O, no clock).
 *
 * - Every `result` message carries `modelUsage`, cumulative over the session's `query()` (all
 *   models, subagents and compaction included): its sum is the authoritative total. Without
 *   `modelUsage` the result's per-turn `usage` is added to the previous total.
 * - Between results, each assistant message's `usage` (one per API response, by `message.id`) is
 *   added to the last result's total as a running estimate; the next result replaces it.
 * - `inputTokens` counts every prompt token: `input_tokens + cache_read_input_tokens +
 *   cache_creation_input_tokens` (Anthropic reports cached tokens apart); `totalTokens` is input +
 *   output. Totals are a per-field high-water mark, so they never move backwards.
 */
import type { TokenTotals } from '../../domain/agent-event.js';
import { maxTotals, ZERO_TOTALS } from '../app-server/telemetry.js';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function count(value: unknown, key: string): number {
  const n = field(value, key);
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function totals(inputTokens: number, outputTokens: number): TokenTotals {
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
}

/** Sum of two totals. */
export function addTotals(a: TokenTotals, b: TokenTotals): TokenTotals {
  return totals(a.inputTokens + b.inputTokens, a.outputTokens + b.outputTokens);
}

/** Totals of an Anthropic `usage` object (snake_case), cached prompt tokens included. Null when it has no counts. */
export function anthropicUsage(usage: unknown): TokenTotals | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const input = count(usage, 'input_tokens') + count(usage, 'cache_read_input_tokens') + count(usage, 'cache_creation_input_tokens');
  const output = count(usage, 'output_tokens');
  return input + output === 0 ? null : totals(input, output);
}

/** Sum over models of a result's `modelUsage` (camelCase), cached prompt tokens included. Null when absent or empty. */
export function modelUsageTotals(modelUsage: unknown): TokenTotals | null {
  if (typeof modelUsage !== 'object' || modelUsage === null) return null;
  let sum = ZERO_TOTALS;
  for (const usage of Object.values(modelUsage)) {
    sum = addTotals(sum, totals(count(usage, 'inputTokens') + count(usage, 'cacheReadInputTokens') + count(usage, 'cacheCreationInputTokens'), count(usage, 'outputTokens')));
  }
  return sum.totalTokens === 0 ? null : sum;
}

/** Running session totals; feed it every assistant and result message. */
export class TokenLedger {
  private settled: TokenTotals = ZERO_TOTALS;
  private readonly pending = new Map<string, TokenTotals>();
  private current: TokenTotals = ZERO_TOTALS;

  /** The latest absolute totals (zero before any usage). */
  get totals(): TokenTotals {
    return this.current;
  }

  /** An assistant message: its response's usage joins the estimate. Returns new totals when they grew, else null. */
  onAssistant(message: unknown): TokenTotals | null {
    const inner = field(message, 'message');
    const id = field(inner, 'id');
    const usage = anthropicUsage(field(inner, 'usage'));
    if (typeof id !== 'string' || usage === null) return null;
    this.pending.set(id, maxTotals(this.pending.get(id) ?? ZERO_TOTALS, usage));
    let estimate = this.settled;
    for (const part of this.pending.values()) estimate = addTotals(estimate, part);
    return this.raise(estimate);
  }

  /** A `result` message: its cumulative `modelUsage` (or per-turn `usage`) settles the totals. Returns new totals when they grew, else null. */
  onResult(result: unknown): TokenTotals | null {
    const cumulative = modelUsageTotals(field(result, 'modelUsage'));
    const perTurn = anthropicUsage(field(result, 'usage'));
    const settled = cumulative ?? (perTurn === null ? null : addTotals(this.settled, perTurn));
    this.pending.clear();
    if (settled === null) return null;
    this.settled = maxTotals(this.settled, settled);
    return this.raise(this.settled);
  }

  private raise(candidate: TokenTotals): TokenTotals | null {
    const next = maxTotals(this.current, candidate);
    if (next.inputTokens === this.current.inputTokens && next.outputTokens === this.current.outputTokens && next.totalTokens === this.current.totalTokens) return null;
    this.current = next;
    return next;
  }
}
