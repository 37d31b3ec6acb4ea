/**
 * Token usage of an ACP session (spec §13.5 in ACP terms). Pure.
 *
 * ACP v1 has no usage notification in its stable schema; agents report a turn's tokens on the
 * `session/prompt` result instead, as
 * - `usage: {inputTokens, outputTokens, totalTokens}` (the draft schema field), or
 * - `_meta.quota.token_count: {input_tokens, output_tokens}` (Gemini CLI 0.61).
 *
 * Both count one prompt turn only (verified with Gemini CLI: a turn with two model calls reported
 * their sum, the next turn only its own), so the session's absolute totals are the running sum
 * over its turns. A result without usage adds nothing.
 */
import type { TokenTotals } from '../../domain/agent-event.js';
import { fieldOf as field, readTokenTotals as totals } from '../token-counts.js';

/**
 * The tokens one turn used, from its `session/prompt` result: `usage` when present, else
 * `_meta.quota.token_count`. Null when the result reports neither.
 */
export function turnUsage(promptResult: unknown): TokenTotals | null {
  return totals(field(promptResult, 'usage')) ?? totals(field(field(field(promptResult, '_meta'), 'quota'), 'token_count'));
}

/** `a + b`, field by field. */
export function addTotals(a: TokenTotals, b: TokenTotals): TokenTotals {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, totalTokens: a.totalTokens + b.totalTokens };
}
