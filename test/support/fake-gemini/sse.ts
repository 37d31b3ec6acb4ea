/**
 * Gemini API response bodies of one scripted step: `GenerateContentResponse` chunks as server-sent
 * events (`data: <json>\n\n`, what `:streamGenerateContent?alt=sse` returns) or as one JSON object
 * (`:generateContent`), each with `candidates[0].content.parts` and `usageMetadata`.
 */

/** Token usage one reply reports (`usageMetadata`). */
export interface GeminiUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Usage when a step gives none. */
export const DEFAULT_GEMINI_USAGE: GeminiUsage = { inputTokens: 100, outputTokens: 10 };

/** The part of one reply. */
export type ReplyPart = { readonly text: string } | { readonly functionCall: { readonly name: string; readonly args: Readonly<Record<string, unknown>> } };

function usageMetadata(usage: GeminiUsage): Record<string, number> {
  return { promptTokenCount: usage.inputTokens, candidatesTokenCount: usage.outputTokens, totalTokenCount: usage.inputTokens + usage.outputTokens };
}

/** One `GenerateContentResponse` carrying `parts`; `final` adds `finishReason` and usage. */
export function responseChunk(parts: readonly ReplyPart[], usage: GeminiUsage | null, model: string): Record<string, unknown> {
  const candidate: Record<string, unknown> = { content: { role: 'model', parts }, index: 0 };
  if (usage !== null) candidate.finishReason = 'STOP';
  return { candidates: [candidate], ...(usage === null ? {} : { usageMetadata: usageMetadata(usage) }), modelVersion: model };
}

/** `data:` frame of one chunk. */
export function sseFrame(chunk: Record<string, unknown>): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/**
 * The SSE body of a step: text is streamed in two chunks (so the agent sees chunked message
 * updates), a function call in one; the last chunk carries `finishReason` and usage.
 */
export function streamBody(part: ReplyPart, usage: GeminiUsage, model: string): string {
  if ('text' in part && part.text.length > 1) {
    const half = Math.ceil(part.text.length / 2);
    return sseFrame(responseChunk([{ text: part.text.slice(0, half) }], null, model)) + sseFrame(responseChunk([{ text: part.text.slice(half) }], usage, model));
  }
  return sseFrame(responseChunk([part], usage, model));
}
