/**
 * The dashboard's documents (spec §13.7.1): `/`, `/issues/<issue_identifier>` and the static
 * assets, served with a strict Content-Security-Policy (no inline script or style, same-origin
 * fetches only) and never cached. Without dashboard pages, `/` is a minimal page linking the API.
 *
 * A document that holds the {@link INITIAL_STATE_SLOT} is served with the data its script would
 * otherwise fetch first (the state for `/`, the issue's details for an issue page) in that slot,
 * as a JSON data block, so the first paint shows data without waiting for a request or the event
 * stream. A data block is never executed, so the CSP (`script-src 'self'`) is unchanged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DashboardPages, StatusSource } from '../status/types.js';
import type { HistoryView } from './history.js';
import { definePath } from './router.js';

/** The empty data block a document carries where the server puts its initial data. */
export const INITIAL_STATE_SLOT = '<script type="application/json" id="initial-state"></script>';

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

/**
 * `document` with `data` as JSON in its {@link INITIAL_STATE_SLOT}; unchanged when it has no slot
 * or `data` is null. `<`, `>`, `&` and U+2028/U+2029 are written as `\u` escapes, so no string
 * in the data can end the block or start markup. Pure.
 */
export function withInitialState(document: string, data: unknown): string {
  if (data === null || data === undefined || !document.includes(INITIAL_STATE_SLOT)) return document;
  const json = JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const close = '</script>';
  const filled = `${INITIAL_STATE_SLOT.slice(0, -close.length)}${json}${close}`;
  return document.replace(INITIAL_STATE_SLOT, () => filled);
}

/**
 * Registers `/`, `/issues/:issue_identifier` and the assets of `pages` (or the minimal `/`). With
 * `source`, the documents carry their initial data (see {@link withInitialState}), with the run
 * history of `history` when given (the same documents as `/api/v1/state` and the issue route); a
 * source that throws only leaves the data out (the page then fetches it).
 */
export function registerPages(app: FastifyInstance, pages: DashboardPages | undefined, withMetrics: boolean, source?: StatusSource, history?: HistoryView): void {
  const html = (document: string, data: (request: FastifyRequest) => unknown = () => null) => async (request: FastifyRequest, reply: FastifyReply) =>
    reply.headers(HTML_HEADERS).send(withInitialState(document, readSafely(() => data(request))));
  if (pages === undefined) {
    definePath(app, '/', { GET: html(minimalIndex(withMetrics)) });
    return;
  }
  definePath(app, '/', {
    GET: html(pages.index, () => {
      const snapshot = source?.snapshot() ?? null;
      return snapshot === null || history === undefined ? snapshot : history.state(snapshot);
    }),
  });
  definePath(app, '/issues/:issue_identifier', {
    GET: html(pages.issue, (request) => {
      const identifier = (request.params as Record<string, string | undefined>).issue_identifier ?? '';
      const detail = source?.issue(identifier) ?? null;
      return detail === null || history === undefined ? detail : history.issue(detail);
    }),
  });
  for (const asset of pages.assets) {
    definePath(app, asset.path, {
      GET: async (_request, reply) =>
        reply.headers({ 'content-type': asset.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).send(asset.body),
    });
  }
}

/** `read()`, or null when it throws. */
function readSafely(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    return null;
  }
}
