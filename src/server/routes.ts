/**
 * The JSON API under `/api/v1/*` (spec §13.7.2) plus `GET /metrics` (issue 3 items 1, 3, 4, 5).
 * Handlers only translate HTTP to {@link StatusSource} calls and back; a throwing source reaches
 * the server's error handler (500 `internal`), except the snapshot, which answers 503.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oneLine } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { StatusSnapshot, StatusSource } from '../status/types.js';
import { parseAnswerBody } from './answer-body.js';
import { registerHistoryRoutes, type HistoryView } from './history.js';
import { sendError } from './http-errors.js';
import { definePath } from './router.js';
import type { EventStreams } from './sse.js';

/** What the API routes need. */
export interface ApiContext {
  readonly source: StatusSource;
  readonly logger: Logger;
  readonly streams: EventStreams;
  /** Run history (issue 9 item 4): `/api/v1/runs`, the issue's `runs`, the state's `revisions`. Absent → none of them. */
  readonly history?: HistoryView;
  /** Clock, epoch ms, for the history routes. Default `Date.now`. */
  readonly now?: () => number;
  /** Prometheus exposition; absent → `/metrics` is not routed (404). */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
}

/** A path parameter, already URL-decoded by the router. */
function param(request: FastifyRequest, name: 'issue_identifier' | 'label'): string {
  const value = (request.params as Record<string, string | undefined>)[name];
  return value ?? '';
}

/** The operations `POST /api/v1/refresh` queues (spec §13.7.2). */
export const REFRESH_OPERATIONS = ['poll', 'reconcile'] as const;

/** Registers the API routes on `app`. */
export function registerApiRoutes(app: FastifyInstance, context: ApiContext): void {
  const { source, logger, streams, history } = context;

  /** The snapshot (with the history fields), or null after answering 503 `snapshot_unavailable`. */
  const takeSnapshot = (reply: FastifyReply): StatusSnapshot | null => {
    let snapshot: StatusSnapshot;
    try {
      snapshot = source.snapshot();
    } catch (error) {
      const reason = oneLine(error instanceof Error ? error.message : String(error));
      logger.warn({ reason }, 'state snapshot unavailable');
      sendError(reply, 'snapshot_unavailable', `state snapshot unavailable: ${reason}`);
      return null;
    }
    return history === undefined ? snapshot : history.state(snapshot);
  };

  definePath(app, '/api/v1/state', {
    GET: async (_request, reply) => {
      const snapshot = takeSnapshot(reply);
      if (snapshot === null) return reply;
      return reply.header('cache-control', 'no-store').send(snapshot);
    },
  });

  definePath(app, '/api/v1/events', {
    GET: async (_request, reply) => {
      const snapshot = takeSnapshot(reply);
      if (snapshot === null) return reply;
      reply.hijack();
      streams.open(reply.raw, snapshot);
      return reply;
    },
  });

  definePath(app, '/api/v1/refresh', {
    POST: async (request, reply) => {
      const body: unknown = request.body;
      if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
        return sendError(reply, 'invalid_body', 'POST /api/v1/refresh takes an empty body or {}');
      }
      const { coalesced, requested_at } = source.refresh();
      return reply.code(202).send({ queued: true, coalesced, requested_at, operations: REFRESH_OPERATIONS });
    },
  });

  definePath(app, '/api/v1/:issue_identifier', {
    GET: async (request, reply) => {
      const identifier = param(request, 'issue_identifier');
      const detail = source.issue(identifier);
      if (detail === null) {
        // Not held now: the journal may still know its runs (issue 9).
        const past = history?.pastIssue(identifier, source.sessionLogs === undefined ? undefined : (id) => source.sessionLogs?.(id) ?? []) ?? null;
        if (past !== null) return reply.header('cache-control', 'no-store').send(past);
        const where = history?.source === undefined ? "the daemon's current state" : "the daemon's current state or its run journal";
        return sendError(reply, 'issue_not_found', `issue ${JSON.stringify(identifier)} is not known to ${where}`);
      }
      return reply.header('cache-control', 'no-store').send(history === undefined ? detail : history.issue(detail));
    },
  });

  if (history !== undefined) registerHistoryRoutes(app, history, context.now ?? Date.now);

  definePath(app, '/api/v1/:issue_identifier/answer', {
    POST: async (request, reply) => {
      const identifier = param(request, 'issue_identifier');
      const parsed = parseAnswerBody(request.body);
      if (!parsed.ok) return sendError(reply, 'invalid_answer', parsed.message);
      const outcome = source.answer(identifier, parsed.answer);
      if (outcome.ok) return reply.send({ answered: true });
      return sendError(reply, outcome.code, outcome.message);
    },
  });

  definePath(app, '/api/v1/:issue_identifier/logs/:label', {
    GET: async (request, reply) => {
      const identifier = param(request, 'issue_identifier');
      const label = param(request, 'label');
      const missing = (): FastifyReply =>
        sendError(reply, 'log_not_found', `issue ${JSON.stringify(identifier)} has no session log ${JSON.stringify(label)}`);
      const filePath = label.includes('/') || label.includes('\0') ? null : source.sessionLogPath(identifier, label);
      if (filePath === null) return missing();
      const info = await stat(filePath).catch(() => null);
      if (info === null || !info.isFile()) return missing();
      return reply.type('application/x-ndjson').header('cache-control', 'no-store').send(createReadStream(filePath));
    },
  });

  const { metrics } = context;
  if (metrics !== undefined) {
    definePath(app, '/metrics', {
      GET: async (_request, reply) => {
        const { contentType, body } = await metrics();
        return reply.type(contentType).header('cache-control', 'no-store').send(body);
      },
    });
  }
}
