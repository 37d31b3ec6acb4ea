/**
 * `GET /api/v1/events`: the daemon's changes as server-sent events (issue 3 item 1).
 *
 * A stream starts with `retry: 3000`, then one `event: snapshot` carrying the whole state, then
 * every {@link StatusEvent} as `id: <id>` / `event: <type>` / `data: <json>`, with comment lines
 * as heartbeats. A client that stops reading is dropped once its unsent data passes a bound, so
 * one stuck browser tab cannot grow the daemon's memory.
 */
import type { ServerResponse } from 'node:http';
import { repeatEvery, systemClock, type Clock } from '../domain/clock.js';
import type { Logger } from '../logging/logger.js';
import type { StatusEvent, StatusSnapshot, StatusSource } from '../status/types.js';
import { errorEnvelope } from './http-errors.js';

/** Reconnection delay advertised to clients (the SSE `retry:` field), ms. */
export const SSE_RETRY_MS = 3000;

/** Default heartbeat interval, ms. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

/** Unsent bytes after which a client counts as not reading and is dropped (~1 MB). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Response headers of an event stream. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

/** The stream's opening: the retry delay, then the snapshot as an `event: snapshot` (no id). Pure. */
export function formatOpening(snapshot: StatusSnapshot): string {
  return `retry: ${SSE_RETRY_MS}\n\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
}

/** One status event as an SSE message; `data` is the whole event as one line of JSON. Pure. */
export function formatEvent(event: StatusEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** A heartbeat: an SSE comment, ignored by clients, that keeps proxies and idle timers quiet. */
export const HEARTBEAT = ': heartbeat\n\n';

/** Options of {@link EventStreams}. */
export interface EventStreamsOptions {
  readonly source: StatusSource;
  readonly logger: Logger;
  /** Heartbeat interval, ms (below 1 counts as 1). Default {@link DEFAULT_HEARTBEAT_MS}. */
  readonly heartbeatMs?: number;
  /** Drop bound, bytes. Default {@link MAX_BUFFERED_BYTES}. */
  readonly maxBufferedBytes?: number;
  /**
   * Times the heartbeats (one repeating, unref'd timer per open stream, so an idle stream never
   * keeps the process alive). Default {@link systemClock}.
   */
  readonly clock?: Clock;
}

interface Client {
  readonly response: ServerResponse;
  /** Unsent bytes beyond which the client is dropped: the bound plus the opening (a big snapshot is not a slow client). */
  readonly limitBytes: number;
  readonly stop: () => void;
}

/** The open event streams of one HTTP server. */
export class EventStreams {
  readonly #source: StatusSource;
  readonly #logger: Logger;
  readonly #heartbeatMs: number;
  readonly #maxBufferedBytes: number;
  readonly #clock: Clock;
  readonly #clients = new Set<Client>();
  #closed = false;

  /** Keeps the options; opens nothing. */
  constructor(options: EventStreamsOptions) {
    this.#source = options.source;
    this.#logger = options.logger;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.#clock = options.clock ?? systemClock;
  }

  /** Number of open streams. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * Starts a stream on `response` (whose headers are not sent yet) opened with `snapshot`, and
   * subscribes it to the source. Call synchronously after taking the snapshot so no event falls
   * between the two.
   */
  open(response: ServerResponse, snapshot: StatusSnapshot): void {
    if (this.#closed) {
      response.writeHead(503, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(errorEnvelope('internal', 'the http server is closing')));
      return;
    }
    response.writeHead(200, SSE_HEADERS);
    response.socket?.setNoDelay(true);
    let unsubscribe: (() => void) | null = null;
    let stopHeartbeat: (() => void) | null = null;
    const opening = formatOpening(snapshot);
    const client: Client = {
      response,
      limitBytes: this.#maxBufferedBytes + Buffer.byteLength(opening),
      stop: () => {
        this.#clients.delete(client);
        stopHeartbeat?.();
        stopHeartbeat = null;
        const off = unsubscribe;
        unsubscribe = null;
        off?.();
      },
    };
    this.#clients.add(client);
    response.on('close', client.stop);
    this.#write(client, opening);
    if (!this.#clients.has(client)) return;
    unsubscribe = this.#source.subscribe((event) => this.#write(client, formatEvent(event)));
    stopHeartbeat = repeatEvery(this.#clock, () => this.#write(client, HEARTBEAT), this.#heartbeatMs, { unref: true });
  }

  /** Ends every stream (clients see the end of the response) and refuses new ones. */
  closeAll(): void {
    this.#closed = true;
    for (const client of [...this.#clients]) {
      client.stop();
      client.response.end();
    }
  }

  #write(client: Client, chunk: string): void {
    const { response } = client;
    if (!this.#clients.has(client) || response.destroyed || response.writableEnded) return;
    try {
      response.write(chunk);
    } catch (error) {
      this.#logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'event stream write failed; stream closed');
      client.stop();
      response.destroy();
      return;
    }
    if (response.writableLength > client.limitBytes) {
      this.#logger.warn({ buffered_bytes: response.writableLength, limit_bytes: client.limitBytes }, 'event stream client not reading; dropped');
      client.stop();
      response.destroy();
    }
  }
}
