/**
 * A JSON-RPC connection over a pair of byte streams (the app-server's stdout and stdin): framing
 * ({@link createLineDecoder}) plus request tracking ({@link RequestTracker}), and dispatch of
 * incoming requests, notifications and unusable lines to handlers. It knows nothing of Codex.
 */
import type { Readable, Writable } from 'node:stream';
import { SymphonyError } from '../../errors.js';
import { createLineDecoder, DEFAULT_MAX_LINE_BYTES, encodeLine, type LineDecoder } from './framing.js';
import { parseLine, type JsonRpcErrorObject, type JsonRpcNotification, type JsonRpcRequest, type RequestId } from './messages.js';
import type { Clock } from '../../domain/clock.js';
import { RequestTracker } from './pending.js';

/** Callbacks for incoming traffic. Each is called synchronously, in arrival order. */
export interface ConnectionHandlers {
  /** Every decoded line, before dispatch (liveness: resets silence timers). */
  onActivity?(): void;
  /** A request from the peer; the handler must eventually call `respond` or `respondError`. */
  onRequest(request: JsonRpcRequest): void;
  onNotification(notification: JsonRpcNotification): void;
  /** A response whose id matches no outstanding request. */
  onUnmatchedResponse?(id: RequestId): void;
  /** A line that is not JSON, or too long (`reason` says which). */
  onMalformed(reason: string, line: string | null): void;
  /** Valid JSON that is not a JSON-RPC message. */
  onOther?(value: unknown): void;
  /** Called once when the incoming stream has ended. */
  onClose?(): void;
}

/** Options for {@link JsonRpcConnection}. */
export interface ConnectionOptions {
  /** Per-line cap in bytes. Default 10 MiB. */
  readonly maxLineBytes?: number;
  /** Observes every outgoing message object (tests validate them against the schema). */
  readonly onSend?: (message: Record<string, unknown>) => void;
  /** Observes every incoming JSON message (as classified: id/method/params, id/result, id/error). */
  readonly onReceive?: (message: unknown) => void;
  /**
   * Observes the raw stream: every decoded incoming line (`recv`, before dispatch; an over-long
   * line as a one-line placeholder) and every outgoing line (`send`, without its newline), in
   * order. Must not throw; a throw is swallowed.
   */
  readonly onLine?: (direction: 'recv' | 'send', line: string) => void;
  readonly timers?: Clock;
}

/** One client-side connection. Outgoing messages omit `"jsonrpc"`, as Codex does. */
export class JsonRpcConnection {
  private readonly tracker: RequestTracker;
  private readonly decoder: LineDecoder;
  private closed = false;
  private inputFinished = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly handlers: ConnectionHandlers,
    private readonly options: ConnectionOptions = {},
  ) {
    this.tracker = new RequestTracker(options.timers);
    this.decoder = createLineDecoder(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    input.on('data', (chunk: Buffer | string) => this.consume(chunk));
    input.once('end', () => this.finishInput());
    input.once('close', () => this.finishInput());
    input.on('error', () => this.finishInput());
    output.on('error', () => {
      /* EPIPE after the child died: surfaced through close, not as a crash */
    });
  }

  /** True once {@link JsonRpcConnection.close} ran or the input ended. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Sends a request and awaits its result.
   *
   * @throws SymphonyError `response_timeout` after `timeoutMs`; `response_error` for an error
   * response; the close error (`port_exit`) when the connection closes first.
   */
  request(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const { id, response } = this.tracker.begin(method, timeoutMs);
    if (!this.closed) this.write({ id, method, params });
    return response;
  }

  /** Sends a notification (no response expected). */
  notify(method: string, params?: unknown): void {
    this.write(params === undefined ? { method } : { method, params });
  }

  /** Answers a peer request with a result. */
  respond(id: RequestId, result: unknown): void {
    this.write({ id, result });
  }

  /** Answers a peer request with an error. */
  respondError(id: RequestId, error: JsonRpcErrorObject): void {
    this.write({ id, error });
  }

  /** Rejects everything outstanding with `error` and stops sending. Idempotent. */
  close(error: SymphonyError): void {
    this.closed = true;
    this.tracker.close(error);
  }

  private write(message: Record<string, unknown>): void {
    if (this.closed || this.output.destroyed || this.output.writableEnded) return;
    this.options.onSend?.(message);
    const line = encodeLine(message);
    this.observe('send', line.slice(0, -1));
    this.output.write(line);
  }

  private consume(chunk: Buffer | string): void {
    for (const event of this.decoder.push(chunk)) {
      this.observe('recv', event.kind === 'line' ? event.text : `[line longer than ${event.maxLineBytes} bytes skipped]`);
      this.guarded(() => {
        this.handlers.onActivity?.();
        if (event.kind === 'overflow') this.handlers.onMalformed(`line longer than ${event.maxLineBytes} bytes skipped`, null);
        else this.dispatch(event.text);
      });
    }
  }

  private observe(direction: 'recv' | 'send', line: string): void {
    try {
      this.options.onLine?.(direction, line);
    } catch {
      // an observer must never break the stream
    }
  }

  /** Runs one handler call: a throw must never escape the stream listener (it would end the daemon). */
  private guarded(call: () => void): void {
    try {
      call();
    } catch (error) {
      try {
        this.handlers.onMalformed(`message handling failed: ${error instanceof Error ? error.message : String(error)}`, null);
      } catch {
        // nothing left to report to
      }
    }
  }

  private dispatch(line: string): void {
    const incoming = parseLine(line);
    if (incoming.kind !== 'malformed') this.options.onReceive?.(incoming.kind === 'other' ? incoming.value : incoming.message);
    switch (incoming.kind) {
      case 'request':
        this.handlers.onRequest(incoming.message);
        return;
      case 'notification':
        this.handlers.onNotification(incoming.message);
        return;
      case 'result':
        if (!this.tracker.resolve(incoming.message.id, incoming.message.result)) this.handlers.onUnmatchedResponse?.(incoming.message.id);
        return;
      case 'error':
        if (!this.tracker.reject(incoming.message.id, incoming.message.error)) this.handlers.onUnmatchedResponse?.(incoming.message.id);
        return;
      case 'other':
        this.handlers.onOther?.(incoming.value);
        return;
      case 'malformed':
        this.handlers.onMalformed(`unparseable line: ${incoming.reason}`, line);
        return;
    }
  }

  private finishInput(): void {
    if (this.inputFinished) return;
    this.inputFinished = true;
    for (const event of this.decoder.end()) {
      if (event.kind !== 'line') continue;
      this.observe('recv', event.text);
      this.guarded(() => this.dispatch(event.text));
    }
    this.close(new SymphonyError('port_exit', 'app-server closed its output stream'));
    this.handlers.onClose?.();
  }
}
