/**
 * A loopback MCP server over the Streamable HTTP transport (MCP 2025-03-26 / 2025-06-18), one per
 * ACP session, through which the agent calls the daemon's host-side tools (the tracker tool).
 *
 * - Listens on 127.0.0.1, an ephemeral port, path `/mcp`; nothing else is served.
 * - Every request must carry `Authorization: Bearer <token>` with the session's random token
 *   (256 bits, compared in constant time): 401 otherwise. Requests with an `Origin` header
 *   (browsers) are refused with 403, against DNS rebinding.
 * - `POST` carries one JSON-RPC message (or a batch): requests are answered with
 *   `application/json`, notifications and responses with 202. `GET` (the optional server-to-client
 *   SSE stream) and `DELETE` are 405: this server never sends requests and keeps no MCP session.
 * - Bodies are capped at 1 MiB (413).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleMcpMessage, type McpToolHandlers } from './mcp-protocol.js';

const MAX_BODY_BYTES = 1024 * 1024;
const PATH = '/mcp';

/** A running loopback MCP server. */
export interface McpHttpServer {
  /** `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  /** The bearer token clients must send (a secret: never log it). */
  readonly token: string;
  /** Stops listening and drops open connections. Idempotent. */
  close(): Promise<void>;
}

function authorized(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function send(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function answer(body: string, handlers: McpToolHandlers, res: http.ServerResponse): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    send(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
    return;
  }
  const messages = Array.isArray(parsed) ? parsed : [parsed];
  const responses = (await Promise.all(messages.map((message) => handleMcpMessage(message, handlers)))).filter((response) => response !== null);
  if (responses.length === 0) send(res, 202);
  else send(res, 200, Array.isArray(parsed) ? responses : responses[0]);
}

/** Starts a {@link McpHttpServer} serving `handlers`. */
export async function startMcpHttpServer(handlers: McpToolHandlers): Promise<McpHttpServer> {
  const token = randomBytes(32).toString('hex');
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0];
    if (url !== PATH) return send(res, 404);
    if (req.headers.origin !== undefined) return send(res, 403);
    if (!authorized(req.headers.authorization, token)) return send(res, 401, undefined, { 'www-authenticate': 'Bearer' });
    if (req.method !== 'POST') return send(res, 405, undefined, { allow: 'POST' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return send(res, 413);
      void answer(Buffer.concat(chunks).toString('utf8'), handlers, res).catch(() => send(res, 500));
    });
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}${PATH}`,
    token,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
