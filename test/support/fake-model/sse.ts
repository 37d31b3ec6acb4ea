/**
 * Server-sent events of one scripted OpenAI Responses reply, in the order Codex 0.169 accepts:
 * `response.created`, one `response.output_item.done`, `response.completed` with usage.
 */

/** Token usage reported by one reply (Codex sums these into the thread totals). */
export interface ModelUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedTokens?: number;
  readonly reasoningTokens?: number;
}

/** Usage when a step gives none. */
export const DEFAULT_USAGE: ModelUsage = { inputTokens: 100, outputTokens: 10 };

/** The output item of one reply. */
export type OutputItem =
  | { readonly type: 'function_call'; readonly name: string; readonly arguments: unknown; readonly callId: string }
  | { readonly type: 'message'; readonly text: string };

function frame(event: Record<string, unknown> & { type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** `response.created` for reply `n`. */
export function createdEvent(n: number): string {
  return frame({ type: 'response.created', response: { id: `resp_${n}` } });
}

/** `response.output_item.done` then `response.completed` for reply `n`. */
export function completionEvents(n: number, item: OutputItem, usage: ModelUsage): string {
  const outputItem =
    item.type === 'function_call'
      ? { type: 'function_call', id: `fc_${n}`, call_id: item.callId, name: item.name, arguments: typeof item.arguments === 'string' ? item.arguments : JSON.stringify(item.arguments) }
      : { type: 'message', id: `msg_${n}`, role: 'assistant', content: [{ type: 'output_text', text: item.text }] };
  const usageBody = {
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens ?? 0 },
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  };
  return frame({ type: 'response.output_item.done', output_index: 0, item: outputItem }) + frame({ type: 'response.completed', response: { id: `resp_${n}`, usage: usageBody } });
}
