/**
 * A scripted Gemini API (Generative Language API v1beta) for the real Gemini CLI, on 127.0.0.1
 * (ephemeral port). Point Gemini CLI at it with `GOOGLE_GEMINI_BASE_URL` (see {@link geminiCommand}
 * in `./command.ts`).
 *
 * Routes (`POST /v1beta/models/<model>:<method>`):
 * - `streamGenerateContent?alt=sse`: the agent's model calls, answered per the script with SSE;
 * - `generateContent`: Gemini CLI's utility calls (the model router's complexity classifier asks
 *   for JSON; others for text), answered without the script: JSON `{"complexity_reasoning",
 *   "complexity_score": 10}` when `generationConfig.responseMimeType` is JSON, else text `ok`;
 * - `countTokens`: `{totalTokens}` estimated as body length / 4.
 * Anything else is recorded in {@link FakeGemini.otherRequests} and answered 404 (observed offline
 * with Gemini CLI 0.61: nothing else is requested).
 *
 * @example
 * const gemini = await startFakeGemini((req) =>
 *   req.stepInTurn === 0 ? { type: 'function_call', name: 'run_shell_command', args: { command: 'touch x' } } : { type: 'text', text: 'done' });
 * // … gemini.baseUrl, gemini.requests …
 * await gemini.close();
 */
import type { ServerResponse } from 'node:http';
import { ScriptedHttp } from '../scripted-http.js';
import { viewGeminiRequest, type GeminiRequest } from './request-view.js';
import { DEFAULT_GEMINI_USAGE, responseChunk, streamBody, type GeminiUsage } from './sse.js';

export type { GeminiRequest, GeminiContent, FunctionResponse } from './request-view.js';
export type { GeminiUsage } from './sse.js';

/** What the model does for one `streamGenerateContent` request. */
export type GeminiStep =
  /** Answers with text (ends the agent's turn). */
  | { readonly type: 'text'; readonly text: string; readonly usage?: GeminiUsage }
  /** Calls a function (a Gemini CLI tool such as `run_shell_command`). */
  | { readonly type: 'function_call'; readonly name: string; readonly args: Readonly<Record<string, unknown>>; readonly usage?: GeminiUsage }
  /** Sends the SSE headers and then nothing until {@link FakeGemini.close}. */
  | { readonly type: 'hang' }
  /** Answers with an HTTP error status and a Google-style error body. */
  | { readonly type: 'error'; readonly status: number; readonly message?: string };

/** The script: decides the next step. May be async; a throw answers 500. */
export type GeminiScript = (request: GeminiRequest) => GeminiStep | Promise<GeminiStep>;

/** A running fake Gemini API. */
export interface FakeGemini {
  /** `http://127.0.0.1:<port>`: the `GOOGLE_GEMINI_BASE_URL`. */
  readonly baseUrl: string;
  /** Every `streamGenerateContent` request so far, in arrival order. */
  readonly requests: readonly GeminiRequest[];
  /** Every `generateContent` / `countTokens` request so far. */
  readonly utilityRequests: readonly GeminiRequest[];
  /** Requests to any other route (expected to stay empty). */
  readonly otherRequests: readonly { readonly method: string; readonly url: string }[];
  /** Resolves once at least `count` `streamGenerateContent` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  /** Stops the server and releases hung replies. Idempotent. */
  close(): Promise<void>;
}

const ROUTE = /^\/v1(?:beta|alpha)?\/models\/([^/:?]+):(streamGenerateContent|generateContent|countTokens)(?:\?.*)?$/;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function utilityAnswer(request: GeminiRequest): unknown {
  if (request.method === 'countTokens') return { totalTokens: Math.ceil(JSON.stringify(request.body).length / 4) };
  const config = request.body.generationConfig as { responseMimeType?: unknown } | undefined;
  const wantsJson = config?.responseMimeType === 'application/json';
  const text = wantsJson ? JSON.stringify({ complexity_reasoning: 'scripted by the fake Gemini API', complexity_score: 10 }) : 'ok';
  return responseChunk([{ text }], { inputTokens: 1, outputTokens: 1 }, request.model);
}

/** Starts a {@link FakeGemini} on 127.0.0.1 with an ephemeral port. */
export async function startFakeGemini(script: GeminiScript): Promise<FakeGemini> {
  const http = new ScriptedHttp<GeminiRequest>();
  const utilityRequests: GeminiRequest[] = [];
  const stream = async (request: GeminiRequest, res: ServerResponse): Promise<void> => {
    const step = await http.run<GeminiStep>(request, script, (message) => ({ type: 'error', status: 500, message: `fake Gemini script threw: ${message}` }));
    if (step.type === 'error') {
      json(res, step.status, { error: { code: step.status, message: step.message ?? `scripted error ${step.status}`, status: 'INTERNAL' } });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (step.type === 'hang') {
      http.hang(res);
      return;
    }
    const part = step.type === 'text' ? { text: step.text } : { functionCall: { name: step.name, args: step.args } };
    res.end(streamBody(part, step.usage ?? DEFAULT_GEMINI_USAGE, request.model));
  };
  const port = await http.serveJson({
    accepts: (req) => req.method === 'POST' && ROUTE.test(req.url ?? ''),
    notFound: (res) => res.writeHead(404).end(),
    badJson: (res) => json(res, 400, { error: { code: 400, message: 'body is not JSON', status: 'INVALID_ARGUMENT' } }),
    answer: (body, req, res) => route(body, ROUTE.exec(req.url ?? ''), res),
  });
  function route(body: Record<string, unknown>, match: RegExpExecArray | null, res: ServerResponse): void {
    const request = viewGeminiRequest(match?.[2] ?? '', match?.[1] ?? '', body);
    if (request.method === 'streamGenerateContent') {
      void stream(request, res);
      return;
    }
    utilityRequests.push(request);
    json(res, 200, utilityAnswer(request));
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests: http.requests,
    utilityRequests,
    otherRequests: http.otherRequests,
    waitForRequests: (count) => http.waitForRequests(count),
    close: () => http.close(),
  };
}

export { geminiCommand, makeGeminiHome, GEMINI_BIN, type GeminiHome } from './command.js';
