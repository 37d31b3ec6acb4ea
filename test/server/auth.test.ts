import { describe, expect, it } from 'vitest';
import { isSymphonyError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging/logger.js';
import { isAuthorized, isLoopbackHost, tokensEqual } from '../../src/server/auth.js';
import { startHttpServer } from '../../src/server/server.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { FakeSource } from './fake-source.js';
import { call, serve } from './harness.js';
import { openEventStream } from './sse-reader.js';

const TOKEN = 's3cret-token-value';

describe('token checks (pure)', () => {
  it('accepts the bearer header (scheme case-insensitive) or the access_token query parameter', () => {
    expect(isAuthorized(null, { authorization: undefined, accessToken: undefined })).toBe(true);
    expect(isAuthorized(TOKEN, { authorization: `Bearer ${TOKEN}`, accessToken: undefined })).toBe(true);
    expect(isAuthorized(TOKEN, { authorization: `bearer ${TOKEN}`, accessToken: undefined })).toBe(true);
    expect(isAuthorized(TOKEN, { authorization: undefined, accessToken: TOKEN })).toBe(true);
    expect(isAuthorized(TOKEN, { authorization: undefined, accessToken: ['nope', TOKEN] })).toBe(true);
    expect(isAuthorized(TOKEN, { authorization: undefined, accessToken: undefined })).toBe(false);
    expect(isAuthorized(TOKEN, { authorization: `Basic ${TOKEN}`, accessToken: undefined })).toBe(false);
    expect(isAuthorized(TOKEN, { authorization: `Bearer ${TOKEN}x`, accessToken: 'x' })).toBe(false);
    expect(isAuthorized(TOKEN, { authorization: 'Bearer', accessToken: '' })).toBe(false);
  });

  it('compares tokens of any length without throwing', () => {
    expect(tokensEqual('a', 'a')).toBe(true);
    expect(tokensEqual('a', 'ab')).toBe(false);
    expect(tokensEqual('', TOKEN)).toBe(false);
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['example.com', false],
  ])('isLoopbackHost(%s) is %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('HTTP authentication', () => {
  it('without a token configured, requests need no credentials', async () => {
    const { server } = await serve();
    expect((await call(server, '/api/v1/state')).status).toBe(200);
  });

  it('with a token, a missing or wrong token answers 401 unauthorized with WWW-Authenticate: Bearer, on every path', async () => {
    const { server, source } = await serve({ authToken: TOKEN });
    for (const [url, init] of [
      ['/api/v1/state', {}],
      ['/api/v1/state', { headers: { authorization: 'Bearer wrong' } }],
      ['/api/v1/state?access_token=wrong', {}],
      ['/', {}],
      ['/no/such/path', {}],
      ['/api/v1/refresh', { method: 'POST' }],
      ['/api/v1/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(70 * 1024) }],
    ] as const) {
      const response = await call(server, url, init);
      expect(response.status, url).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
      expect(response.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      expect(response.text).not.toContain(TOKEN);
    }
    expect(source.refreshes).toBe(0);
  });

  it('accepts Authorization: Bearer <token> and ?access_token=<token> (RFC 6750 §2.3), and never logs the token', async () => {
    const records: LogRecord[] = [];
    const { server, source } = await serve({ authToken: TOKEN, logger: captureLogger(records) });
    expect((await call(server, '/api/v1/state', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await call(server, `/api/v1/state?access_token=${TOKEN}`)).status).toBe(200);
    expect((await call(server, `/?access_token=${TOKEN}`)).status).toBe(200);
    const refresh = await call(server, `/api/v1/refresh?access_token=${TOKEN}`, { method: 'POST' });
    expect(refresh.status).toBe(202);
    expect(source.refreshes).toBe(1);
    source.issueError = new Error('boom');
    expect((await call(server, `/api/v1/MT-1?access_token=${TOKEN}`)).status).toBe(500);
    expect(records.some((record) => record.msg === 'http request failed')).toBe(true);
    expect(JSON.stringify(records)).not.toContain(TOKEN);
  });

  it('GET of the dashboard static assets needs no token (browsers cannot attach it); the documents do', async () => {
    const pages = { index: '<!doctype html>', issue: '<!doctype html>', assets: [{ path: '/assets/index.js', contentType: 'text/javascript', body: 'export {};' }] };
    const { server } = await serve({ authToken: TOKEN, pages });
    const asset = await call(server, '/assets/index.js');
    expect(asset.status).toBe(200);
    expect(asset.text).toBe('export {};');
    expect((await call(server, '/assets/index.js', { method: 'POST' })).status).toBe(401);
    expect((await call(server, '/assets/other.js')).status).toBe(401);
    expect((await call(server, '/')).status).toBe(401);
    expect((await call(server, '/issues/MT-1')).status).toBe(401);
    expect((await call(server, `/issues/MT-1?access_token=${TOKEN}`)).status).toBe(200);
  });

  it('the event stream accepts the access_token query parameter (EventSource cannot set headers)', async () => {
    const { server } = await serve({ authToken: TOKEN });
    const denied = await fetch(`${server.url}/api/v1/events`);
    expect(denied.status).toBe(401);
    await denied.body?.cancel();
    const { response, reader } = await openEventStream(`${server.url}/api/v1/events?access_token=${TOKEN}`);
    expect(response.status).toBe(200);
    await reader.waitForEvents(1);
    reader.cancel();
  });

  it('refuses to start on a non-loopback host without a token (http_server_failed)', async () => {
    for (const authToken of [null, '']) {
      const attempt = startHttpServer({ source: new FakeSource(), host: '0.0.0.0', port: 0, authToken, logger: silentLogger() });
      const error: unknown = await attempt.then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(isSymphonyError(error, 'http_server_failed')).toBe(true);
      expect((error as Error).message).toBe('http server refuses to listen on 0.0.0.0:0: a non-loopback host requires server.auth_token');
    }
  });
});
