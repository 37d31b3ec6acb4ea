/**
 * Path-level routing with `405 Method Not Allowed` (spec §13.7.2 "API design notes"): each path
 * is declared once with its handlers, and every other method on that path answers 405 with an
 * `Allow` header instead of falling through to a parameterised route or to 404.
 */
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { sendError } from './http-errors.js';

/** Methods the server routes (fastify's standard set; HEAD is not derived from GET). */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'QUERY'] as const;

/** One of {@link HTTP_METHODS}. */
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The handlers of one path, by method. */
export type PathHandlers = Partial<Record<HttpMethod, RouteHandlerMethod>>;

/**
 * Registers `url` (a find-my-way pattern such as `/api/v1/:issue_identifier`) with `handlers`,
 * and a 405 `method_not_allowed` envelope with `Allow: <methods>` for every other method.
 */
export function definePath(app: FastifyInstance, url: string, handlers: PathHandlers): void {
  const allowed = HTTP_METHODS.filter((method) => handlers[method] !== undefined);
  for (const method of allowed) {
    const handler = handlers[method];
    if (handler !== undefined) app.route({ method, url, handler });
  }
  const others = HTTP_METHODS.filter((method) => handlers[method] === undefined);
  if (others.length === 0) return;
  const allow = allowed.join(', ');
  app.route({
    method: [...others],
    url,
    handler: (request, reply) =>
      sendError(reply.header('allow', allow), 'method_not_allowed', `${request.method} is not allowed on ${url}; allowed: ${allow}`),
  });
}
