/**
 * A scripted OpenAI Responses provider for the real Codex binary, on 127.0.0.1 (ephemeral port).
 *
 * `POST /v1/responses` is answered with SSE according to a script function that sees the request
 * as a {@link ModelRequest} (whole thread history, turn index, step within the turn, tool outputs)
 * and returns the next {@link ModelStep}. Point Codex at it with `codexCommand()` from
 * `test/support/codex.ts`.
 *
 * @example
 * const model = await startFakeModel((req) =>
 *   req.stepInTurn === 0 ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'touch x' } } : { type: 'message', text: 'done' });
 * // … model.baseUrl, model.requests …
 * await model.close();
 */
import type { ServerResponse } from 'node:http';
import { ScriptedHttp } from '../scripted-http.js';
import { viewRequest, type ModelRequest } from './request-view.js';
import { completionEvents, createdEvent, DEFAULT_USAGE, type ModelUsage } from './sse.js';

export type { ModelRequest, ToolOutput, InputItem } from './request-view.js';
export type { ModelUsage } from './sse.js';

/** What the model does for one request. */
export type ModelStep =
  /** Calls a tool; `arguments` is JSON-encoded for the wire unless already a string. */
  | { readonly type: 'function_call'; readonly name: string; readonly arguments: unknown; readonly usage?: ModelUsage }
  /** Ends the turn with an assistant message. */
  | { readonly type: 'message'; readonly text: string; readonly usage?: ModelUsage }
  /** Sends `response.created` and then nothing until {@link FakeModel.close}. */
  | { readonly type: 'hang' }
  /** Answers with an HTTP error status and an OpenAI-style error body. */
  | { readonly type: 'error'; readonly status: number; readonly message?: string };

/** The script: decides the next step from the request. May be async; a throw answers 500. */
export type ModelScript = (request: ModelRequest) => ModelStep | Promise<ModelStep>;

/** A running fake provider. */
export interface FakeModel {
  /** `http://127.0.0.1:<port>/v1` — the provider `base_url`. */
  readonly baseUrl: string;
  /** Every `/v1/responses` request so far, in arrival order. */
  readonly requests: readonly ModelRequest[];
  /** Requests to any other path (expected to stay empty). */
  readonly otherRequests: readonly { readonly method: string; readonly url: string }[];
  /** Resolves once at least `count` `/v1/responses` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  /** Stops the server and releases hung replies. Idempotent. */
  close(): Promise<void>;
}

/** Starts a {@link FakeModel} on 127.0.0.1 with an ephemeral port. */
export async function startFakeModel(script: ModelScript): Promise<FakeModel> {
  const http = new ScriptedHttp<ModelRequest>();
  const answer = async (body: Record<string, unknown>, res: ServerResponse): Promise<void> => {
    const request = viewRequest(body);
    const n = http.requests.length + 1;
    const step = await http.run<ModelStep>(request, script, (message) => ({ type: 'error', status: 500, message: `fake model script threw: ${message}` }));
    if (step.type === 'error') {
      res.writeHead(step.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: step.message ?? `scripted error ${step.status}`, type: 'server_error', code: null } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(createdEvent(n));
    if (step.type === 'hang') {
      http.hang(res);
      return;
    }
    const item = step.type === 'function_call' ? { type: 'function_call' as const, name: step.name, arguments: step.arguments, callId: `call_${n}` } : { type: 'message' as const, text: step.text };
    res.end(completionEvents(n, item, step.usage ?? DEFAULT_USAGE));
  };
  const port = await http.serveJson({
    accepts: (req) => req.method === 'POST' && (req.url ?? '').endsWith('/responses'),
    notFound: (res) => res.writeHead(404).end(),
    badJson: (res) => res.writeHead(400).end(),
    answer: (body, _req, res) => void answer(body, res),
  });
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests: http.requests,
    otherRequests: http.otherRequests,
    waitForRequests: (count) => http.waitForRequests(count),
    close: () => http.close(),
  };
}
