import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isSymphonyError, type SymphonyError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging/logger.js';
import { startHttpServer, type HttpServerOptions } from '../../src/server/server.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { FakeSource } from './fake-source.js';
import { onCleanup, serve } from './harness.js';

async function startFailure(options: Partial<HttpServerOptions>): Promise<SymphonyError> {
  const error: unknown = await startHttpServer({ source: new FakeSource(), host: '127.0.0.1', port: 0, authToken: null, logger: silentLogger(), ...options }).then(
    async (server) => {
      await server.close();
      return null;
    },
    (thrown: unknown) => thrown,
  );
  if (!isSymphonyError(error, 'http_server_failed')) throw new Error(`expected http_server_failed, got ${String(error)}`);
  return error;
}

describe('startHttpServer', () => {
  it('§13.7 port 0 binds an ephemeral port on 127.0.0.1 and logs the bound url', async () => {
    const records: LogRecord[] = [];
    const { server } = await serve({ logger: captureLogger(records) });
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(records).toContainEqual(expect.objectContaining({ level: 'info', msg: 'http server listening', url: server.url }));
  });

  it('a port in use fails with http_server_failed naming host:port and EADDRINUSE', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const error = await startFailure({ port });
    expect(error.message).toBe(`http server cannot listen on 127.0.0.1:${port}: EADDRINUSE (address already in use)`);
    expect(error.details).toEqual({ host: '127.0.0.1', port });
    expect(error.cause).toBeDefined();
  });

  it('an address this machine does not have fails with EADDRNOTAVAIL', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never assigned, so bind fails locally without traffic.
    const error = await startFailure({ host: '192.0.2.1', authToken: 'token' });
    expect(error.message).toBe('http server cannot listen on 192.0.2.1:0: EADDRNOTAVAIL (address not available on this machine)');
  });

  it.each([-1, 65536, 1.5, Number.NaN])('port %s is refused', async (port) => {
    const error = await startFailure({ port });
    expect(error.message).toContain('port must be an integer from 0 to 65535');
  });

  it('close() stops listening and is idempotent', async () => {
    const { server } = await serve();
    expect((await fetch(`${server.url}/api/v1/state`)).status).toBe(200);
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await expect(fetch(`${server.url}/api/v1/state`)).rejects.toThrow();
  });
});
