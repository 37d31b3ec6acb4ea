/**
 * §17.3 conformance: the Linear adapter's error mapping for the answers a real network produces
 * that a GraphQL server never would (an HTML error page from a proxy, an empty 503, a 200 that is
 * not JSON), broken pagination, and the language-native transport errors, served by a plain HTTP
 * server on 127.0.0.1. The GraphQL-level cases are in test/tracker/linear-errors.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SymphonyError } from '../../src/errors.js';
import { silentLogger } from '../../src/logging/logger.js';
import { linearTrackerProfile } from '../../src/tracker/linear/profile.js';
import type { TrackerAdapter } from '../../src/tracker/tracker.js';

const API_KEY = 'lin_api_CONF_ERRORS_0123456789abcdef';

/** One canned HTTP answer. */
interface Answer {
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
}

const json = (value: unknown): Answer => ({ status: 200, contentType: 'application/json', body: JSON.stringify(value) });
const page = (hasNextPage: unknown, endCursor: unknown): Answer => json({ data: { issues: { nodes: [], pageInfo: { hasNextPage, endCursor } } } });

let server: http.Server | null = null;
afterEach(() => stopServer());

/** Closes the current server and every connection to it (keep-alive ones included). */
async function stopServer(): Promise<void> {
  const current = server;
  server = null;
  if (current === null) return;
  current.closeAllConnections();
  await new Promise<void>((resolve) => current.close(() => resolve()));
}

/** Serves `answers` in order (the last one repeats); returns the endpoint URL. */
async function serve(answers: readonly Answer[]): Promise<string> {
  let next = 0;
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = answers[Math.min(next++, answers.length - 1)]!;
      res.writeHead(answer.status, answer.contentType ? { 'content-type': answer.contentType } : {});
      res.end(answer.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server!.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

function adapter(endpoint: string, requestTimeoutMs = 30_000): TrackerAdapter {
  const validation = linearTrackerProfile.validate({ api_key: API_KEY, project_slug: 'proj', endpoint, request_timeout_ms: requestTimeoutMs }, {});
  return linearTrackerProfile.create(validation.settings!, { activeStates: ['Todo'], terminalStates: ['Done'] }, { logger: silentLogger() });
}

async function failure(promise: Promise<unknown>): Promise<SymphonyError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SymphonyError);
  const symphonyError = error as SymphonyError;
  expect(symphonyError.toLine()).not.toMatch(/\n/);
  expect(symphonyError.toLine()).not.toContain(API_KEY);
  return symphonyError;
}

describe('§17.3 Error mapping covers config, request, non-success response, malformed payload, pagination, and rate limiting (conformance)', () => {
  it('§17.3 non-success responses without a GraphQL body (proxy HTML page, empty 503) map to tracker_status with the status, not the page', async () => {
    const a = adapter(await serve([{ status: 502, contentType: 'text/html', body: '<html><body>Bad gateway</body></html>' }, { status: 503, body: '' }]));
    const html = await failure(a.fetchIssuesByStates(['Todo']));
    expect(html).toMatchObject({ code: 'tracker_status', message: 'Linear answered SymphonyIssuesByStates with HTTP 502', details: { status: 502 } });
    expect(html.toLine()).not.toContain('<html>');
    expect(await failure(a.fetchIssuesByIds(['x']))).toMatchObject({ code: 'tracker_status', message: 'Linear answered SymphonyIssuesByIds with HTTP 503' });
  });

  it('§17.3 a 200 whose body is not a GraphQL JSON object maps to tracker_response', async () => {
    const a = adapter(await serve([{ status: 200, contentType: 'text/html', body: '<html>maintenance</html>' }, json('just a string')]));
    expect(await failure(a.fetchIssuesByStates(['Todo']))).toMatchObject({ code: 'tracker_response', message: 'Linear answered SymphonyIssuesByStates with a non-JSON body (HTTP 200)' });
    expect((await failure(a.fetchIssuesByStates(['Todo']))).code).toBe('tracker_response');
  });

  it('§17.3 pagination integrity: a repeated endCursor or an unusable pageInfo maps to tracker_pagination and fails the whole read', async () => {
    const repeated = adapter(await serve([page(true, 'c1'), page(true, 'c1')]));
    expect(await failure(repeated.fetchIssuesByStates(['Todo']))).toMatchObject({ code: 'tracker_pagination', message: 'Linear issues page 2 repeated the previous endCursor' });
    await stopServer();
    const missing = adapter(await serve([json({ data: { issues: { nodes: [] } } })]));
    expect(await failure(missing.fetchIssuesByStates(['Todo']))).toMatchObject({ code: 'tracker_pagination', message: 'Linear issues page 1 has no usable pageInfo.hasNextPage' });
  });

  it('§17.3 language-native transport errors: a refused connection (fetch TypeError) and a deadline (AbortError) map to tracker_request naming the endpoint', async () => {
    const endpoint = await serve([json({})]);
    await stopServer();
    const refused = await failure(adapter(endpoint).fetchIssuesByStates(['Todo']));
    expect(refused.code).toBe('tracker_request');
    expect(refused.message).toBe(`Linear request SymphonyIssuesByStates to ${endpoint} failed: fetch failed (ECONNREFUSED)`);
    expect(refused.cause).toBeInstanceOf(TypeError);

    const silent = await serve([json({})]);
    server!.removeAllListeners('request'); // accept the connection, never answer
    const timedOut = await failure(adapter(silent, 200).fetchIssuesByStates(['Todo']));
    expect(timedOut).toMatchObject({ code: 'tracker_request', message: `Linear request SymphonyIssuesByStates to ${silent} timed out after 200 ms` });
  });

  it('§17.3 the linear_graphql tool reports the same categories as structured failures, never throwing', async () => {
    const a = adapter(await serve([{ status: 502, contentType: 'text/html', body: '<html>Bad gateway</html>' }]));
    const issue = { id: 'x', nativeRef: null, identifier: 'SYM-1', title: 't', description: null, priority: null, state: 'Todo', branchName: null, url: null, assigneeId: null, labels: [], blockedBy: [], dispatchable: true, createdAt: null, updatedAt: null };
    await expect(a.executeAgentTool('linear_graphql', { query: '{ viewer { id } }' }, { issue })).resolves.toEqual({
      success: false,
      text: 'tracker_status: Linear answered linear_graphql with HTTP 502',
    });
  });
});
