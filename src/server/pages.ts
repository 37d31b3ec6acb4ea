/**
 * The dashboard's documents (spec §13.7.1): `/`, `/issues/<issue_identifier>` and the static
 * assets, served with a strict Content-Security-Policy (no inline script or style, same-origin
 * fetches only) and never cached. Without dashboard pages, `/` is a minimal page linking the API.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DashboardPages } from '../status/types.js';
import { definePath } from './router.js';

/** Content-Security-Policy of every HTML document. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every HTML document. The referrer is withheld because URLs may carry `access_token`. */
export const HTML_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** The page `/` answers when no dashboard is configured. */
export function minimalIndex(withMetrics: boolean): string {
  const links = [
    ['/api/v1/state', 'current state (JSON)'],
    ['/api/v1/events', 'live events (server-sent events)'],
    ...(withMetrics ? [['/metrics', 'metrics (Prometheus text format)']] : []),
  ]
    .map(([href, text]) => `<li><a href="${href}">${href}</a> — ${text}</li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Symphony</title></head><body><h1>Symphony</h1><ul>${links}</ul></body></html>`;
}

/** Registers `/`, `/issues/:issue_identifier` and the assets of `pages` (or the minimal `/`). */
export function registerPages(app: FastifyInstance, pages: DashboardPages | undefined, withMetrics: boolean): void {
  const html = (document: string) => async (_request: unknown, reply: FastifyReply) => reply.headers(HTML_HEADERS).send(document);
  if (pages === undefined) {
    definePath(app, '/', { GET: html(minimalIndex(withMetrics)) });
    return;
  }
  definePath(app, '/', { GET: html(pages.index) });
  definePath(app, '/issues/:issue_identifier', { GET: html(pages.issue) });
  for (const asset of pages.assets) {
    definePath(app, asset.path, {
      GET: async (_request, reply) =>
        reply.headers({ 'content-type': asset.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).send(asset.body),
    });
  }
}
