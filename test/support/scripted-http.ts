/**
 * The HTTP scaffolding the scripted fake model servers share (Codex Responses API in fake-model/,
 * Anthropic Messages in fake-anthropic/, Gemini in fake-gemini/): a server on 127.0.0.1 with an
 * ephemeral port, the recorded model requests and the other requests, waiting for a request
 * count, held-open (`hang`) responses, and a close that ends them all. Each fake keeps its own
 * routes, request view and wire format.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake does not serve (answered 404 by the fake). */
export interface OtherRequest {
  readonly method: string;
  readonly url: string;
}

/** Shared state and server of one scripted fake; `R` is the fake's view of a model request. */
export class ScriptedHttp<R> {
  /** Model requests, in arrival order. */
  readonly requests: R[] = [];
  /** Requests outside the fake's routes. */
  readonly otherRequests: OtherRequest[] = [];
  readonly #waiters: { count: number; resolve: () => void }[] = [];
  readonly #hung = new Set<http.ServerResponse>();
  #server: http.Server | null = null;
  #closing: Promise<void> | null = null;

  /**
   * Records `request`, runs `script` on it and resolves with its step; a throwing script gives
   * `onThrow(message)` instead. Waiters of {@link waitForRequests} wake once the step is known.
   */
  async run<S>(request: R, script: (request: R) => S | Promise<S>, onThrow: (message: string) => S): Promise<S> {
    this.requests.push(request);
    try {
      return await script(request);
    } catch (error) {
      return onThrow(error instanceof Error ? error.message : String(error));
    } finally {
      for (const waiter of [...this.#waiters]) {
        if (this.requests.length >= waiter.count) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
  }

  /** Keeps `res` open (a scripted `hang`) until the client goes away or {@link close}. */
  hang(res: http.ServerResponse): void {
    this.#hung.add(res);
    res.once('close', () => this.#hung.delete(res));
  }

  /** Resolves once at least `count` model requests were answered by the script. */
  waitForRequests(count: number): Promise<void> {
    return this.requests.length >= count ? Promise.resolve() : new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Records a request the fake does not serve. */
  other(req: http.IncomingMessage): void {
    this.otherRequests.push({ method: req.method ?? '', url: req.url ?? '' });
  }

  /**
   * Starts serving on 127.0.0.1: `handle` gets each request once its whole body (UTF-8) arrived.
   * @returns the port.
   */
  async listen(handle: (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void): Promise<number> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  /**
   * {@link listen} for JSON APIs: a request `accepts` refuses is recorded as other and gets
   * `notFound`; a body that is not a JSON object gets `badJson`; the rest go to `answer`.
   * @returns the port.
   */
  serveJson(routes: {
    readonly accepts: (req: http.IncomingMessage) => boolean;
    readonly notFound: (res: http.ServerResponse) => void;
    readonly badJson: (res: http.ServerResponse) => void;
    readonly answer: (body: Record<string, unknown>, req: http.IncomingMessage, res: http.ServerResponse) => void;
  }): Promise<number> {
    return this.listen((req, text, res) => {
      if (!routes.accepts(req)) {
        this.other(req);
        routes.notFound(res);
        return;
      }
      const body = parseJsonObject(text);
      if (body === null) routes.badJson(res);
      else routes.answer(body, req, res);
    });
  }

  /** Ends held responses and every connection, then the server; idempotent. */
  close(): Promise<void> {
    const server = this.#server;
    if (server === null) return Promise.resolve();
    this.#closing ??= new Promise<void>((resolve) => {
      for (const res of this.#hung) res.destroy();
      this.#hung.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return this.#closing;
  }
}

/** The JSON object in `body`, or null when it is not one. */
export function parseJsonObject(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
