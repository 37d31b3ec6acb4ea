/**
 * A scripted Anthropic Messages provider for the real Claude Code binary (through
 * `@anthropic-ai/claude-agent-sdk`), on 127.0.0.1 (ephemeral port).
 *
 * `POST /v1/messages` (Claude Code adds `?beta=true`) is answered with SSE according to a script
 * function that sees the request as an {@link AnthropicRequest} (whole conversation, turn index,
 * step within the turn, tool results) and returns the next {@link AnthropicStep}. Point Claude Code
 * at it with `ANTHROPIC_BASE_URL=<baseUrl>` and any `ANTHROPIC_API_KEY`.
 *
 * @example
 * const model = await startFakeAnthropic((req) =>
 *   req.stepInTurn === 0 ? { type: 'tool_use', name: 'Bash', input: { command: 'touch x' } } : { type: 'text', text: 'done' });
 * // … model.baseUrl, model.requests …
 * await model.close();
 */
import type { ServerResponse } from 'node:http';
import { ScriptedHttp } from '../scripted-http.js';
import { viewRequest, type AnthropicRequest } from './request-view.js';
import { DEFAULT_ANTHROPIC_USAGE, messageStart, replyBody, type AnthropicUsage } from './sse.js';

export type { AnthropicRequest, MessageParam, ToolResultView } from './request-view.js';
export type { AnthropicUsage } from './sse.js';

/** What the model does for one request. */
export type AnthropicStep =
  /** Replies with text; the turn ends (`stop_reason` default `end_turn`). */
  | { readonly type: 'text'; readonly text: string; readonly stopReason?: string; readonly usage?: AnthropicUsage }
  /** Calls tool `name` with `input` (`stop_reason: tool_use`). */
  | { readonly type: 'tool_use'; readonly name: string; readonly input: Readonly<Record<string, unknown>>; readonly usage?: AnthropicUsage }
  /** Sends `message_start` and then nothing until the client goes away or {@link FakeAnthropic.close}. */
  | { readonly type: 'hang' }
  /** Answers with an HTTP error status and an Anthropic-style error body. */
  | { readonly type: 'error'; readonly status: number; readonly message?: string };

/** The script: decides the next step from the request. May be async; a throw answers 500. */
export type AnthropicScript = (request: AnthropicRequest) => AnthropicStep | Promise<AnthropicStep>;

/** A running fake provider. */
export interface FakeAnthropic {
  /** `http://127.0.0.1:<port>` — the `ANTHROPIC_BASE_URL`. */
  readonly baseUrl: string;
  /** Every `/v1/messages` request so far, in arrival order. */
  readonly requests: readonly AnthropicRequest[];
  /** Requests to any other path (answered 404). */
  readonly otherRequests: readonly { readonly method: string; readonly url: string }[];
  /** Resolves once at least `count` `/v1/messages` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  /** Stops the server and releases hung replies. Idempotent. */
  close(): Promise<void>;
}

/** A step that calls a tool, then the text reply once the result is back: the usual script shape. */
export function toolThenText(name: string, input: Readonly<Record<string, unknown>>, text = 'done'): AnthropicScript {
  return (request) => (request.stepInTurn === 0 ? { type: 'tool_use', name, input } : { type: 'text', text });
}

/** Starts a {@link FakeAnthropic} on 127.0.0.1 with an ephemeral port. */
export async function startFakeAnthropic(script: AnthropicScript): Promise<FakeAnthropic> {
  const http = new ScriptedHttp<AnthropicRequest>();
  const answer = async (body: Record<string, unknown>, res: ServerResponse): Promise<void> => {
    const request = viewRequest(body);
    const n = http.requests.length + 1;
    const step = await http.run<AnthropicStep>(request, script, (message) => ({ type: 'error', status: 500, message: `fake model script threw: ${message}` }));
    if (step.type === 'error') {
      res.writeHead(step.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: step.status === 429 ? 'rate_limit_error' : 'api_error', message: step.message ?? `scripted error ${step.status}` } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const usage = step.type === 'hang' ? DEFAULT_ANTHROPIC_USAGE : (step.usage ?? DEFAULT_ANTHROPIC_USAGE);
    res.write(messageStart(n, request.model, usage));
    if (step.type === 'hang') {
      http.hang(res);
      return;
    }
    const reply =
      step.type === 'text'
        ? replyBody({ type: 'text', text: step.text }, step.stopReason ?? 'end_turn', usage)
        : replyBody({ type: 'tool_use', id: `toolu_fake_${n}`, name: step.name, input: step.input }, 'tool_use', usage);
    res.end(reply);
  };
  const port = await http.serveJson({
    accepts: (req) => req.method === 'POST' && (req.url ?? '').split('?')[0] === '/v1/messages',
    notFound: (res) => res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not served by the fake' } })),
    badJson: (res) => res.writeHead(400).end(),
    answer: (body, _req, res) => void answer(body, res),
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests: http.requests,
    otherRequests: http.otherRequests,
    waitForRequests: (count) => http.waitForRequests(count),
    close: () => http.close(),
  };
}
