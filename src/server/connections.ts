/**
 * Every TCP connection of the HTTP server, so that closing the server never waits on a client
 * (issue 7 item 1).
 *
 * Node's `server.close()` waits for every open connection, and `closeIdleConnections()` only ends
 * keep-alive connections between requests. A connection that was opened but never carried a
 * request counts as busy (Node waits for its headers, up to `headersTimeout`, 60 s): browsers and
 * undici open such spare connections, and one is left behind when a dashboard tab closes. On close
 * this tracker destroys every connection with no request in flight at once, lets the requests in
 * flight finish (their connection is destroyed as soon as the response ends), and destroys whatever
 * is left after a grace period.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { systemClock, type Clock } from '../domain/clock.js';

/** How long requests in flight may take to finish once the server closes, ms. */
export const CLOSE_GRACE_MS = 1000;

/** Tracks the connections of one server; attach before it listens. */
export class ConnectionTracker {
  /** Open connections and how many of their requests have not ended yet. */
  readonly #inFlight = new Map<Socket, number>();
  #closing = false;

  /** @param clock - times the close grace. Default the system clock. */
  constructor(
    server: Server,
    private readonly clock: Clock = systemClock,
  ) {
    server.on('connection', (socket: Socket) => {
      if (this.#closing) {
        socket.destroy();
        return;
      }
      this.#inFlight.set(socket, 0);
      socket.once('close', () => this.#inFlight.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const socket = request.socket;
      const count = this.#inFlight.get(socket);
      if (count === undefined) return;
      this.#inFlight.set(socket, count + 1);
      response.once('close', () => {
        const left = (this.#inFlight.get(socket) ?? 1) - 1;
        if (!this.#inFlight.has(socket)) return;
        this.#inFlight.set(socket, left);
        if (this.#closing && left <= 0) socket.destroy();
      });
    });
  }

  /** Open connections (idle, spare or busy). */
  get size(): number {
    return this.#inFlight.size;
  }

  /**
   * Starts closing: connections with no request in flight are destroyed now, busy ones when their
   * response ends, and every connection still open after `graceMs` (default {@link CLOSE_GRACE_MS})
   * is destroyed. Resolves once no connection is left. Never rejects; idempotent.
   */
  async drain(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.#closing = true;
    for (const [socket, count] of this.#inFlight) if (count <= 0) socket.destroy();
    if (this.#inFlight.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(
        () => {
          for (const socket of this.#inFlight.keys()) socket.destroy();
          resolve();
        },
        graceMs,
        { unref: true },
      );
      const check = (): void => {
        if (this.#inFlight.size > 0) return;
        this.clock.clearTimeout(timer);
        resolve();
      };
      for (const socket of this.#inFlight.keys()) socket.once('close', check);
    });
  }
}
