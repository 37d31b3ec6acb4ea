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
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
  const requests: AnthropicRequest[] = [];
  const otherRequests: { method: string; url: string }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const hung = new Set<http.ServerResponse>();
  let replies = 0;

  const notifyWaiters = (): void => {
    for (const waiter of [...waiters]) {
      if (requests.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  const answer = async (body: Record<string, unknown>, res: http.ServerResponse): Promise<void> => {
    const request = viewRequest(body);
    requests.push(request);
    const n = ++replies;
    let step: AnthropicStep;
    try {
      step = await script(request);
    } catch (error) {
      step = { type: 'error', status: 500, message: `fake model script threw: ${error instanceof Error ? error.message : String(error)}` };
    } finally {
      notifyWaiters();
    }
    if (step.type === 'error') {
      res.writeHead(step.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: step.status === 429 ? 'rate_limit_error' : 'api_error', message: step.message ?? `scripted error ${step.status}` } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const usage = step.type === 'hang' ? DEFAULT_ANTHROPIC_USAGE : (step.usage ?? DEFAULT_ANTHROPIC_USAGE);
    res.write(messageStart(n, request.model, usage));
    if (step.type === 'hang') {
      hung.add(res);
      res.once('close', () => hung.delete(res));
      return;
    }
    const reply =
      step.type === 'text'
        ? replyBody({ type: 'text', text: step.text }, step.stopReason ?? 'end_turn', usage)
        : replyBody({ type: 'tool_use', id: `toolu_fake_${n}`, name: step.name, input: step.input }, 'tool_use', usage);
    res.end(reply);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const pathname = (req.url ?? '').split('?')[0] ?? '';
      if (req.method !== 'POST' || pathname !== '/v1/messages') {
        otherRequests.push({ method: req.method ?? '', url: req.url ?? '' });
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not served by the fake' } }));
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        res.writeHead(400).end();
        return;
      }
      void answer(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const res of hung) res.destroy();
      hung.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    otherRequests,
    waitForRequests: (count) => (requests.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    close,
  };
}
