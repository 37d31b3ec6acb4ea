/**
 * When HTTP requests reach a server of this process, without touching the server's code: Node
 * publishes `http.server.request.start` on `node:diagnostics_channel` as soon as a server has
 * parsed a request's headers, before any `request` listener runs (so before the body is read).
 * Benchmarks use it to time the first request a child process sends to an in-process fake.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';

const CHANNEL = 'http.server.request.start';

/** One request that reached the watched server. */
export interface Arrival {
  /** `performance.now()` of this process when the headers were parsed, ms. */
  readonly atMs: number;
  readonly method: string;
  /** Path and query, as sent (`/v1/responses`, `/v1/messages?beta=true`…). */
  readonly url: string;
}

/** Arrivals at one server, in order. */
export interface ArrivalLog {
  /** Returns the arrivals recorded since the last call (or since the log started) and forgets them. */
  drain(): Arrival[];
  /** Stops recording. Idempotent. */
  close(): void;
}

/** The part of the channel's message this module reads (`{ request, response, socket, server }`). */
interface RequestStart {
  readonly request: IncomingMessage;
  readonly server: Server;
}

/**
 * Starts recording the requests that reach the HTTP server of this process listening on the
 * port of `baseUrl` (e.g. `http://127.0.0.1:41234/v1`); requests to other servers are ignored.
 *
 * @throws Error when `baseUrl` names no port.
 */
export function recordArrivals(baseUrl: string): ArrivalLog {
  const port = Number(new URL(baseUrl).port);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`recordArrivals: ${baseUrl} names no port`);
  let arrivals: Arrival[] = [];
  const onStart = (message: unknown): void => {
    const atMs = performance.now();
    const { request, server } = message as RequestStart;
    const address = server.address();
    if (address === null || typeof address === 'string' || address.port !== port) return;
    arrivals.push({ atMs, method: request.method ?? '', url: request.url ?? '' });
  };
  subscribe(CHANNEL, onStart);
  let open = true;
  return {
    drain: () => {
      const taken = arrivals;
      arrivals = [];
      return taken;
    },
    close: () => {
      if (open) unsubscribe(CHANNEL, onStart);
      open = false;
    },
  };
}
