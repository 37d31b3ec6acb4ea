/** Starts HTTP servers on 127.0.0.1 for a test file and closes them after each test. */
import { afterEach } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { startHttpServer, type HttpServer, type HttpServerOptions } from '../../src/server/server.js';
import { FakeSource } from './fake-source.js';

const open: HttpServer[] = [];
const cleanups: (() => void | Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await Promise.all(open.splice(0).map((server) => server.close()));
});

/** Runs `cleanup` after the current test, before its servers close. */
export function onCleanup(cleanup: () => void | Promise<void>): void {
  cleanups.push(cleanup);
}

/** A started server over a fresh (or given) {@link FakeSource}. */
export async function serve(options: Partial<HttpServerOptions> & { source?: FakeSource } = {}): Promise<{ server: HttpServer; source: FakeSource }> {
  const source = options.source ?? new FakeSource();
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, authToken: null, logger: silentLogger(), ...options, source });
  open.push(server);
  return { server, source };
}

/** `fetch` of a path on `server` returning status, headers and the body parsed as JSON when it is JSON. */
export async function call(server: HttpServer, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  return { status: response.status, headers: response.headers, body: isJson && text !== '' ? JSON.parse(text) : null, text };
}

/** A JSON POST. */
export function postJson(server: HttpServer, path: string, body: unknown): ReturnType<typeof call> {
  return call(server, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
