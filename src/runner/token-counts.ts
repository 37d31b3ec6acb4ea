/**
 * Lenient reading of token counts from agent payloads, shared by the runtimes (spec §13.5): each
 * count in camelCase (`inputTokens`) or snake_case (`input_tokens`), non-negative finite numbers
 * only, floored. Pure.
 */
import type { TokenTotals } from '../domain/agent-event.js';

/** `value[key]` when `value` is an object, else undefined. */
export function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The first of `keys` that holds a non-negative finite number, floored; null when none does. */
export function countOf(value: unknown, ...keys: string[]): number | null {
  for (const key of keys) {
    const n = fieldOf(value, key);
    if (typeof n === 'number' && Number.isFinite(n) && n >= 0) return Math.floor(n);
  }
  return null;
}

/**
 * `{inputTokens, outputTokens, totalTokens}` from `source` (either case); a missing total is input
 * + output, other missing counts are 0. Null when `source` carries no count at all.
 */
export function readTokenTotals(source: unknown): TokenTotals | null {
  const inputTokens = countOf(source, 'inputTokens', 'input_tokens');
  const outputTokens = countOf(source, 'outputTokens', 'output_tokens');
  const totalTokens = countOf(source, 'totalTokens', 'total_tokens');
  if (inputTokens === null && outputTokens === null && totalTokens === null) return null;
  return { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0, totalTokens: totalTokens ?? (inputTokens ?? 0) + (outputTokens ?? 0) };
}
