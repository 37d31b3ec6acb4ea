/**
 * What a scripted model needs to know about one `POST /v1/messages` body from Claude Code.
 *
 * Claude Code sends the whole conversation in `messages` on every request: user messages (the
 * turn inputs, with `<system-reminder>` text blocks it injects), assistant messages (text and
 * `tool_use` blocks) and user messages carrying `tool_result` blocks. So the position in the
 * script is derivable from `messages` alone.
 */

/** One `messages[]` entry, loosely typed. */
export interface MessageParam {
  readonly role: string;
  readonly content: unknown;
}

/** A `tool_result` block found in `messages`. */
export interface ToolResultView {
  readonly toolUseId: string;
  /** The result's text (string content, or the text blocks joined). */
  readonly text: string;
  readonly isError: boolean;
}

/** The scripted model's view of one request. */
export interface AnthropicRequest {
  /** The parsed JSON body. */
  readonly body: Record<string, unknown>;
  /** `body.model`. */
  readonly model: string;
  readonly messages: readonly MessageParam[];
  /** 0 for the first turn input of the conversation, 1 for the next, … */
  readonly turnIndex: number;
  /** Text of the latest turn input (system reminders left out). */
  readonly lastUserText: string;
  /** Assistant messages since the latest turn input: the step within the turn. */
  readonly stepInTurn: number;
  /** Every `tool_result` block, oldest first. */
  readonly toolResults: readonly ToolResultView[];
  /** Names of the tools offered to the model (`body.tools[].name`). */
  readonly toolNames: readonly string[];
  /** The system prompt's text (string, or the text blocks joined). */
  readonly systemText: string;
}

function blocks(content: unknown): Record<string, unknown>[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter((block): block is Record<string, unknown> => typeof block === 'object' && block !== null) : [];
}

function joinText(content: unknown): string {
  return blocks(content)
    .map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : ''))
    .join('');
}

/** The user-written text of a message: text blocks that are not Claude Code's system reminders. */
function userText(message: MessageParam): string {
  return blocks(message.content)
    .filter((block) => block.type === 'text' && typeof block.text === 'string' && !block.text.trimStart().startsWith('<system-reminder>'))
    .map((block) => String(block.text))
    .join('\n');
}

/** True for a user message that is a turn's input (not tool results, not only reminders). */
function isTurnInput(message: MessageParam): boolean {
  if (message.role !== 'user') return false;
  if (blocks(message.content).some((block) => block.type === 'tool_result')) return false;
  return userText(message).trim() !== '';
}

/** Builds the {@link AnthropicRequest} view of a request body. */
export function viewRequest(body: Record<string, unknown>): AnthropicRequest {
  const messages = Array.isArray(body.messages) ? (body.messages as MessageParam[]) : [];
  let lastUserIndex = -1;
  let turnIndex = -1;
  const toolResults: ToolResultView[] = [];
  messages.forEach((message, index) => {
    if (isTurnInput(message)) {
      lastUserIndex = index;
      turnIndex++;
    }
    for (const block of blocks(message.content)) {
      if (block.type !== 'tool_result') continue;
      toolResults.push({ toolUseId: String(block.tool_use_id), text: typeof block.content === 'string' ? block.content : joinText(block.content), isError: block.is_error === true });
    }
  });
  const lastUser = lastUserIndex >= 0 ? messages[lastUserIndex] : undefined;
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  return {
    body,
    model: typeof body.model === 'string' ? body.model : '',
    messages,
    turnIndex: Math.max(turnIndex, 0),
    lastUserText: lastUser === undefined ? '' : userText(lastUser),
    stepInTurn: messages.slice(lastUserIndex + 1).filter((message) => message.role === 'assistant').length,
    toolResults,
    toolNames: tools.map((tool) => (typeof tool.name === 'string' ? tool.name : '')).filter((name) => name !== ''),
    systemText: typeof body.system === 'string' ? body.system : joinText(body.system),
  };
}
