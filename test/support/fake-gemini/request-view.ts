/**
 * What a scripted Gemini model needs to know about one `POST /v1beta/models/<model>:<method>` body
 * from Gemini CLI.
 *
 * Gemini CLI sends the whole conversation in `contents` on every request: the first user content
 * carries a `<session_context>` part before the turn's text, then `model` contents (text or
 * `functionCall` parts) and `user` contents with `functionResponse` parts; each later
 * `session/prompt` appends one user text content. So the position in the script is derivable from
 * `contents` alone.
 */

/** One `contents[]` entry, loosely typed. */
export interface GeminiContent {
  readonly role?: string;
  readonly parts?: readonly Record<string, unknown>[];
}

/** A `functionResponse` part found in `contents`. */
export interface FunctionResponse {
  readonly name: string;
  /** The `response` object as Gemini CLI sent it (`{output: "…"}` for shell commands). */
  readonly response: unknown;
}

/** The scripted model's view of one request. */
export interface GeminiRequest {
  /** `streamGenerateContent`, `generateContent` or `countTokens`. */
  readonly method: string;
  /** The model named in the path (`gemini-3.1-pro-preview`). */
  readonly model: string;
  /** The parsed JSON body. */
  readonly body: Record<string, unknown>;
  readonly contents: readonly GeminiContent[];
  /** 0 for the first prompt of the session, 1 for the next `session/prompt`, … */
  readonly turnIndex: number;
  /** Text of the latest user turn input (without the `<session_context>` part). */
  readonly lastUserText: string;
  /** Model contents since the latest user turn input: the step within the turn. */
  readonly stepInTurn: number;
  /** Every `functionResponse` in the conversation, oldest first. */
  readonly functionResponses: readonly FunctionResponse[];
  /** Names of the functions offered to the model (`tools[].functionDeclarations[].name`). */
  readonly toolNames: readonly string[];
}

function parts(content: GeminiContent): readonly Record<string, unknown>[] {
  return Array.isArray(content.parts) ? content.parts : [];
}

/** The turn input text of a user content, or null when it is not one (function responses, context only). */
function turnText(content: GeminiContent): string | null {
  if (content.role !== 'user') return null;
  const texts = parts(content)
    .map((part) => (typeof part.text === 'string' ? part.text : null))
    .filter((text): text is string => text !== null && !text.trimStart().startsWith('<session_context>'));
  return texts.length === 0 ? null : texts.join('\n');
}

function toolNamesOf(body: Record<string, unknown>): string[] {
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  return tools.flatMap((tool) => (Array.isArray(tool.functionDeclarations) ? (tool.functionDeclarations as Record<string, unknown>[]) : []).map((declaration) => (typeof declaration.name === 'string' ? declaration.name : '')).filter((name) => name !== ''));
}

/** Builds the {@link GeminiRequest} view of a request. */
export function viewGeminiRequest(method: string, model: string, body: Record<string, unknown>): GeminiRequest {
  const contents = Array.isArray(body.contents) ? (body.contents as GeminiContent[]) : [];
  let turnIndex = -1;
  let lastUserIndex = -1;
  let lastUserText = '';
  const functionResponses: FunctionResponse[] = [];
  contents.forEach((content, index) => {
    const text = turnText(content);
    if (text !== null) {
      turnIndex++;
      lastUserIndex = index;
      lastUserText = text;
    }
    for (const part of parts(content)) {
      const response = part.functionResponse as { name?: unknown; response?: unknown } | undefined;
      if (response !== undefined) functionResponses.push({ name: typeof response.name === 'string' ? response.name : '', response: response.response });
    }
  });
  const stepInTurn = contents.slice(lastUserIndex + 1).filter((content) => content.role === 'model').length;
  return { method, model, body, contents, turnIndex: Math.max(turnIndex, 0), lastUserText, stepInTurn, functionResponses, toolNames: toolNamesOf(body) };
}
