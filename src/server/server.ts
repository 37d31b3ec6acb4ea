/**
 * The optional HTTP server (spec §13.7; issue 3 item 1): dashboard, JSON API, event stream and
 * metrics over one fastify instance. It reads the daemon only through a {@link StatusSource}; a
 * failing request never takes the daemon down. We log ourselves (fastify's logger is off) and
 * never log tokens or query strings.
 */
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { SymphonyError, oneLine } from '../errors.js';
import type { RunHistorySource } from '../journal/history.js';
import type { Logger } from '../logging/logger.js';
import type { DashboardPages, StatusSource } from '../status/types.js';
import { isAuthorized, isLoopbackHost } from './auth.js';
import { historyView } from './history.js';
import { INVALID_JSON_MARKER, mapError, sendError } from './http-errors.js';
import { registerPages } from './pages.js';
import { registerApiRoutes } from './routes.js';
import { ConnectionTracker } from './connections.js';
import { EventStreams } from './sse.js';

/** Largest accepted request body, bytes (64 KB; larger → 413 `payload_too_large`). */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** What every route reads. */
  readonly source: StatusSource;
  /** Bind address (config `server.host`, default `127.0.0.1`). A non-loopback host requires `authToken`. */
  readonly host: string;
  /** TCP port; `0` = ephemeral (the bound port is in {@link HttpServer.port}). */
  readonly port: number;
  /**
   * Bearer token every request must carry (`server.auth_token`), as `Authorization: Bearer` or the
   * `access_token` query parameter; null = no authentication. `GET` of the dashboard's static
   * assets ({@link DashboardPages.assets}) is exempt: browsers cannot attach the token to them.
   */
  readonly authToken: string | null;
  readonly logger: Logger;
  /** Prometheus exposition for `GET /metrics`; absent → 404. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Dashboard documents; absent → `/` answers a minimal HTML page linking the API. */
  readonly pages?: DashboardPages;
  /** SSE heartbeat comment interval, ms. Default 15000. */
  readonly heartbeatMs?: number;
  /**
   * The run journal's history (spec §18, issue 9 item 4): `GET /api/v1/runs`, `runs[]` of the
   * issue route, `revisions[]` and `workflow_revision` of the state. Absent → `/api/v1/runs`
   * answers 404 `not_found` and the other documents have no history fields.
   */
  readonly history?: RunHistorySource;
  /** Clock, epoch ms (the default `since` of `/api/v1/runs`, the 7-day revision window). Default `Date.now`. */
  readonly now?: () => number;
}

