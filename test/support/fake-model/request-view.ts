/**
 * What a scripted model needs to know about one `POST /v1/responses` body from Codex.
 *
 * Codex sends the whole thread history in `input` on every request: developer messages, an
 * `<environment_context>` user message, the user messages of each turn (one per `turn/start`),
 * then the model's `function_call` / assistant `message` items and the `function_call_output`
 * items Codex appended. So the position in the script is derivable from `input` alone.
 */

/** One `input` item, loosely typed. */
export type InputItem = Record<string, unknown>;

/** A `function_call_output` found in `input`. */
export interface ToolOutput {
  readonly callId: string;
  /** The output text as Codex forwarded it (string outputs; structured ones are JSON-encoded). */
  readonly output: string;
}

/** The scripted model's view of one request. */
export interface ModelRequest {
  /** The parsed JSON body. */
  readonly body: Record<string, unknown>;
  readonly input: readonly InputItem[];
  /** 0 for the first turn of the thread, 1 for the next `turn/start`, … */
  readonly turnIndex: number;
  /** Text of the latest user message (the current turn's input text). */
  readonly lastUserText: string;
  /** `function_call` items anywhere in the history. */
  readonly priorCalls: number;
  /** Model outputs (`function_call` + assistant `message`) since the latest user message: the step within the turn. */
  readonly stepInTurn: number;
  /** Every `function_call_output` in the history, oldest first. */
  readonly toolOutputs: readonly ToolOutput[];
  /** Names of the tools offered to the model (`body.tools[].name`). */
  readonly toolNames: readonly string[];
}

function textOf(item: InputItem): string {
  const content = item.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
    .join('');
}

/** True for a user message that is a turn's input (not Codex's injected context). */
function isTurnInput(item: InputItem): boolean {
  if (item.type !== 'message' || item.role !== 'user') return false;
  const text = textOf(item).trimStart();
  return !text.startsWith('<environment_context>') && !text.startsWith('# AGENTS.md instructions');
}

/** Builds the {@link ModelRequest} view of a request body. */
export function viewRequest(body: Record<string, unknown>): ModelRequest {
  const input = Array.isArray(body.input) ? (body.input as InputItem[]) : [];
  let lastUserIndex = -1;
  let turnIndex = -1;
  let priorCalls = 0;
  const toolOutputs: ToolOutput[] = [];
  input.forEach((item, index) => {
    if (isTurnInput(item)) {
      lastUserIndex = index;
      turnIndex++;
    }
    if (item.type === 'function_call') priorCalls++;
    if (item.type === 'function_call_output') {
      const output = typeof item.output === 'string' ? item.output : JSON.stringify(item.output);
      toolOutputs.push({ callId: String(item.call_id), output });
    }
  });
  const stepInTurn = input.slice(lastUserIndex + 1).filter((item) => item.type === 'function_call' || (item.type === 'message' && item.role === 'assistant')).length;
  const lastUser = lastUserIndex >= 0 ? input[lastUserIndex] : undefined;
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  return {
    body,
    input,
    turnIndex: Math.max(turnIndex, 0),
    lastUserText: lastUser === undefined ? '' : textOf(lastUser),
    priorCalls,
    stepInTurn,
    toolOutputs,
    toolNames: tools.map((tool) => (typeof tool.name === 'string' ? tool.name : '')).filter((name) => name !== ''),
  };
}
