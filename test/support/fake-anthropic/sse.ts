/**
 * Server-sent events of one scripted Anthropic Messages reply, in the order Claude Code streams
 * them: `message_start`, one content block (`content_block_start`, `content_block_delta` with a
 * `text_delta` or `input_json_delta`, `content_block_stop`), `message_delta` with the stop reason
 * and the output usage, `message_stop`.
 */

/** Token usage of one reply (Anthropic field names in camelCase). */
export interface AnthropicUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens?: number;
  readonly cacheCreationInputTokens?: number;
}

/** Usage when a step gives none. */
export const DEFAULT_ANTHROPIC_USAGE: AnthropicUsage = { inputTokens: 100, outputTokens: 10 };

/** The single content block of one reply. */
export type ReplyBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: Readonly<Record<string, unknown>> };

function frame(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** `message_start` of reply `n` for `model`, with the input side of `usage`. */
export function messageStart(n: number, model: string, usage: AnthropicUsage): string {
  return frame('message_start', {
    message: {
      id: `msg_fake_${n}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.inputTokens,
        output_tokens: 1,
        cache_read_input_tokens: usage.cacheReadInputTokens ?? 0,
        cache_creation_input_tokens: usage.cacheCreationInputTokens ?? 0,
      },
    },
  });
}

/** The content block, `message_delta` (stop reason, output tokens) and `message_stop`. */
export function replyBody(block: ReplyBlock, stopReason: string, usage: AnthropicUsage): string {
  const start =
    block.type === 'text'
      ? frame('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
      : frame('content_block_start', { index: 0, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
  const delta =
    block.type === 'text'
      ? frame('content_block_delta', { index: 0, delta: { type: 'text_delta', text: block.text } })
      : frame('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
  return (
    start +
    delta +
    frame('content_block_stop', { index: 0 }) +
    frame('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.outputTokens } }) +
    frame('message_stop', {})
  );
}