/** A listening server. */
export interface HttpServer {
  /** Base URL, e.g. `http://127.0.0.1:40123` (IPv6 hosts bracketed). */
  readonly url: string;
  readonly host: string;
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  /**
   * Ends every event stream, stops accepting connections, destroys idle and spare connections at
   * once and waits for requests in flight (at most `CLOSE_GRACE_MS`, 1 s). Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts the HTTP server and resolves once it listens; logs `http server listening` with `url`.
 * Implements spec §13.7 (with the issue 3 extensions: events, answers, session logs, metrics, auth).
 *
 * @throws SymphonyError `http_server_failed` when the port or host is invalid, when a non-loopback
 *   host has no `authToken`, or when binding fails (EADDRINUSE, EADDRNOTAVAIL, EACCES…); the
 *   message is one line naming `host:port` and the reason.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { host, port, logger } = options;
  const where = `${host}:${port}`;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SymphonyError('http_server_failed', `http server cannot listen on ${where}: port must be an integer from 0 to 65535`, { details: { host, port } });
  }
  if (!isLoopbackHost(host) && (options.authToken === null || options.authToken === '')) {
    throw new SymphonyError('http_server_failed', `http server refuses to listen on ${where}: a non-loopback host requires server.auth_token`, { details: { host, port } });
  }
  const streams = new EventStreams({ source: options.source, logger, ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }) });
  const app = buildApp(options, streams);
  const connections = new ConnectionTracker(app.server);
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new SymphonyError('http_server_failed', `http server cannot listen on ${where}: ${describeListenError(error)}`, { cause: error, details: { host, port } });
  }
  const bound = (app.server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${bound}`;
  logger.info({ url, host, port: bound, auth: options.authToken === null ? 'none' : 'bearer' }, 'http server listening');
  let closing: Promise<void> | null = null;
  return {
    url,
    host,
    port: bound,
    close: () => {
      closing ??= (async () => {
        // Spare and idle connections go at once, event streams end, requests in flight finish.
        const drained = connections.drain();
        streams.closeAll();
        await Promise.all([app.close(), drained]);
        logger.info({ url }, 'http server closed');
      })();
      return closing;
    },
  };
}

function buildApp(options: HttpServerOptions, streams: EventStreams): FastifyInstance {
  const { logger } = options;
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, exposeHeadRoutes: false, return503OnClosing: true });

  // JSON is the only body type; an empty body is allowed (refresh) and reads as undefined.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const raw = typeof text === 'string' ? text : text.toString('utf8');
    if (raw.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(raw));
    } catch {
      // Never echo the body: answers may be secret.
      done(Object.assign(new Error('request body is not valid JSON'), { code: INVALID_JSON_MARKER, statusCode: 400 }), undefined);
    }
  });

  const token = options.authToken === '' ? null : options.authToken;
  // The dashboard's static files (the same code as the published package, no data) are public:
  // a browser cannot add the token to `<script src>` or `<link href>`, nor to a module import.
  const publicAssets = new Set((options.pages?.assets ?? []).map((asset) => asset.path));
  if (token !== null) {
    app.addHook('onRequest', async (request, reply) => {
      if (request.method === 'GET' && publicAssets.has(request.routeOptions.url ?? '')) return;
      const query = request.query as Record<string, string | string[] | undefined> | undefined;
      if (isAuthorized(token, { authorization: request.headers.authorization, accessToken: query?.access_token })) return;
      const presented = request.headers.authorization !== undefined || query?.access_token !== undefined;
      reply.header('www-authenticate', presented ? 'Bearer realm="symphony", error="invalid_token"' : 'Bearer realm="symphony"');
      sendError(reply, 'unauthorized', 'missing or wrong bearer token (Authorization: Bearer <token> or ?access_token=<token>)');
      return reply;
    });
  }

  app.setNotFoundHandler((request, reply) => sendError(reply, 'not_found', `no route for ${request.method} ${pathOf(request)}`));

  app.setErrorHandler((error, request, reply) => {
    const mapped = mapError(error);
    if (mapped.isServerFault) {
      logger.error({ method: request.method, route: request.routeOptions.url ?? null, path: pathOf(request), reason: oneLine(mapped.message) }, 'http request failed');
    }
    if (reply.sent || reply.raw.headersSent) return;
    sendError(reply, mapped.code, mapped.isServerFault ? 'internal error; the daemon log has the reason' : mapped.message, mapped.status);
  });

  const now = options.now ?? Date.now;
  const history = historyView(options.history, logger, now);
  registerApiRoutes(app, { source: options.source, logger, streams, history, now, ...(options.metrics === undefined ? {} : { metrics: options.metrics }) });
  registerPages(app, options.pages, options.metrics !== undefined, options.source, history);
  return app;
}

/** The request path without its query string (which may hold `access_token`). */
function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? request.url;
  const cut = url.indexOf('?');
  return oneLine(cut === -1 ? url : url.slice(0, cut), 200);
}

const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
  ENOTFOUND: 'host name does not resolve',
  EAI_AGAIN: 'host name lookup failed',
};

function describeListenError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const known = LISTEN_REASONS[code];
  if (known !== undefined) return `${code} (${known})`;
  return oneLine(error instanceof Error ? error.message : String(error));
}
