/**
 * A scripted OpenAI-compatible Chat Completions API (`POST /v1/chat/completions`, streaming SSE of
 * `chat.completion.chunk`s ending in `data: [DONE]`) on 127.0.0.1 (ephemeral port), for agents
 * that take an OpenAI-compatible provider base URL (OpenCode's `@ai-sdk/openai-compatible`).
 *
 * Only requests that offer tools go to the script; a request without tools (OpenCode's title
 * generator, its "small model" call at the first prompt of a session) is answered with the text
 * `Test session` and recorded in {@link FakeOpenAi.utilityRequests}. Anything else is recorded in
 * {@link FakeOpenAi.otherRequests} and answered 404.
 *
 * @example
 * const model = await startFakeOpenAi((req) =>
 *   req.stepInTurn === 0 ? { type: 'tool_call', name: 'bash', args: { command: 'touch x' } } : { type: 'text', text: 'done' });
 * // … model.baseUrl, model.requests …
 * await model.close();
 */
import type { ServerResponse } from 'node:http';
import { ScriptedHttp } from '../scripted-http.js';

/** Token counts reported in the final chunk's `usage`. */
export interface ChatUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** What the model does for one request. */
export type ChatStep =
  /** Streams an assistant message (finish reason `stop`). */
  | { readonly type: 'text'; readonly text: string; readonly usage?: ChatUsage }
  /** Streams one tool call (finish reason `tool_calls`); `args` is JSON-encoded for the wire. */
  | { readonly type: 'tool_call'; readonly name: string; readonly args: Readonly<Record<string, unknown>>; readonly usage?: ChatUsage }
  /** Answers with an HTTP error status and an OpenAI-style error body. */
  | { readonly type: 'error'; readonly status: number; readonly message?: string };

/** One chat-completions request as the script sees it. */
export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly Readonly<Record<string, unknown>>[];
  /** Names of the offered tools. */
  readonly toolNames: readonly string[];
  /** Text of the last `user` message. */
  readonly lastUserText: string;
  /** Assistant messages after the last `user` message: 0 for the first model call of a turn. */
  readonly stepInTurn: number;
  /** `role: tool` messages after the last `user` message, in order. */
  readonly toolResults: readonly string[];
  readonly body: Readonly<Record<string, unknown>>;
}

export type ChatScript = (request: ChatRequest) => ChatStep | Promise<ChatStep>;

/** A running fake. */
export interface FakeOpenAi {
  /** `http://127.0.0.1:<port>/v1`: the provider `baseURL`. */
  readonly baseUrl: string;
  /** Requests offering tools (the agent's own model calls), in arrival order. */
  readonly requests: readonly ChatRequest[];
  /** Requests without tools (title generation), answered without the script. */
  readonly utilityRequests: readonly ChatRequest[];
  /** Requests to any other route (expected to stay empty). */
  readonly otherRequests: readonly { readonly method: string; readonly url: string }[];
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_USAGE: ChatUsage = { promptTokens: 20, completionTokens: 5 };

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : '')).join('');
}

function viewRequest(body: Record<string, unknown>): ChatRequest {
  const messages = (Array.isArray(body.messages) ? body.messages : []) as Record<string, unknown>[];
  const lastUser = messages.map((message) => message.role).lastIndexOf('user');
  const after = messages.slice(lastUser + 1);
  const tools = (Array.isArray(body.tools) ? body.tools : []) as { function?: { name?: unknown } }[];
  return {
    model: typeof body.model === 'string' ? body.model : '',
    messages,
    toolNames: tools.map((tool) => (typeof tool.function?.name === 'string' ? tool.function.name : '')),
    lastUserText: lastUser < 0 ? '' : contentText(messages[lastUser]?.content),
    stepInTurn: after.filter((message) => message.role === 'assistant').length,
    toolResults: after.filter((message) => message.role === 'tool').map((message) => contentText(message.content)),
    body,
  };
}

function streamBody(step: Exclude<ChatStep, { type: 'error' }>, n: number, model: string): string {
  const id = `chatcmpl-fake-${n}`;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices, ...extra })}\n\n`;
  const delta = (value: Record<string, unknown>, finish: string | null = null): string => chunk([{ index: 0, delta: value, finish_reason: finish }]);
  const usage = step.usage ?? DEFAULT_USAGE;
  const parts =
    step.type === 'text'
      ? [delta({ role: 'assistant', content: '' }), delta({ content: step.text }), delta({}, 'stop')]
      : [
          delta({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: `call_${n}`, type: 'function', function: { name: step.name, arguments: '' } }] }),
          delta({ tool_calls: [{ index: 0, function: { arguments: JSON.stringify(step.args) } }] }),
          delta({}, 'tool_calls'),
        ];
  const total = { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens };
  return [...parts, chunk([], { usage: total }), 'data: [DONE]\n\n'].join('');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Starts a {@link FakeOpenAi} on 127.0.0.1 with an ephemeral port. */
export async function startFakeOpenAi(script: ChatScript): Promise<FakeOpenAi> {
  const http = new ScriptedHttp<ChatRequest>();
  const utilityRequests: ChatRequest[] = [];
  let served = 0;
  const answer = async (request: ChatRequest, res: ServerResponse): Promise<void> => {
    served += 1;
    const n = served;
    let step: ChatStep;
    if (request.toolNames.length === 0) {
      utilityRequests.push(request);
      step = { type: 'text', text: 'Test session' };
    } else {
      step = await http.run<ChatStep>(request, script, (message) => ({ type: 'error', status: 500, message: `fake OpenAI script threw: ${message}` }));
    }
    if (step.type === 'error') {
      json(res, step.status, { error: { message: step.message ?? `scripted error ${step.status}`, type: 'server_error', code: null } });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(streamBody(step, n, request.model));
  };
  const port = await http.serveJson({
    accepts: (req) => req.method === 'POST' && /^\/v1\/chat\/completions(?:\?.*)?$/.test(req.url ?? ''),
    notFound: (res) => json(res, 404, { error: { message: 'not found', type: 'invalid_request_error', code: null } }),
    badJson: (res) => json(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error', code: null } }),
    answer: (body, _req, res) => void answer(viewRequest(body), res),
  });
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests: http.requests,
    utilityRequests,
    otherRequests: http.otherRequests,
    waitForRequests: (count) => http.waitForRequests(count),
    close: () => http.close(),
  };
}
